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
import type { Side, SideTable, WriteOp, WriteResult } from '../sides/types.js';
import type { Intent, IntentJournal, NewIntent, StateStore } from '../state/index.js';
import { mapPool } from '../util/pool.js';
import { intentKeys, resolveIntents, type IntentTables } from './intents.js';
import { mergeBase, MERGE_BASE_KEY } from './merge-base.js';
import { WRITTEN_BY_US_KEY, type Action, type DirectionPlan, type RecordPlan, type SyncPlan } from './plan.js';
import { emptyCounts, type DirectionCounts, type RecordOutcome } from './report.js';

export interface ApplyContext {
  bc: Side;
  dataverse: Side;
  tables: IntentTables;
  state: StateStore;
  intents: IntentJournal;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ApplyResult {
  counts: Record<PassDirection, DirectionCounts>;
  records: RecordOutcome[];
  /** Records to re-read and re-plan: a stale ETag (someone edited it meanwhile) or a write whose answer was lost. */
  retry: RecordPlan[];
}

type Job = { record: RecordPlan; plan: DirectionPlan; direction: PassDirection };

/** Errors that say nothing about the record: throttling, outages, lost connections. */
function isTransient(status: number | undefined): boolean {
  return status === undefined || status === 429 || status === 408 || status >= 500;
}

/** Whether a target accepts the id we choose for a create (Dataverse always; BC only through the extension). */
export function acceptsChosenId(sideName: 'bc' | 'dataverse', table: SideTable): boolean {
  return sideName === 'dataverse' || table.api === 'custom';
}

export async function applyPlan(m: IntegrationTableMapping, plan: SyncPlan, ctx: ApplyContext): Promise<ApplyResult> {
  const counts: Record<PassDirection, DirectionCounts> = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  const records: RecordOutcome[] = [];
  const retry = new Set<RecordPlan>();
  const state = ctx.state;
  /** Planned writes per record still outstanding; the merge base is stored when the last one succeeds. */
  const pendingWrites = new Map<RecordPlan, number>();
  const failedRecords = new Set<RecordPlan>();

  const note = (record: RecordPlan, direction: PassDirection, action: Action | 'skip-auto', message?: string) => {
    const c = counts[direction];
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
      records.push({
        mapping: m.name,
        direction,
        bcId: record.bcId,
        dataverseId: record.dataverseId,
        label: record.label,
        outcome: action === 'conflict' ? 'conflict' : action === 'fail' ? 'failed' : 'skipped',
        error: message,
        fields: record.conflictFields,
      });
    }
  };

  const fail = (record: RecordPlan, direction: PassDirection, message: string, kind: 'own' | 'transient' | 'conflict' = 'own') => {
    failedRecords.add(record);
    const outcome = state.markFailure(m.name, { bcId: record.bcId, dataverseId: record.dataverseId }, direction, message, { transient: kind === 'transient' });
    note(record, direction, kind === 'conflict' ? 'conflict' : outcome.skipped ? 'skip-auto' : 'fail', message);
  };

  /** Keeps the coupling's note of whether its stored Dataverse time came from our own write. */
  const markWrittenByUs = (bcId: string, written: boolean) => {
    const current = state.byBcId(m.name, bcId);
    if (!current || (current.extra?.[WRITTEN_BY_US_KEY] === true) === written) return;
    state.update(m.name, bcId, { extra: { [WRITTEN_BY_US_KEY]: written ? true : undefined } });
  };

  // 1. Outcomes that write nothing to the systems.
  const jobs: Record<'bc' | 'dataverse', Job[]> = { bc: [], dataverse: [] };
  for (const record of plan.records) {
    for (const [direction, p] of [
      ['to-dataverse', record.toDataverse],
      ['from-dataverse', record.toBc],
    ] as const) {
      if (!p) continue;
      switch (p.action) {
        case 'insert':
        case 'modify':
          jobs[direction === 'to-dataverse' ? 'dataverse' : 'bc'].push({ record, plan: p, direction });
          pendingWrites.set(record, (pendingWrites.get(record) ?? 0) + 1);
          break;
        case 'fail':
          fail(record, direction, p.error ?? 'failed');
          break;
        case 'conflict':
          // Both directions carry the conflict; record it once, against the BC→Dataverse direction.
          if (direction === 'to-dataverse') fail(record, direction, p.error ?? 'conflict', 'conflict');
          break;
        case 'uncouple':
          state.uncouple(m.name, { bcId: record.bcId, dataverseId: record.dataverseId });
          note(record, direction, 'uncouple');
          break;
        case 'unchanged':
          if (record.coupled && record.bcId) {
            const before = state.byBcId(m.name, record.bcId)?.dataverseModifiedAt;
            const after = state.markSuccess(m.name, record.bcId, direction, {
              bcModifiedAt: record.bcModifiedAt || undefined,
              dataverseModifiedAt: record.dataverseModifiedAt || undefined,
            }).dataverseModifiedAt;
            // A Dataverse time taken from a read replaces the one our write produced.
            if (after !== before) markWrittenByUs(record.bcId, false);
          }
          note(record, direction, 'unchanged');
          break;
        default:
          note(record, direction, p.action);
      }
    }
  }
  await state.commit();

