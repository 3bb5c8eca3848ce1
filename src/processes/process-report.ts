/**
 * A job-queue process reports in the shape of a mapping report (src/app/job-queue.ts), so `sync --all` prints, logs
 * and exits on it as on a mapping. This measures a process run: its time and the requests it sent to each side.
 */
import type { EngineContext } from '../engine/context.js';
import type { DirectionCounts, MappingReport, RecordOutcome } from '../engine/report.js';
import type { PassDirection } from '../mapping/index.js';
import { emptyCounts } from '../engine/report.js';

export interface ProcessOutcome {
  directions: PassDirection[];
  counts: Partial<Record<PassDirection, DirectionCounts>>;
  records: RecordOutcome[];
  dryRun: boolean;
}

/** What a run is measured on: its clock and the two Sides (an engine context, or a process's own sources). */
export type Measured = Pick<EngineContext, 'bc' | 'dataverse'> & { clock: { now(): number } };

/** Starts measuring; the returned function makes the report once the process is done. */
export function startProcessReport(ctx: Measured, name: string): (outcome: ProcessOutcome) => MappingReport {
  const started = ctx.clock.now();
  const before = { bc: ctx.bc.stats(), dataverse: ctx.dataverse.stats() };
  return (outcome) => {
    const finished = ctx.clock.now();
    const after = { bc: ctx.bc.stats(), dataverse: ctx.dataverse.stats() };
    return {
      mapping: name,
      directions: outcome.directions,
      counts: { 'to-dataverse': outcome.counts['to-dataverse'] ?? emptyCounts(), 'from-dataverse': outcome.counts['from-dataverse'] ?? emptyCounts() },
      records: outcome.records,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      requests: { bc: after.bc.requests - before.bc.requests, dataverse: after.dataverse.requests - before.dataverse.requests },
      retries: after.bc.retries - before.bc.retries + after.dataverse.retries - before.dataverse.retries,
      dryRun: outcome.dryRun,
    };
  };
}
