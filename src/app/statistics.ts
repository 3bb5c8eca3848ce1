/**
 * Wiring of the account statistics process (src/processes/statistics): its sources from an open session, and its
 * run as the CUSTOMER-STATISTICS job-queue process of `sync --all` (docs/integration.md §8.5, §9: every 30 minutes).
 */
import { unavailableReason, type MappingReport, type Unavailable } from '../engine/report.js';
import { processReport, type ProcessOutcome } from '../processes/statistics/report.js';
import {
  CUSTOMER_MAPPING,
  STATISTICS_PROCESS,
  updateAccountStatistics,
  type StatisticsRun,
  type StatisticsScope,
} from '../processes/statistics/statistics.js';
import type { Session } from './session.js';

export interface ProcessRequests {
  requests: { bc: number; dataverse: number };
  retries: number;
}

/** Requests both Sides sent while `work` ran. */
export async function countingRequests<T>(session: Session, work: () => Promise<T>): Promise<{ value: T } & ProcessRequests> {
  const { bc, dataverse } = session.ctx;
  const before = { bc: bc.stats(), dataverse: dataverse.stats() };
  const value = await work();
  const after = { bc: bc.stats(), dataverse: dataverse.stats() };
  return {
    value,
    requests: { bc: after.bc.requests - before.bc.requests, dataverse: after.dataverse.requests - before.dataverse.requests },
    retries: after.bc.retries - before.bc.retries + after.dataverse.retries - before.dataverse.retries,
  };
}

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

export function statisticsOutcomes(run: StatisticsRun): ProcessOutcome[] {
  return run.accounts.map((a) => ({ dataverseId: a.accountid, label: a.customerNumber || a.accountid, result: a.result, error: a.message }));
}

/** What a job-queue process reads, for the unavailable report when it is missing (as a mapping's tables). */
export type ProcessTables = Parameters<typeof unavailableReason>[1];

/**
 * One job-queue process run as a report: its outcomes when `mapping` is in the profile (none otherwise), the
 * requests both Sides sent, and the run's times. A process that cannot run at all (the companion extension or
 * the integration solution missing, no permission) reports as an unavailable mapping does: `sync --all` runs
 * the rest and exits 6, with the fix.
 */
export async function processJob(
  session: Session,
  job: { name: string; mapping: string; tables: ProcessTables; dryRun: boolean },
  work: () => Promise<ProcessOutcome[]>,
): Promise<MappingReport> {
  const now = (): string => new Date(session.ctx.clock.now()).toISOString();
  const startedAt = now();
  const inProfile = session.mappings.some((m) => m.name === job.mapping);
  try {
    const counted = await countingRequests(session, async () => (inProfile ? work() : []));
    return processReport(job.name, counted.value, { ...counted, startedAt, finishedAt: now(), dryRun: job.dryRun });
  } catch (error) {
    const unavailable: Unavailable | undefined = unavailableReason(error, job.tables);
    if (!unavailable) throw error;
    const report = processReport(job.name, [], { startedAt, finishedAt: now(), requests: { bc: 0, dataverse: 0 }, retries: 0, dryRun: job.dryRun });
    return { ...report, unavailable, message: `${job.name} is unavailable: ${unavailable.reason}; ${unavailable.fix}` };
  }
}

/** The job-queue run: every changed or not yet uploaded coupled customer; nothing when the profile has no CUSTOMER mapping. */
export function statisticsJob(session: Session, options: { dryRun?: boolean }): Promise<MappingReport> {
  const dryRun = Boolean(options.dryRun);
  const tables = { bc: { api: 'custom' as const, entitySet: 'customerStatistics' }, dataverse: { entitySet: 'nav_accountstatisticses' } };
  return processJob(session, { name: STATISTICS_PROCESS, mapping: CUSTOMER_MAPPING, tables, dryRun }, async () =>
    statisticsOutcomes(await runStatistics(session, { all: true }, dryRun)),
  );
}
