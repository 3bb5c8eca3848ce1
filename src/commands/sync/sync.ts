/**
 * `bcsync sync`: incremental synchronization of one mapping or, with --all, of every mapping of the profile
 * in dependency order (the cron entry point; docs/integration.md §5), and "Synchronize Now" for one
 * coupled record with --record (§6).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Deps } from '../../deps.js';
import { askOrFail } from '../../deps.js';
import { exitCodeOf, hasProblems, type MappingReport } from '../../engine/report.js';
import type { SyncOptions } from '../../engine/run.js';
import { BcsyncError, ExitCode, InterruptedError, UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';
import { dependencyOrder, type IntegrationTableMapping, type PassDirection } from '../../mapping/index.js';
import { isGuid } from '../../engine/ids.js';
import { parseBcRef, resolveBcId } from '../couple/records.js';
import { hasChangesSinceWatermark, lastRuns, processSchedule, scheduleState } from '../../app/schedule.js';
import { readAllRuns } from '../status/status.js';
import { findMapping, openSession, type Session } from '../../app/session.js';
import { PLAN_COLUMNS, planRows, printProblems, printSummary, runMappingShown, runProcessShown } from './render.js';
import { enabledProcesses, type JobQueueProcess } from '../../app/job-queue.js';

export type Overwrite = 'dataverse' | 'bc';

export interface SyncCommandOptions {
  mapping?: string;
  all?: boolean;
  direction?: PassDirection;
  dryRun?: boolean;
  retrySkipped?: boolean;
  /** "Synchronize Now": a BC id, BC number/code or Dataverse id of a coupled record of --mapping. */
  record?: string;
  /** With --record: the side that is overwritten. */
  overwrite?: Overwrite;
  /** Stop before writing more records than this (the whole run); default: the profile's limits. */
  maxChanges?: number;
  maxDeletes?: number;
  /** Only the mappings whose schedule says so (interval passed; idle ones on their timeout or a change). */
  due?: boolean;
}

export interface SyncCommandResult {
  /** 0, or 4 when a record failed or conflicted. */
  exitCode: number;
  reports: MappingReport[];
}

function checkFlags(opts: SyncCommandOptions): void {
  if (opts.due && (opts.mapping || opts.all || opts.record !== undefined)) {
    throw new UsageError('--due picks the mappings itself; drop --mapping, --all and --record (or drop --due).');
  }
  if (opts.due) return;
  if (opts.all && opts.mapping) throw new UsageError('--all and --mapping cannot be combined; pass one of them.');
  if (!opts.all && !opts.mapping) throw new UsageError('Missing --mapping M or --all: say which mappings to synchronize (see "bcsync mappings list").');
  if (opts.record !== undefined && opts.all) throw new UsageError('--record works on one mapping; pass --mapping M instead of --all.');
  if (opts.record !== undefined && opts.direction) {
    throw new UsageError('--record takes --overwrite dataverse|bc instead of --direction; pass --overwrite.');
  }
  if (opts.overwrite !== undefined && opts.record === undefined) throw new UsageError('--overwrite only applies to --record ID; pass --record as well.');
  if (opts.record !== undefined && opts.retrySkipped) throw new UsageError('--retry-skipped applies to whole mappings; drop it with --record (a record sync retries the record anyway).');
}

/** Which side wins for a "Synchronize Now" of one record: given, implied by a one-way mapping, or asked. */
async function chooseOverwrite(deps: Deps, m: IntegrationTableMapping, given: Overwrite | undefined, label: string): Promise<Overwrite> {
  const implied: Overwrite | undefined = m.direction === 'to-dataverse' ? 'dataverse' : m.direction === 'from-dataverse' ? 'bc' : undefined;
  if (implied) {
    if (given && given !== implied) {
      throw new UsageError(
        `Mapping ${m.name} only synchronizes ${m.direction}, so --overwrite ${given} is not possible; pass --overwrite ${implied} or leave it out.`,
      );
    }
    return implied;
  }
  if (given) return given;
  return askOrFail(deps, '--overwrite dataverse|bc', `which side wins for record ${label} of ${m.name}`, () =>
    deps.prompter.select<Overwrite>({
      message: `Synchronize ${m.name} record ${label} now: which side wins?`,
      choices: [
        { name: 'Send data update to Dataverse (Business Central wins)', value: 'dataverse' },
        { name: 'Get data update from Dataverse (Dataverse wins)', value: 'bc' },
      ],
      default: 'dataverse',
    }),
  );
}

