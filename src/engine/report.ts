import { ApiError, AuthError, ExitCode, type ExitCodeValue } from '../errors.js';
import type { IntegrationTableMapping, PassDirection } from '../mapping/index.js';
import type { SyncPlan } from './plan.js';
import { emptyCounts, type SyncCounts } from '../state/index.js';

/**
 * Counters of one direction of one run (BC's Integration Synch. Job row, docs/integration.md §5.7, plus what
 * bcsync adds, e.g. echo-suppressed): the sync log's own counters, so a report is logged as it is.
 */
export type DirectionCounts = SyncCounts;
export { emptyCounts };

/** A record that failed, was skipped or is in conflict (one log line each). */
export interface RecordOutcome {
  mapping: string;
  direction: PassDirection;
  bcId?: string;
  dataverseId?: string;
  label: string;
  outcome: 'failed' | 'skipped' | 'conflict';
  error?: string;
  /** Conflicting field mapping ids. */
  fields?: string[];
}

/** Why a mapping could not run at all, and what fixes it. */
export interface Unavailable {
  reason: string;
  fix: string;
}

export interface MappingReport {
  mapping: string;
  /** Directions this run covered. */
  directions: PassDirection[];
  counts: Record<PassDirection, DirectionCounts>;
  records: RecordOutcome[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  requests: { bc: number; dataverse: number };
  retries: number;
  dryRun: boolean;
  /** Records of the mapping still marked skipped after the run (from this run or earlier ones): not synchronized. */
  leftSkipped?: number;
  /** Creates whose outcome is still unknown after the run (resolved by the next run). */
  openIntents?: number;
  /** Set when the mapping could not run (entity set missing, no permission, extension missing). */
  unavailable?: Unavailable;
  /** The plan (dry runs). */
  plan?: SyncPlan;
  message?: string;
}

/** Records left failed, skipped, in conflict or with an unknown outcome: the run did not do all it should. */
export function hasProblems(report: MappingReport): boolean {
  if (report.unavailable || (report.openIntents ?? 0) > 0 || (report.leftSkipped ?? 0) > 0) return true;
  return report.directions.some((d) => report.counts[d].failed + report.counts[d].conflicts + report.counts[d].skipped > 0);
}

/**
 * The exit code of a run's reports (docs/design.md "Output and exit codes"): 0 only when every record in scope
 * was synchronized or deliberately left alone; 6 when a mapping could not run; 4 when records were left failed,
 * skipped, in conflict or unresolved. A dry run's reports give the code the real run would.
 */
export function exitCodeOf(reports: readonly MappingReport[]): ExitCodeValue {
  if (reports.some((r) => r.unavailable)) return ExitCode.unavailable;
  if (reports.some(hasProblems)) return ExitCode.partial;
  return ExitCode.ok;
}

/**
 * A whole mapping is unavailable when its entity set does not exist (404 on a collection: the companion
 * extension for the custom API, or a BC version without the resource) or the identity may not read it (403).
 */
export function unavailableReason(
  error: unknown,
  // The tables it reads: a mapping's, or those of a job-queue process (src/app/job-queue.ts).
  m: { bc: Pick<IntegrationTableMapping['bc'], 'api' | 'entitySet'>; dataverse: Pick<IntegrationTableMapping['dataverse'], 'entitySet'> },
): Unavailable | undefined {
  const status = error instanceof ApiError ? error.status : error instanceof AuthError ? error.details.status : undefined;
  const custom = m.bc.api === 'custom';
  const api = error instanceof ApiError ? error.api : undefined;
  if (status === 404) {
    if (custom && api !== 'dataverse') {
      return { reason: `the custom API entity set ${m.bc.entitySet} does not exist in Business Central`, fix: 'install the companion extension (bc-extension/README.md), then check with "bcsync doctor"' };
    }
    const where = api === 'dataverse' ? `Dataverse table ${m.dataverse.entitySet}` : `Business Central entity set ${m.bc.entitySet}`;
    return { reason: `the ${where} does not exist`, fix: 'check the API version and the integration solution installed ("bcsync doctor" checks every mapping)' };
  }
  if (status === 403) {
    const what = api === 'dataverse' ? `the Dataverse table ${m.dataverse.entitySet}` : `${m.bc.entitySet} in Business Central`;
    return { reason: `the integration identity may not read ${what}`, fix: `grant read on ${api === 'dataverse' ? m.dataverse.entitySet : m.bc.entitySet} to the application user ("bcsync doctor" lists every permission)` };
  }
  return undefined;
}
