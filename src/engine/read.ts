/**
 * The read step of a window (docs/design.md "The job" docs/integration.md §3): from the changed records of one page it builds the
 * read-only context the planner needs: pairs with their counterparts, lookup indexes, the contact's business
 * relations, the highest number-series code. All reads of a window happen here; planning reads nothing.
 */
import { usesEchoSuppression, type IntegrationTableMapping } from '../mapping/index.js';
import type { Rec } from '../sides/types.js';
import { IdSet } from '../util/id-set.js';
import type { EngineContext, SyncOptions } from './context.js';
import { lookupsFor } from './context.js';
import type { IntentTables } from './intents.js';
import type { Lookups } from './lookups.js';
import { matchBasedCoupling } from './match-coupling.js';
import { BUSINESS_RELATIONS, indexRelations, type ParentLinkContext } from './parent-link.js';
import { editedInSameSecond, plan, type Pair, type PlanPolicy, type RecordPlan, type WindowContext } from './plan.js';

/** Mappings whose uncoupled records are coupled by their match fields before anything is inserted (docs/integration.md §5.3 step 2). */
const AUTO_MATCH_ON_INSERT = new Set(['CURRENCY', 'UNIT OF MEASURE']);
/** Pairs of the first window planned on trial to find the lookup indexes the plan needs. */
const TRIAL_PLAN_PAIRS = 200;

/**
 * The BC ids a sync has planned. A coupled one is a mark on its coupling's row (StateStore.markHandled): a full sync
 * of a million records kept a million ids beside the couplings (33 MB as 16-byte GUIDs). An uncoupled one waits in
 * a set until its create lands and couples it; `settle` then moves it to its row, so the set holds only the
 * records whose creates are still out (or failed).
 */
export class HandledBcRecords {
  private readonly uncoupled = new Set<string>();

  constructor(
    private readonly state: EngineContext['state'],
    private readonly mapping: string,
  ) {
    state.clearHandled(mapping);
  }

  add(bcId: string): void {
    if (!this.state.markHandled(this.mapping, bcId)) this.uncoupled.add(bcId.toLowerCase());
  }

  /** An uncoupled record planned (its create not landed yet): kept by id, no lookup of a coupling that is not there. */
  addUncoupled(bcId: string): void {
    this.uncoupled.add(bcId.toLowerCase());
  }

  has(bcId: string): boolean {
    return this.hasUncoupled(bcId) || this.state.isHandled(this.mapping, bcId);
  }

  /** `has` for a record known to have no coupling (nothing to look up in the couplings). */
  hasUncoupled(bcId: string): boolean {
    return this.uncoupled.size > 0 && this.uncoupled.has(bcId.toLowerCase());
  }

  /** Moves the records coupled since (their creates landed) from the set to their rows. */
  settle(): void {
    for (const id of this.uncoupled) if (this.state.markHandled(this.mapping, id)) this.uncoupled.delete(id);
  }

  /** Ids held as strings (the creates not landed yet): for tests and memory figures. */
  get waiting(): number {
    return this.uncoupled.size;
  }
}

export class WindowReader {
  readonly policy: PlanPolicy;
  readonly lookups: Lookups;
  private readonly excludedBc: Set<string>;
  private readonly excludedDv: Set<string>;
  /** Couplings (by BC id) and uncoupled BC records already planned in this run: a later page skips them. */
  readonly handledBc: HandledBcRecords;
  /** Uncoupled Dataverse records already planned in this run. */
  readonly handledDv = new IdSet();
  private lookupsPrimed = false;
  private parentLinks?: ParentLinkContext;
  private seriesHighest?: number;

