import fs from 'node:fs';
import type { Command } from 'commander';
import type { Profile } from '../../config/profile.js';
import { confirmDestructive, type Deps } from '../../deps.js';
import { UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';
import {
  applyOverrides,
  defaultMappings,
  describeMapping,
  mappingWarnings,
  mergeOverride,
  resetOverrides,
  type Direction,
  type FilterCondition,
  type FilterValue,
  type IntegrationTableMapping,
  type MappingDescription,
  type MappingOverride,
  type MappingOverrides,
  type MappingSchedule,
} from '../../mapping/index.js';
import { StateStore, SNAPSHOT_FILE, JOURNAL_FILE } from '../../state/index.js';
import { chooseMapping } from '../couple/records.js';
import { findMapping, loadProfileMappings } from '../../app/session.js';

/**
 * `bcsync mappings list | show M | set M ... | reset [M]`: the profile's integration table mappings (the
 * defaults for its integration options, with its overrides), and changes to them. Overrides are validated by
 * the mapping layer before the profile is saved, so a profile never holds a mapping that cannot run.
 */

export interface MappingListRow {
  name: string;
  kind: 'record' | 'option';
  bcTable: string;
  dataverseTable: string;
  direction: Direction;
  schedule: string;
  couplings: number;
  customized: boolean;
}

export function scheduleText(s: MappingSchedule | undefined): string {
  if (!s) return 'none';
  return `every ${s.intervalMinutes} min, idle after ${s.inactivityTimeoutMinutes} min` + (s.category ? ` (${s.category})` : '');
}

export function conditionText(c: FilterCondition): string {
  const v = (x: FilterValue): string => (typeof x === 'string' ? `'${x}'` : String(x));
  if (c.op === 'in') return `${c.field} in (${c.value.map(v).join(', ')})`;
  if (c.op === 'lookupTarget') return `${c.field} points to ${c.value}`;
  return `${c.field} ${c.op} ${v(c.value)}`;
}

export function filterText(filter: FilterCondition[]): string {
  return filter.length ? filter.map(conditionText).join(' and ') : 'none';
}

/** Couplings per mapping from the state, read-only (no lock: works while a sync runs). */
async function couplingCounts(deps: Deps, profile: Profile): Promise<Map<string, number>> {
  const dir = deps.layout.stateDir(profile.name);
  const counts = new Map<string, number>();
  if (!fs.existsSync(`${dir}/${SNAPSHOT_FILE}`) && !fs.existsSync(`${dir}/${JOURNAL_FILE}`)) return counts;
  const state = await StateStore.open(dir, { lock: false, clock: deps.clock });
  try {
    for (const name of state.mappings()) counts.set(name, state.counts(name).couplings);
  } finally {
    await state.close();
  }
  return counts;
}

export async function mappingsList(deps: Deps): Promise<MappingListRow[]> {
  const { profile, mappings } = loadProfileMappings(deps);
  const counts = await couplingCounts(deps, profile);
  return mappings.map((m) => ({
    name: m.name,
    kind: m.kind,
    bcTable: m.bc.entitySet,
    dataverseTable: m.kind === 'option' && m.dataverse.optionSet ? `${m.dataverse.optionSet.table}.${m.dataverse.optionSet.attribute}` : m.dataverse.entitySet,
    direction: m.direction,
    schedule: scheduleText(m.schedule),
    couplings: counts.get(m.name) ?? 0,
    customized: m.customized,
  }));
}

export async function mappingsShow(deps: Deps, name: string | undefined): Promise<MappingDescription> {
  const { mappings } = loadProfileMappings(deps);
  return describeMapping(await chooseMapping(deps, mappings, name, 'to show', 'the mapping name'));
}

export interface MappingSetOptions {
  direction?: string;
  updateConflict?: string;
  deletionConflict?: string;
  onlyCoupled?: string;
  enableField?: string[];
  disableField?: string[];
  fieldDirection?: string[];
  bcFilter?: string[];
  dataverseFilter?: string[];
}

const DIRECTIONS = ['to-dataverse', 'from-dataverse', 'bidirectional'] as const;
const UPDATE_RULES = ['none', 'send', 'get'] as const;
const DELETION_RULES = ['none', 'restore', 'remove-coupling'] as const;
const OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in'] as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} "${value}" is not valid; use one of ${allowed.join(', ')}.`);
}

