import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { matchBasedCoupling, type MatchReport } from '../../engine/match-coupling.js';
import type { MappingReport } from '../../engine/report.js';
import { bcTable } from '../../engine/tables.js';
import { passesOf, syncMapping } from '../../engine/run.js';
import { BcsyncError, ExitCode, UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';
import { matchCriteria, type IntegrationTableMapping, type PassDirection } from '../../mapping/index.js';
import type { Rec } from '../../sides/types.js';
import { loadProfileMappings, logReport, openSession, type Session } from '../../app/session.js';
import {
  DependencyNotCoupledError,
  chooseMapping,
  describeMissing,
  missingDependencies,
  parseBcRef,
  parseDataverseId,
  readBcRecord,
  readDataverseRecord,
  resolveBcId,
  type BcRef,
  type MissingDependency,
} from './records.js';

/**
 * `bcsync couple`: couple one BC record to one Dataverse row (BC's "Set Up Coupling"), create the counterpart
 * and couple it ("Create Account in Dataverse" / "Create Customer in Business Central"), or couple every
 * uncoupled record by matching field values (spec §7.1).
 */

export interface CoupleOptions {
  mapping?: string;
  bc?: string;
  dataverse?: string;
  createIn?: string;
  match?: string;
  caseSensitive?: boolean;
  createIfNoMatch?: boolean;
  dryRun?: boolean;
  /** Move existing couplings of either record instead of refusing. */
  replace?: boolean;
}

export interface CoupledPair {
  mapping: string;
  bcId: string;
  dataverseId: string;
  label: string;
  /** The pair was coupled already; nothing changed. */
  existed: boolean;
  /** Couplings removed to make this one (--replace). */
  replaced: Array<{ bcId: string; dataverseId: string }>;
}

export interface CreatedPair {
  mapping: string;
  /** Where the counterpart was created. */
  createdIn: 'dataverse' | 'bc';
  bcId: string | undefined;
  dataverseId: string | undefined;
  label: string;
  created: boolean;
  error?: string;
}

export interface MatchResult extends MatchReport {
  dryRun: boolean;
  /** --create-if-no-match: records created in Dataverse and coupled, or why not. */
  created: CreatedPair[];
  /** --create-if-no-match: records not created because what they refer to is not coupled. */
  blocked: Array<{ bcId: string; label: string; missing: MissingDependency[] }>;
}

/** Coupling a record that is coupled to another one (without --replace). */
export class CouplingRefusedError extends BcsyncError {}

export type CoupleResult =
  | ({ mode: 'couple' } & CoupledPair)
  | ({ mode: 'create' } & CreatedPair)
  | ({ mode: 'match' } & MatchResult);

type Mode = 'couple' | 'create' | 'match';

interface Checked {
  mode: Mode;
  createIn?: 'dataverse' | 'bc';
  fields?: string[];
}

/** Flag combinations, checked before anything is opened. */
function checkFlags(opts: CoupleOptions): Checked {
  if (opts.match !== undefined) {
    const given = [opts.bc !== undefined && '--bc', opts.dataverse !== undefined && '--dataverse', opts.createIn !== undefined && '--create-in'].filter(Boolean);
    if (given.length) {
      throw new UsageError(`--match couples every uncoupled record and cannot be combined with ${given.join(', ')}; drop one of them.`);
    }
    const fields = opts.match.split(',').map((f) => f.trim()).filter(Boolean);
    if (fields.length === 0) throw new UsageError('--match needs at least one field, e.g. --match name or --match name,city.');
    return { mode: 'match', fields };
  }
  for (const [flag, set] of [['--case-sensitive', opts.caseSensitive], ['--create-if-no-match', opts.createIfNoMatch], ['--dry-run', opts.dryRun]] as const) {
    if (set) throw new UsageError(`${flag} only applies to --match; add --match FIELD[,FIELD...] or drop ${flag}.`);
  }
  if (opts.replace && (opts.createIn !== undefined || opts.bc === undefined || opts.dataverse === undefined)) {
    throw new UsageError('--replace only applies to coupling one pair (--bc with --dataverse); drop it.');
  }
  if (opts.createIn !== undefined) {
    if (opts.createIn !== 'dataverse' && opts.createIn !== 'bc') {
      throw new UsageError(`--create-in "${opts.createIn}" is not valid; use --create-in dataverse (with --bc) or --create-in bc (with --dataverse).`);
    }
    if (opts.createIn === 'dataverse' && opts.dataverse !== undefined) {
      throw new UsageError('--create-in dataverse creates the Dataverse row itself; pass only --bc, not --dataverse.');
    }
    if (opts.createIn === 'bc' && opts.bc !== undefined) {
      throw new UsageError('--create-in bc creates the Business Central record itself; pass only --dataverse, not --bc.');
    }
    return { mode: 'create', createIn: opts.createIn };
  }
  return { mode: 'couple' };
}

async function askId(deps: Deps, flag: string, what: string): Promise<string> {
  return deps.canPrompt
    ? deps.prompter.input({ message: what, validate: (v) => (v.trim() ? true : 'required') })
    : Promise.reject(new UsageError(`Missing ${flag}: ${what}. Pass ${flag} (no terminal to ask on).`));
}

function recordLabel(m: IntegrationTableMapping, rec: Rec | undefined, fallback: string): string {
  if (!rec) return fallback;
  const key = m.bc.naturalKey ? rec.fields[m.bc.naturalKey] : undefined;
  const name = m.bc.nameField ? rec.fields[m.bc.nameField] : undefined;
  const dvName = m.dataverse.nameField ? rec.fields[m.dataverse.nameField] : undefined;
  const parts = [key, name ?? dvName].filter((v) => v !== undefined && v !== null && v !== '').map(String);
  return parts.length ? parts.join(' ') : fallback;
}

function requirePass(m: IntegrationTableMapping, pass: PassDirection, what: string): void {
  if (!passesOf(m).includes(pass)) {
    throw new UsageError(`${m.name} synchronizes ${m.direction}, so it cannot ${what}; change its direction with "bcsync mappings set '${m.name}' --direction ..." first.`);
  }
}

export async function coupleRun(deps: Deps, opts: CoupleOptions): Promise<{ exitCode: number; result: CoupleResult }> {
  const checked = checkFlags(opts);
  const { mappings } = loadProfileMappings(deps);
  const m = await chooseMapping(deps, mappings, opts.mapping, 'to couple');

  // Everything the user typed is checked before the state is locked or a request is sent.
  let bcRef: BcRef | undefined;
  let dataverseId: string | undefined;
  if (checked.mode === 'match') {
    if (m.kind === 'option') {
      throw new UsageError(`${m.name} is an option mapping: its codes are coupled to option values by label when it synchronizes; run "bcsync sync --mapping '${m.name}'" instead of --match.`);
    }
    matchCriteria(m, checked.fields, { caseSensitive: opts.caseSensitive });
    if (opts.createIfNoMatch && m.name === 'SALESPEOPLE') {
      throw new UsageError('SALESPEOPLE records are never created in Dataverse (users are not created by integration); drop --create-if-no-match.');
    }
    // Matching works for every direction (spec §7.1); only creating Dataverse rows needs a BC→Dataverse pass.
    if (opts.createIfNoMatch) requirePass(m, 'to-dataverse', 'create Dataverse rows for unmatched records');
  } else if (checked.mode === 'create') {
    if (m.kind === 'option') throw new UsageError(`${m.name} is an option mapping; options are created when it synchronizes ("bcsync sync --mapping '${m.name}'"), not with --create-in.`);
    if (checked.createIn === 'dataverse') {
      requirePass(m, 'to-dataverse', 'create Dataverse rows from BC records');
      bcRef = parseBcRef('--bc', opts.bc ?? (await askId(deps, '--bc', `the BC record to create in Dataverse (id or ${m.bc.naturalKey ?? 'id'})`)));
    } else {
      requirePass(m, 'from-dataverse', 'create BC records from Dataverse rows');
      dataverseId = parseDataverseId('--dataverse', opts.dataverse ?? (await askId(deps, '--dataverse', 'the Dataverse row id to create in Business Central')), m);
    }
  } else {
    bcRef = parseBcRef('--bc', opts.bc ?? (await askId(deps, '--bc', `the BC record to couple (id or ${m.bc.naturalKey ?? 'id'})`)));
    dataverseId = parseDataverseId('--dataverse', opts.dataverse ?? (await askId(deps, '--dataverse', 'the Dataverse row id to couple it to')), m);
  }

  const session = await openSession(deps, `couple --mapping ${m.name}`);
  try {
    const sm = session.mappings.find((x) => x.name === m.name) ?? m;
    if (checked.mode === 'match') {
      const result = await coupleByMatch(deps, session, sm, checked.fields!, opts);
      const failed = result.created.some((c) => !c.created);
      return { exitCode: failed ? ExitCode.partial : ExitCode.ok, result: { mode: 'match', ...result } };
    }
    if (checked.mode === 'create') {
      const result = await createAndCouple(session, sm, checked.createIn!, bcRef, dataverseId);
      return { exitCode: result.created ? ExitCode.ok : ExitCode.partial, result: { mode: 'create', ...result } };
    }
    const result = await coupleOne(session, sm, bcRef!, dataverseId!, Boolean(opts.replace));
    return { exitCode: ExitCode.ok, result: { mode: 'couple', ...result } };
  } finally {
    await session.close();
  }
}

function requestsOf(session: Session, before: { bc: number; dataverse: number }): number {
  return session.ctx.bc.stats().requests - before.bc + session.ctx.dataverse.stats().requests - before.dataverse;
}

function requestMark(session: Session): { bc: number; dataverse: number } {
  return { bc: session.ctx.bc.stats().requests, dataverse: session.ctx.dataverse.stats().requests };
}

async function coupleOne(session: Session, m: IntegrationTableMapping, bcRef: BcRef, dataverseId: string, replace: boolean): Promise<CoupledPair> {
  const { ctx, state } = session;
  const before = requestMark(session);
  const bcId = await resolveBcId(ctx, m, bcRef);
  const bcRec = await readBcRecord(ctx, m, bcId);
  let dvRec: Rec | undefined;
  if (m.kind === 'option') {
    const set = m.dataverse.optionSet;
    const options = set && ctx.dataverse.optionSets ? await ctx.dataverse.optionSets.list(set.table, set.attribute) : [];
    if (!options.some((o) => String(o.value) === dataverseId)) {
      throw new UsageError(`Option value ${dataverseId} does not exist in ${set ? `${set.table}.${set.attribute}` : m.dataverse.table}; valid values: ${options.map((o) => `${o.value} (${o.label})`).join(', ') || 'none'}.`);
    }
  } else {
    dvRec = await readDataverseRecord(ctx, m, dataverseId);
  }
  const label = recordLabel(m, bcRec, bcId);
  const existing = state.byBcId(m.name, bcId);
  if (existing && existing.dataverseId === dataverseId) return { mapping: m.name, bcId, dataverseId, label, existed: true, replaced: [] };
  // Spec §3: one coupling per BC record and per Dataverse row of a mapping; moving one is an explicit choice.
  const taken = state.byDataverseId(m.name, dataverseId);
  if (!replace && (existing || taken)) {
    const what = [
      existing && `BC record ${label} is coupled to Dataverse row ${existing.dataverseId}`,
      taken && `Dataverse row ${dataverseId} is coupled to BC record ${taken.bcId}`,
    ].filter(Boolean);
    throw new CouplingRefusedError(`${m.name}: ${what.join(' and ')}; pass --replace to move the coupling, or uncouple first ("bcsync uncouple --mapping '${m.name}' ...").`);
  }

  const missing: MissingDependency[] = [];
  for (const pass of passesOf(m)) {
    if (pass === 'to-dataverse') missing.push(...(await missingDependencies(ctx, m, pass, bcRec)));
    else if (dvRec) missing.push(...(await missingDependencies(ctx, m, pass, dvRec)));
  }
  if (missing.length) throw new DependencyNotCoupledError(m.name, label, missing);

  const { replaced } = state.couple({ mapping: m.name, bcId, dataverseId }, { replace });
  await state.commit();
  const run = await session.log.startRun({ mapping: m.name, kind: 'coupling' });
  await run.finish({
    counts: { coupled: 1, uncoupled: replaced.length },
    requests: requestsOf(session, before),
    message: `${label} coupled to ${dataverseId}` + (replaced.length ? ` (replacing ${replaced.map((c) => `${c.bcId} ↔ ${c.dataverseId}`).join(', ')})` : ''),
  });
  return { mapping: m.name, bcId, dataverseId, label, existed: false, replaced: replaced.map((c) => ({ bcId: c.bcId, dataverseId: c.dataverseId })) };
}

async function createAndCouple(
  session: Session,
  m: IntegrationTableMapping,
  createIn: 'dataverse' | 'bc',
  bcRef: BcRef | undefined,
  dataverseId: string | undefined,
): Promise<CreatedPair> {
  const { ctx, state } = session;
  const pass: PassDirection = createIn === 'dataverse' ? 'to-dataverse' : 'from-dataverse';
  let source: Rec;
  let label: string;
  if (createIn === 'dataverse') {
    const bcId = await resolveBcId(ctx, m, bcRef!);
    source = await readBcRecord(ctx, m, bcId);
    label = recordLabel(m, source, bcId);
    const c = state.byBcId(m.name, bcId);
    if (c) throw new UsageError(`${m.name} ${label} is already coupled to Dataverse row ${c.dataverseId}; uncouple it first ("bcsync uncouple --mapping '${m.name}' --bc ${bcId}").`);
  } else {
    source = await readDataverseRecord(ctx, m, dataverseId!);
    label = recordLabel(m, source, dataverseId!);
    const c = state.byDataverseId(m.name, dataverseId!);
    if (c) throw new UsageError(`Dataverse row ${dataverseId} is already coupled to BC record ${c.bcId} in ${m.name}; uncouple it first ("bcsync uncouple --mapping '${m.name}' --dataverse ${dataverseId}").`);
  }
  const missing = await missingDependencies(ctx, m, pass, source);
  if (missing.length) throw new DependencyNotCoupledError(m.name, label, missing);

  // The planner creates uncoupled records named in `records` (BC's create-and-couple clone job).
  const report = await syncMapping(ctx, m, {
    direction: pass,
    records: createIn === 'dataverse' ? { bc: [source.id] } : { dataverse: [source.id] },
  });
  await logReport(session.log, report);
  const coupling = createIn === 'dataverse' ? state.byBcId(m.name, source.id) : state.byDataverseId(m.name, source.id);
  const error = report.records.find((r) => r.error)?.error;
  return {
    mapping: m.name,
    createdIn: createIn,
    bcId: coupling?.bcId ?? (createIn === 'dataverse' ? source.id : undefined),
    dataverseId: coupling?.dataverseId ?? (createIn === 'bc' ? source.id : undefined),
    label,
    created: coupling !== undefined,
    ...(coupling ? {} : { error: error ?? report.message ?? 'the record was not created (see "bcsync log --failed")' }),
  };
}

async function coupleByMatch(deps: Deps, session: Session, m: IntegrationTableMapping, fields: string[], opts: CoupleOptions): Promise<MatchResult> {
  const { ctx } = session;
  const before = requestMark(session);
  const dryRun = Boolean(opts.dryRun);
  const spinner = deps.out.spinner(`Matching ${m.name} records on ${fields.join(', ')}`);
  let report: MatchReport;
  try {
    report = await matchBasedCoupling(ctx, m, { fields, caseSensitive: opts.caseSensitive, dryRun });
  } finally {
    // Stopped either way: an error is reported once, by main, on one line.
    spinner.stop();
  }
  const result: MatchResult = { ...report, dryRun, created: [], blocked: [] };
  let createReport: MappingReport | undefined;
  if (opts.createIfNoMatch && report.noMatch.length && !dryRun) {
    const records = await ctx.bc.get(bcTable(m), report.noMatch.map((r) => r.bcId));
    const toCreate: string[] = [];
    for (const rec of records) {
      const missing = await missingDependencies(ctx, m, 'to-dataverse', rec);
      const label = report.noMatch.find((r) => r.bcId === rec.id)?.label ?? rec.id;
      if (missing.length) result.blocked.push({ bcId: rec.id, label, missing });
      else toCreate.push(rec.id);
    }
    if (toCreate.length) {
      createReport = await syncMapping(ctx, m, { direction: 'to-dataverse', records: { bc: toCreate } });
      await logReport(session.log, createReport);
      for (const bcId of toCreate) {
        const coupling = ctx.state.byBcId(m.name, bcId);
        const label = report.noMatch.find((r) => r.bcId === bcId)?.label ?? bcId;
        const error = createReport.records.find((r) => r.bcId === bcId)?.error;
        result.created.push({
          mapping: m.name,
          createdIn: 'dataverse',
          bcId,
          dataverseId: coupling?.dataverseId,
          label,
          created: coupling !== undefined,
          ...(coupling ? {} : { error: error ?? 'not created (see "bcsync log --failed")' }),
        });
      }
    }
  }
  if (!dryRun) {
    const run = await session.log.startRun({ mapping: m.name, kind: 'coupling' });
    for (const a of report.ambiguous) {
      run.record({
        outcome: 'failed',
        bcId: a.bcId,
        error: `${a.label}: ${a.candidates.length} Dataverse rows match on ${report.fields.join(', ')} (${a.candidates.map((c) => `${c.dataverseId} ${c.name}`).join('; ')}); couple it by hand with --bc and --dataverse`,
      });
    }
    for (const t of report.takenByOther) {
      run.record({ outcome: 'failed', bcId: t.bcId, dataverseId: t.dataverseId, error: `${t.label}: its only match is coupled to another record already` });
    }
    for (const b of result.blocked) {
      run.record({ outcome: 'skipped', bcId: b.bcId, error: `${b.label}: not created; couple these first: ${describeMissing(b.missing)}` });
    }
    const uncoupledLeft = report.ambiguous.length + report.takenByOther.length + report.noMatch.length - result.created.filter((c) => c.created).length;
    await run.finish({
      counts: { coupled: report.coupled.length, failed: uncoupledLeft, skipped: result.blocked.length },
      requests: requestsOf(session, before),
      message:
        `${report.coupled.length} coupled, ${report.ambiguous.length} ambiguous, ${report.noMatch.length} without a match, ` +
        `${report.alreadyCoupled} already coupled` + (createReport ? `, ${result.created.filter((c) => c.created).length} created in Dataverse` : ''),
    });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function candidatesText(candidates: Array<{ dataverseId: string; name: string }>): string {
  return candidates.map((c) => `${c.dataverseId} (${c.name})`).join('; ');
}

export function printCoupleResult(deps: Deps, result: CoupleResult): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ ok: true, ...result });
    return;
  }
  if (result.mode === 'couple') {
    out.table([{ mapping: result.mapping, record: result.label, bcId: result.bcId, dataverseId: result.dataverseId, result: result.existed ? 'already coupled' : 'coupled' }], [
      { key: 'mapping', header: 'Mapping' },
      { key: 'record', header: 'BC record' },
      { key: 'bcId', header: 'BC id' },
      { key: 'dataverseId', header: 'Dataverse id' },
      { key: 'result', header: 'Result' },
    ]);
    for (const c of result.replaced) out.info(`Removed the coupling ${c.bcId} ↔ ${c.dataverseId}.`);
    out.info(result.existed ? `${result.label} was coupled to ${result.dataverseId} already; nothing changed.` : `Coupled; the next "bcsync sync --mapping '${result.mapping}'" synchronizes the pair.`);
    return;
  }
  if (result.mode === 'create') {
    const where = result.createdIn === 'dataverse' ? 'Dataverse' : 'Business Central';
    out.table([{ mapping: result.mapping, record: result.label, bcId: result.bcId, dataverseId: result.dataverseId, result: result.created ? `created in ${where} and coupled` : `failed: ${result.error}` }], [
      { key: 'mapping', header: 'Mapping' },
      { key: 'record', header: 'Record' },
      { key: 'bcId', header: 'BC id' },
      { key: 'dataverseId', header: 'Dataverse id' },
      { key: 'result', header: 'Result' },
    ]);
    if (!result.created) out.warn(`${result.label} was not created in ${where}: ${result.error}`);
    return;
  }
  const rows: Record<string, unknown>[] = [];
  for (const c of result.coupled) rows.push({ result: result.dryRun ? 'would couple' : 'coupled', record: c.label, bcId: c.bcId, dataverseId: c.dataverseId, candidates: '' });
  for (const a of result.ambiguous) rows.push({ result: 'ambiguous', record: a.label, bcId: a.bcId, dataverseId: '', candidates: candidatesText(a.candidates) });
  for (const t of result.takenByOther) rows.push({ result: 'match already coupled', record: t.label, bcId: t.bcId, dataverseId: t.dataverseId, candidates: '' });
  const created = new Map(result.created.map((c) => [c.bcId, c]));
  const blocked = new Map(result.blocked.map((b) => [b.bcId, b]));
  for (const n of result.noMatch) {
    const c = created.get(n.bcId);
    const b = blocked.get(n.bcId);
    const outcome = c ? (c.created ? 'no match: created' : `no match: create failed: ${c.error}`) : b ? `no match: not created, couple first: ${describeMissing(b.missing)}` : 'no match';
    rows.push({ result: outcome, record: n.label, bcId: n.bcId, dataverseId: c?.dataverseId ?? '', candidates: '' });
  }
  out.table(rows, [
    { key: 'result', header: 'Result' },
    { key: 'record', header: 'BC record' },
    { key: 'bcId', header: 'BC id' },
    { key: 'dataverseId', header: 'Dataverse id' },
    { key: 'candidates', header: 'Candidates' },
  ]);
  const createdCount = result.created.filter((c) => c.created).length;
  out.info(
    `${result.mapping} on ${result.fields.join(', ')}: ${result.coupled.length} ${result.dryRun ? 'would be coupled' : 'coupled'}, ` +
      `${result.ambiguous.length} ambiguous (nothing created for them), ${result.noMatch.length} no match` +
      (result.created.length ? ` (${createdCount} created in Dataverse)` : '') +
      `, ${result.takenByOther.length} whose match is coupled to another record, ${result.alreadyCoupled} already coupled.`,
  );
}

