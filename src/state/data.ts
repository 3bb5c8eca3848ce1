import type { CouplingMore } from './schema.js';
import type { Coupling, SideName, SyncDirection, UncoupledFailure, Watermarks } from './types.js';

const RESULT: readonly ('success' | 'failure' | undefined)[] = [undefined, 'success', 'failure'];

/**
 * A mapping's couplings as read from its file: one array per column (no object per coupling), turned into a
 * Coupling object the first time one is asked for. A million couplings load as a few arrays and two Maps of
 * small integers, which is what makes a large state quick to open and light to hold.
 */
export class CouplingRows {
  readonly bcId: string[] = [];
  readonly dataverseId: string[] = [];
  readonly coupledAt: string[] = [];
  readonly bcModifiedAt: (string | undefined)[] = [];
  readonly dataverseModifiedAt: (string | undefined)[] = [];
  /** to-Dataverse result + 3 * to-BC result (0 none, 1 success, 2 failure). */
  readonly results: number[] = [];
  /** Whatever a row holds beyond the common case; undefined for most rows. */
  readonly more: (CouplingMore | undefined)[] = [];
  private readonly made: (Coupling | undefined)[] = [];

  constructor(readonly mapping: string) {}

  get length(): number {
    return this.bcId.length;
  }

  push(bcId: string, dataverseId: string, coupledAt: string, bcModifiedAt: string | undefined, dataverseModifiedAt: string | undefined, results: number, more: CouplingMore | undefined): number {
    this.bcId.push(bcId);
    this.dataverseId.push(dataverseId);
    this.coupledAt.push(coupledAt);
    this.bcModifiedAt.push(bcModifiedAt);
    this.dataverseModifiedAt.push(dataverseModifiedAt);
    this.results.push(results);
    this.more.push(more);
    return this.bcId.length - 1;
  }

  troubled(row: number): boolean {
    const r = this.results[row]!;
    return r % 3 === 2 || r >= 6 || this.more[row]?.skipped === true;
  }

  /** The row's Coupling, made once (the same object for every lookup, as a Map of objects would give). */
  get(row: number): Coupling {
    const made = this.made[row];
    if (made) return made;
    const more = this.more[row];
    const r = this.results[row]!;
    const c: Coupling = {
      mapping: this.mapping,
      bcId: this.bcId[row]!,
      dataverseId: this.dataverseId[row]!,
      coupledAt: this.coupledAt[row]!,
      bcModifiedAt: this.bcModifiedAt[row],
      dataverseModifiedAt: this.dataverseModifiedAt[row],
      lastResultToDataverse: RESULT[r % 3],
      lastResultToBc: RESULT[Math.floor(r / 3)],
      lastErrorToDataverse: more?.lastErrorToDataverse,
      lastErrorToBc: more?.lastErrorToBc,
      skipped: more?.skipped ?? false,
      failureCount: more?.failureCount ?? 0,
      extra: more?.extra !== undefined && Object.keys(more.extra).length > 0 ? more.extra : undefined,
    };
    this.made[row] = c;
    return c;
  }
}

/** FNV-1a over the id's characters: the slot of an id in a RowIndex. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * id → row of a column of loaded couplings: an open-addressing table of row numbers (4 bytes a slot, two slots
 * a row), not a Map entry per coupling. Built once while a file is read; later changes go to CouplingMap's overlay.
 */
