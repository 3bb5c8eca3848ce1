/**
 * `bcsync full-sync`: the initial synchronization (docs/integration.md §7.2, §7.3). It prints the review
 * first (per mapping: records on each side, coupled, recommendation), then runs the mappings in dependency
 * order. Unlike BC's own full synchronization it refuses to create records where both sides already hold
 * uncoupled data (that is how duplicates are made) unless told how to couple them (--match) or told to create
 * anyway (--force-create). Match-based coupling never creates the ambiguous records: the full synchronization
 * that follows leaves them, and their candidates, out (SyncOptions.exclude).
 */
import type { Command } from 'commander';
import { confirmDestructive, type Deps } from '../../deps.js';
import { matchBasedCoupling, type MatchReport } from '../../engine/match-coupling.js';
import { exitCodeOf, hasProblems, type MappingReport } from '../../engine/report.js';
import { fullSyncReview, recommend, type ReviewCounts, type ReviewLine } from '../../engine/review.js';
import { ExitCode, InterruptedError, UsageError } from '../../errors.js';
import type { Column, Output } from '../../io/output.js';
import type { RegisterCommand } from '../registry.js';
import { dependencyOrder, matchCriteria, type IntegrationTableMapping } from '../../mapping/index.js';
import { didYouMean } from '../../util/suggest.js';
import { findMapping, loadProfileMappings, openSession, startMappingRun, type Session } from '../../app/session.js';
import { planRows, PLAN_COLUMNS, printProblems, printSummary, runMappingShown } from '../sync/render.js';
import { countOption, stopsTheRun } from '../sync/sync.js';
import { syncMapping } from '../../engine/run.js';
import { runsWithItsHeader } from '../../app/mapping-runners.js';

export interface FullSyncOptions {
  /** Only these mappings (names); default: every mapping of the profile. */
  mapping?: string[];
  dryRun?: boolean;
  /** Clear these mappings' watermarks, then run them. */
  restart?: string[];
  /** `FIELD[,FIELD...]` for every mapping that has those fields, or `MAPPING=FIELD[,FIELD...]`. */
  match?: string[];
  caseSensitive?: boolean;
  /** Create counterparts even where both sides hold uncoupled data (BC's behaviour; makes duplicates). */
  forceCreate?: boolean;
  /** Confirms --restart / --force-create without asking (scripts). */
  yes?: boolean;
  /** Stop before writing more records than this (the whole run); default: the profile's limits. */
  maxChanges?: number;
  maxDeletes?: number;
}

export type MappingStatus = 'synchronized' | 'refused' | 'dependency-not-satisfied' | 'no-records' | 'unavailable' | 'error';

export interface FullSyncMappingResult {
  mapping: string;
  status: MappingStatus;
  message?: string;
  /** Match-based coupling done before the synchronization. */
  match?: MatchReport;
  report?: MappingReport;
}

export interface FullSyncResult {
  /** 0; 4 when records failed or conflicted, or a mapping was refused or not run; 1 when a mapping stopped on an error. */
  exitCode: number;
  review: ReviewLine[];
  mappings: FullSyncMappingResult[];
  /** The settling pass: records Business Central made itself while a later mapping ran, synchronized after all. */
  settled: MappingReport[];
}

export interface MatchPlan {
  /** Fields for every mapping that has them all. */
  global?: string[];
  perMapping: Map<string, string[]>;
}

function splitFields(text: string, flag: string): string[] {
  const fields = text
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (!fields.length) throw new UsageError(`${flag} "${text}" names no field; pass --match FIELD[,FIELD...] or --match MAPPING=FIELD[,FIELD...].`);
  return fields;
}

/** An unqualified --match field must be a field of at least one mapping: a typo must not be ignored silently. */
function checkSomeMappingHas(field: string, mappings: readonly IntegrationTableMapping[]): void {
  const names = (m: IntegrationTableMapping) => m.fields.flatMap((f) => [f.id, f.bc, f.dataverse]).filter((n): n is string => typeof n === 'string');
  if (mappings.some((m) => names(m).includes(field))) return;
  const all = [...new Set(mappings.flatMap((m) => m.fields.map((f) => f.id)))];
  throw new UsageError(
    `--match field "${field}" is not a field of any mapping;${didYouMean(field, all).replace(' Did', ' did') || ' pass a field id (see "bcsync mappings show M").'} Or name the mapping: --match MAPPING=FIELD[,FIELD...].`,
  );
}