async function recordOptions(deps: Deps, session: Session, m: IntegrationTableMapping, opts: SyncCommandOptions): Promise<SyncOptions> {
  const text = opts.record!.trim();
  const id = text.replace(/^\{|\}$/g, '').toLowerCase();
  let coupling = session.state.byBcId(m.name, id) ?? session.state.byDataverseId(m.name, id);
  if (!coupling && !isGuid(id) && !(m.kind === 'option' && /^\d+$/.test(id))) {
    // Not an id: a BC number or code (customer 10000, currency EUR), as "bcsync couple --bc" takes it.
    const ref = parseBcRef('--record', text);
    coupling = session.state.byBcId(m.name, await resolveBcId(session.ctx, m, ref, '--record'));
  }
  if (!coupling) {
    throw new UsageError(
      `Record ${text} is not coupled in mapping ${m.name}; couple it first ("bcsync couple --mapping ${m.name} --bc <id|number> --dataverse <id>" or "--create-in dataverse|bc").`,
    );
  }
  const overwrite = await chooseOverwrite(deps, m, opts.overwrite, text);
  return {
    dryRun: opts.dryRun,
    records: { bc: [coupling.bcId], dataverse: m.kind === 'option' ? [] : [coupling.dataverseId] },
    overwrite,
    direction: overwrite === 'dataverse' ? 'to-dataverse' : 'from-dataverse',
  };
}

/** `--due`: the mappings whose time has come, in dependency order; says why each of the others waits. */
async function dueMappings(deps: Deps, session: Session): Promise<IntegrationTableMapping[]> {
  const last = lastRuns(await readAllRuns(session.stateDir, deps));
  const now = deps.clock.now();
  const due: IntegrationTableMapping[] = [];
  for (const m of dependencyOrder(session.mappings)) {
    const s = scheduleState(m, last.get(m.name), now);
    if (s.due) due.push(m);
    else if (s.idle && (await hasChangesSinceWatermark(session.ctx, m, session.state.watermark(m.name)))) {
      deps.out.info(`${m.name}: idle, but changed since its last run: due.`);
      due.push(m);
    } else deps.out.info(`${m.name}: not due (${s.reason}).`);
  }
  return due;
}

/** `--due`: the job-queue processes the profile switches on whose interval has passed since their last run. */
async function dueProcesses(deps: Deps, session: Session): Promise<JobQueueProcess[]> {
  const last = lastRuns(await readAllRuns(session.stateDir, deps));
  const now = deps.clock.now();
  return enabledProcesses(session.profile.integration).filter((p) => {
    const s = scheduleState(processSchedule(p), last.get(p.name), now);
    if (!s.due) deps.out.info(`${p.name}: not due (${s.reason}).`);
    return s.due;
  });
}

/** Errors that hold for every mapping of a run (sign-in, configuration, state, change limit): the run stops. */
export function stopsTheRun(error: unknown): boolean {
  return error instanceof BcsyncError && error.exitCode !== ExitCode.error && error.exitCode !== ExitCode.unavailable;
}

export async function syncRun(deps: Deps, opts: SyncCommandOptions): Promise<SyncCommandResult> {
  checkFlags(opts);
  const session = await openSession(deps, 'sync', { maxChanges: opts.maxChanges, maxDeletes: opts.maxDeletes });
  const reports: MappingReport[] = [];
  let firstError: unknown;
  try {
    if (opts.all || opts.due) {
      // The mappings in dependency order, then the business processes that build on their couplings.
      const mappings = opts.due ? await dueMappings(deps, session) : dependencyOrder(session.mappings);
      const processes = opts.due ? await dueProcesses(deps, session) : enabledProcesses(session.profile.integration);
      const jobs = [
        ...mappings.map((m) => () => runMappingShown(deps, session, m, { direction: opts.direction, dryRun: opts.dryRun, retrySkipped: opts.retrySkipped })),
        ...processes.map((p) => () => runProcessShown(deps, session, p, { dryRun: opts.dryRun })),
      ];
      if (opts.due && !jobs.length) deps.out.info('Nothing is due.');
      for (const job of jobs) {
        if (deps.signal.aborted) throw new InterruptedError('Interrupted; the mappings synchronized so far are saved, the rest did not run.');
        try {
          reports.push(await job());
        } catch (error) {
          // One mapping's service error must not stop the cron run for the others; it is reported at the end.
          // A refused sign-in, bad configuration, state trouble or a change limit hold for every mapping: stop.
          if (error instanceof InterruptedError || deps.signal.aborted || stopsTheRun(error)) throw error;
          firstError ??= error;
        }
      }
    } else {
      const m = findMapping(session.mappings, opts.mapping!);
      if (opts.direction && !(m.direction === 'bidirectional' || m.direction === opts.direction)) {
        throw new UsageError(`Mapping ${m.name} synchronizes ${m.direction} only; --direction ${opts.direction} does not apply to it.`);
      }
      const options: SyncOptions =
        opts.record !== undefined
          ? await recordOptions(deps, session, m, opts)
          : { direction: opts.direction, dryRun: opts.dryRun, retrySkipped: opts.retrySkipped };
      reports.push(await runMappingShown(deps, session, m, options));
    }
  } finally {
    await session.close();
  }
  printResult(deps, reports, Boolean(opts.dryRun));
  if (firstError) throw firstError;
  // A dry run's reports are the real run's, so it exits as the real run would.
  const exitCode = exitCodeOf(reports);
  return { exitCode, reports };
}

