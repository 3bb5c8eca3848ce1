/**
 * A process's per-record results as the outcome of a job-queue report (src/processes/process-report.ts): one
 * direction (to Dataverse), its counts, one record line per failure, so `sync --all` and the sync log show them
 * as a mapping's.
 */
import { emptyCounts, type RecordOutcome } from '../../engine/report.js';
import type { ProcessOutcome } from '../process-report.js';

export interface RecordResult {
  bcId?: string;
  dataverseId?: string;
  label: string;
  result: 'inserted' | 'modified' | 'unchanged' | 'failed';
  error?: string;
}

export function recordsOutcome(name: string, results: readonly RecordResult[], dryRun: boolean): ProcessOutcome {
  const counts = emptyCounts();
  const records: RecordOutcome[] = [];
  for (const r of results) {
    counts[r.result]++;
    if (r.result === 'failed') {
      records.push({ mapping: name, direction: 'to-dataverse', bcId: r.bcId, dataverseId: r.dataverseId, label: r.label, outcome: 'failed', error: r.error });
    }
  }
  return { directions: ['to-dataverse'], counts: { 'to-dataverse': counts }, records, dryRun };
}
