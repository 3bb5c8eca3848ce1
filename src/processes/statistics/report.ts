/**
 * A process run in the shape of a mapping report (src/app/job-queue.ts), so `sync --all` prints, logs and
 * exits on it as on a mapping: one direction (to Dataverse), its counts, one record line per failure.
 */
import { emptyCounts, type MappingReport, type RecordOutcome } from '../../engine/report.js';

export interface ProcessOutcome {
  bcId?: string;
  dataverseId?: string;
  label: string;
  result: 'inserted' | 'modified' | 'unchanged' | 'failed';
  error?: string;
}

export interface ProcessRunFacts {
  startedAt: string;
  finishedAt: string;
  requests: { bc: number; dataverse: number };
  retries: number;
  dryRun: boolean;
  message?: string;
}

export function processReport(name: string, outcomes: readonly ProcessOutcome[], facts: ProcessRunFacts): MappingReport {
  const counts = emptyCounts();
  const records: RecordOutcome[] = [];
  for (const o of outcomes) {
    counts[o.result]++;
    if (o.result === 'failed') {
      records.push({ mapping: name, direction: 'to-dataverse', bcId: o.bcId, dataverseId: o.dataverseId, label: o.label, outcome: 'failed', error: o.error });
    }
  }
  return {
    mapping: name,
    directions: ['to-dataverse'],
    counts: { 'to-dataverse': counts, 'from-dataverse': emptyCounts() },
    records,
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt,
    durationMs: Date.parse(facts.finishedAt) - Date.parse(facts.startedAt),
    requests: facts.requests,
    retries: facts.retries,
    dryRun: facts.dryRun,
    ...(facts.message ? { message: facts.message } : {}),
  };
}
