/**
 * Runs one integration table mapping (docs/integration.md §5): resolve open intents, then a window (a page of
 * changes) at a time: read → plan → apply, and move the watermarks once every window landed. A dry run is the
 * same run against sides that do not write (dry-run.ts), so its counts and exit code are the real run's.
 */
import { usesEchoSuppression, type IntegrationTableMapping, type PassDirection } from '../mapping/index.js';
import { ChangeLimitError } from '../errors.js';
import type { Rec, Side } from '../sides/types.js';
import { Slots } from '../util/pool.js';
import { applyPlan, sendsAtFullWidth, type ApplyContext } from './apply.js';
import { passesOf, type EngineContext, type SyncOptions } from './context.js';
import { dryRunContext } from './dry-run.js';
import { AnswerQueue, MAX_DEFERRED_ANSWERS, Slicer, WindowHandOver, WritePipeline, type SideLimits, type SliceWrite, type Turn } from './pipeline.js';
import { resolveOpenIntents, type IntentTables } from './intents.js';
import { syncOptionMapping } from './option-mappings.js';
import { plan, WRITE_ACTIONS, type Pair, type RecordPlan, type SyncPlan, type WindowContext } from './plan.js';
import { WindowReader } from './read.js';
import { emptyCounts, unavailableReason, type DirectionCounts, type MappingReport, type RecordOutcome } from './report.js';
import { bcTable, dataverseTable } from './tables.js';

export { passesOf, lookupsFor, type EngineContext, type SyncOptions, type ChangeBudget } from './context.js';

/** Dataverse `modifiedon` has whole seconds: read back from just under the watermark, as BC does (docs/integration.md §5.2, §9). */
const DATAVERSE_TOLERANCE_MS = 999;
/** How often one window's stale or unanswered writes are re-read and re-planned before they count as failed. */
const MAX_REPLANS = 3;

export interface RecordsResult {
  counts: Record<PassDirection, DirectionCounts>;
  records: RecordOutcome[];
  plan: SyncPlan;
}

const iso = (ms: number) => new Date(ms).toISOString();

function maxIso(a: string | undefined, b: string): string | undefined {
  if (!b) return a;
  return a === undefined || Date.parse(b) > Date.parse(a) ? b : a;
}

/** The latest modified-on of a page and `since` (a function of its own: a loop variable here would hold a record). */
function latestModified(page: readonly Rec[], since: string | undefined): string | undefined {
  // maxIso per record, with the latest kept parsed: one Date.parse per record instead of two.
  let latest = since;
  let latestMs = since === undefined ? NaN : Date.parse(since);
  for (const rec of page) {
    const at = rec.modifiedAt;
    if (!at) continue;
    const ms = Date.parse(at);
    if (latest === undefined || ms > latestMs) {
      latest = at;
      latestMs = ms;
    }
  }
  return latest;
}

function addCounts(into: Record<PassDirection, DirectionCounts>, from: Record<PassDirection, DirectionCounts>): void {
  for (const d of ['to-dataverse', 'from-dataverse'] as const) {
    for (const key of Object.keys(into[d]) as Array<keyof DirectionCounts>) into[d][key] += from[d][key];
  }
}

/** Stops before a window that would take the command run past `--max-changes` / `--max-deletes`. */
function spendBudget(ctx: EngineContext, m: IntegrationTableMapping, syncPlan: SyncPlan): void {
  const budget = ctx.changeBudget;
  if (!budget) return;
  let writes = 0;
  for (const r of syncPlan.records) for (const p of [r.toDataverse, r.toBc]) if (p && WRITE_ACTIONS.has(p.action)) writes++;
  const planned = (budget.changes ?? 0) + writes;
  if (budget.maxChanges !== undefined && planned > budget.maxChanges) {
    throw new ChangeLimitError(
      `${m.name}: this run would write at least ${planned} records, more than --max-changes ${budget.maxChanges} allows; nothing more was written. ` +
        `See what would change with "bcsync sync --mapping ${m.name} --dry-run", then raise --max-changes if it is right.`,
      { kind: 'changes', max: budget.maxChanges, planned, mapping: m.name },
    );
  }
  budget.changes = planned;
}