function filterValue(text: string): FilterValue {
  const t = text.trim();
  if (/^'.*'$/.test(t) || /^".*"$/.test(t)) return t.slice(1, -1);
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

/** `FIELD OP VALUE`, e.g. `blocked eq ' '`, `statecode eq 0`, `currencyCode in EUR,CAD`. */
export type OverrideFilter = NonNullable<MappingOverride['bcFilter']>[number];

export function parseFilter(flag: string, text: string): OverrideFilter {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(eq|ne|gt|ge|lt|le|in)\s+(.*?)\s*$/.exec(text);
  if (!m || m[3] === '') {
    throw new UsageError(`${flag} "${text}" is not a condition; write FIELD OP VALUE with OP one of ${OPS.join(', ')} (e.g. "${flag === '--bc-filter' ? "currencyCode eq 'EUR'" : 'statecode eq 0'}").`);
  }
  const [, field, op, rest] = m as unknown as [string, string, (typeof OPS)[number], string];
  if (op === 'in') return { field, op, value: rest.split(',').map(filterValue) };
  return { field, op, value: filterValue(rest) };
}

/** Turns `mappings set` flags into one override (the mapping layer validates it against the mapping). */
export function overrideFromFlags(opts: MappingSetOptions): MappingOverride {
  const o: MappingOverride = {};
  if (opts.direction !== undefined) o.direction = oneOf('--direction', opts.direction, DIRECTIONS);
  if (opts.updateConflict !== undefined) o.updateConflict = oneOf('--update-conflict', opts.updateConflict, UPDATE_RULES);
  if (opts.deletionConflict !== undefined) o.deletionConflict = oneOf('--deletion-conflict', opts.deletionConflict, DELETION_RULES);
  if (opts.onlyCoupled !== undefined) o.synchOnlyCoupledRecords = oneOf('--only-coupled', opts.onlyCoupled, ['true', 'false'] as const) === 'true';
  const fields: NonNullable<MappingOverride['fields']> = {};
  const both = (opts.enableField ?? []).filter((f) => (opts.disableField ?? []).includes(f));
  if (both.length) throw new UsageError(`Field mapping ${both[0]} is given to both --enable-field and --disable-field; pick one.`);
  for (const f of opts.enableField ?? []) fields[f] = { ...fields[f], status: 'enabled' };
  for (const f of opts.disableField ?? []) fields[f] = { ...fields[f], status: 'disabled' };
  for (const text of opts.fieldDirection ?? []) {
    const eq = text.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--field-direction "${text}" is not FIELD=DIRECTION; e.g. --field-direction phone=to-dataverse.`);
    const id = text.slice(0, eq).trim();
    fields[id] = { ...fields[id], direction: oneOf(`--field-direction ${id}`, text.slice(eq + 1).trim(), DIRECTIONS) };
  }
  if (Object.keys(fields).length) o.fields = fields;
  if (opts.bcFilter?.length) o.bcFilter = opts.bcFilter.map((t) => parseFilter('--bc-filter', t));
  if (opts.dataverseFilter?.length) o.dataverseFilter = opts.dataverseFilter.map((t) => parseFilter('--dataverse-filter', t));
  if (Object.keys(o).length === 0) {
    throw new UsageError('Nothing to change; pass at least one of --direction, --update-conflict, --deletion-conflict, --only-coupled, --enable-field, --disable-field, --field-direction, --bc-filter, --dataverse-filter.');
  }
  return o;
}

function saveOverrides(deps: Deps, profile: Profile, overrides: MappingOverrides): void {
  deps.profiles.save({ ...profile, mappingOverrides: overrides, updatedAt: new Date(deps.clock.now()).toISOString() });
}

export async function mappingsSet(deps: Deps, name: string | undefined, opts: MappingSetOptions): Promise<{ mapping: MappingDescription; warnings: string[] }> {
  const patch = overrideFromFlags(opts);
  const profile = deps.profiles.load(deps.profileName);
  const defaults = defaultMappings(profile.integration);
  const target = await chooseMapping(deps, defaults, name, 'to change', 'the mapping name');
  const current = profile.mappingOverrides as MappingOverrides;
  const next = mergeOverride(current, target.name, patch);
  // Throws a MappingOverrideError (usage, exit 2) naming what is valid; nothing is saved then.
  const applied = applyOverrides(defaults, next);
  saveOverrides(deps, profile, next);
  const m = applied.find((x) => x.name === target.name) as IntegrationTableMapping;
  return { mapping: describeMapping(m), warnings: mappingWarnings(m) };
}

export interface MappingsResetOptions {
  /** Confirm without asking (scripts). */
  yes?: boolean;
  /** List what would be restored; change nothing. */
  dryRun?: boolean;
}

export async function mappingsReset(deps: Deps, name: string | undefined, opts: MappingsResetOptions = {}): Promise<{ reset: string[]; dryRun: boolean }> {
  const profile = deps.profiles.load(deps.profileName);
  const defaults = defaultMappings(profile.integration);
  const target = name === undefined ? undefined : findMapping(defaults, name).name;
  const current = profile.mappingOverrides as MappingOverrides;
  // Works on overrides that no longer validate: resetting is how a user gets out of them.
  const reset = target === undefined ? Object.keys(current) : Object.keys(current).filter((k) => k === target);
  if (opts.dryRun || reset.length === 0) return { reset, dryRun: Boolean(opts.dryRun) };
  await confirmDestructive(deps, opts.yes, `Restore the defaults of ${reset.join(', ')} (their customizations in profile "${profile.name}" are lost)`);
  saveOverrides(deps, profile, resetOverrides(current, target));
  return { reset, dryRun: false };
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function printShow(deps: Deps, d: MappingDescription): void {
  const out = deps.out;
  out.line(`${d.name}  (${d.kind} mapping${d.customized ? ', customized' : ''})`);
  out.line(`  Business Central  ${d.bc.entitySet} (${d.bc.table}, API ${d.bc.api})${d.bc.naturalKey ? `, key ${d.bc.naturalKey}` : ''}`);
  out.line(`  Dataverse         ${d.dataverse.optionSet ?? `${d.dataverse.entitySet} (${d.dataverse.table})`}`);
  out.line(`  Direction         ${d.direction}`);
  out.line(`  Only coupled      ${d.synchOnlyCoupledRecords ? 'yes' : 'no'}`);
  out.line(`  Update conflict   ${d.updateConflict}`);
  out.line(`  Deletion conflict ${d.deletionConflict}`);
  out.line(`  BC filter         ${filterText(d.bc.filter)}`);
  out.line(`  Dataverse filter  ${filterText(d.dataverse.filter)}${d.dataverse.companyFilter ? ' and company is this company or none' : ''}`);
  out.line(`  Dependencies      ${d.dependencies.length ? d.dependencies.join(', ') : 'none'}`);
  out.line(`  Schedule          ${scheduleText(d.schedule)}`);
  out.line(`  Echo suppression  ${d.echoSuppression ? 'rows last modified by the integration user are skipped' : 'by last-synced modified-on'}`);
  out.line('');
  out.table(
    d.fields.map((f) => ({
      id: f.id,
      bc: f.bc ?? (f.bcField ? `(${f.bcField})` : '-'),
      dataverse: f.dataverse ?? '-',
      direction: f.direction,
      transform: f.transformLabel + (f.insertOnly ? ', insert only' : ''),
      status: f.available ? f.status + (f.customized ? ' (customized)' : '') : `unavailable: ${f.unavailableReason ?? 'the BC API does not expose it'}`,
      match: f.match ? `priority ${f.match.priority}${f.match.caseSensitive ? ', case-sensitive' : ''}` : '',
    })),
    [
      { key: 'id', header: 'Field mapping' },
      { key: 'bc', header: 'BC property' },
      { key: 'dataverse', header: 'Dataverse column' },
      { key: 'direction', header: 'Direction' },
      { key: 'transform', header: 'Transform' },
      { key: 'status', header: 'Status' },
      { key: 'match', header: 'Match' },
    ],
  );
  for (const note of d.notes) out.info(`note: ${note}`);
  for (const w of d.warnings) out.warn(w);
}

export const registerMappings: RegisterCommand = (program: Command, act) => {
  const mappings = program
    .command('mappings')
    .description("list, show and change the profile's integration table mappings")
    .addHelpText(
      'after',
      `
Examples:
  $ bcsync mappings list
  $ bcsync mappings show CUSTOMER
  $ bcsync mappings set CUSTOMER --update-conflict send --disable-field phone
  $ bcsync mappings set CUSTOMER --bc-filter "currencyCode eq 'EUR'"
  $ bcsync mappings reset CUSTOMER

Exit codes: 0 ok, 2 usage (unknown mapping, field or value), 3 profile missing
or invalid, 5 state corrupt.`,
    );

  mappings
    .command('list')
    .description('every mapping: tables, direction, schedule, couplings, customized')
    .addHelpText(
      'after',
      `
Reads the state without locking it (works while a sync runs); no connection.

Examples:
  $ bcsync mappings list
  $ bcsync mappings list --json`,
    )
    .action((_options: unknown, cmd: Command) => act(cmd, async (deps) => {
      const rows = await mappingsList(deps);
      if (deps.out.json) return deps.out.writeJson({ mappings: rows });
      deps.out.table(
        rows.map((r) => ({ ...r, customized: r.customized ? 'yes' : 'no' })),
        [
          { key: 'name', header: 'Mapping' },
          { key: 'bcTable', header: 'BC table' },
          { key: 'dataverseTable', header: 'Dataverse table' },
          { key: 'direction', header: 'Direction' },
          { key: 'schedule', header: 'Schedule' },
          { key: 'couplings', header: 'Couplings', align: 'right' },
          { key: 'customized', header: 'Customized' },
        ],
      );
    }));

  mappings
    .command('show')
    .description('one mapping: every field mapping (also those the BC API does not expose), filters, rules, dependencies, schedule')
    .argument('[mapping]', 'mapping name, e.g. CUSTOMER (asked for on a terminal)')
    .addHelpText(
      'after',
      `
Field mappings the Business Central API does not expose are listed as
"unavailable" with the reason; they are never synchronized.

Examples:
  $ bcsync mappings show CUSTOMER
  $ bcsync mappings show 'PAYMENT TERMS' --json`,
    )
    .action((name: string | undefined, _options: unknown, cmd: Command) => act(cmd, async (deps) => {
      const d = await mappingsShow(deps, name);
      if (deps.out.json) return deps.out.writeJson(d);
      printShow(deps, d);
    }));

  const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
  mappings
    .command('set')
    .description("change a mapping in the profile (validated; restore with 'mappings reset')")
    .argument('[mapping]', 'mapping name, e.g. CUSTOMER (asked for on a terminal)')
    .option('--direction <direction>', 'to-dataverse, from-dataverse or bidirectional')
    .option('--update-conflict <rule>', 'both sides changed: none (log it), send (BC wins) or get (Dataverse wins)')
    .option('--deletion-conflict <rule>', 'coupled record deleted: none, restore or remove-coupling')
    .option('--only-coupled <bool>', 'synchronize only coupled records: true or false')
    .option('--enable-field <id>', 'enable a field mapping (repeatable)', collect)
    .option('--disable-field <id>', 'disable a field mapping (repeatable)', collect)
    .option('--field-direction <id=direction>', "set a field mapping's direction (repeatable)", collect)
    .option('--bc-filter <condition>', 'add a BC table filter condition, FIELD OP VALUE (repeatable)', collect)
    .option('--dataverse-filter <condition>', 'add a Dataverse filter condition, FIELD OP VALUE (repeatable)', collect)
    .addHelpText(
      'after',
      `
OP is one of eq, ne, gt, ge, lt, le, in (in takes comma-separated values); text
in quotes stays text. Filters are added to the defaults. Changes are validated
against the mapping (an error names what is valid) before the profile is saved.

Examples:
  $ bcsync mappings set CUSTOMER --direction to-dataverse
  $ bcsync mappings set CUSTOMER --update-conflict get
  $ bcsync mappings set CUSTOMER --deletion-conflict remove-coupling
  $ bcsync mappings set CUSTOMER --disable-field phone
  $ bcsync mappings set CUSTOMER --field-direction name=to-dataverse
  $ bcsync mappings set CUSTOMER --bc-filter "currencyCode in EUR,CAD"
  $ bcsync mappings set CUSTOMER --dataverse-filter "creditlimit ge 1000"`,
    )
    .action((name: string | undefined, options: MappingSetOptions, cmd: Command) => act(cmd, async (deps) => {
      const { mapping, warnings } = await mappingsSet(deps, name, options);
      if (deps.out.json) return deps.out.writeJson({ ok: true, mapping, warnings });
      printShow(deps, mapping);
      deps.out.info(`Saved ${mapping.name} in profile "${deps.profileName}".`);
    }));

  mappings
    .command('reset')
    .description('restore the default of one mapping, or of all (asks first on a terminal)')
    .argument('[mapping]', 'mapping name; all mappings when left out')
    .option('-y, --yes', 'confirm without asking (scripts)')
    .option('-n, --dry-run', 'list the mappings that would be restored; change nothing')
    .addHelpText(
      'after',
      `
Works on overrides that no longer validate (a hand-edited profile). Asks first
on a terminal; without one it needs --yes (exit 2 otherwise).

Examples:
  $ bcsync mappings reset CUSTOMER
  $ bcsync mappings reset --dry-run
  $ bcsync mappings reset --yes`,
    )
    .action((name: string | undefined, options: MappingsResetOptions, cmd: Command) => act(cmd, async (deps) => {
      const { reset, dryRun } = await mappingsReset(deps, name, options);
      if (deps.out.json) return deps.out.writeJson({ ok: true, dryRun, reset });
      if (!reset.length) deps.out.info('Nothing was customized; the defaults are in use.');
      else deps.out.info(dryRun ? `Dry run: would restore the defaults of ${reset.join(', ')}; nothing was changed.` : `Restored the defaults of ${reset.join(', ')}.`);
    }));
};
