/**
 * An invoice process reports in the shape of a mapping report (BC→Dataverse only), so `sync --all`, the sync log
 * and the exit codes treat it as they treat a mapping: a refused invoice is a failed record (exit 4).
 */
import type { MappingReport } from '../../engine/report.js';
import { startProcessReport, type Measured } from '../process-report.js';

export interface ReportBuilder {
  report: MappingReport;
  fail(label: string, error: string, ids: { bcId?: string; dataverseId?: string }): void;
  finish(): MappingReport;
}

export function startReport(name: string, ctx: Measured, dryRun: boolean): ReportBuilder {
  const measure = startProcessReport(ctx, name);
  const report = measure({ directions: ['to-dataverse'], counts: {}, records: [], dryRun });
  return {
    report,
    fail(label, error, ids) {
      report.counts['to-dataverse'].failed++;
      report.records.push({ mapping: name, direction: 'to-dataverse', label, outcome: 'failed', error, ...ids });
    },
    finish() {
      const { finishedAt, durationMs, requests, retries } = measure(report);
      return Object.assign(report, { finishedAt, durationMs, requests, retries });
    },
  };
}
