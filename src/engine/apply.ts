/**
 * The single writer: carries out a SyncPlan in batched writes (each API's batch size, a few batches in flight)
 * and records every outcome in the state as each batch lands. Creates are announced first as write-ahead
 * intents (durable before the batch leaves), so a crash or a lost answer never strands a record: the next
 * resolution finds it by the id we chose or by its key fields. Nothing else in bcsync writes to Business
 * Central, Dataverse or the couplings during a sync.
 *
 * Outcomes are classified once here: the record's own errors (validation, a missing dependency) count toward
 * "skipped after two identical failures"; a stale ETag or a lost answer goes back to the runner to be re-read
 * and re-planned in the same run; throttling and outages fail the record for this run only (transient).
 */
import { AuthError } from '../errors.js';
import type { IntegrationTableMapping, PassDirection } from '../mapping/index.js';
import type { Rec, Side, SideTable, WriteOp, WriteOptions, WriteResult } from '../sides/types.js';
import type { IntentJournal, IntentRange, JsonValue, NewIntent, StateStore } from '../state/index.js';
import { mapPool, type Slots } from '../util/pool.js';
import { intentKeys, resolveIntents, type IntentTables } from './intents.js';
import type { AnswerQueue } from './pipeline.js';
import { mergeBase, MERGE_BASE_KEY } from './merge-base.js';
import { WRITTEN_BY_US_KEY, type Action, type DirectionPlan, type RecordPlan, type SyncPlan } from './plan.js';
import { emptyCounts, type DirectionCounts, type RecordOutcome } from './report.js';

/** Whether the side sends as many requests at once as it has slots (false while the service paces it: 429). */
export function sendsAtFullWidth(side: Side): boolean {
  const now = side.sendingNow?.();
  return now === undefined || now >= side.limits.parallelRequests;
}

export interface ApplyContext {
  bc: Side;
  dataverse: Side;
  tables: IntentTables;
  state: StateStore;
  intents: IntentJournal;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * Write requests in flight per side, shared by every window of the run (windows overlap), bounded by the
   * side's `limits.parallelRequests`. Without it, each window writes with its own pool of that size.
   */
  slots?: Record<'bc' | 'dataverse', Slots>;
  /** Earliest and latest Dataverse modified-on our writes of this run produced (filled in as batches land). */
  dataverseWritten?: { first?: string; last?: string };
  /** The plans are printed once written (a dry run): their values and changed fields stay on them. */
  keepPlans?: boolean;
  /**
   * Where the answers of write requests wait to be read while more urgent work is on (the run's `AnswerQueue`):
   * an answer that may wait gives its request's slot back at once. Without it, each answer is read as it arrives.
   */
  answers?: AnswerQueue;
  /** A request's answer arrived and may wait: its writes no longer occupy the side's slots (the pipeline's count). */
  onAnswered?: (side: 'bc' | 'dataverse', writes: number) => void;
}

export interface ApplyResult {
  counts: Record<PassDirection, DirectionCounts>;
  records: RecordOutcome[];
  /** Records to re-read and re-plan: a stale ETag (someone edited it meanwhile) or a write whose answer was lost. */
  retry: RecordPlan[];
}

type Job = { record: RecordPlan; plan: DirectionPlan; direction: PassDirection };

/** Outcomes recorded in one turn of the event loop (see `recordAll`). */
export const RECORD_CHUNK = 250;

/** Errors that say nothing about the record: throttling, outages, lost connections. */
function isTransient(status: number | undefined): boolean {
  return status === undefined || status === 429 || status === 408 || status >= 500;
}

/** One plan being written: its counters, outcomes and the bookkeeping of records with writes outstanding. */
class PlanWriter {
  readonly counts: Record<PassDirection, DirectionCounts> = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  readonly records: RecordOutcome[] = [];
  readonly retry = new Set<RecordPlan>();
  /** Planned writes per record still outstanding; the merge base is stored when the last one succeeds. */
  private readonly pendingWrites = new Map<RecordPlan, number>();
  private readonly failedRecords = new Set<RecordPlan>();
  private readonly jobs: Record<'bc' | 'dataverse', Job[]> = { bc: [], dataverse: [] };
  private done = 0;

  constructor(
    private readonly m: IntegrationTableMapping,
    private readonly ctx: ApplyContext,
  ) {}

  private get state(): StateStore {
    return this.ctx.state;
  }

