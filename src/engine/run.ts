/**
 * Runs one integration table mapping (spec bc-integration.md §5): read what changed on each side since its
 * watermark, pair the records through the couplings, plan (pure), apply (single writer), move the watermarks.
 */
import type { Clock } from '../clock.js';
import { nextSeriesCode, usesEchoSuppression } from '../mapping/index.js';
import type { IntegrationTableMapping, PassDirection } from '../mapping/index.js';
import type { Rec, Side } from '../sides/types.js';
import type { StateStore } from '../state/index.js';
import { applyPlan } from './apply.js';
import { matchBasedCoupling } from './match.js';
import { planParentLinks } from './parent-link.js';
import { Lookups, type LookupEnvironment } from './lookups.js';
import { editedInSameSecond, plan, type Pair, type PlanPolicy, type SyncPlan } from './plan.js';
import { emptyCounts, type DirectionCounts, type MappingReport } from './report.js';
import { syncOptionMapping } from './options.js';
import { bcTable, dataverseTable } from './tables.js';
import { readAhead } from '../util/pool.js';

/** Mappings whose uncoupled records are coupled by their match fields before anything is inserted (§5.3 step 2). */
const AUTO_MATCH_ON_INSERT = new Set(['CURRENCY', 'UNIT OF MEASURE']);

/** Dataverse `modifiedon` has whole seconds: read back from just under the watermark, as BC does (§5.2, §9). */
const DATAVERSE_TOLERANCE_MS = 999;

export interface EngineContext {
  bc: Side;
  dataverse: Side;
  state: StateStore;
  clock: Clock;
  /** systemuserid of the integration identity (echo suppression). */
  integrationUserId: string;
  /** Dataverse company row of this BC company (company filter and stamp), when the solution is installed. */
  dataverseCompanyId?: string;
  /** Every mapping of the profile, for lookups into referenced mappings. */
  mappings: readonly IntegrationTableMapping[];
  bcLcyCode: string;
  dataverseBaseCurrencyId: string | undefined;
  exchangeRates?: Map<string, number>;
  dataverseCurrencyPrecision?: number;
  signal?: AbortSignal;
  onProgress?: (mapping: string, phase: string, done: number, total: number) => void;
}