/**
 * The windows of a pass, started one after another: the next page is read and planned as soon as this window
 * begins handing its batches over (`WritePipeline`), not once it has landed. A failure is raised only once every
 * window has stopped, so nothing writes after the run reports.
 */
class Windows {
  private pending: Promise<void>[] = [];
  /** A window failed: the pass reads no further page. */
  failed = false;

  private handedOver?: Promise<void>;

  /** The callback the next window calls once it hands its writes over (taken before the window starts). */
  next(): () => void {
    let handingOver!: () => void;
    this.handedOver = new Promise<void>((resolve) => (handingOver = resolve));
    return handingOver;
  }

  /** Takes the window started with `next()`'s callback; waits until it hands over its writes, fails or ends. */
  async push(window: Promise<void>): Promise<void> {
    const handedOver = this.handedOver!;
    this.handedOver = undefined;
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    const done = window.then(ended, (error: unknown) => {
      // Flagged before the loop resumes, so it reads no page for a window that would only fail its turn.
      this.failed = true;
      ended();
      throw error;
    });
    done.catch(() => undefined);
    this.pending.push(done);
    await Promise.race([handedOver, end]);
  }

  /** Waits for every window started, whatever its outcome (the caller is already failing). */
  async settle(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending.map((p) => p.catch(() => undefined)));
  }

  /** Waits for every window started; the first failure (in the windows' order) is raised once all have stopped. */
  async drain(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const outcomes = await Promise.allSettled(pending);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** Runs the window of these records; calls `handingOver` once it starts handing its writes over. */
type ProcessWindow = (bcRecs: readonly Rec[], dvRecs: readonly Rec[], handingOver?: () => void) => Promise<void>;

/**
 * Change selection (docs/integration.md §5.2), a page at a time: BC's changes first, then Dataverse's (BC runs
 * →DV first too), then the records that failed before. Returns the latest modified-on seen on each side.
 */
async function selectChanges(
  ctx: EngineContext,
  m: IntegrationTableMapping,
  tables: IntentTables,
  options: SyncOptions,
  reader: WindowReader,
  scope: PassScope,
  processWindow: ProcessWindow,
): Promise<{ bc?: string; dataverse?: string }> {
  const seen: { bc?: string; dataverse?: string } = {};
  const state = ctx.state;
  if (options.records) {
    const bcRecs = options.records.bc?.length ? await ctx.bc.get(tables.bc, options.records.bc) : [];
    const dvRecs = options.records.dataverse?.length ? await ctx.dataverse.get(tables.dataverse, options.records.dataverse) : [];
    await processWindow(bcRecs, dvRecs);
    return seen;
  }
  const retryFailed = options.retryFailed !== false;
  const windows = new Windows();
  try {
    await selectPages({ ctx, m, tables, options, reader, scope, processWindow, windows, seen, retryFailed });
  } catch (error) {
    // A failed read must not leave a window writing after the run has reported.
    await windows.settle();
    throw error;
  }
  return seen;
}

interface PassScope {
  bcAfter?: string;
  dvAfter?: string;
  toDv: boolean;
  fromDv: boolean;
  /** What this run's writes to Dataverse produced so far (the Dataverse pass does not read those rows back). */
  written: { first?: string; last?: string };
}

interface PageSelection {
  ctx: EngineContext;
  m: IntegrationTableMapping;
  tables: IntentTables;
  options: SyncOptions;
  reader: WindowReader;
  scope: PassScope;
  processWindow: ProcessWindow;
  windows: Windows;
  /** Latest modified-on seen per side, filled in as pages are read. */
  seen: { bc?: string; dataverse?: string };
  retryFailed: boolean;
}

/**
 * Pages handed over without a reference left behind in a suspended generator or a loop variable: a page's records
 * are released as soon as the window made of them is written. Read one ahead by the client (its pager asks for the
 * next page as soon as this one's link is known): no second page is held here besides. While the pipeline is full,
 * a page held ahead here only waited, ~16 MB of records at 20,000 a page, with no read started any sooner.
 */
class PageHandOver {
  private readonly pages: AsyncIterator<readonly Rec[]>;

  constructor(source: AsyncIterable<readonly Rec[]>) {
    this.pages = source[Symbol.asyncIterator]();
  }

  async next(): Promise<readonly Rec[] | undefined> {
    const result = await this.pages.next();
    return result.done ? undefined : result.value;
  }

  async close(): Promise<void> {
    await this.pages.return?.();
  }
}

/** The pages of changes, BC's then Dataverse's, each pass followed by the records that failed before. */
async function selectPages({ ctx, m, tables, options, reader, scope, processWindow, windows, seen, retryFailed }: PageSelection): Promise<void> {
  const state = ctx.state;
  if (scope.toDv) {
    // While Dataverse takes fewer writes at once than it may (it paces the run), pages wait for the writes, not the
    // other way round: one page asked for ahead is enough, a second only waits in memory (11.5 MB of text at 20,000).
    const pagesAhead = () => (sendsAtFullWidth(ctx.dataverse) ? 2 : 1);
    const pages = new PageHandOver(ctx.bc.list(tables.bc, { modifiedAfter: scope.bcAfter, pagesAhead }));
    for (let page = await pages.next(); page && !ctx.signal?.aborted && !windows.failed; page = await pages.next()) {
      seen.bc = latestModified(page, seen.bc);
      const window = processWindow(page, [], windows.next());
      // The window owns its page from here: held here too, the page would live until the window is planned.
      page = undefined;
      await windows.push(window);
    }
    await pages.close();
    await windows.drain();
    const retry = state.failedNotSkipped(m.name, 'to-dataverse').map((f) => f.bcId).filter((id): id is string => !!id && !reader.handledBc.has(id));
    if (retry.length && retryFailed && !ctx.signal?.aborted) await processWindow(await ctx.bc.get(tables.bc, retry), []);
  }
  if (scope.fromDv) {
    const echo = usesEchoSuppression(m) && !options.full;
    const where = echo ? [{ field: '_modifiedby_value', op: 'ne' as const, value: ctx.integrationUserId }] : undefined;
    // The rows the BC pass just wrote are coupled and done: reading them back (a full sync has no echo filter)
    // cost a request per 5,000 of them and planned nothing. Still counted as seen, for the watermark.
    const { first, last } = scope.written;
    const exceptModifiedBy = !echo && first && ctx.integrationUserId ? { userId: ctx.integrationUserId, since: first } : undefined;
    const pages = new PageHandOver(ctx.dataverse.list(tables.dataverse, { modifiedAfter: scope.dvAfter, where, exceptModifiedBy }));
    const firstPage = pages.next();
    // The BC pass's couplings are all in the journal: the snapshot close() would write is written now, while
    // Dataverse answers the read just sent (a failed compaction loses nothing; close() tries again and reports it).
    const compacting = scope.toDv ? state.compactIfWorthIt().catch(() => false) : undefined;
    for (let page = await firstPage; page && !ctx.signal?.aborted && !windows.failed; page = await pages.next()) {
      seen.dataverse = latestModified(page, seen.dataverse);
      const window = processWindow([], page, windows.next());
      page = undefined;
      await windows.push(window);
    }
    await pages.close();
    await windows.drain();
    await compacting;
    if (exceptModifiedBy && last) seen.dataverse = maxIso(seen.dataverse, last);
    const retry = state
      .failedNotSkipped(m.name, 'from-dataverse')
      .filter((f) => f.dataverseId && !reader.handledDv.has(f.dataverseId) && !(f.bcId && reader.handledBc.has(f.bcId)))
      .map((f) => f.dataverseId!);
    if (retry.length && retryFailed && !ctx.signal?.aborted) await processWindow([], await ctx.dataverse.get(tables.dataverse, retry));
  }
}

/** Records whose writes kept meeting someone else's edits or lost answers: failed for now, never skipped. */
async function failStale(ctx: EngineContext, m: IntegrationTableMapping, records: RecordPlan[], result: RecordsResult): Promise<void> {
  for (const r of records) {
    const direction: PassDirection = r.toDataverse && WRITE_ACTIONS.has(r.toDataverse.action) ? 'to-dataverse' : 'from-dataverse';
    const message = 'the record kept changing while it was written (or the answers were lost); it is tried again next run';
    ctx.state.markFailure(m.name, { bcId: r.bcId, dataverseId: r.dataverseId }, direction, message, { transient: true });
    result.counts[direction].failed++;
    result.records.push({ mapping: m.name, direction, bcId: r.bcId, dataverseId: r.dataverseId, label: r.label, outcome: 'failed', error: message });
  }
  await ctx.state.commit();
}

/** What the windows of a run share to write: the writer's context, the pipeline, the run's progress. */
interface WindowWriter {
  applyCtx: ApplyContext;
  pipeline: WritePipeline;
  progress: { done: number; total: number };
}

/** The writer of a slice: its outcomes into `result`, its records to re-plan into `retry`, progress over the run. */
function sliceWriter(ctx: EngineContext, m: IntegrationTableMapping, writer: WindowWriter, result: RecordsResult, retry: RecordPlan[]): SliceWrite {
  const { applyCtx, progress } = writer;
  return async (part, writes, answered) => {
    progress.total += writes;
    let reported = 0;
    // Progress over the run's writes, not a slice's: the writer counts per plan it is given.
    const onProgress = (done: number) => {
      progress.done += done - reported;
      reported = done;
      ctx.onProgress?.(m.name, 'writing', progress.done, progress.total);
    };
    const applied = await applyPlan(m, part, { ...applyCtx, onProgress, onAnswered: answered });
    addCounts(result.counts, applied.counts);
    result.records.push(...applied.records);
    retry.push(...applied.retry);
  };
}

/**
 * One window: read once, plan, hand the writes over; what met a stale ETag or lost its answer is re-read and
 * re-planned (MAX_REPLANS rounds at most), so a person's edit meanwhile is merged in the same run. The window hands
 * over after the one before it (its turn), a batch's worth as soon as it is planned, unless a change limit is set:
 * then the whole window is planned and counted first, and the limit stops the run BEFORE the window that would pass
 * it. Once planned and in its turn it says so through `handingOver`, and the next window is read and planned. It
 * ends once every write of it has landed, failures raised only then.
 */
async function runWindow(
  ctx: EngineContext,
  m: IntegrationTableMapping,
  reader: WindowReader,
  writer: WindowWriter,
  read: WindowRead,
  result: RecordsResult,
  keepPlan: boolean,
  handingOver?: () => void,
): Promise<void> {
  let turn: Turn | undefined = writer.pipeline.takeTurn();
  const whole = ctx.changeBudget?.maxChanges !== undefined;
  const batchSizes = { dataverse: ctx.dataverse.limits.batchSize, bc: ctx.bc.limits.batchSize };
  try {
    for (let round = 0; read; round++) {
      // The window (its pairs and records as read) lives only while it is planned: the writes need the plan alone.
      let window: WindowContext | undefined = await read;
      read = undefined;
      if (!window.pairs.length) break;
      const retry: RecordPlan[] = [];
      const handOver = new WindowHandOver(writer.pipeline, turn?.previous ?? Promise.resolve(), sliceWriter(ctx, m, writer, result, retry));
      const slicer = new Slicer(m.name, batchSizes);
      const held: RecordPlan[] = [];
      // Planning is what the next batches wait for: answers of earlier ones are read after it (AnswerQueue).
      const planning = writer.applyCtx.answers?.hold();
      try {
        // Neither the window nor its planner is held once planned: the page would live while the window writes.
        let parts: AsyncGenerator<SyncPlan> | undefined = planChunks(m, window, reader);
        window = undefined;
        for await (const part of parts) {
          reader.useSeriesCodes(part.seriesCodesUsed);
          if (whole) {
            for (const r of part.records) held.push(r);
            continue;
          }
          spendBudget(ctx, m, part);
          // Only a dry run prints the plan; a real run keeps no record of a window once it is written (memory stays flat).
          if (round === 0 && keepPlan) result.plan.records.push(...part.records);
          handOver.push(slicer.add(part.records));
        }
        parts = undefined;
        if (whole) {
          spendBudget(ctx, m, { mapping: m.name, records: held });
          if (round === 0 && keepPlan) result.plan.records.push(...held);
          handOver.push(slicer.add(held.splice(0)));
        }
        handOver.push(slicer.flush());
      } finally {
        planning?.();
        handOver.end();
      }
      await handOver.started;
      // Through a narrow pipe, the next window is read once this one has no more than its width left to hand over.
      await handOver.fewLeft();
      handingOver?.();
      await handOver.finished;
      turn?.done();
      turn = undefined;
      const landed = await Promise.allSettled(handOver.landing);
      const failed = landed.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
      if (!retry.length) break;
      if (round === MAX_REPLANS) return await failStale(ctx, m, retry, result);
      read = reader.reread(retry);
    }
  } catch (error) {
    // The windows after this one hand nothing over (the change limit stops BEFORE the window that would pass it).
    turn?.done(error);
    throw error;
  }
  turn?.done();
}

/** A window being read; taken over (and dropped) by `runWindow` once planned. */
type WindowRead = Promise<WindowContext> | undefined;

/**
 * Pairs planned in one go: planning a page of 20,000 takes about a second of CPU, and the batches of earlier windows
 * must not wait that long for a turn of the event loop. A batch leaves after several turns (its intents are fsynced
 * one batch after another, then it is encoded and sent), so a turn stays short: 500 pairs are some 30 ms.
 */
export const PLAN_CHUNK = 500;

/**
 * The plan of a window, a chunk of pairs at a time with a turn of the event loop in between. A chunk that met a
 * lookup index not built yet is planned again once it is built (the chunks before it did not need it).
 */
export async function* planChunks(m: IntegrationTableMapping, window: WindowContext, reader: WindowReader): AsyncGenerator<SyncPlan, void, undefined> {
  let used = 0;
  // The planner owns the window (read builds one per page): a chunk's pairs are let go once it is sliced off, so a
  // page's records are released as its plan grows, not held with the whole plan until the last chunk is planned.
  const pairs = window.pairs as Array<Pair | undefined>;
  for (let i = 0; i < pairs.length; i += PLAN_CHUNK) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const chunkPairs = pairs.slice(i, i + PLAN_CHUNK) as Pair[];
    pairs.fill(undefined, i, i + PLAN_CHUNK);
    // Number-series codes go on from where the chunk before stopped, as in one plan of the whole window.
    const chunk: WindowContext = { ...window, pairs: chunkPairs, seriesHighest: used ? (window.seriesHighest ?? 0) + used : window.seriesHighest };
    let part = plan(m, chunk, reader.policy);
    if (reader.lookups.missing.size && (await reader.lookups.buildMissing())) part = plan(m, chunk, reader.policy);
    used += part.seriesCodesUsed ?? 0;
    yield part;
  }
}