  constructor(
    private readonly ctx: EngineContext,
    private readonly m: IntegrationTableMapping,
    private readonly tables: IntentTables,
    private readonly options: SyncOptions,
    private readonly watermarks: { bcAfter?: string; dvAfter?: string },
    passes: { toDv: boolean; fromDv: boolean },
  ) {
    this.handledBc = new HandledBcRecords(ctx.state, m.name);
    this.excludedBc = new Set((options.exclude?.bc ?? []).map((id) => id.toLowerCase()));
    this.excludedDv = new Set((options.exclude?.dataverse ?? []).map((id) => id.toLowerCase()));
    this.lookups = lookupsFor(ctx);
    this.policy = {
      toDataverse: passes.toDv,
      fromDataverse: passes.fromDv,
      full: Boolean(options.full),
      onlyCoupled: m.synchOnlyCoupledRecords && !options.records,
      failedCreate: (direction, sourceId) => ctx.state.uncoupledFailure(m.name, direction, sourceId)?.skipped === false,
      overwrite: options.overwrite,
      integrationUserId: ctx.integrationUserId,
      echoByModifiedBy: usesEchoSuppression(m),
    };
  }

  /** The window of one page of changes (BC's or Dataverse's). */
  async read(bcRecs: readonly Rec[], dvRecs: readonly Rec[]): Promise<WindowContext> {
    this.handledBc.settle();
    const pairs = this.pair(bcRecs, dvRecs);
    if (pairs.size && AUTO_MATCH_ON_INSERT.has(this.m.name)) await this.autoMatch(pairs);
    await this.counterparts([...pairs.values()]);
    for (const pair of pairs.values()) {
      // An echo read on one side alone says nothing about the other side: a later page of the other side may
      // still hold a person's edit of its counterpart, so only pairs seen whole (or uncoupled) are done.
      if (pair.coupling) {
        if ((pair.bc || pair.bcMissing) && (pair.dv || pair.dvMissing)) this.handledBc.add(pair.coupling.bcId);
      } else if (pair.bc) this.handledBc.addUncoupled(pair.bc.id);
      else if (pair.dv) this.handledDv.add(pair.dv.id);
    }
    return this.complete([...pairs.values()]);
  }

  /**
   * Records to plan again in this run (a stale ETag, a lost answer): both sides read afresh by id, every side
   * that runs counted as read, so the three-way merge sees the other person's edit.
   */
  async reread(records: readonly RecordPlan[]): Promise<WindowContext> {
    const state = this.ctx.state;
    const bcIds = new Set<string>();
    const dvIds = new Set<string>();
    for (const r of records) {
      const c = (r.bcId && state.byBcId(this.m.name, r.bcId)) || (r.dataverseId && state.byDataverseId(this.m.name, r.dataverseId)) || undefined;
      if (c) {
        bcIds.add(c.bcId);
        dvIds.add(c.dataverseId);
      } else if (r.toDataverse && r.bcId) bcIds.add(r.bcId);
      else if (r.toBc && r.dataverseId) dvIds.add(r.dataverseId);
    }
    const [bcRecs, dvRecs] = await Promise.all([this.ctx.bc.get(this.tables.bc, [...bcIds]), this.ctx.dataverse.get(this.tables.dataverse, [...dvIds])]);
    const pairs = new Map<string, Pair>();
    const put = (key: string, patch: Partial<Pair>, coupling = pairs.get(key)?.coupling) =>
      pairs.set(key, { bcRead: false, dvRead: false, ...pairs.get(key), coupling, ...patch });
    for (const rec of bcRecs) {
      const c = state.byBcId(this.m.name, rec.id);
      put(c ? `c:${c.bcId}` : `b:${rec.id}`, { bc: rec, bcRead: this.policy.toDataverse }, c);
    }
    for (const rec of dvRecs) {
      const c = state.byDataverseId(this.m.name, rec.id);
      put(c ? `c:${c.bcId}` : `d:${rec.id}`, { dv: rec, dvRead: this.policy.fromDataverse }, c);
    }
    for (const pair of pairs.values()) {
      if (pair.coupling && !pair.bc) pair.bcMissing = true;
      if (pair.coupling && !pair.dv) pair.dvMissing = true;
    }
    return this.complete([...pairs.values()]);
  }