/** Parses the --match values against the profile's mappings. */
export function parseMatch(specs: readonly string[], mappings: readonly IntegrationTableMapping[]): MatchPlan {
  const plan: MatchPlan = { perMapping: new Map() };
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq >= 0) {
      const m = findMapping(mappings, spec.slice(0, eq));
      const fields = splitFields(spec.slice(eq + 1), `--match ${spec}`);
      matchCriteria(m, fields); // a usage error naming the fields that can be matched
      plan.perMapping.set(m.name, fields);
    } else {
      const fields = splitFields(spec, '--match');
      for (const field of fields) checkSomeMappingHas(field, mappings);
      plan.global = [...(plan.global ?? []), ...fields];
    }
  }
  return plan;
}

/** The fields to couple `m` on: its own --match, the global ones if they all apply, else its saved criteria. */
export function matchFieldsFor(m: IntegrationTableMapping, plan: MatchPlan): string[] | undefined {
  const own = plan.perMapping.get(m.name);
  if (own) return own;
  if (plan.global) {
    try {
      matchCriteria(m, plan.global);
      return plan.global;
    } catch {
      // The global fields do not all exist in this mapping: fall back to its saved criteria.
    }
  }
  const saved = matchCriteria(m).map((c) => c.fieldId);
  return saved.length ? saved : undefined;
}

function selectMappings(all: readonly IntegrationTableMapping[], opts: FullSyncOptions): IntegrationTableMapping[] {
  const named = [...(opts.mapping ?? []), ...(opts.restart ?? [])].map((n) => findMapping(all, n).name);
  // Order lines are synchronized with their order (docs/integration.md §8.2), never on their own.
  const chosen = (named.length ? all.filter((m) => named.includes(m.name)) : [...all]).filter((m) => !runsWithItsHeader(m));
  return dependencyOrder(chosen, { missing: 'ignore' });
}

export const REVIEW_COLUMNS: Column[] = [
  { key: 'mapping', header: 'Mapping' },
  { key: 'direction', header: 'Direction' },
  { key: 'bcRecords', header: 'BC', align: 'right' },
  { key: 'dataverseRecords', header: 'Dataverse', align: 'right' },
  { key: 'coupled', header: 'Coupled', align: 'right' },
  { key: 'recommendation', header: 'Recommendation' },
  { key: 'reason', header: 'Why' },
];

export function printReview(out: Output, review: readonly ReviewLine[]): void {
  out.table(
    review.map((l) => ({ ...l, recommendation: l.recommendation.replace(/-/g, ' ') })),
    REVIEW_COLUMNS,
  );
}

function matchSummary(r: MatchReport): string {
  const parts = [`${r.coupled.length} coupled`];
  if (r.ambiguous.length + r.takenByOther.length) parts.push(`${r.ambiguous.length + r.takenByOther.length} ambiguous (not created)`);
  parts.push(`${r.noMatch.length} without a match`);
  return `${r.mapping}: match-based coupling on ${r.fields.join(', ')}: ${parts.join(', ')}`;
}

/** Ambiguous BC records and their uncoupled candidates: left out of the full synchronization. */
function exclusions(r: MatchReport): { bc: string[]; dataverse: string[] } {
  const bc = [...r.ambiguous.map((a) => a.bcId), ...r.takenByOther.map((a) => a.bcId)];
  const dataverse = r.ambiguous.flatMap((a) => a.candidates.map((c) => c.dataverseId));
  return { bc, dataverse };
}

