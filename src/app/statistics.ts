/**
 * Wiring of the account statistics process (src/processes/statistics): its sources from an open session, and its
 * run as the CUSTOMER-STATISTICS job-queue process of `sync --all` (docs/integration.md §8.5, §9: every 30 minutes).
 */
import { unavailableReason, type MappingReport, type Unavailable } from '../engine/report.js';
import { startProcessReport } from '../processes/process-report.js';
import { recordsOutcome, type RecordResult } from '../processes/statistics/report.js';
import {
  CUSTOMER_MAPPING,
  STATISTICS_PROCESS,
  updateAccountStatistics,
  type StatisticsRun,
  type StatisticsScope,
} from '../processes/statistics/statistics.js';
import type { Session } from './session.js';

export function runStatistics(session: Session, scope: StatisticsScope, dryRun: boolean): Promise<StatisticsRun> {
  return updateAccountStatistics(
    {
      bc: session.ctx.bc,
      dataverse: session.ctx.dataverse,
      state: session.state,
      integrationUserId: session.ctx.integrationUserId,
      lcyCurrencyId: session.ctx.dataverseBaseCurrencyId,
      dryRun,
    },
    scope,
  );
}

export function statisticsResults(run: StatisticsRun): RecordResult[] {
  return run.accounts.map((a) => ({ dataverseId: a.accountid, label: a.customerNumber || a.accountid, result: a.result, error: a.message }));
}

/** What a job-queue process reads, for the unavailable report when it is missing (as a mapping's tables). */
export type ProcessTables = Parameters<typeof unavailableReason>[1];

/**
 * One job-queue process run as a report: its record results when `mapping` is in the profile (none otherwise),
 * measured (src/processes/process-report.ts). A process that cannot run at all (the companion extension or the
 * integration solution missing, no permission) reports as an unavailable mapping does: `sync --all` runs the
 * rest and exits 6, with the fix.
 */
export async function processJob(
  session: Session,
  job: { name: string; mapping: string; tables: ProcessTables; dryRun: boolean },
  work: () => Promise<RecordResult[]>,
): Promise<MappingReport> {
  const finish = startProcessReport(session.ctx, job.name);
  const inProfile = session.mappings.some((m) => m.name === job.mapping);
  try {
    return finish(recordsOutcome(job.name, inProfile ? await work() : [], job.dryRun));
  } catch (error) {
    const unavailable: Unavailable | undefined = unavailableReason(error, job.tables);
    if (!unavailable) throw error;
    return { ...finish(recordsOutcome(job.name, [], job.dryRun)), unavailable, message: `${job.name} is unavailable: ${unavailable.reason}; ${unavailable.fix}` };
  }
}

/** The job-queue run: every changed or not yet uploaded coupled customer; nothing when the profile has no CUSTOMER mapping. */
export function statisticsJob(session: Session, options: { dryRun?: boolean }): Promise<MappingReport> {
  const dryRun = Boolean(options.dryRun);
  const tables = { bc: { api: 'custom' as const, entitySet: 'customerStatistics' }, dataverse: { entitySet: 'nav_accountstatisticses' } };
  return processJob(session, { name: STATISTICS_PROCESS, mapping: CUSTOMER_MAPPING, tables, dryRun }, async () =>
    statisticsResults(await runStatistics(session, { all: true }, dryRun)),
  );
}
