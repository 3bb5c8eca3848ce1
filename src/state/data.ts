import { CouplingTable, type ExtraSpill } from './coupling-table.js';
import type { Coupling, SideName, SyncDirection, UncoupledFailure, Watermarks } from './types.js';

/**
 * The in-memory state: per mapping a CouplingTable (compact columns, O(1) lookups by either id). Only this
 * module changes it; replay (snapshot and journal) and the store's API both go through `put*`/`delete*`.
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

  /** The couplings: read from `file`, then changed and added to by the run (replaced when cleared). */
  table: CouplingTable;
  /** `${direction}\u0000${sourceId}` → failure of a record that is not coupled. */
  readonly uncoupledFailures = new Map<string, UncoupledFailure>();
  watermarks: Watermarks = {};

  constructor(
    readonly name: string,
    /** Where the tables of a writable store keep `extra` values beyond their in-memory budget. */
    readonly spill?: ExtraSpill,
  ) {
    this.table = new CouplingTable(name, spill);
  }

  byBcId(bcId: string): Coupling | undefined {
    const row = this.table.find(0, bcId);
    return row >= 0 ? this.table.get(row, 0, bcId) : undefined;
  }

  byDataverseId(dataverseId: string): Coupling | undefined {
    const row = this.table.find(1, dataverseId);
    return row >= 0 ? this.table.get(row, 1, dataverseId) : undefined;
  }
}

export function failureKey(direction: SyncDirection, sourceId: string): string {
  return `${direction}\u0000${sourceId}`;
}

export class StateData {
  readonly mappings = new Map<string, MappingState>();
  private couplingCount = 0;

  /** Reads a mapping's file into this data (set by the store; snapshot.ts `loadMappingFile`). */
  constructor(
    private readonly loader?: (data: StateData, m: MappingState) => void,
    private readonly spill?: ExtraSpill,
  ) {}

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
      m = new MappingState(name, this.spill);
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
      m.table = new CouplingTable(m.name, m.spill);
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
    const t = m.table;
    const sameBc = t.find(0, c.bcId);
    const sameDv = t.find(1, c.dataverseId);
    let displaced: Coupling | undefined;
    if (sameDv >= 0 && sameDv !== sameBc) {
      displaced = t.get(sameDv);
      t.markChanged(sameDv);
      t.remove(sameDv);
      this.couplingCount -= 1;
    }
    if (sameBc >= 0 && sameBc === sameDv) {
      t.markChanged(sameBc);
      t.replace(sameBc, c);
      return displaced;
    }
    // A new pair: a new row (the bcId's old row, coupled to another Dataverse id, goes).
    if (sameBc >= 0) {
      t.markChanged(sameBc);
      t.remove(sameBc);
      this.couplingCount -= 1;
    }
    if (t.add(c) === 'ok') t.markChanged(t.length - 1);
    this.couplingCount += 1;
    return displaced;
  }

  /** Adds a coupling whose ids no coupling of its mapping holds (the caller has just checked and made room). */
  addCoupling(c: Coupling): void {
    const m = this.ensure(c.mapping);
    m.dirty = true;
    const added = m.table.add(c);
    if (added !== 'ok') throw new Error(`${c.mapping}: the ${added === 'bcId taken' ? 'BC' : 'Dataverse'} id of a new coupling is taken`);
    m.table.markChanged(m.table.length - 1);
    this.couplingCount += 1;
  }

  /**
   * Adds a coupling read from the snapshot, where neither id may repeat. Returns which id is already
   * taken instead of displacing anything.
   */
  addLoadedCoupling(c: Coupling): 'ok' | 'bcId taken' | 'dataverseId taken' {
    const added = this.ensure(c.mapping).table.add(c);
    if (added === 'ok') this.couplingCount += 1;
    return added;
  }

  /** Counts a row the mapping file's reader added to the table. */
  countLoadedRow(): void {
    this.couplingCount += 1;
  }

  deleteCoupling(mapping: string, bcId: string): Coupling | undefined {
    const m = this.mapping(mapping);
    const row = m ? m.table.find(0, bcId) : -1;
    if (!m || row < 0) return undefined;
    const c = m.table.get(row);
    m.dirty = true;
    m.table.markChanged(row);
    m.table.remove(row);
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
    const n = m.table.size;
    m.table.retire();
    m.table = new CouplingTable(m.name, m.spill);
    this.couplingCount -= n;
    return n;
  }

  /** Forgets which couplings changed (after replay, or when pending changes are discarded). */
  forgetChanges(): void {
    for (const m of this.mappings.values()) if (m.loaded) m.table.takeChanged();
  }

  /** Couplings changed since the last `takeChanged` of their table. */
  get changedCouplings(): number {
    let n = 0;
    for (const m of this.mappings.values()) if (m.loaded) n += m.table.changedCount;
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
