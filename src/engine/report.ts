import type { PassDirection } from '../mapping/index.js';
import type { SyncPlan } from './plan.js';
import { emptyCounts, type SyncCounts } from '../state/index.js';

/**
 * Counters of one direction of one run (BC's Integration Synch. Job row, §5.7, plus what bcsync adds, e.g.
 * echo-suppressed): the sync log's own counters, so a report is logged as it is.
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
  /** The plan (dry runs). */
  plan?: SyncPlan;
  message?: string;
}

export function hasProblems(report: MappingReport): boolean {
  return report.directions.some((d) => report.counts[d].failed + report.counts[d].conflicts > 0);
}