  const recordWrite = (job: Job, result: WriteResult) => {
    const { record, plan: p, direction } = job;
    const toDv = direction === 'to-dataverse';
    if (!result.ok || !result.record) {
      if (result.error?.conflict) {
        retry.add(record);
        return;
      }
      const message = result.error
        ? `${toDv ? 'Dataverse' : 'Business Central'} refused the ${p.action === 'insert' ? 'insert' : 'update'}: ${result.error.message}`
        : 'the written record could not be read back';
      fail(record, direction, message, result.error && isTransient(result.error.status) ? 'transient' : 'own');
      return;
    }
    const written = result.record;
    // What BC holds after the write is what BC answered (its defaults, its rounding), not only what we sent.
    if (!toDv && record.base && Object.keys(written.fields).length > 1) record.base = mergeBase(m, written.fields);
    if (p.action === 'insert') {
      const bcId = toDv ? record.bcId! : written.id;
      const dataverseId = toDv ? written.id : record.dataverseId!;
      state.couple(
        {
          mapping: m.name,
          bcId,
          dataverseId,
          bcModifiedAt: (toDv ? record.bcModifiedAt : written.modifiedAt) || undefined,
          dataverseModifiedAt: (toDv ? written.modifiedAt : record.dataverseModifiedAt) || undefined,
          syncedDirection: direction,
        },
        { replace: true },
      );
      state.forgetFailure(m.name, direction, toDv ? record.bcId! : record.dataverseId!);
      record.bcId = bcId;
      record.dataverseId = dataverseId;
    } else {
      const before = state.byBcId(m.name, record.bcId!)?.dataverseModifiedAt;
      const after = state.markSuccess(
        m.name,
        record.bcId!,
        direction,
        toDv
          ? { dataverseModifiedAt: written.modifiedAt, bcModifiedAt: record.bcModifiedAt || undefined }
          : { bcModifiedAt: written.modifiedAt, dataverseModifiedAt: record.dataverseModifiedAt || undefined },
      ).dataverseModifiedAt;
      if (!toDv && after !== before) markWrittenByUs(record.bcId!, false);
    }
    if (toDv) markWrittenByUs(record.bcId!, true);
    note(record, direction, p.action);
    const left = (pendingWrites.get(record) ?? 1) - 1;
    pendingWrites.set(record, left);
    if (left === 0 && !failedRecords.has(record) && !retry.has(record) && record.base && record.bcId) {
      state.update(m.name, record.bcId, { extra: { [MERGE_BASE_KEY]: record.base } });
    }
  };

  // 2. Writes: Dataverse first (BC→Dataverse is the first pass in BC too), then Business Central.
  const total = jobs.dataverse.length + jobs.bc.length;
  let done = 0;
  for (const sideName of ['dataverse', 'bc'] as const) {
    const side = sideName === 'bc' ? ctx.bc : ctx.dataverse;
    const table = sideName === 'bc' ? ctx.tables.bc : ctx.tables.dataverse;
    const chosenIds = acceptsChosenId(sideName, table);
    const chunks: Job[][] = [];
    for (let i = 0; i < jobs[sideName].length; i += side.limits.batchSize) chunks.push(jobs[sideName].slice(i, i + side.limits.batchSize));
    await mapPool(
      chunks,
      side.limits.parallelRequests,
      async (chunk) => {
        const ops: WriteOp[] = chunk.map(({ plan: p }) =>
          p.action === 'insert'
            ? { kind: 'create', id: p.targetId!, fields: p.values ?? {} }
            : { kind: 'update', id: p.targetId!, etag: p.etag, fields: p.values ?? {} },
        );
        // Write-ahead: the creates of this batch are durable intents before the batch leaves.
        const announced: NewIntent[] = [];
        const intentOf = new Map<number, number>();
        chunk.forEach((job, i) => {
          if (job.plan.action !== 'insert') return;
          intentOf.set(i, announced.length);
          announced.push({
            mapping: m.name,
            direction: job.direction,
            target: sideName,
            entitySet: table.entitySet,
            sourceId: (job.direction === 'to-dataverse' ? job.record.bcId : job.record.dataverseId)!,
            sourceModifiedAt: job.direction === 'to-dataverse' ? job.record.bcModifiedAt : job.record.dataverseModifiedAt,
            chosenId: chosenIds ? job.plan.targetId : undefined,
            keys: chosenIds ? undefined : intentKeys(m, job.plan.values ?? {}),
          });
        });
        const intents: Intent[] = announced.length ? await ctx.intents.record(announced) : [];
        let results: WriteResult[];
        try {
          results = await side.write(table, ops);
        } catch (error) {
          if (error instanceof AuthError) throw error;
          const status = (error as { status?: number }).status;
          const message = (error as Error).message.split('\n')[0]!;
          if (status === undefined) {
            // The answer was lost (reset, timeout): find out what landed, then re-plan the rest in this run.
            if (intents.length) await resolveIntents(ctx, m, intents);
            for (const job of chunk) retry.add(job.record);
          } else {
            for (const job of chunk) fail(job.record, job.direction, message, isTransient(status) ? 'transient' : 'own');
            await ctx.intents.close(intents);
          }
          await state.commit();
          return;
        }
        results.forEach((result, i) => recordWrite(chunk[i]!, result));
        await state.commit();
        // Closed only once the couplings are durable: a crash in between leaves an intent that finds its coupling.
        await ctx.intents.close(intents);
        done += chunk.length;
        ctx.onProgress?.(done, total);
      },
      ctx.signal,
    );
  }

  // Unchanged records coupled without a merge base (e.g. by match-based coupling) get one now.
  for (const record of plan.records) {
    if (!record.coupled || !record.bcId || !record.base || pendingWrites.has(record) || failedRecords.has(record)) continue;
    const current = state.byBcId(m.name, record.bcId);
    const isUnchanged = record.toDataverse?.action === 'unchanged' || record.toBc?.action === 'unchanged';
    if (current && isUnchanged && current.extra?.[MERGE_BASE_KEY] !== record.base) {
      state.update(m.name, record.bcId, { extra: { [MERGE_BASE_KEY]: record.base } });
    }
  }
  await state.commit();
  return { counts, records, retry: [...retry] };
}