  note(record: RecordPlan, direction: PassDirection, action: Action | 'skip-auto', message?: string): void {
    const c = this.counts[direction];
    switch (action) {
      case 'insert': c.inserted++; c.coupled++; break;
      case 'modify': c.modified++; break;
      case 'unchanged': c.unchanged++; break;
      case 'echo': c.echoSuppressed++; break;
      case 'conflict': c.conflicts++; break;
      case 'skip': case 'skip-auto': c.skipped++; break;
      case 'fail': c.failed++; break;
      case 'uncouple': c.uncoupled++; break;
      case 'couple': c.coupled++; break;
    }
    if (action === 'fail' || action === 'conflict' || action === 'skip-auto' || action === 'skip') {
      this.records.push({
        mapping: this.m.name,
        direction,
        bcId: record.bcId,
        dataverseId: record.dataverseId,
        label: record.label,
        outcome: action === 'conflict' ? 'conflict' : action === 'fail' ? 'failed' : 'skipped',
        error: message,
        fields: record.conflictFields,
      });
    }
  }

  fail(record: RecordPlan, direction: PassDirection, message: string, kind: 'own' | 'transient' | 'conflict' = 'own'): void {
    this.failedRecords.add(record);
    const ids = { bcId: record.bcId, dataverseId: record.dataverseId };
    const outcome = this.state.markFailure(this.m.name, ids, direction, message, { transient: kind === 'transient' });
    this.note(record, direction, kind === 'conflict' ? 'conflict' : outcome.skipped ? 'skip-auto' : 'fail', message);
  }

  /** Keeps the coupling's note of whether its stored Dataverse time came from our own write. */
  private markWrittenByUs(bcId: string, written: boolean): void {
    const current = this.state.byBcId(this.m.name, bcId);
    if (!current || (current.extra?.[WRITTEN_BY_US_KEY] === true) === written) return;
    this.state.update(this.m.name, bcId, { extra: { [WRITTEN_BY_US_KEY]: written ? true : undefined } });
  }

  /** Step 1: outcomes that write nothing to the systems; writes are queued per side. */
  settleWithoutWriting(plan: SyncPlan): void {
    for (const record of plan.records) {
      for (const [direction, p] of [
        ['to-dataverse', record.toDataverse],
        ['from-dataverse', record.toBc],
      ] as const) {
        if (p) this.settleOne(record, direction, p);
      }
    }
  }

  private settleOne(record: RecordPlan, direction: PassDirection, p: DirectionPlan): void {
    switch (p.action) {
      case 'insert':
      case 'modify':
        this.jobs[direction === 'to-dataverse' ? 'dataverse' : 'bc'].push({ record, plan: p, direction });
        this.pendingWrites.set(record, (this.pendingWrites.get(record) ?? 0) + 1);
        return;
      case 'fail':
        return this.fail(record, direction, p.error ?? 'failed');
      case 'conflict':
        // Both directions carry the conflict; record it once, against the BC→Dataverse direction.
        if (direction === 'to-dataverse') this.fail(record, direction, p.error ?? 'conflict', 'conflict');
        return;
      case 'uncouple':
        this.state.uncouple(this.m.name, { bcId: record.bcId, dataverseId: record.dataverseId });
        return this.note(record, direction, 'uncouple');
      case 'couple':
        // Matched to a record that already exists (match-based coupling): a coupling, no write.
        this.state.couple({ mapping: this.m.name, bcId: record.bcId!, dataverseId: record.dataverseId! });
        return this.note(record, direction, 'couple');
      case 'unchanged':
        if (record.coupled && record.bcId) {
          const before = this.state.byBcId(this.m.name, record.bcId)?.dataverseModifiedAt;
          const after = this.state.markSuccess(this.m.name, record.bcId, direction, {
            bcModifiedAt: record.bcModifiedAt || undefined,
            dataverseModifiedAt: record.dataverseModifiedAt || undefined,
          }).dataverseModifiedAt;
          // A Dataverse time taken from a read replaces the one our write produced.
          if (after !== before) this.markWrittenByUs(record.bcId, false);
        }
        return this.note(record, direction, 'unchanged');
      default:
        return this.note(record, direction, p.action);
    }
  }