export interface SyncOptions {
  /** Run only this pass of a ⇄ mapping. */
  direction?: PassDirection;
  dryRun?: boolean;
  /** Clear the skipped flags first (BC's Retry All). */
  retrySkipped?: boolean;
  /** Full synchronization: all records in scope, uncoupled ones created, every coupled one rewritten. */
  full?: boolean;
  /** "Synchronize Now" for these records only. */
  records?: { bc?: string[]; dataverse?: string[] };
  /** With `records`: which side is overwritten. */
  overwrite?: 'dataverse' | 'bc';
  /**
   * Records this run leaves alone: match-based coupling found them ambiguous, so a full synchronization
   * must not create a counterpart for them (that is how duplicates are made).
   */
  exclude?: { bc?: readonly string[]; dataverse?: readonly string[] };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function maxIso(a: string | undefined, b: string): string {
  if (!b) return a ?? '';
  return a === undefined || Date.parse(b) > Date.parse(a) ? b : a;
}


export function passesOf(m: IntegrationTableMapping, restrict?: PassDirection): PassDirection[] {
  const passes: PassDirection[] = [];
  if (m.direction !== 'from-dataverse' && restrict !== 'from-dataverse') passes.push('to-dataverse');
  if (m.direction !== 'to-dataverse' && restrict !== 'to-dataverse') passes.push('from-dataverse');
  return passes;
}

export function lookupsFor(ctx: EngineContext): Lookups {
  const env: LookupEnvironment = {
    bc: ctx.bc,
    dataverse: ctx.dataverse,
    couplings: ctx.state,
    mappings: ctx.mappings,
    bcLcyCode: ctx.bcLcyCode,
    dataverseBaseCurrencyId: ctx.dataverseBaseCurrencyId,
    exchangeRates: ctx.exchangeRates,
    dataverseCurrencyPrecision: ctx.dataverseCurrencyPrecision,
  };
  return new Lookups(env);
}

export async function syncMapping(ctx: EngineContext, m: IntegrationTableMapping, options: SyncOptions = {}): Promise<MappingReport> {
  const started = ctx.clock.now();
  const before = { bc: ctx.bc.stats(), dataverse: ctx.dataverse.stats() };
  const passes = passesOf(m, options.direction);
  const finish = (counts: Record<PassDirection, DirectionCounts>, records: MappingReport['records'], extra: Partial<MappingReport> = {}): MappingReport => {
    const after = { bc: ctx.bc.stats(), dataverse: ctx.dataverse.stats() };
    const finished = ctx.clock.now();
    return {
      mapping: m.name,
      directions: passes,
      counts,
      records,
      startedAt: iso(started),
      finishedAt: iso(finished),
      durationMs: finished - started,
      requests: { bc: after.bc.requests - before.bc.requests, dataverse: after.dataverse.requests - before.dataverse.requests },
      retries: after.bc.retries - before.bc.retries + after.dataverse.retries - before.dataverse.retries,
      dryRun: Boolean(options.dryRun),
      ...extra,
    };
  };
  if (m.kind === 'option') {
    const result = await syncOptionMapping(ctx, m, options);
    return finish(result.counts, result.records, { plan: result.plan });
  }

  const state = ctx.state;
  if (options.retrySkipped && !options.dryRun) {
    state.clearSkipped(m.name);
    await state.commit();
  }
  const bcT = bcTable(m);
  const dvT = dataverseTable(m, ctx.dataverseCompanyId);
  const toDv = passes.includes('to-dataverse');
  const fromDv = passes.includes('from-dataverse');
  const watermarks = state.watermark(m.name);
  const bcAfter = options.full ? undefined : watermarks.bc;
  const dvAfter = watermarks.dataverse && !options.full ? iso(Date.parse(watermarks.dataverse) - DATAVERSE_TOLERANCE_MS) : undefined;
  let maxBc: string | undefined;
  let maxDv: string | undefined;

  const excludedBc = new Set((options.exclude?.bc ?? []).map((id) => id.toLowerCase()));
  const excludedDv = new Set((options.exclude?.dataverse ?? []).map((id) => id.toLowerCase()));
  /** Couplings (by BC id) and uncoupled records already planned in this run: a later page skips them. */
  const handledBc = new Set<string>();
  const handledDv = new Set<string>();

  const policy: PlanPolicy = {
    toDataverse: toDv,
    fromDataverse: fromDv,
    full: Boolean(options.full),
    onlyCoupled: m.synchOnlyCoupledRecords && !options.records,
    overwrite: options.overwrite,
    integrationUserId: ctx.integrationUserId,
    echoByModifiedBy: usesEchoSuppression(m),
  };
  const lookups = lookupsFor(ctx);
  const counts = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  const outcomes: MappingReport['records'] = [];
  const dryPlan: SyncPlan = { mapping: m.name, records: [] };
  let seriesCodes: string[] | undefined;

  // A counterpart fetched by id counts as read (its changes are considered) when its pass runs and it is newer
  // than that side's watermark, i.e. when the other side's change query would have returned it too.
  const newerThan = (rec: Rec, after: string | undefined) => after === undefined || Date.parse(rec.modifiedAt) > Date.parse(after);

  const changed = (pair: Pair): boolean => {
    const c = pair.coupling!;
    if (options.full || options.records || c.skipped) return true;
    const bcChanged = pair.bc && pair.bcRead && (c.lastResultToDataverse === 'failure' || !c.bcModifiedAt || Date.parse(pair.bc.modifiedAt) > Date.parse(c.bcModifiedAt));
    const dvChanged =
      pair.dv &&
      pair.dvRead &&
      (c.lastResultToBc === 'failure' ||
        !c.dataverseModifiedAt ||
        Date.parse(pair.dv.modifiedAt) > Date.parse(c.dataverseModifiedAt) ||
        editedInSameSecond(pair.dv, c, ctx.integrationUserId));
    return Boolean(bcChanged || dvChanged);
  };

  /** Plans and applies one window of records (a page of changes): memory stays at a page, not a table. */
  const processWindow = async (bcRecs: readonly Rec[], dvRecs: readonly Rec[]): Promise<void> => {
    const pairs = new Map<string, Pair>();
    for (const rec of bcRecs) {
      if (excludedBc.has(rec.id) || handledBc.has(rec.id)) continue;
      const c = state.byBcId(m.name, rec.id);
      const key = c ? `c:${c.bcId}` : `b:${rec.id}`;
      const pair = pairs.get(key) ?? { coupling: c, bcRead: false, dvRead: false };
      pair.bc = rec;
      pair.bcRead = true;
      pairs.set(key, pair);
    }
    for (const rec of dvRecs) {
      if (excludedDv.has(rec.id) || handledDv.has(rec.id)) continue;
      const c = state.byDataverseId(m.name, rec.id);
      if (c && handledBc.has(c.bcId)) continue;
      const key = c ? `c:${c.bcId}` : `d:${rec.id}`;
      const pair = pairs.get(key) ?? { coupling: c, bcRead: false, dvRead: false };
      pair.dv = rec;
      pair.dvRead = true;
      pairs.set(key, pair);
    }
    if (pairs.size === 0) return;

    // BC couples some uncoupled records to an existing counterpart instead of inserting one (§5.3 step 2):
    // currencies by ISO code. Done before planning, so a full sync never duplicates the organization's currencies.
    if (AUTO_MATCH_ON_INSERT.has(m.name) && !options.dryRun) {
      const uncoupled = [...pairs.entries()].filter(([key]) => key.startsWith('b:'));
      if (uncoupled.length) {
        const report = await matchBasedCoupling(ctx, m, { bcIds: uncoupled.map(([, p]) => p.bc!.id) });
        for (const c of report.coupled) {
          const pair = pairs.get(`b:${c.bcId}`);
          if (!pair) continue;
          pairs.delete(`b:${c.bcId}`);
          pair.coupling = state.byBcId(m.name, c.bcId);
          pairs.set(`c:${c.bcId}`, pair);
        }
      }
    }

    // Counterparts of coupled records that changed (echoes need none: nothing will be written for them).
    const needDv: Pair[] = [];
    const needBc: Pair[] = [];
    for (const pair of pairs.values()) {
      if (!pair.coupling || !changed(pair)) continue;
      if (!pair.dv) needDv.push(pair);
      if (!pair.bc) needBc.push(pair);
    }
    if (needDv.length) {
      const found = new Map((await ctx.dataverse.get(dvT, needDv.map((p) => p.coupling!.dataverseId))).map((r) => [r.id, r]));
      for (const pair of needDv) {
        const rec = found.get(pair.coupling!.dataverseId);
        if (rec) {
          pair.dv = rec;
          pair.dvRead = fromDv && !options.records && newerThan(rec, dvAfter);
        } else pair.dvMissing = true;
      }
    }
    if (needBc.length) {
      const found = new Map((await ctx.bc.get(bcT, needBc.map((p) => p.coupling!.bcId))).map((r) => [r.id, r]));
      for (const pair of needBc) {
        const rec = found.get(pair.coupling!.bcId);
        if (rec) {
          pair.bc = rec;
          pair.bcRead = toDv && !options.records && newerThan(rec, bcAfter);
        } else pair.bcMissing = true;
      }
    }
    for (const pair of pairs.values()) {
      // An echo read on one side alone says nothing about the other side: a later page of the other side may
      // still hold a person's edit of its counterpart, so only pairs seen whole (or uncoupled) are done.
      if (pair.coupling) {
        if ((pair.bc || pair.bcMissing) && (pair.dv || pair.dvMissing)) handledBc.add(pair.coupling.bcId);
      } else if (pair.bc) handledBc.add(pair.bc.id);
      else if (pair.dv) handledDv.add(pair.dv.id);
    }

    // Plan (pure). Lookups by code need an index of the referenced table: build what the plan asked for, re-plan.
    let syncPlan: SyncPlan = plan(m, pairs.values(), policy, lookups.context());
    if (lookups.missing.size > 0 && (await lookups.buildMissing())) syncPlan = plan(m, pairs.values(), policy, lookups.context());

    // Table logic beyond field mappings: a contact's parent account (§2.2 CONTACT).
    await planParentLinks(m, syncPlan, pairs.values(), ctx.bc, state);

    // BC numbers some records itself when they come from Dataverse (SALESPEOPLE: "SP NO. 00001").
    const series = m.bc.insertCodeSeries;
    const seriesInserts = series ? syncPlan.records.filter((r) => r.toBc?.action === 'insert') : [];
    if (series && seriesInserts.length) {
      if (!seriesCodes) {
        seriesCodes = [];
        for await (const page of ctx.bc.list({ ...bcT, select: ['id', series.property] }, { ignoreTableFilter: true })) {
          for (const r of page) seriesCodes.push(String(r.fields[series.property] ?? ''));
        }
      }
      for (const r of seriesInserts) {
        const code = nextSeriesCode(seriesCodes, series);
        seriesCodes.push(code);
        r.toBc!.values = { ...r.toBc!.values, [series.property]: code };
      }
    }

    if (options.dryRun) {
      dryPlan.records.push(...syncPlan.records);
      for (const r of syncPlan.records) {
        for (const [d, p] of [['to-dataverse', r.toDataverse], ['from-dataverse', r.toBc]] as const) {
          if (!p) continue;
          const c = counts[d];
          if (p.action === 'insert') c.inserted++;
          else if (p.action === 'modify') c.modified++;
          else if (p.action === 'unchanged') c.unchanged++;
          else if (p.action === 'echo') c.echoSuppressed++;
          else if (p.action === 'conflict') c.conflicts++;
          else if (p.action === 'skip') c.skipped++;
          else if (p.action === 'fail') c.failed++;
          else if (p.action === 'uncouple') c.uncoupled++;
        }
      }
      return;
    }

    // Apply (the single writer), journaled per batch.
    const applied = await applyPlan(m, syncPlan, {
      bc: ctx.bc,
      dataverse: ctx.dataverse,
      bcTable: bcT,
      dataverseTable: dvT,
      state,
      dataverseCompanyId: ctx.dataverseCompanyId,
      signal: ctx.signal,
      onProgress: (done, total) => ctx.onProgress?.(m.name, 'writing', done, total),
    });
    for (const d of ['to-dataverse', 'from-dataverse'] as const) {
      for (const key of Object.keys(counts[d]) as Array<keyof DirectionCounts>) counts[d][key] += applied.counts[d][key];
    }
    outcomes.push(...applied.records);
  };

  // Change selection (§5.2), a page at a time: BC's changes first, then Dataverse's (BC runs →DV first too).
  ctx.onProgress?.(m.name, 'reading', 0, 0);
  if (options.records) {
    const bcRecs = options.records.bc?.length ? await ctx.bc.get(bcT, options.records.bc) : [];
    const dvRecs = options.records.dataverse?.length ? await ctx.dataverse.get(dvT, options.records.dataverse) : [];
    await processWindow(bcRecs, dvRecs);
  } else {
    if (toDv) {
      for await (const page of readAhead(ctx.bc.list(bcT, { modifiedAfter: bcAfter }))) {
        if (ctx.signal?.aborted) break;
        for (const rec of page) maxBc = maxIso(maxBc, rec.modifiedAt);
        await processWindow(page, []);
      }
      const retry = state.failedNotSkipped(m.name, 'to-dataverse').map((f) => f.bcId).filter((id): id is string => !!id && !handledBc.has(id));
      if (retry.length && !ctx.signal?.aborted) await processWindow(await ctx.bc.get(bcT, retry), []);
    }
    if (fromDv) {
      const echo = usesEchoSuppression(m) && !options.full;
      const where = echo ? [{ field: '_modifiedby_value', op: 'ne' as const, value: ctx.integrationUserId }] : undefined;
      for await (const page of readAhead(ctx.dataverse.list(dvT, { modifiedAfter: dvAfter, where }))) {
        if (ctx.signal?.aborted) break;
        for (const rec of page) maxDv = maxIso(maxDv, rec.modifiedAt);
        await processWindow([], page);
      }
      const retry = state
        .failedNotSkipped(m.name, 'from-dataverse')
        .filter((f) => f.dataverseId && !handledDv.has(f.dataverseId) && !(f.bcId && handledBc.has(f.bcId)))
        .map((f) => f.dataverseId!);
      if (retry.length && !ctx.signal?.aborted) await processWindow([], await ctx.dataverse.get(dvT, retry));
    }
  }

  if (options.dryRun) return finish(counts, [], { plan: dryPlan });

  // Watermarks move forward only after every batch landed, capped at the run's start (§5.1).
  if (!options.records && !ctx.signal?.aborted) {
    if (maxBc) state.setWatermark(m.name, 'bc', Date.parse(maxBc) > started ? iso(started) : maxBc);
    if (maxDv) state.setWatermark(m.name, 'dataverse', Date.parse(maxDv) > started ? iso(started) : maxDv);
    await state.commit();
  }
  return finish(counts, outcomes);
}
