/**
 * `bcsync skipped` and `bcsync retry`: Business Central's "Coupled Data Synchronization Errors" and
 * "Skipped Records" pages. A record that failed twice with the same error is skipped by every run (§5.6)
 * until someone retries it; `skipped` lists them (read-only, offline), `retry` clears the flag and
 * synchronizes the mapping so the retried records are tried again at once.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import type { MappingReport } from '../../engine/report.js';
import { exitCodeOf } from '../../engine/report.js';
import { UsageError } from '../../errors.js';
import { StateStore, type RecordIds } from '../../state/index.js';
import { isGuid } from '../../engine/ids.js';
import { parseBcRef, resolveBcId } from '../couple/records.js';
import type { RegisterCommand } from '../registry.js';
import { findMapping, loadProfileMappings, openSession } from '../../app/session.js';
import { printSummary, runMappingShown } from '../sync/render.js';


export interface SkippedRecord {
  mapping: string;
  direction: string;
  bcId: string | null;
  dataverseId: string | null;
  coupled: boolean;
  failureCount: number;
  /** Never empty: the last error, or what is known when none was recorded. */
  error: string;
  /** When it last failed (ISO). */
  since: string;
}

export async function skippedRun(deps: Deps, opts: { mapping?: string }): Promise<SkippedRecord[]> {
  const { profile, mappings } = loadProfileMappings(deps);
  const name = opts.mapping === undefined ? undefined : findMapping(mappings, opts.mapping).name;
  const state = await StateStore.open(deps.layout.stateDir(profile.name), { lock: false, clock: deps.clock });
  try {
    return state
      .failures(name)
      .filter((f) => f.skipped)
      .map((f) => ({
        mapping: f.mapping,
        direction: f.direction,
        bcId: f.bcId ?? null,
        dataverseId: f.dataverseId ?? null,
        coupled: f.coupled,
        failureCount: f.failureCount,
        error: f.message.trim() || `skipped after ${f.failureCount} failed attempt(s); no error text was recorded`,
        since: f.at,
      }));
  } finally {
    await state.close();
  }
}

export function printSkipped(deps: Deps, records: SkippedRecord[]): void {
  const out = deps.out;
  if (out.json) return out.writeJson({ skipped: records });
  if (!records.length) {
    out.info('No skipped records.');
    return;
  }
  out.table(
    records.map((r) => ({ ...r, bcId: r.bcId ?? '', dataverseId: r.dataverseId ?? '' })),
    [
      { key: 'mapping', header: 'Mapping' },
      { key: 'direction', header: 'Direction' },
      { key: 'bcId', header: 'BC id' },
      { key: 'dataverseId', header: 'Dataverse id' },
      { key: 'since', header: 'Since' },
      { key: 'error', header: 'Error' },
    ],
  );
  out.info(`Retry with "bcsync retry --mapping M --record ID" or "--all".`);
}

export interface RetryOptions {
  mapping?: string;
  record?: string;
  all?: boolean;
}

export interface RetryResult {
  exitCode: number;
  /** Records whose skipped flag was cleared. */
  cleared: number;
  report: MappingReport;
}

export async function retryRun(deps: Deps, opts: RetryOptions): Promise<RetryResult> {
  if (!opts.mapping) throw new UsageError('Missing --mapping M: which mapping\'s skipped records to retry (see "bcsync skipped").');
  if (Boolean(opts.all) === (opts.record !== undefined)) throw new UsageError('Pass exactly one of --record ID and --all: which skipped records to retry.');
  const m = findMapping(loadProfileMappings(deps).mappings, opts.mapping);
  const session = await openSession(deps, `retry --mapping ${m.name}`);
  try {
    let ids: RecordIds[] | undefined;
    if (opts.record !== undefined) {
      const text = opts.record.trim().replace(/^\{|\}$/g, '');
      const id = isGuid(text) ? text.toLowerCase() : await resolveBcId(session.ctx, m, parseBcRef('--record', text), '--record');
      const skipped = session.state.failures(m.name).filter((f) => f.skipped && (f.bcId === id || f.dataverseId === id));
      if (!skipped.length) {
        throw new UsageError(`Record ${opts.record} is not skipped in ${m.name}; "bcsync skipped --mapping ${m.name}" lists the skipped records.`);
      }
      ids = skipped.map((f) => (f.bcId ? { bcId: f.bcId } : { dataverseId: f.dataverseId! }));
    }
    const cleared = session.state.clearSkipped(m.name, ids);
    await session.state.commit();
    deps.out.info(`${m.name}: ${cleared} skipped record(s) will be tried again.`);
    // The records stay failed: the incremental run retries failed records whatever the watermark says.
    const report = await runMappingShown(deps, session, m, {});
    if (deps.out.json) deps.out.writeJson({ ok: exitCodeOf([report]) === 0, cleared, mapping: report });
    else printSummary(deps.out, [report]);
    return { exitCode: exitCodeOf([report]), cleared, report };
  } finally {
    await session.close();
  }
}

export const registerSkipped: RegisterCommand = (program: Command, act) => {
  program
    .command('skipped')
    .description('records every run skips (they failed twice with the same error): mapping, record, error, since')
    .option('-m, --mapping <name>', 'only this mapping')
    .addHelpText(
      'after',
      `
Read-only and offline. --json prints {skipped: [{mapping, direction, bcId,
dataverseId, coupled, failureCount, error, since}]}.

Examples:
  $ bcsync skipped
  $ bcsync skipped --mapping CUSTOMER --json

Exit codes: 0 ok, 2 usage, 3 no such profile, 5 state unreadable.`,
    )
    .action((options: { mapping?: string }, cmd: Command) => act(cmd, async (deps) => printSkipped(deps, await skippedRun(deps, options))));

  program
    .command('retry')
    .description('un-skip skipped records of a mapping (one, or all) and synchronize them now')
    .option('-m, --mapping <name>', 'the mapping whose skipped records to retry')
    .option('--record <id>', 'one skipped record: its BC id, BC number/code or Dataverse id')
    .option('--all', 'every skipped record of the mapping (BC\'s Retry All)')
    .addHelpText(
      'after',
      `
The records are synchronized by an incremental run of the mapping right away; one
that fails again with the same error is skipped again.

Examples:
  $ bcsync retry --mapping CUSTOMER --record 10000
  $ bcsync retry --mapping CUSTOMER --all

Exit codes: 0 ok, 1 error, 2 usage, 3 configuration/authentication, 4 a record
failed or was skipped again, 5 state locked or corrupt.`,
    )
    .action((options: RetryOptions, cmd: Command) => act(cmd, (deps) => retryRun(deps, options)));
};
