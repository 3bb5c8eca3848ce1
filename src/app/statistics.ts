/**
 * Wiring of the account statistics process (src/processes/statistics): its sources from an open session, and its
 * run as the CUSTOMER-STATISTICS job-queue process of `sync --all` (docs/integration.md §8.5, §9: every 30 minutes).
 */
import { unavailableReason, type MappingReport, type Unavailable } from '../engine/report.js';
import { processReport } from '../processes/statistics/report.js';
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

export function statisticsReport(run: StatisticsRun, facts: ProcessRequests & { startedAt: string; finishedAt: string; dryRun: boolean }): MappingReport {
  return processReport(
    STATISTICS_PROCESS,
    run.accounts.map((a) => ({ dataverseId: a.accountid, label: a.customerNumber || a.accountid, result: a.result, error: a.message })),
    facts,
  );
}

/**
 * A process that cannot run at all (the companion extension or the integration solution missing, no permission)
 * reports as an unavailable mapping does: `sync --all` runs the rest and exits 6, with the fix.
 */
export async function unlessUnavailable(
  name: string,
  tables: Parameters<typeof unavailableReason>[1],
  facts: { startedAt: string; now: () => string; dryRun: boolean },
  work: () => Promise<MappingReport>,
): Promise<MappingReport> {
  try {
    return await work();
  } catch (error) {
    const unavailable: Unavailable | undefined = unavailableReason(error, tables);
    if (!unavailable) throw error;
    const report = processReport(name, [], { startedAt: facts.startedAt, finishedAt: facts.now(), requests: { bc: 0, dataverse: 0 }, retries: 0, dryRun: facts.dryRun });
    return { ...report, unavailable, message: `${name} is unavailable: ${unavailable.reason}; ${unavailable.fix}` };
  }
}

/** The job-queue run: every changed or not yet uploaded coupled customer; nothing when the profile has no CUSTOMER mapping. */
export async function statisticsJob(session: Session, options: { dryRun?: boolean }): Promise<MappingReport> {
  const now = (): string => new Date(session.ctx.clock.now()).toISOString();
  const startedAt = now();
  const dryRun = Boolean(options.dryRun);
  const hasCustomers = session.mappings.some((m) => m.name === CUSTOMER_MAPPING);
  const tables = { bc: { api: 'custom' as const, entitySet: 'customerStatistics' }, dataverse: { entitySet: 'nav_accountstatisticses' } };
  return unlessUnavailable(STATISTICS_PROCESS, tables, { startedAt, now, dryRun }, async () => {
    const counted = await countingRequests(session, async () => (hasCustomers ? runStatistics(session, { all: true }, dryRun) : { accounts: [] }));
    return statisticsReport(counted.value, { ...counted, startedAt, finishedAt: now(), dryRun });
  });
}