class RowIndex {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(
    private readonly ids: readonly string[],
    expected: number,
  ) {
    let size = 16;
    while (size < expected * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  /** Adds `row`; returns the row that already holds its id (nothing added), or -1. */
  add(row: number): number {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    const id = this.ids[row]!;
    for (let i = hashId(id) & this.mask; ; i = (i + 1) & this.mask) {
      const held = this.slots[i]!;
      if (held < 0) {
        this.slots[i] = row;
        this.count += 1;
        return -1;
      }
      if (this.ids[held] === id) return held;
    }
  }

  /** The row holding `id`, or -1. */
  find(id: string): number {
    for (let i = hashId(id) & this.mask; ; i = (i + 1) & this.mask) {
      const held = this.slots[i]!;
      if (held < 0) return -1;
      if (this.ids[held] === id) return held;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    this.count = 0;
    for (const row of old) if (row >= 0) this.add(row);
  }
}

/**
 * id → coupling. Couplings read from a file are found through a RowIndex into the mapping's CouplingRows;
 * every change made since lives in a small Map in front of it (`null`: a loaded coupling removed).
 */
export class CouplingMap {
  private readonly overlay = new Map<string, Coupling | null>();
  private index: RowIndex | undefined;
  private rows: CouplingRows | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Starts an index over `ids` (a column of `rows`) for about `expected` rows; the map must be empty. */
  attach(rows: CouplingRows, ids: readonly string[], expected: number): void {
    this.rows = rows;
    this.index = new RowIndex(ids, expected);
  }

  /** Adds a loaded row; returns the row already holding its id (nothing added), or -1. */
  addRow(row: number): number {
    const held = this.index!.add(row);
    if (held < 0) this.count += 1;
    return held;
  }

  private loadedRow(id: string): number {
    return this.index ? this.index.find(id) : -1;
  }

  get(id: string): Coupling | undefined {
    const o = this.overlay.get(id);
    if (o !== undefined) return o ?? undefined;
    const row = this.loadedRow(id);
    return row >= 0 ? this.rows!.get(row) : undefined;
  }

  has(id: string): boolean {
    const o = this.overlay.get(id);
    return o !== undefined ? o !== null : this.loadedRow(id) >= 0;
  }

  set(id: string, c: Coupling): this {
    if (!this.has(id)) this.count += 1;
    this.overlay.set(id, c);
    return this;
  }

  delete(id: string): boolean {
    if (!this.has(id)) return false;
    if (this.loadedRow(id) >= 0) this.overlay.set(id, null);
    else this.overlay.delete(id);
    this.count -= 1;
    return true;
  }

  clear(): void {
    this.overlay.clear();
    this.index = undefined;
    this.rows = undefined;
    this.count = 0;
  }

  /** Loaded rows in file order, then couplings added since; live like Map iteration (additions are seen). */
  *values(): IterableIterator<Coupling> {
    const rows = this.rows;
    const ids = rows ? (this.index === undefined ? [] : this.idsOf(rows)) : [];
    for (let row = 0; row < ids.length; row++) {
      const o = this.overlay.get(ids[row]!);
      if (o === undefined) yield rows!.get(row);
      else if (o !== null) yield o;
    }
    for (const [id, o] of this.overlay) if (o !== null && this.loadedRow(id) < 0) yield o;
  }

  private idsOf(rows: CouplingRows): readonly string[] {
    return this.column === 'bcId' ? rows.bcId : rows.dataverseId;
  }

  constructor(private readonly column: 'bcId' | 'dataverseId') {}
}

/**
 * The in-memory state: plain Maps keyed by id, so every lookup is O(1). Only this module changes the
 * Maps; replay (snapshot and journal) and the store's API both go through `put*`/`delete*`.
 *
 * Couplings are loaded per mapping: the snapshot names one file per mapping, and a mapping's file is read
 * the first time its couplings are asked for (`mapping`, `ensure`), so a run reads only what it syncs.
 * Watermarks and uncoupled failures live in the snapshot itself and never load a mapping (`entry`).
 */

export class MappingState {
  /** The snapshot file holding this mapping's couplings (relative to the state directory), if any. */
  file: string | undefined;
  /** Couplings in `file`, as the snapshot says. */
  fileCount = 0;
  /** False while `file` has not been read. */
  loaded = true;
  /** Couplings changed since `file` was written: the next compaction writes a new file. */
  dirty = false;

  /** The couplings read from `file` (until the mapping is cleared). */
  rows: CouplingRows | undefined;
  /** bcId → coupling. */
  readonly byBc = new CouplingMap('bcId');
  /** dataverseId → coupling (the same objects). */
  readonly byDv = new CouplingMap('dataverseId');
  /** bcIds of couplings with a failing direction or the skipped flag: failure queries never scan all couplings. */
  readonly troubled = new Set<string>();
  /** `${direction}\u0000${sourceId}` → failure of a record that is not coupled. */
  readonly uncoupledFailures = new Map<string, UncoupledFailure>();
  watermarks: Watermarks = {};

  constructor(readonly name: string) {}
}

export function failureKey(direction: SyncDirection, sourceId: string): string {
  return `${direction}\u0000${sourceId}`;
}

function isTroubled(c: Coupling): boolean {
  return c.skipped || c.lastResultToDataverse === 'failure' || c.lastResultToBc === 'failure';
}

export class StateData {
  readonly mappings = new Map<string, MappingState>();
  private couplingCount = 0;

  /** Reads a mapping's file into this data (set by the store; snapshot.ts `loadMappingFile`). */
  constructor(private readonly loader?: (data: StateData, m: MappingState) => void) {}

  get size(): number {
    return this.couplingCount;
  }

  /** The mapping's state with its couplings loaded, or undefined when the state knows nothing of it. */
  mapping(name: string): MappingState | undefined {
    const m = this.mappings.get(name);
    if (m && !m.loaded) this.load(m);
    return m;
  }

  /** The mapping's state without loading its couplings (watermarks, uncoupled failures, file bookkeeping). */
  entry(name: string): MappingState {
    let m = this.mappings.get(name);
    if (!m) {
      m = new MappingState(name);
      this.mappings.set(name, m);
    }
    return m;
  }

  /** The mapping's state, created on first use and loaded; its `name` is the one string every coupling shares. */
  ensure(name: string): MappingState {
    const m = this.entry(name);
    if (!m.loaded) this.load(m);
    return m;
  }

  /** Names a snapshot file that holds `count` couplings of `name`, read when first needed. */
  registerFile(name: string, file: string, count: number): void {
    const m = this.entry(name);
    m.file = file;
    m.fileCount = count;
    m.loaded = false;
    this.couplingCount += count;
  }

  private load(m: MappingState): void {
    if (!this.loader) throw new Error(`no loader for the couplings of ${m.name}`);
    const counted = this.couplingCount;
    // Counted from the file's rows as they are added.
    this.couplingCount -= m.fileCount;
    m.loaded = true;
    try {
      this.loader(this, m);
    } catch (err) {
      // Leave it unloaded (and counted as before), so nothing half-read is ever used or written back.
      this.couplingCount = counted;
      m.byBc.clear();
      m.byDv.clear();
      m.troubled.clear();
      m.rows = undefined;
      m.loaded = false;
      throw err;
    }
  }

  /**
   * Stores a coupling, replacing the one with the same bcId. A different coupling holding the same
   * dataverseId is displaced and returned (the store refuses that case before calling; replay relies on
   * the journal to re-put or delete the displaced coupling within the same batch).
   */
  putCoupling(c: Coupling): Coupling | undefined {
    const m = this.ensure(c.mapping);
    m.dirty = true;
    const previous = m.byBc.get(c.bcId);
    if (previous) {
      if (previous.dataverseId !== c.dataverseId) m.byDv.delete(previous.dataverseId);
    } else {
      this.couplingCount += 1;
    }
    let displaced: Coupling | undefined;
    const holder = m.byDv.get(c.dataverseId);
    if (holder && holder.bcId !== c.bcId) {
      displaced = holder;
      m.byBc.delete(holder.bcId);
      m.troubled.delete(holder.bcId);
      this.couplingCount -= 1;
    }
    m.byBc.set(c.bcId, c);
    m.byDv.set(c.dataverseId, c);
    if (isTroubled(c)) m.troubled.add(c.bcId);
    else if (m.troubled.size > 0) m.troubled.delete(c.bcId);
    return displaced;
  }

  /**
   * Adds a coupling read from the snapshot, where neither id may repeat. Returns which id is already
   * taken instead of displacing anything (one lookup per index, the load of a million couplings is hot).
   */
  addLoadedCoupling(c: Coupling): 'ok' | 'bcId taken' | 'dataverseId taken' {
    const m = this.ensure(c.mapping);
    // A set that does not grow the Map found the id taken; the load then fails, so overwriting is harmless.
    const size = m.byBc.size;
    m.byBc.set(c.bcId, c);
    if (m.byBc.size === size) return 'bcId taken';
    m.byDv.set(c.dataverseId, c);
    if (m.byDv.size === size) return 'dataverseId taken';
    if (isTroubled(c)) m.troubled.add(c.bcId);
    this.couplingCount += 1;
    return 'ok';
  }

  /** Adds row `row` of the mapping's loaded rows, as `addLoadedCoupling` does for an object. */
  addLoadedRow(m: MappingState, row: number): 'ok' | 'bcId taken' | 'dataverseId taken' {
    const rows = m.rows!;
    if (m.byBc.addRow(row) >= 0) return 'bcId taken';
    if (m.byDv.addRow(row) >= 0) return 'dataverseId taken';
    if (rows.troubled(row)) m.troubled.add(rows.bcId[row]!);
    this.couplingCount += 1;
    return 'ok';
  }

  deleteCoupling(mapping: string, bcId: string): Coupling | undefined {
    const m = this.mapping(mapping);
    const c = m?.byBc.get(bcId);
    if (!m || !c) return undefined;
    m.dirty = true;
    m.byBc.delete(bcId);
    if (m.byDv.get(c.dataverseId) === c) m.byDv.delete(c.dataverseId);
    m.troubled.delete(bcId);
    this.couplingCount -= 1;
    return c;
  }

  clearCouplings(mapping: string): number {
    const m = this.mappings.get(mapping);
    if (!m) return 0;
    if (!m.loaded) {
      // No need to read what is thrown away.
      m.loaded = true;
      this.couplingCount -= m.fileCount;
      m.dirty = true;
      return m.fileCount;
    }
    m.dirty = true;
    m.rows = undefined;
    const n = m.byBc.size;
    m.byBc.clear();
    m.byDv.clear();
    m.troubled.clear();
    this.couplingCount -= n;
    return n;
  }

  setWatermark(mapping: string, side: SideName, at: string | undefined): void {
    const m = this.entry(mapping);
    const next: Watermarks = { ...m.watermarks };
    if (at === undefined) delete next[side];
    else next[side] = at;
    m.watermarks = next;
  }

  putFailure(f: UncoupledFailure): void {
    this.entry(f.mapping).uncoupledFailures.set(failureKey(f.direction, f.sourceId), f);
  }

  deleteFailure(mapping: string, direction: SyncDirection, sourceId: string): UncoupledFailure | undefined {
    const m = this.mappings.get(mapping);
    if (!m || m.uncoupledFailures.size === 0) return undefined;
    const key = failureKey(direction, sourceId);
    const f = m.uncoupledFailures.get(key);
    if (f) m.uncoupledFailures.delete(key);
    return f;
  }
}
