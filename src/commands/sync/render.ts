/**
 * How synchronization runs are shown: the per-mapping summary table (stdout), the dry-run plan per record,
 * the problem records (stderr) and progress (stderr; a spinner only on a terminal). Shared by sync,
 * full-sync and demo.
 */
import { runMapping, runProcess, type MappingRunView } from '../../app/run-mapping.js';
import type { JobQueueProcess, JobQueueProcessOptions } from '../../app/job-queue.js';
import type { Session } from '../../app/session.js';
import type { Deps } from '../../deps.js';
import { hasProblems, type MappingReport } from '../../engine/report.js';
import type { SyncOptions } from '../../engine/run.js';
import type { Column, Output } from '../../io/output.js';
import type { IntegrationTableMapping } from '../../mapping/index.js';

export const SUMMARY_COLUMNS: Column[] = [
  { key: 'mapping', header: 'Mapping' },
  { key: 'direction', header: 'Direction' },
  { key: 'inserted', header: 'Inserted', align: 'right' },
  { key: 'modified', header: 'Modified', align: 'right' },
  { key: 'unchanged', header: 'Unchanged', align: 'right' },
  { key: 'echoSuppressed', header: 'Echo-suppressed', align: 'right' },
  { key: 'skipped', header: 'Skipped', align: 'right' },
  { key: 'failed', header: 'Failed', align: 'right' },
  { key: 'conflicts', header: 'Conflicts', align: 'right' },
  { key: 'requests', header: 'Requests', align: 'right' },
];

/** One row per mapping and direction; the run's requests (both APIs) on its first row. */
export function summaryRows(reports: readonly MappingReport[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const r of reports) {
    r.directions.forEach((direction, i) => {
      const c = r.counts[direction];
      rows.push({
        mapping: r.mapping,
        direction,
        inserted: c.inserted,
        modified: c.modified,
        unchanged: c.unchanged,
        echoSuppressed: c.echoSuppressed,
        skipped: c.skipped,
        failed: c.failed,
        conflicts: c.conflicts,
        requests: i === 0 ? r.requests.bc + r.requests.dataverse : '',
      });
    });
  }
  return rows;
}

export function printSummary(out: Output, reports: readonly MappingReport[]): void {
  out.table(summaryRows(reports), SUMMARY_COLUMNS);
}

export const PLAN_COLUMNS: Column[] = [
  { key: 'mapping', header: 'Mapping' },
  { key: 'direction', header: 'Direction' },
  { key: 'action', header: 'Action' },
  { key: 'bcId', header: 'BC id' },
  { key: 'dataverseId', header: 'Dataverse id' },
  { key: 'label', header: 'Record' },
  { key: 'changed', header: 'Changed fields' },
];

/** The plan of a dry run, one row per record and direction (records read only as echoes are left out). */
export function planRows(reports: readonly MappingReport[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const r of reports) {
    for (const rec of r.plan?.records ?? []) {
      for (const [direction, p] of [
        ['to-dataverse', rec.toDataverse],
        ['from-dataverse', rec.toBc],
      ] as const) {
        if (!p || p.action === 'echo') continue;
        const toDv = direction === 'to-dataverse';
        rows.push({
          mapping: r.mapping,
          direction,
          action: p.action,
          bcId: (toDv ? rec.bcId : (p.targetId ?? rec.bcId)) ?? '',
          dataverseId: (toDv ? (p.targetId ?? rec.dataverseId) : rec.dataverseId) ?? '',
          label: rec.label,
          changed: p.action === 'conflict' ? (rec.conflictFields ?? []).join(',') : p.error ? p.error : (p.changed ?? []).join(','),
        });
      }
    }
  }
  return rows;
}

/** Failed, skipped and conflicting records on stderr (the first few; the sync log has them all). */
export function printProblems(out: Output, reports: readonly MappingReport[], limit = 10): void {
  const problems = reports.flatMap((r) => r.records);
  for (const p of problems.slice(0, limit)) {
    out.warn(`${p.mapping} ${p.direction} ${p.label || p.bcId || p.dataverseId}: ${p.outcome}: ${p.error ?? ''}`.trimEnd());
  }
  if (problems.length > limit) out.info(`… and ${problems.length - limit} more; see "bcsync log --failed".`);
}

/** Progress of one mapping on stderr: a spinner on a terminal, plain lines or NDJSON events elsewhere. */
export function mappingRunView(out: Output, mapping: string, dryRun: boolean): MappingRunView {
  const spinner = out.spinner(`${mapping}: reading`);
  return {
    progress: (phase, done, total) => spinner.update(total > 0 ? `${mapping}: ${phase} ${done}/${total}` : `${mapping}: ${phase}`, { task: mapping, phase, done, total }),
    finished: (report) => {
      const line = `${mapping}: ${dryRun ? 'would do: ' : ''}${countsText(report)}`;
      if (hasProblems(report)) spinner.fail(line);
      else spinner.succeed(line);
    },
    stopped: (error) => spinner.fail(`${mapping}: stopped: ${String((error as Error)?.message ?? error).split('\n')[0]}`),
  };
}

/** Runs one mapping (src/app) with its progress shown. */
export function runMappingShown(deps: Deps, session: Session, m: IntegrationTableMapping, options: SyncOptions): Promise<MappingReport> {
  return runMapping(session, m, options, mappingRunView(deps.out, m.name, Boolean(options.dryRun)));
}

/** Runs one job-queue process of `sync --all` (src/app/job-queue.ts) with its progress shown. */
export function runProcessShown(deps: Deps, session: Session, process: JobQueueProcess, options: JobQueueProcessOptions): Promise<MappingReport> {
  return runProcess(session, process, options, mappingRunView(deps.out, process.name, Boolean(options.dryRun)));
}

/** "3 inserted, 2 modified, 40 unchanged" for the closing progress line. */
export function countsText(report: MappingReport): string {
  const total = { inserted: 0, modified: 0, unchanged: 0, echoSuppressed: 0, skipped: 0, failed: 0, conflicts: 0 };
  for (const d of report.directions) {
    for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += report.counts[d][key];
  }
  const parts = Object.entries(total)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k === 'echoSuppressed' ? 'echo-suppressed' : k}`);
  return parts.length ? parts.join(', ') : 'nothing to do';
}