function printResult(deps: Deps, reports: MappingReport[], dryRun: boolean): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ ok: !reports.some(hasProblems), dryRun, mappings: reports });
    return;
  }
  if (dryRun) {
    const rows = planRows(reports);
    if (rows.length) out.table(rows, PLAN_COLUMNS);
    out.info(`Dry run: nothing was written (${rows.length} planned record action${rows.length === 1 ? '' : 's'}).`);
  }
  printSummary(out, reports);
  if (!dryRun) printProblems(out, reports);
}

export const SYNC_HELP = `
Examples:
  $ bcsync sync --all                                   every mapping in dependency order (cron)
  $ bcsync sync --due                                   only what is due by its schedule (see "bcsync schedule")
  $ bcsync sync --mapping CUSTOMER                      incremental sync of one mapping
  $ bcsync sync --mapping ITEM-PRODUCT --dry-run        the plan per record; nothing is written
  $ bcsync sync --mapping CUSTOMER --direction from-dataverse
  $ bcsync sync --mapping CUSTOMER --retry-skipped      clear skipped flags first (Retry All)
  $ bcsync sync --all --max-changes 500                 cron: stop (exit 7) before writing more than 500 records
  $ bcsync sync --mapping CUSTOMER --record <id> --overwrite dataverse
                                                        Synchronize Now: BC wins for this coupled record

The summary (inserted, modified, unchanged, echo-suppressed, skipped, failed, conflicts, requests) goes to
stdout, progress to stderr; --json prints one document with the report of every mapping. Every run is written
to the sync log ("bcsync log"). Without a terminal --record needs --overwrite on two-way mappings.
Exit codes: 0 ok, 1 error, 2 usage, 3 configuration/authentication, 4 a record failed, was skipped, conflicted
or has an unknown outcome, 5 state locked or corrupt, 6 a mapping is unavailable, 7 --max-changes reached,
130 interrupted. --dry-run exits with the code the real run would.`;

/** A commander parser for `--max-changes N`-style flags: a whole number, 0 or more. */
export function countOption(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} "${value}" is not a whole number; pass 0 or more, e.g. ${flag} 500.`);
    return n;
  };
}

export const registerSync: RegisterCommand = (program: Command, act) => {
  program
    .command('sync')
    .description('synchronize changed records of one mapping or of all mappings (incremental; the cron entry point)')
    .option('-m, --mapping <name>', 'integration table mapping to synchronize, e.g. CUSTOMER')
    .option('-a, --all', 'every mapping of the profile, in dependency order, then the business processes its options switch on (order creation, quotes, invoices, statistics, availability)')
    .option('--due', 'only the mappings and processes whose schedule says so: every 30 min (processes: their job interval); after a run that changed nothing, on the inactivity timeout or a change (cron/systemd timer)')
    .addOption(new Option('--direction <direction>', 'only this pass of a two-way mapping').choices(['to-dataverse', 'from-dataverse']))
    .option('-n, --dry-run', 'print the plan per record (action, ids, changed fields) and write nothing')
    .option('--retry-skipped', 'clear the skipped flags of the mapping first, so skipped records are tried again')
    .option('--record <id>', 'Synchronize Now: one coupled record, by its BC id, BC number/code or Dataverse id (needs --mapping)')
    .addOption(new Option('--overwrite <side>', 'with --record: the side that is overwritten (dataverse: BC wins; bc: Dataverse wins)').choices(['dataverse', 'bc']))
    .option('--max-changes <n>', 'stop before the run writes more than N records (default: the profile\'s limit, none)', countOption('--max-changes'))
    .option('--max-deletes <n>', 'stop before the run deletes more than N records (default: the profile\'s limit, none)', countOption('--max-deletes'))
    .addHelpText('after', SYNC_HELP)
    .action((options: SyncCommandOptions, cmd: Command) => act(cmd, (deps) => syncRun(deps, options)));
};
