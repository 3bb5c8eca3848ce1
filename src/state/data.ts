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

/** id → coupling, where a coupling still in its loaded row is held as the row number (see CouplingRows). */
export class CouplingMap {
  private readonly map = new Map<string, Coupling | number>();

  constructor(private readonly owner: { rows: CouplingRows | undefined }) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): Coupling | undefined {
    const v = this.map.get(id);
    return typeof v === 'number' ? this.owner.rows!.get(v) : v;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  set(id: string, c: Coupling | number): this {
    this.map.set(id, c);
    return this;
  }

  delete(id: string): boolean {
    return this.map.delete(id);
  }

  clear(): void {
    this.map.clear();
  }

  /** Live, like Map iteration: changes made while iterating are seen. */
  *values(): IterableIterator<Coupling> {
    for (const v of this.map.values()) yield typeof v === 'number' ? this.owner.rows!.get(v) : v;
  }
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
  readonly byBc = new CouplingMap(this);
  /** dataverseId → coupling (the same objects). */
  readonly byDv = new CouplingMap(this);
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
    // Counted from the file's rows as they are added.
    this.couplingCount -= m.fileCount;
    m.loaded = true;
    try {
      this.loader(this, m);
    } catch (err) {
      // Leave it unloaded (and counted as before), so nothing half-read is ever used or written back.
      this.couplingCount -= m.byBc.size - m.fileCount;
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
    const bcId = rows.bcId[row]!;
    const size = m.byBc.size;
    m.byBc.set(bcId, row);
    if (m.byBc.size === size) return 'bcId taken';
    m.byDv.set(rows.dataverseId[row]!, row);
    if (m.byDv.size === size) return 'dataverseId taken';
    if (rows.troubled(row)) m.troubled.add(bcId);
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