  /** The window after the plan gave out number-series codes. */
  useSeriesCodes(count: number | undefined): void {
    if (count && this.seriesHighest !== undefined) this.seriesHighest += count;
  }

  private pair(bcRecs: readonly Rec[], dvRecs: readonly Rec[]): Map<string, Pair> {
    const state = this.ctx.state;
    const pairs = new Map<string, Pair>();
    const writeIn = this.ctx.writeInProduct;
    const writeInMapping = writeIn?.type === 'Item' ? 'ITEM-PRODUCT' : writeIn?.type === 'Resource' ? 'RESOURCE-PRODUCT' : undefined;
    for (const rec of bcRecs) {
      if (this.excludedBc.has(rec.id)) continue;
      // BC never synchronizes the write-in product: it must stay uncoupled (docs/integration.md §8.1).
      if (this.m.name === writeInMapping && rec.fields.number === writeIn!.number) continue;
      // One lookup of the coupling per record (a first full sync of 100,000 made three).
      const c = state.byBcId(this.m.name, rec.id);
      if (c ? this.handledBc.has(c.bcId) : this.handledBc.hasUncoupled(rec.id)) continue;
      if (c && this.options.settle) continue;
      const key = c ? `c:${c.bcId}` : `b:${rec.id}`;
      // One new object per record (a page has 20,000), not a copy of the one the key may already have.
      const pair = pairs.get(key);
      if (pair) Object.assign(pair, { coupling: c, bc: rec, bcRead: true });
      else pairs.set(key, { dvRead: false, coupling: c, bc: rec, bcRead: true });
    }
    for (const rec of dvRecs) {
      if (this.excludedDv.has(rec.id) || this.handledDv.has(rec.id)) continue;
      const c = state.byDataverseId(this.m.name, rec.id);
      if (c && (this.handledBc.has(c.bcId) || this.options.settle)) continue;
      const key = c ? `c:${c.bcId}` : `d:${rec.id}`;
      const pair = pairs.get(key);
      if (pair) Object.assign(pair, { coupling: c, dv: rec, dvRead: true });
      else pairs.set(key, { bcRead: false, coupling: c, dv: rec, dvRead: true });
    }
    return pairs;
  }

  /** BC couples some uncoupled records to an existing counterpart instead of inserting one (docs/integration.md §5.3 step 2). */
  private async autoMatch(pairs: Map<string, Pair>): Promise<void> {
    const uncoupled = [...pairs.entries()].filter(([key]) => key.startsWith('b:'));
    if (!uncoupled.length) return;
    const report = await matchBasedCoupling(this.ctx, this.m, { bcIds: uncoupled.map(([, p]) => p.bc!.id) });
    for (const c of report.coupled) {
      const pair = pairs.get(`b:${c.bcId}`);
      if (!pair) continue;
      pairs.delete(`b:${c.bcId}`);
      pair.coupling = this.ctx.state.byBcId(this.m.name, c.bcId);
      pairs.set(`c:${c.bcId}`, pair);
    }
  }

  /** Whether the coupling's records changed since the last sync as far as this page shows. */
  private changed(pair: Pair): boolean {
    const c = pair.coupling!;
    if (this.options.full || this.options.records || c.skipped) return true;
    const after = (a: string, b: string | undefined) => !b || Date.parse(a) > Date.parse(b);
    const bcChanged = pair.bc && pair.bcRead && (c.lastResultToDataverse === 'failure' || after(pair.bc.modifiedAt, c.bcModifiedAt));
    const dvChanged =
      pair.dv &&
      pair.dvRead &&
      (c.lastResultToBc === 'failure' || after(pair.dv.modifiedAt, c.dataverseModifiedAt) || editedInSameSecond(pair.dv, c, this.ctx.integrationUserId));
    return Boolean(bcChanged || dvChanged);
  }

