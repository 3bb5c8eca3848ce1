/**
 * The single writer: carries out a SyncPlan in batched writes (each API's batch size, a few batches in
 * flight), and records every outcome in the state as each batch lands, journaled per batch. Nothing else in
 * bcsync writes to Business Central, Dataverse or the couplings during a sync.
 */
import type { IntegrationTableMapping, PassDirection } from '../mapping/index.js';
import type { Side, SideTable, WriteOp, WriteResult } from '../sides/types.js';
import type { StateStore } from '../state/index.js';
import { mapPool } from '../util/pool.js';
import { BASE_KEY, DATAVERSE_WRITTEN_KEY, type Action, type DirectionPlan, type RecordPlan, type SyncPlan } from './plan.js';
import { emptyCounts, type DirectionCounts, type RecordOutcome } from './report.js';

export interface ApplyContext {
  bc: Side;
  dataverse: Side;
  bcTable: SideTable;
  dataverseTable: SideTable;
  state: StateStore;
  /** Dataverse company row to stamp `bcbi_companyid` with (spec §2). */
  dataverseCompanyId?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ApplyResult {
  counts: Record<PassDirection, DirectionCounts>;
  records: RecordOutcome[];
}

type Job = { record: RecordPlan; plan: DirectionPlan; direction: PassDirection };

function stampCompany(m: IntegrationTableMapping, values: Record<string, unknown>, insert: boolean, companyId: string | undefined) {
  const stamp = m.dataverse.companyIdStamp;
  if (!companyId || stamp === 'never' || (stamp === 'insert' && !insert)) return values;
  return { ...values, 'bcbi_companyid@odata.bind': `/cdm_companies(${companyId})` };
}

async function inChunks<T>(items: T[], size: number, parallel: number, work: (chunk: T[]) => Promise<void>, signal?: AbortSignal) {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  await mapPool(chunks, parallel, work, signal);
}

export async function applyPlan(m: IntegrationTableMapping, plan: SyncPlan, ctx: ApplyContext): Promise<ApplyResult> {
  const counts: Record<PassDirection, DirectionCounts> = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  const records: RecordOutcome[] = [];
  const state = ctx.state;
  /** Records whose every planned write succeeded so far (their merge base is stored at the end). */
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
      case 'ignore': break;
    }
    if (action === 'fail' || action === 'conflict' || action === 'skip-auto' || action === 'skip') {
      records.push({
        mapping: m.name,
        direction,
        bcId: record.bcId,
        dataverseId: record.dataverseId,
        label: record.label,
        outcome: action === 'skip-auto' ? 'skipped' : action === 'skip' ? 'skipped' : action === 'conflict' ? 'conflict' : 'failed',
        error: message,
        fields: record.conflictFields,
      });
    }
  };

  const fail = (record: RecordPlan, direction: PassDirection, message: string, asConflict = false) => {
    failedRecords.add(record);
    const outcome = state.markFailure(m.name, { bcId: record.bcId, dataverseId: record.dataverseId }, direction, message);
    note(record, direction, asConflict ? 'conflict' : outcome.skipped ? 'skip-auto' : 'fail', message);
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
          if (direction === 'to-dataverse') fail(record, direction, p.error ?? 'conflict', true);
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
            if (after !== before) markDataverseWritten(record.bcId, false);
          }
          note(record, direction, 'unchanged');
          break;
        default:
          note(record, direction, p.action);
      }
    }
  }
  await state.commit();

  // 2. Writes: Dataverse first (BC→Dataverse is the first pass in BC too), then Business Central.
  const total = jobs.dataverse.length + jobs.bc.length;
  let done = 0;
  for (const sideName of ['dataverse', 'bc'] as const) {
    const side = sideName === 'bc' ? ctx.bc : ctx.dataverse;
    const table = sideName === 'bc' ? ctx.bcTable : ctx.dataverseTable;
    await inChunks(
      jobs[sideName],
      side.limits.batchSize,
      side.limits.parallelRequests,
      async (chunk) => {
        const ops: WriteOp[] = chunk.map(({ plan: p }) => {
          let values = p.values ?? {};
          if (sideName === 'dataverse') {
            if (p.action === 'insert' && m.dataverse.template) values = { ...m.dataverse.template.values, ...values };
            values = stampCompany(m, values, p.action === 'insert', ctx.dataverseCompanyId);
          }
          return p.action === 'insert'
            ? { kind: 'create', id: p.targetId!, fields: values }
            : { kind: 'update', id: p.targetId!, etag: p.etag, fields: values };
        });
        let results: WriteResult[];
        try {
          results = await side.write(table, ops);
        } catch (error) {
          // The whole request failed (after the transport's retries): every record of it failed this run.
          const message = (error as Error).message.split('\n')[0]!;
          for (const job of chunk) fail(job.record, job.direction, message);
          await state.commit();
          return;
        }
        results.forEach((result, i) => recordWrite(chunk[i]!, result));
        await state.commit();
        done += chunk.length;
        ctx.onProgress?.(done, total);
      },
      ctx.signal,
    );
  }

  /** Keeps the coupling's note of whether its stored Dataverse time came from our own write. */
  function markDataverseWritten(bcId: string, written: boolean) {
    const current = state.byBcId(m.name, bcId);
    if (!current || (current.extra?.[DATAVERSE_WRITTEN_KEY] === true) === written) return;
    state.update(m.name, bcId, { extra: { [DATAVERSE_WRITTEN_KEY]: written ? true : undefined } });
  }

  function recordWrite(job: Job, result: WriteResult) {
    const { record, plan: p, direction } = job;
    const toDv = direction === 'to-dataverse';
    if (!result.ok || !result.record) {
      const message = result.error
        ? `${toDv ? 'Dataverse' : 'Business Central'} refused the ${p.action === 'insert' ? 'insert' : 'update'}: ${result.error.message}`
        : 'the written record could not be read back';
      fail(record, direction, message);
      return;
    }
    const written = result.record;
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
      if (!toDv && after !== before) markDataverseWritten(record.bcId!, false);
    }
    if (toDv) markDataverseWritten(record.bcId!, true);
    note(record, direction, p.action);
    const left = (pendingWrites.get(record) ?? 1) - 1;
    pendingWrites.set(record, left);
    if (left === 0 && !failedRecords.has(record) && record.base && record.bcId) {
      state.update(m.name, record.bcId, { extra: { [BASE_KEY]: record.base } });
    }
  }

  // Unchanged records of ⇄ mappings coupled without a merge base (e.g. by match-based coupling) get one now.
  for (const record of plan.records) {
    if (!record.coupled || !record.bcId || !record.base || pendingWrites.has(record) || failedRecords.has(record)) continue;
    const current = state.byBcId(m.name, record.bcId);
    const isUnchanged = record.toDataverse?.action === 'unchanged' || record.toBc?.action === 'unchanged';
    if (current && isUnchanged && current.extra?.[BASE_KEY] !== record.base) {
      state.update(m.name, record.bcId, { extra: { [BASE_KEY]: record.base } });
    }
  }
  await state.commit();
  return { counts, records };
}