  /** Step 2: the queued writes of one side, in batches of its size, a few in flight. */
  async writeSide(sideName: 'bc' | 'dataverse', total: number): Promise<void> {
    const side = sideName === 'bc' ? this.ctx.bc : this.ctx.dataverse;
    const chunks: Job[][] = [];
    const jobs = this.jobs[sideName];
    for (let i = 0; i < jobs.length; i += side.limits.batchSize) chunks.push(jobs.slice(i, i + side.limits.batchSize));
    const slots = this.ctx.slots?.[sideName];
    if (slots) await Promise.all(chunks.map((chunk) => slots.run((release) => this.writeBatch(sideName, side, chunk, total, release), this.ctx.signal)));
    else await mapPool(chunks, side.limits.parallelRequests, (chunk) => this.writeBatch(sideName, side, chunk, total), this.ctx.signal);
  }

  get queued(): number {
    return this.jobs.bc.length + this.jobs.dataverse.length;
  }

  /** Write-ahead: the creates of a batch are durable intents before the batch leaves. */
  private announce(sideName: 'bc' | 'dataverse', side: Side, table: SideTable, chunk: Job[]): Promise<IntentRange> {
    // Dataverse keeps the id we choose; BC only through the companion extension (API v2.0 refuses it).
    const chosenIds = side.acceptsChosenId?.(table) ?? true;
    const announced: NewIntent[] = chunk
      .filter((job) => job.plan.action === 'insert')
      .map((job) => ({
        mapping: this.m.name,
        direction: job.direction,
        target: sideName,
        entitySet: table.entitySet,
        sourceId: (job.direction === 'to-dataverse' ? job.record.bcId : job.record.dataverseId)!,
        sourceModifiedAt: job.direction === 'to-dataverse' ? job.record.bcModifiedAt : job.record.dataverseModifiedAt,
        chosenId: chosenIds ? job.plan.targetId : undefined,
        keys: chosenIds ? undefined : intentKeys(this.m, job.plan.values ?? {}),
      }));
    // Numbers, not an Intent object per create, are what the batch keeps while it is out.
    return this.ctx.intents.recordRange(announced);
  }

  /**
   * One batch: intents, request, answer recorded. `release` gives the side's slot back: when the answer arrived and
   * may wait its turn (`ApplyContext.answers`), else once the batch is done.
   */
  private async writeBatch(sideName: 'bc' | 'dataverse', side: Side, chunk: Job[], total: number, release?: () => void): Promise<void> {
    const table = this.ctx.tables[sideName];
    // Until the request has left, answers of earlier batches wait: this batch's encoding goes first.
    const leaving = this.ctx.answers?.hold();
    /** Ends this answer's turn (the next answer may be read); set once the turn came. */
    let turnEnd: (() => void) | undefined;
    try {
      const intents = await this.announce(sideName, side, table, chunk);
      let results: WriteResult[];
      try {
        const answer = this.send(side, table, chunk, { answered: this.answeredHook(sideName, chunk.length, release, (end) => (turnEnd = end)) });
        leaving?.();
        results = await answer;
      } catch (error) {
        turnEnd?.();
        await this.batchFailed(error, chunk, intents);
        return;
      }
      await this.recordAll(chunk, results);
      const committed = this.state.commit();
      // The couplings are in the journal's next batch: the next answer may be read while it is written.
      turnEnd?.();
      await committed;
      // Closed only once the couplings are durable: a crash in between leaves an intent that finds its coupling.
      await this.ctx.intents.closeRange(intents);
      this.done += chunk.length;
      this.ctx.onProgress?.(this.done, total);
    } finally {
      leaving?.();
      turnEnd?.();
    }
  }

  /**
   * A batch's outcomes, recorded `RECORD_CHUNK` at a time with a turn of the event loop in between when answers are
   * read in turns (`ApplyContext.answers`): a thousand at once kept the event loop from a BC page arriving (its
   * megabytes come in as the loop turns) and from the planning of the next batches for tens of milliseconds.
   */
  private async recordAll(chunk: Job[], results: WriteResult[]): Promise<void> {
    for (let i = 0; i < results.length; i++) {
      if (i > 0 && i % RECORD_CHUNK === 0 && this.ctx.answers) await new Promise<void>((resolve) => setImmediate(resolve));
      this.recordWrite(chunk[i]!, results[i]!);
    }
  }

