import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';
import { SyncLog, type LoggedRun } from '../../state/index.js';
import { findMapping, loadProfileMappings } from '../../app/session.js';
import { JOB_QUEUE_PROCESSES } from '../../app/job-queue.js';

/**
 * `bcsync log`: the synchronization log (BC's Integration Synch. Jobs and their errors, docs/integration.md §5.7), read-only:
 * it needs neither a connection nor the state lock, so it works while a sync runs and when a service is down.
 */

export interface LogOptions {
  mapping?: string;
  failed?: boolean;
  since?: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: an ISO date/time, or a duration back from now (`90m`, `12h`, `7d`). */
export function parseSince(text: string, now: number): Date {
  const rel = /^\s*(\d+)\s*([smhdw])\s*$/i.exec(text);
  if (rel) return new Date(now - Number(rel[1]) * UNITS[rel[2]!.toLowerCase()]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const t = Date.parse(text.trim());
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new UsageError(`--since "${text}" is not a time; pass an ISO date or time (2026-11-21, 2026-11-21T08:00:00Z) or a duration back from now (30m, 12h, 7d).`);
}

export async function logRun(deps: Deps, opts: LogOptions): Promise<LoggedRun[]> {
  const since = opts.since === undefined ? undefined : parseSince(opts.since, deps.clock.now());
  // A mistyped --profile should say so rather than show an empty log (ConfigError listing the profiles).
  if (!deps.profiles.exists(deps.profileName)) deps.profiles.load(deps.profileName);
  // A mistyped --mapping should say so rather than show an empty log.
  // Job-queue processes (CUSTOMER-STATISTICS, ...) log their runs under their own names.
  const isProcess = JOB_QUEUE_PROCESSES.some((p) => p.name.toLowerCase() === opts.mapping?.trim().toLowerCase());
  if (opts.mapping !== undefined && !isProcess) findMapping(loadProfileMappings(deps).mappings, opts.mapping);
  const log = new SyncLog(deps.layout.stateDir(deps.profileName), { clock: deps.clock });
  const wanted = opts.mapping?.trim().toLowerCase();
  const runs: LoggedRun[] = [];
  let bad = 0;
  for await (const r of log.readRuns({ failedOnly: Boolean(opts.failed), ...(since ? { since } : {}), onBadLine: () => void bad++ })) {
    if (wanted !== undefined && r.run.mapping.toLowerCase() !== wanted) continue;
    runs.push(r);
  }
  if (bad) deps.out.warn(`${bad} line(s) of ${log.file} could not be read and were left out.`);
  return runs;
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return 'unfinished';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function printLog(deps: Deps, runs: LoggedRun[]): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ runs: runs.map((r) => ({ ...r.run, finished: r.finished, records: r.records })) });
    return;
  }
  if (runs.length === 0) {
    out.info(`No runs logged for profile "${deps.profileName}"${deps.out.verbose ? ` in ${deps.layout.stateDir(deps.profileName)}` : ''} that match.`);
    return;
  }
  out.table(
    runs.map(({ run, finished }) => ({
      started: run.startedAt,
      mapping: run.mapping,
      kind: run.kind === 'synchronization' ? (run.dryRun ? 'dry run' : 'sync') : run.kind,
      direction: run.direction ?? '',
      inserted: run.counts.inserted,
      modified: run.counts.modified,
      deleted: run.counts.deleted,
      unchanged: run.counts.unchanged,
      skipped: run.counts.skipped,
      failed: run.counts.failed,
      conflicts: run.counts.conflicts,
      echo: run.counts.echoSuppressed,
      coupled: run.counts.coupled,
      uncoupled: run.counts.uncoupled,
      requests: run.requests,
      retries: run.retries,
      duration: finished ? duration(run.durationMs) : 'unfinished',
    })),
    [
      { key: 'started', header: 'Started' },
      { key: 'mapping', header: 'Mapping' },
      { key: 'kind', header: 'Kind' },
      { key: 'direction', header: 'Direction' },
      { key: 'inserted', header: 'Inserted', align: 'right' },
      { key: 'modified', header: 'Modified', align: 'right' },
      { key: 'deleted', header: 'Deleted', align: 'right' },
      { key: 'unchanged', header: 'Unchanged', align: 'right' },
      { key: 'skipped', header: 'Skipped', align: 'right' },
      { key: 'failed', header: 'Failed', align: 'right' },
      { key: 'conflicts', header: 'Conflicts', align: 'right' },
      { key: 'echo', header: 'Echo-suppressed', align: 'right' },
      { key: 'coupled', header: 'Coupled', align: 'right' },
      { key: 'uncoupled', header: 'Uncoupled', align: 'right' },
      { key: 'requests', header: 'Requests', align: 'right' },
      { key: 'retries', header: 'Retries', align: 'right' },
      { key: 'duration', header: 'Duration', align: 'right' },
    ],
  );
  const records = runs.flatMap((r) => r.records.map((rec) => ({ ...rec, startedAt: r.run.startedAt })));
  if (records.length === 0) return;
  out.line('');
  out.table(
    records.map((rec) => ({
      started: rec.startedAt,
      mapping: rec.mapping,
      direction: rec.direction ?? '',
      outcome: rec.outcome,
      bcId: rec.bcId ?? '',
      dataverseId: rec.dataverseId ?? '',
      error: rec.error,
    })),
    [
      { key: 'started', header: 'Run started' },
      { key: 'mapping', header: 'Mapping' },
      { key: 'direction', header: 'Direction' },
      { key: 'outcome', header: 'Outcome' },
      { key: 'bcId', header: 'BC id' },
      { key: 'dataverseId', header: 'Dataverse id' },
      { key: 'error', header: 'Error' },
    ],
  );
}

export const registerLog: RegisterCommand = (program: Command, act) => {
  program
    .command('log')
    .description('synchronization log: per run the counts, requests and duration; per failed record the ids and error')
    .option('-m, --mapping <name>', 'only runs of this mapping')
    .option('--failed', 'only runs with failed, skipped or conflicting records (and runs that did not finish)')
    .option('--since <time>', 'only runs started since: ISO date/time or a duration back from now (30m, 12h, 7d)')
    .addHelpText(
      'after',
      `
Works without a connection and while a sync runs (read-only). Runs that did not
finish (a killed process) are listed last. --json prints {runs: [{mapping,
direction, counts, requests, retries, durationMs, finished, records}]}.

Examples:
  $ bcsync log
  $ bcsync log --mapping CUSTOMER --failed
  $ bcsync log --since 24h --json
  $ bcsync log --since 2026-11-21T08:00:00Z

Exit codes: 0 ok, 2 usage, 3 no such profile, 5 log unreadable.`,
    )
    .action((options: LogOptions, cmd: Command) => act(cmd, async (deps) => printLog(deps, await logRun(deps, options))));
};
