import type { Coupling, SideName, SyncDirection, UncoupledFailure, Watermarks } from './types.js';

/**
 * The in-memory state: plain Maps keyed by id, so every lookup is O(1). Only this module changes the
 * Maps; replay (snapshot and journal) and the store's API both go through `put*`/`delete*`.
 */

export class MappingState {
  /** bcId → coupling. */
  readonly byBc = new Map<string, Coupling>();
  /** dataverseId → coupling (the same objects). */
  readonly byDv = new Map<string, Coupling>();
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

  get size(): number {
    return this.couplingCount;
  }

  mapping(name: string): MappingState | undefined {
    return this.mappings.get(name);
  }

  /** The mapping's state, created on first use; its `name` is the one string every coupling shares. */
  ensure(name: string): MappingState {
    let m = this.mappings.get(name);
    if (!m) {
      m = new MappingState(name);
      this.mappings.set(name, m);
    }
    return m;
  }

  /**
   * Stores a coupling, replacing the one with the same bcId. A different coupling holding the same
   * dataverseId is displaced and returned (the store refuses that case before calling; replay relies on
   * the journal to re-put or delete the displaced coupling within the same batch).
   */
  putCoupling(c: Coupling): Coupling | undefined {
    const m = this.ensure(c.mapping);
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

  deleteCoupling(mapping: string, bcId: string): Coupling | undefined {
    const m = this.mappings.get(mapping);
    const c = m?.byBc.get(bcId);
    if (!m || !c) return undefined;
    m.byBc.delete(bcId);
    if (m.byDv.get(c.dataverseId) === c) m.byDv.delete(c.dataverseId);
    m.troubled.delete(bcId);
    this.couplingCount -= 1;
    return c;
  }

  clearCouplings(mapping: string): number {
    const m = this.mappings.get(mapping);
    if (!m) return 0;
    const n = m.byBc.size;
    m.byBc.clear();
    m.byDv.clear();
    m.troubled.clear();
    this.couplingCount -= n;
    return n;
  }

  setWatermark(mapping: string, side: SideName, at: string | undefined): void {
    const m = this.ensure(mapping);
    const next: Watermarks = { ...m.watermarks };
    if (at === undefined) delete next[side];
    else next[side] = at;
    m.watermarks = next;
  }

  putFailure(f: UncoupledFailure): void {
    this.ensure(f.mapping).uncoupledFailures.set(failureKey(f.direction, f.sourceId), f);
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