  /** Counterparts of coupled records that changed (echoes need none: nothing will be written for them). */
  private async counterparts(pairs: Pair[]): Promise<void> {
    const changed = pairs.filter((p) => p.coupling && this.changed(p));
    const needDv = changed.filter((p) => !p.dv);
    const needBc = changed.filter((p) => !p.bc);
    const newer = (rec: Rec, after: string | undefined) => after === undefined || Date.parse(rec.modifiedAt) > Date.parse(after);
    const [dvFound, bcFound] = await Promise.all([
      needDv.length ? this.ctx.dataverse.get(this.tables.dataverse, needDv.map((p) => p.coupling!.dataverseId)) : [],
      needBc.length ? this.ctx.bc.get(this.tables.bc, needBc.map((p) => p.coupling!.bcId)) : [],
    ]);
    const dvById = new Map(dvFound.map((r) => [r.id, r]));
    const bcById = new Map(bcFound.map((r) => [r.id, r]));
    for (const pair of needDv) {
      const rec = dvById.get(pair.coupling!.dataverseId);
      if (!rec) pair.dvMissing = true;
      else {
        pair.dv = rec;
        // A counterpart fetched by id counts as read when the other side's change query would have returned it.
        pair.dvRead = this.policy.fromDataverse && !this.options.records && newer(rec, this.watermarks.dvAfter);
      }
    }
    for (const pair of needBc) {
      const rec = bcById.get(pair.coupling!.bcId);
      if (!rec) pair.bcMissing = true;
      else {
        pair.bc = rec;
        pair.bcRead = this.policy.toDataverse && !this.options.records && newer(rec, this.watermarks.bcAfter);
      }
    }
  }

  /** Lookup indexes, business relations and series codes the window's plan will consult. */
  private async complete(pairs: Pair[]): Promise<WindowContext> {
    const window: WindowContext = {
      pairs,
      transfer: this.lookups.context(),
      dataverseCompanyId: this.ctx.dataverseCompanyId,
    };
    if (!pairs.length) return window;
    if (this.m.parentLink) {
      if (!this.parentLinks) {
        const rows: Rec[] = [];
        for await (const page of this.ctx.bc.list(BUSINESS_RELATIONS)) rows.push(...page);
        this.parentLinks = indexRelations(rows, this.ctx.state);
      }
      window.parentLinks = this.parentLinks;
    }
    const series = this.m.bc.insertCodeSeries;
    if (series && this.policy.fromDataverse && pairs.some((p) => !p.coupling && p.dv)) {
      this.seriesHighest ??= await this.highestSeriesNumber(series);
    }
    window.seriesHighest = this.seriesHighest;
    if (!this.lookupsPrimed) {
      // Lookups by a code need an index of the referenced BC table: a trial plan (pure) of a few pairs says which.
      // A sample, not the whole window: planning a page twice cost a large full sync a sixth of its CPU; a lookup
      // the sample did not touch is built by the runner after the real plan, which then plans once more.
      this.lookupsPrimed = true;
      plan(this.m, { ...window, pairs: pairs.slice(0, TRIAL_PLAN_PAIRS) }, this.policy);
    }
    if (this.lookups.missing.size) await this.lookups.buildMissing();
    return window;
  }

  private async highestSeriesNumber(series: { property: string; prefix: string }): Promise<number> {
    let highest = 0;
    const prefix = series.prefix.toUpperCase();
    for await (const page of this.ctx.bc.list({ ...this.tables.bc, select: ['id', series.property] }, { ignoreTableFilter: true })) {
      for (const r of page) {
        const code = String(r.fields[series.property] ?? '').toUpperCase();
        const digits = code.startsWith(prefix) ? code.slice(prefix.length) : '';
        if (/^\d+$/.test(digits)) highest = Math.max(highest, Number(digits));
      }
    }
    return highest;
  }
}