  /**
   * What the side calls when the answer arrived: the slot is given back now when the answer may wait, then the
   * answer waits for its turn to be read (called again, the same turn).
   */
  private answeredHook(sideName: 'bc' | 'dataverse', writes: number, release: (() => void) | undefined, took: (end: () => void) => void): WriteOptions['answered'] {
    const answers = this.ctx.answers;
    if (!answers) return undefined;
    let turn: Promise<void> | undefined;
    return () =>
      (turn ??= (() => {
        // While the service paces us (429: the side sends fewer at once than its slots), the next batch waits for
        // the service, not for a slot: an answer kept waiting would only hold memory (a 1,000,000 run peaked 50 MB higher).
        const deferred = answers.room && sendsAtFullWidth(this.ctx[sideName]);
        if (deferred) {
          release?.();
          this.ctx.onAnswered?.(sideName, writes);
        }
        return answers.turn(deferred).then(took);
      })());
  }

  /**
   * The batch's writes handed to the side, which owns their values from here (`Side.write` releases them once its
   * request is encoded). The plans let go of theirs too: a record in flight keeps what recording its outcome needs
   * (ids, times, merge base, action), not its values and changed fields, while up to 52 batches of 1,000 wait for
   * their answers. Not an async function: nothing of this stays referenced by a suspended frame.
   */
  private send(side: Side, table: SideTable, chunk: Job[], options: WriteOptions): Promise<WriteResult[]> {
    const ops: WriteOp[] = chunk.map(({ plan: p }) =>
      p.action === 'insert'
        ? { kind: 'create', id: p.targetId!, fields: p.values ?? {} }
        : { kind: 'update', id: p.targetId!, etag: p.etag, fields: p.values ?? {} },
    );
    if (!this.ctx.keepPlans) {
      for (const { plan } of chunk) {
        plan.values = undefined;
        plan.changed = undefined;
      }
    }
    return side.write(table, ops, options);
  }

  /** The whole request failed: a lost answer is found out and re-planned; an error answer fails the records. */
  private async batchFailed(error: unknown, chunk: Job[], intents: IntentRange): Promise<void> {
    if (error instanceof AuthError) throw error;
    const status = (error as { status?: number }).status;
    if (status === undefined) {
      // The answer was lost (reset, timeout): find out what landed, then re-plan the rest in this run.
      if (intents.count) await resolveIntents(this.ctx, this.m, this.ctx.intents.openIn(intents));
      for (const job of chunk) this.retry.add(job.record);
    } else {
      const message = (error as Error).message.split('\n')[0]!;
      for (const job of chunk) this.fail(job.record, job.direction, message, isTransient(status) ? 'transient' : 'own');
      await this.ctx.intents.closeRange(intents);
    }
    await this.state.commit();
  }

  private recordWrite(job: Job, result: WriteResult): void {
    const { record, plan: p, direction } = job;
    const toDv = direction === 'to-dataverse';
    if (!result.ok || !result.record) {
      if (result.error?.conflict) {
        this.retry.add(record);
        return;
      }
      const message = result.error
        ? `${toDv ? 'Dataverse' : 'Business Central'} refused the ${p.action === 'insert' ? 'insert' : 'update'}: ${result.error.message}`
        : 'the written record could not be read back';
      return this.fail(record, direction, message, result.error && isTransient(result.error.status) ? 'transient' : 'own');
    }
    const written = result.record;
    // What BC holds after the write is what BC answered (its defaults, its rounding), not only what we sent.
    if (!toDv && record.base && Object.keys(written.fields).length > 1) record.base = mergeBase(this.m, written.fields);
    const left = (this.pendingWrites.get(record) ?? 1) - 1;
    this.pendingWrites.set(record, left);
    // The coupling's notes in one change per record: the Dataverse time is our own write's, and the merge base once
    // the record's last write landed.
    const notes: Record<string, JsonValue> = {};
    if (toDv) notes[WRITTEN_BY_US_KEY] = true;
    if (left === 0 && !this.failedRecords.has(record) && !this.retry.has(record) && record.base) notes[MERGE_BASE_KEY] = record.base;
    if (p.action === 'insert') this.coupleCreated(record, direction, written, notes);
    else {
      const before = this.state.byBcId(this.m.name, record.bcId!)?.dataverseModifiedAt;
      const after = this.state.markSuccess(
        this.m.name,
        record.bcId!,
        direction,
        toDv
          ? { dataverseModifiedAt: written.modifiedAt, bcModifiedAt: record.bcModifiedAt || undefined }
          : { bcModifiedAt: written.modifiedAt, dataverseModifiedAt: record.dataverseModifiedAt || undefined },
      ).dataverseModifiedAt;
      // The stored Dataverse time is now the one of the row read and written to BC, even when it equals the time our
      // own earlier write stored (an edit in the same second): a same-second edit is no longer pending. Not when this
      // run also writes the row: that write's time is ours again.
      const writesDataverseToo = record.toDataverse?.action === 'insert' || record.toDataverse?.action === 'modify';
      if (!toDv && (after !== before || (record.dataverseModifiedAt === after && !writesDataverseToo))) this.markWrittenByUs(record.bcId!, false);
      this.setNotes(record.bcId!, notes);
    }
    if (toDv) {
      const span = this.ctx.dataverseWritten;
      // Most writes land in the second of the span's latest (or earliest) one: no dates to parse for those.
      if (span && written.modifiedAt && written.modifiedAt !== span.last && written.modifiedAt !== span.first) {
        const at = Date.parse(written.modifiedAt);
        if (span.first === undefined || at < Date.parse(span.first)) span.first = written.modifiedAt;
        if (span.last === undefined || at > Date.parse(span.last)) span.last = written.modifiedAt;
      }
    }
    this.note(record, direction, p.action);
  }