export async function fullSyncRun(deps: Deps, opts: FullSyncOptions): Promise<FullSyncResult> {
  if (opts.forceCreate && opts.match?.length) {
    throw new UsageError('--force-create and --match cannot be combined: --match couples first and never creates ambiguous records; pass one of them.');
  }
  const out = deps.out;
  // Flags are checked against the profile before anything is locked, fetched or written.
  const profileMappings = loadProfileMappings(deps).mappings;
  const matchPlan = parseMatch(opts.match ?? [], profileMappings);
  const chosen = selectMappings(profileMappings, opts);
  // A plain full-sync is the cron job and runs unasked; clearing watermarks or creating duplicates asks first.
  if (!opts.dryRun && opts.restart?.length) {
    const names = opts.restart.map((n) => findMapping(profileMappings, n).name);
    await confirmDestructive(deps, opts.yes, `Clear the watermarks of ${names.join(', ')} and synchronize every record in scope again`);
  }
  if (!opts.dryRun && opts.forceCreate) {
    await confirmDestructive(deps, opts.yes, `Create a counterpart for every uncoupled record of ${chosen.map((m) => m.name).join(', ')}, also where both sides hold data (records on both sides are duplicated)`);
  }
  const session = await openSession(deps, 'full-sync', { maxChanges: opts.maxChanges, maxDeletes: opts.maxDeletes });
  const results: FullSyncMappingResult[] = [];
  const settled: MappingReport[] = [];
  let review: ReviewLine[] = [];
  try {
    const mappings = selectMappings(session.mappings, opts);
    const selected = new Set(mappings.map((m) => m.name));
    for (const m of mappings) {
      for (const d of m.dependencies) {
        if (!selected.has(d) && session.state.counts(d).couplings === 0) {
          out.warn(`${m.name} depends on ${d}, which is not in this run and has no couplings; lookups into ${d} will fail. Add --mapping ${d}.`);
        }
      }
    }

    const spinner = out.spinner('Reviewing the mappings');
    review = await fullSyncReview(session.ctx, mappings, { dryRun: opts.dryRun });
    spinner.stop();
    if (!out.json) {
      out.line('Full synchronization review');
      printReview(out, review);
      out.line('');
    }

    if (opts.restart?.length && !opts.dryRun) {
      for (const name of opts.restart) session.state.clearWatermarks(findMapping(session.mappings, name).name);
      await session.state.commit();
    }

    const notDone = new Set<string>();
    for (const m of mappings) {
      if (deps.signal.aborted) throw new InterruptedError('Interrupted; the mappings synchronized so far are saved, the rest did not run.');
      const line = review.find((l) => l.mapping === m.name)!;
      const result = await runOne(deps, session, m, line, opts, matchPlan, notDone);
      results.push(result);
      if (result.status !== 'synchronized' && result.status !== 'no-records') notDone.add(m.name);
      // Keep the review's line up to date for --json readers.
      if (result.status === 'dependency-not-satisfied') {
        Object.assign(line, recommend(m, line, m.dependencies.filter((d) => notDone.has(d))));
      }
    }
    settled.push(...(await settle(deps, session, mappings, results, Boolean(opts.dryRun))));
  } finally {
    await session.close();
  }

  const reports = [...results.flatMap((r) => (r.report ? [r.report] : [])), ...settled];
  const notRun = results.filter((r) => r.status === 'refused' || r.status === 'dependency-not-satisfied' || r.status === 'unavailable' || r.status === 'error');
  if (out.json) {
    out.writeJson({ ok: !notRun.length && !reports.some(hasProblems), dryRun: Boolean(opts.dryRun), review, mappings: results, settled });
  } else {
    if (opts.dryRun) {
      const rows = planRows(reports);
      if (rows.length) out.table(rows, PLAN_COLUMNS);
      out.line('');
    }
    out.line(opts.dryRun ? 'Planned (dry run: nothing was written)' : 'Summary');
    printSummary(out, reports);
    for (const r of notRun) out.warn(`${r.mapping} did not run: ${r.message}`);
    if (!opts.dryRun) printProblems(out, reports);
  }
  // A mapping stopped by an error (an API that kept failing) is an error (1); an unavailable mapping 6;
  // refusals and record failures 4. A dry run's outcome is the real run's, so is its code.
  const errored = results.some((r) => r.status === 'error');
  const unavailable = results.some((r) => r.status === 'unavailable');
  const recordsCode = exitCodeOf(reports);
  const exitCode = errored
    ? ExitCode.error
    : unavailable || recordsCode === ExitCode.unavailable
      ? ExitCode.unavailable
      : notRun.length > 0 || recordsCode !== ExitCode.ok
        ? ExitCode.partial
        : ExitCode.ok;
  return { exitCode, review, mappings: results, settled };
}

/**
 * Creating a record in Business Central can make BC create others (a resource gets its unit group): records of a
 * mapping that already ran. After a mapping inserted into BC, the mappings before it run once more,
 * incrementally, so a full synchronization leaves nothing behind and a second one writes nothing. A dry run
 * cannot foresee what BC would make, so its settling pass finds nothing.
 */
