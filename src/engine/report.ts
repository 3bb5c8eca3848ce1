import type { PassDirection } from '../mapping/index.js';
import type { SyncPlan } from './plan.js';

/** Counters of one direction of one run (BC's Integration Synch. Job row, §5.7, plus what bcsync adds). */
export interface DirectionCounts {
  inserted: number;
  modified: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  failed: number;
  conflicts: number;
  /** Records read again only because of our own write (or last modified by the integration user). */
  echoSuppressed: number;
  coupled: number;
  uncoupled: number;
}

export function emptyCounts(): DirectionCounts {
  return { inserted: 0, modified: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0, conflicts: 0, echoSuppressed: 0, coupled: 0, uncoupled: 0 };
}

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