export const registerCouple: RegisterCommand = (program: Command, act) => {
  program
    .command('couple')
    .description('couple a BC record to a Dataverse row, create the counterpart and couple it, or couple by matching field values')
    .option('-m, --mapping <name>', 'integration table mapping, e.g. CUSTOMER (see "bcsync mappings list")')
    .option('--bc <id|number|code>', 'the Business Central record: its id, or its number/code')
    .option('--dataverse <id>', 'the Dataverse row id (option mappings: the option value)')
    .option('--create-in <side>', 'create the counterpart in dataverse (from --bc) or bc (from --dataverse) and couple it')
    .option('--match <fields>', 'couple every uncoupled record whose fields match exactly one Dataverse row (FIELD[,FIELD...])')
    .option('--case-sensitive', 'with --match: compare text case-sensitively')
    .option('--create-if-no-match', 'with --match: create records without any match in Dataverse and couple them')
    .option('--dry-run', 'with --match: report what would be coupled; change nothing')
    .option('--replace', 'with --bc and --dataverse: move existing couplings of either record to this pair')
    .addHelpText(
      'after',
      `
Ambiguous records (more than one Dataverse row matches) are reported with their
candidates and left uncoupled; nothing is created for them. A record that refers
to uncoupled records (a customer's salesperson, currency or payment terms) is
refused with the list of what to couple first. --json prints the result (for
--match: coupled, ambiguous with candidates, noMatch, alreadyCoupled, created).

Examples:
  $ bcsync couple --mapping CUSTOMER --bc 10000 --dataverse <account-id>
  $ bcsync couple --mapping CUSTOMER --bc 10000 --create-in dataverse
  $ bcsync couple --mapping CONTACT --dataverse <contact-id> --create-in bc
  $ bcsync couple --mapping CUSTOMER --match name --dry-run
  $ bcsync couple --mapping CUSTOMER --match name,city --create-if-no-match

Exit codes: 0 done (ambiguous and unmatched records are reported, not errors),
1 refused (coupled to another record, dependencies not coupled), 2 usage,
3 configuration or sign-in, 4 a record could not be created, 5 state locked or
corrupt.`,
    )
    .action((options: CoupleOptions, cmd: Command) =>
      act(cmd, async (deps) => {
        const { exitCode, result } = await coupleRun(deps, options);
        printCoupleResult(deps, result);
        return { exitCode };
      }),
    );
};