/**
 * A side's slots as the pipeline fills them: what it sends at once right now. While Dataverse paces us (429, its
 * transport halves its bound), batches beyond that bound would only wait in the transport, encoded, each with its
 * body and records: they are not handed over until they can be sent.
 */
function admitted(side: Side): SideLimits {
  const limits = side.limits;
  return sendsAtFullWidth(side) ? limits : { batchSize: limits.batchSize, parallelRequests: Math.max(1, side.sendingNow!()), narrowed: true };
}

/** The record mapping's run: open intents resolved, every window read, planned once, applied; watermarks moved. */
async function syncRecords(ctx: EngineContext, m: IntegrationTableMapping, options: SyncOptions): Promise<RecordsResult> {
  const state = ctx.state;
  const started = ctx.clock.now();
  const tables: IntentTables = { bc: bcTable(m), dataverse: dataverseTable(m, ctx.dataverseCompanyId) };
  const applyCtx: ApplyContext = {
    bc: ctx.bc,
    dataverse: ctx.dataverse,
    tables,
    state,
    intents: ctx.intents,
    signal: ctx.signal,
    dataverseWritten: {},
    keepPlans: Boolean(options.dryRun),
    slots: { bc: new Slots(() => ctx.bc.limits.parallelRequests), dataverse: new Slots(() => ctx.dataverse.limits.parallelRequests) },
    answers: new AnswerQueue(MAX_DEFERRED_ANSWERS),
  };
  await resolveOpenIntents(applyCtx, m);
  if (options.retrySkipped) {
    state.clearSkipped(m.name);
    await state.commit();
  }
  const passes = passesOf(m, options.direction);
  const toDv = passes.includes('to-dataverse');
  const fromDv = passes.includes('from-dataverse');
  const watermarks = state.watermark(m.name);
  const everything = options.full && !options.settle;
  const bcAfter = everything ? undefined : watermarks.bc;
  const dvAfter = watermarks.dataverse && !everything ? iso(Date.parse(watermarks.dataverse) - DATAVERSE_TOLERANCE_MS) : undefined;
  const reader = new WindowReader(ctx, m, tables, options, { bcAfter, dvAfter }, { toDv, fromDv });
  if (options.expected) {
    state.reserveCouplings(m.name, options.expected.newCouplings);
  }
  // Every record mapping's run says what it expects (nothing, without a review): an estimate made for one run is not
  // carried into the next mapping's.
  ctx.dataverse.expectCreates?.(toDv ? (options.expected?.creates.dataverse ?? 0) : 0);
  ctx.bc.expectCreates?.(fromDv ? (options.expected?.creates.bc ?? 0) : 0);
  const result: RecordsResult = { counts: { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() }, records: [], plan: { mapping: m.name, records: [] } };
  const pipeline = new WritePipeline(() => ({ dataverse: admitted(ctx.dataverse), bc: admitted(ctx.bc) }), ctx.signal);
  const writer: WindowWriter = { applyCtx, pipeline, progress: { done: 0, total: 0 } };
  const processWindow: ProcessWindow = (bcRecs, dvRecs, handingOver) =>
    runWindow(ctx, m, reader, writer, reader.read(bcRecs, dvRecs), result, Boolean(options.dryRun), handingOver);

  ctx.onProgress?.(m.name, 'reading', 0, 0);
  const seen = await selectChanges(ctx, m, tables, options, reader, { bcAfter, dvAfter, toDv, fromDv, written: applyCtx.dataverseWritten! }, processWindow);
  // Watermarks move forward only after every batch landed, capped at the run's start (docs/integration.md §5.1).
  if (!options.records && !ctx.signal?.aborted) {
    if (seen.bc) state.setWatermark(m.name, 'bc', Date.parse(seen.bc) > started ? iso(started) : seen.bc);
    if (seen.dataverse) state.setWatermark(m.name, 'dataverse', Date.parse(seen.dataverse) > started ? iso(started) : seen.dataverse);
    await state.commit();
  }
  return result;
}