async function settle(deps: Deps, session: Session, mappings: IntegrationTableMapping[], results: FullSyncMappingResult[], dryRun: boolean): Promise<MappingReport[]> {
  let last = -1;
  results.forEach((r, i) => {
    if ((r.report?.counts['from-dataverse'].inserted ?? 0) > 0) last = i;
  });
  const settled: MappingReport[] = [];
  for (let i = 0; i < last; i++) {
    const m = mappings.find((x) => x.name === results[i]!.mapping)!;
    if (results[i]!.status !== 'synchronized' || m.direction === 'from-dataverse' || deps.signal.aborted) continue;
    const report = await syncMapping(session.ctx, m, { full: true, settle: true, direction: 'to-dataverse', dryRun, retryFailed: false });
    const c = report.counts['to-dataverse'];
    if (c.inserted + c.modified + c.failed + c.conflicts === 0) continue;
    const logged = await startMappingRun(session.log, m.name, report.directions, dryRun);
    await logged.finish(report);
    settled.push(report);
  }
  return settled;
}


async function runOne(
  deps: Deps,
  session: Session,
  m: IntegrationTableMapping,
  counts: ReviewCounts,
  opts: FullSyncOptions,
  matchPlan: MatchPlan,
  notDone: ReadonlySet<string>,
): Promise<FullSyncMappingResult> {
  const out = deps.out;
  const blocked = m.dependencies.filter((d) => notDone.has(d));
  if (blocked.length) {
    return { mapping: m.name, status: 'dependency-not-satisfied', message: `dependency not satisfied: ${blocked.join(', ')} did not synchronize` };
  }
  if ((counts as ReviewLine).recommendation === 'unavailable') return { mapping: m.name, status: 'unavailable', message: (counts as ReviewLine).reason };
  // The review's counts still hold: a mapping's run only writes its own tables, which run once each.
  const rec = recommend(m, counts);
  if (rec.recommendation === 'no-records') return { mapping: m.name, status: 'no-records', message: rec.reason };

  let match: MatchReport | undefined;
  let exclude: { bc: string[]; dataverse: string[] } | undefined;
  let fields: string[] | undefined = rec.autoCoupling?.fields.length ? rec.autoCoupling.fields : undefined;
  if (rec.recommendation === 'couple-first') {
    if (opts.forceCreate) {
      out.warn(
        `${m.name}: both sides hold uncoupled data and --force-create creates a counterpart for every uncoupled record; records that exist on both sides will be duplicated.`,
      );
    } else {
      fields = matchFieldsFor(m, matchPlan);
      if (!fields) {
        return {
          mapping: m.name,
          status: 'refused',
          message: `${rec.reason}. Couple them first: pass --match ${JSON.stringify(`${m.name}=FIELD[,FIELD...]`)} (match-based coupling), or --force-create to create them anyway.`,
        };
      }
    }
  }
  if (fields && !(opts.forceCreate && rec.recommendation === 'couple-first')) {
    try {
      match = await matchBasedCoupling(session.ctx, m, { fields, caseSensitive: opts.caseSensitive, dryRun: opts.dryRun });
    } catch (error) {
      if (deps.signal.aborted || stopsTheRun(error)) throw error;
      return { mapping: m.name, status: 'error', message: (error as Error).message.split('\n')[0] };
    }
    await logMatch(session, match, Boolean(opts.dryRun));
    out.info(matchSummary(match));
    for (const a of match.ambiguous) {
      out.info(`  ambiguous: ${a.label} matches ${a.candidates.map((c) => `${c.name || c.dataverseId} (${c.dataverseId})`).join(', ')}`);
    }
    for (const a of match.takenByOther) out.info(`  ambiguous: ${a.label} matches ${a.dataverseId}, which is coupled to another record`);
    exclude = exclusions(match);
  }
  try {
    const expected = {
      newCouplings: counts.uncoupledBc + counts.uncoupledDataverse,
      creates: { dataverse: counts.uncoupledBc, bc: counts.uncoupledDataverse },
    };
    const report = await runMappingShown(deps, session, m, { full: true, dryRun: opts.dryRun, exclude, expected });
    if (report.unavailable) return { mapping: m.name, status: 'unavailable', match, report, message: report.message };
    return { mapping: m.name, status: 'synchronized', match, report };
  } catch (error) {
    if (deps.signal.aborted || stopsTheRun(error)) throw error;
    return { mapping: m.name, status: 'error', match, message: (error as Error).message.split('\n')[0] };
  }
}