  /** Sets the coupling's notes that differ from what it holds (nothing is changed when none does). */
  private setNotes(bcId: string, notes: Record<string, JsonValue>): void {
    const current = this.state.byBcId(this.m.name, bcId);
    if (!current) return;
    let changed: Record<string, JsonValue> | undefined;
    for (const key of Object.keys(notes)) if (current.extra?.[key] !== notes[key]) (changed ??= {})[key] = notes[key]!;
    if (changed) this.state.update(this.m.name, bcId, { extra: changed });
  }

  private coupleCreated(record: RecordPlan, direction: PassDirection, written: Rec, notes: Record<string, JsonValue>): void {
    const toDv = direction === 'to-dataverse';
    const bcId = toDv ? record.bcId! : written.id;
    const dataverseId = toDv ? written.id : record.dataverseId!;
    const coupled = this.state.couple(
      {
        mapping: this.m.name,
        bcId,
        dataverseId,
        bcModifiedAt: (toDv ? record.bcModifiedAt : written.modifiedAt) || undefined,
        dataverseModifiedAt: (toDv ? written.modifiedAt : record.dataverseModifiedAt) || undefined,
        syncedDirection: direction,
        ...(Object.keys(notes).length ? { extra: notes } : {}),
      },
      { replace: true },
    );
    // Coupled already (the same pair): the notes go onto the coupling it has.
    if (coupled.existed) this.setNotes(bcId, notes);
    this.state.forgetFailure(this.m.name, direction, toDv ? record.bcId! : record.dataverseId!);
    record.bcId = bcId;
    record.dataverseId = dataverseId;
  }

  /** Unchanged records coupled without a merge base (e.g. by match-based coupling) get one now. */
  storeMissingBases(plan: SyncPlan): void {
    for (const record of plan.records) {
      if (!record.coupled || !record.bcId || !record.base || this.pendingWrites.has(record) || this.failedRecords.has(record)) continue;
      const current = this.state.byBcId(this.m.name, record.bcId);
      const isUnchanged = record.toDataverse?.action === 'unchanged' || record.toBc?.action === 'unchanged';
      if (current && isUnchanged && current.extra?.[MERGE_BASE_KEY] !== record.base) {
        this.state.update(this.m.name, record.bcId, { extra: { [MERGE_BASE_KEY]: record.base } });
      }
    }
  }
}

export async function applyPlan(m: IntegrationTableMapping, plan: SyncPlan, ctx: ApplyContext): Promise<ApplyResult> {
  const writer = new PlanWriter(m, ctx);
  writer.settleWithoutWriting(plan);
  // Committed only when there is something to commit: a commit of nothing waits for every journal write queued,
  // and a plan (a slice of the pipeline) of inserts would then leave only after the other batches' couplings.
  if (ctx.state.pendingChanges) await ctx.state.commit();
  // Dataverse first (BC→Dataverse is the first pass in BC too), then Business Central.
  const total = writer.queued;
  await writer.writeSide('dataverse', total);
  await writer.writeSide('bc', total);
  writer.storeMissingBases(plan);
  if (ctx.state.pendingChanges) await ctx.state.commit();
  return { counts: writer.counts, records: writer.records, retry: [...writer.retry] };
}
