/**
 * An invoice process reports in the shape of a mapping report (BC→Dataverse only), so `sync --all`, the sync log
 * and the exit codes treat it as they treat a mapping: a refused invoice is a failed record (exit 4).
 */
import { emptyCounts, type MappingReport } from '../../engine/report.js';
import type { Side } from '../../sides/types.js';

export interface ReportBuilder {
  report: MappingReport;
  fail(label: string, error: string, ids: { bcId?: string; dataverseId?: string }): void;
  finish(): MappingReport;
}

export function startReport(name: string, sides: { bc: Side; dataverse: Side }, dryRun: boolean, now: () => number): ReportBuilder {
  const started = now();
  const before = { bc: sides.bc.stats(), dataverse: sides.dataverse.stats() };
  const report: MappingReport = {
    mapping: name,
    directions: ['to-dataverse'],
    counts: { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() },
    records: [],
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationMs: 0,
    requests: { bc: 0, dataverse: 0 },
    retries: 0,
    dryRun,
  };
  return {
    report,
    fail(label, error, ids) {
      report.counts['to-dataverse'].failed++;
      report.records.push({ mapping: name, direction: 'to-dataverse', label, outcome: 'failed', error, ...ids });
    },
    finish() {
      const finished = now();
      const after = { bc: sides.bc.stats(), dataverse: sides.dataverse.stats() };
      report.finishedAt = new Date(finished).toISOString();
      report.durationMs = finished - started;
      report.requests = { bc: after.bc.requests - before.bc.requests, dataverse: after.dataverse.requests - before.dataverse.requests };
      report.retries = after.bc.retries - before.bc.retries + (after.dataverse.retries - before.dataverse.retries);
      return report;
    },
  };
}