/** A coupling run in the sync log (BC logs match-based coupling as a job of type Coupling, docs/integration.md §7.1). */
async function logMatch(session: Session, match: MatchReport, dryRun: boolean): Promise<void> {
  const run = await session.log.startRun({ mapping: match.mapping, kind: 'coupling', dryRun });
  for (const a of match.ambiguous) {
    run.record({ outcome: 'skipped', bcId: a.bcId, error: `ambiguous: ${a.candidates.length} uncoupled Dataverse rows match (${a.candidates.map((c) => c.dataverseId).join(', ')}); not coupled, not created` });
  }
  for (const a of match.takenByOther) {
    run.record({ outcome: 'skipped', bcId: a.bcId, dataverseId: a.dataverseId, error: 'ambiguous: the only matching Dataverse row is coupled to another record; not coupled, not created' });
  }
  await run.finish({ counts: { coupled: match.coupled.length, skipped: match.ambiguous.length + match.takenByOther.length } });
}

export const FULL_SYNC_HELP = `
Examples:
  $ bcsync full-sync --dry-run                          the review and the plan; nothing is written
  $ bcsync full-sync --match CUSTOMER=name --match VENDOR=name --match ITEM-PRODUCT=number
  $ bcsync full-sync --mapping CUSTOMER --match name,city
  $ bcsync full-sync --mapping CUSTOMER --force-create  create everything (duplicates what both sides hold)
  $ bcsync full-sync --restart CUSTOMER                 clear CUSTOMER's watermarks and run it again
  $ bcsync full-sync --restart CUSTOMER --yes           the same from a script (no question)

The review lists per mapping the records in scope on each side, how many are coupled and a recommendation:
"full sync", "couple first" (both sides hold uncoupled data), "no records" or "dependency not satisfied".
Mappings run in dependency order. Option mappings (label), CURRENCY (ISO code), SALESPEOPLE (email) and
price list lines (same list and product) are coupled automatically first, as Business Central does. Where both sides hold uncoupled data the mapping is refused
unless --match couples the records first (records with more than one candidate are reported as ambiguous and
neither coupled nor created) or --force-create is given. A mapping whose dependency did not synchronize is
not run. A run interrupted by a crash is finished by running the same command again: creates whose answer was
lost are found and coupled first. --restart and --force-create ask first on a terminal; without one they need
--yes (a plain full-sync, the cron job, never asks). Exit codes: 0 ok, 1 error (a mapping stopped on an error), 2 usage,
3 configuration/authentication, 4 a record failed, was skipped or conflicted, or a mapping was refused or not run
(dependency not satisfied), 5 state locked or corrupt, 6 a mapping is unavailable, 7 --max-changes reached,
130 interrupted, 143 terminated. --dry-run exits with the code the real run would.`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const registerFullSync: RegisterCommand = (program: Command, act) => {
  program
    .command('full-sync')
    .description('review, then initial synchronization of every record in scope, in dependency order')
    .option('-m, --mapping <name>', 'only this mapping (repeatable)', collect)
    .option('-n, --dry-run', 'print the review and the plan; write nothing')
    .option('--restart <name>', "clear this mapping's watermarks, then run it (repeatable)", collect)
    .option('--match <fields>', 'couple first where both sides hold data: FIELD[,FIELD...] or MAPPING=FIELD[,FIELD...] (repeatable)', collect)
    .option('--case-sensitive', 'with --match: compare text case-sensitively')
    .option('--force-create', 'create counterparts even where both sides hold uncoupled data (duplicates them, as BC does)')
    .option('-y, --yes', 'confirm --restart / --force-create without asking (scripts)')
    .option('--max-changes <n>', 'stop before the run writes more than N records (default: the profile\'s limit, none)', countOption('--max-changes'))
    .option('--max-deletes <n>', 'stop before the run deletes more than N records (default: the profile\'s limit, none)', countOption('--max-deletes'))
    .addHelpText('after', FULL_SYNC_HELP)
    .action((options: FullSyncOptions, cmd: Command) => act(cmd, (deps) => fullSyncRun(deps, options)));
};