/**
 * Synchronizes one mapping and reports what happened. A mapping that cannot run at all (its entity set is
 * missing, no permission, the companion extension is not installed) is reported unavailable, with the fix,
 * instead of failing the command: the other mappings run.
 */
export async function syncMapping(ctx: EngineContext, m: IntegrationTableMapping, options: SyncOptions = {}): Promise<MappingReport> {
  const run = options.dryRun ? dryRunContext(ctx) : ctx;
  const started = ctx.clock.now();
  const before = { bc: ctx.bc.stats(), dataverse: ctx.dataverse.stats() };
  const directions = passesOf(m, options.direction);
  const report = (result: Partial<RecordsResult>, extra: Partial<MappingReport> = {}): MappingReport => {
    const after = { bc: ctx.bc.stats(), dataverse: ctx.dataverse.stats() };
    const finished = ctx.clock.now();
    return {
      mapping: m.name,
      directions,
      counts: result.counts ?? { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() },
      records: result.records ?? [],
      startedAt: iso(started),
      finishedAt: iso(finished),
      durationMs: finished - started,
      requests: { bc: after.bc.requests - before.bc.requests, dataverse: after.dataverse.requests - before.dataverse.requests },
      retries: after.bc.retries - before.bc.retries + after.dataverse.retries - before.dataverse.retries,
      dryRun: Boolean(options.dryRun),
      openIntents: run.intents.open(m.name).length,
      leftSkipped: run.state.counts(m.name).skipped,
      ...(options.dryRun ? { plan: result.plan } : {}),
      ...extra,
    };
  };
  try {
    const result = m.kind === 'option' ? await syncOptionMapping(run, m, options) : await syncRecords(run, m, options);
    return report(result);
  } catch (error) {
    const unavailable = unavailableReason(error, m);
    if (!unavailable) throw error;
    return report({}, { unavailable, message: `${m.name} is unavailable: ${unavailable.reason}; ${unavailable.fix}` });
  } finally {
    // A dry run plans against the state in memory; nothing of it reaches the files.
    if (options.dryRun) ctx.state.discardPending();
  }
}
