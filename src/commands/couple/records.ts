/**
 * Naming records on the command line and checking what a record needs before it is coupled: shared by
 * `couple` and `uncouple`. BC records are named by id (SystemId) or by the mapping's natural key (customer
 * number, currency code); Dataverse rows by id (option mappings: by option value).
 */
import { askOrFail, type Deps } from '../../deps.js';
import { isGuid } from '../../engine/ids.js';
import { lookupsFor, type EngineContext } from '../../engine/run.js';
import { bcTable, dataverseTable } from '../../engine/tables.js';
import { BcsyncError, UsageError } from '../../errors.js';
import { dataverseReadName, planFieldTransfer } from '../../mapping/index.js';
import type { FieldMapping, IntegrationTableMapping, PassDirection } from '../../mapping/index.js';
import type { Rec } from '../../sides/types.js';
import { findMapping } from '../../app/session.js';

/** BC Code[20] fields (numbers, codes) are at most this long; anything longer must be an id. */
const MAX_BC_CODE = 20;

/** A BC record as given with --bc: an id, or a number/code to resolve through the mapping's natural key. */
export type BcRef = { kind: 'id'; id: string; text: string } | { kind: 'key'; value: string; text: string };

function stripBraces(text: string): string {
  const t = text.trim();
  return t.startsWith('{') && t.endsWith('}') ? t.slice(1, -1) : t;
}

/** Parses --bc: a GUID is an id; a short text is a number/code; anything else is refused naming the flag. */
export function parseBcRef(flag: string, text: string): BcRef {
  const bare = stripBraces(text);
  if (isGuid(bare)) return { kind: 'id', id: bare.toLowerCase(), text };
  if (bare === '' || bare.length > MAX_BC_CODE || /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(bare)) {
    throw new UsageError(
      `${flag} "${text}" is neither a record id (a GUID like 5d115c9c-44e3-ea11-bb43-000d3a2feca1) nor a number or code (at most ${MAX_BC_CODE} characters); pass one of those.`,
    );
  }
  return { kind: 'key', value: bare, text };
}

/** Parses a Dataverse id: a GUID, or for option mappings an option value (integer). */
export function parseDataverseId(flag: string, text: string, m: IntegrationTableMapping): string {
  const bare = stripBraces(text);
  if (m.kind === 'option') {
    if (!/^-?\d{1,10}$/.test(bare)) {
      throw new UsageError(`${flag} "${text}" is not an option value; ${m.name} couples option values (integers) of ${m.dataverse.optionSet?.table ?? m.dataverse.table}.`);
    }
    return String(Number(bare));
  }
  if (!isGuid(bare)) {
    throw new UsageError(`${flag} "${text}" is not a Dataverse row id; pass the row's GUID (e.g. 2f1c0e5a-9b7d-4c3e-8a6f-1d2e3f4a5b6c).`);
  }
  return bare.toLowerCase();
}

/** The BC id of a --bc value: ids are used as given, numbers/codes are looked up (one request). */
export async function resolveBcId(ctx: EngineContext, m: IntegrationTableMapping, ref: BcRef, flag = '--bc'): Promise<string> {
  if (ref.kind === 'id') return ref.id;
  const key = m.bc.naturalKey;
  if (!key) {
    throw new UsageError(`${m.name} records have no single number or code (their key is ${m.bc.keyParts?.join(' + ') ?? 'composite'}); pass ${flag} with the record's id.`);
  }
  const found: Rec[] = [];
  for await (const page of ctx.bc.list({ ...bcTable(m), select: ['id', key] }, { ignoreTableFilter: true, where: [{ field: key, op: 'eq', value: ref.value }] })) {
    found.push(...page);
  }
  if (found.length === 0) {
    throw new UsageError(`No ${m.bc.entitySet} record has ${key} "${ref.value}" in Business Central; check the ${key}, or pass ${flag} with the record's id.`);
  }
  if (found.length > 1) {
    throw new UsageError(`${found.length} ${m.bc.entitySet} records have ${key} "${ref.value}"; pass ${flag} with one of their ids: ${found.map((r) => r.id).join(', ')}.`);
  }
  return found[0]!.id.toLowerCase();
}

export async function readBcRecord(ctx: EngineContext, m: IntegrationTableMapping, id: string): Promise<Rec> {
  const [rec] = await ctx.bc.get(bcTable(m), [id]);
  if (!rec) throw new UsageError(`BC ${m.bc.entitySet} record ${id} does not exist; check the id (or pass its ${m.bc.naturalKey ?? 'id'}).`);
  return rec;
}

export async function readDataverseRecord(ctx: EngineContext, m: IntegrationTableMapping, id: string): Promise<Rec> {
  const [rec] = await ctx.dataverse.get(dataverseTable(m, ctx.dataverseCompanyId), [id]);
  if (!rec) throw new UsageError(`Dataverse ${m.dataverse.entitySet} row ${id} does not exist; check the id.`);
  return rec;
}

/** A referenced record that has to be coupled before this one (e.g. the customer's salesperson). */
export interface MissingDependency {
  /** The mapping to couple it in, e.g. SALESPEOPLE. */
  mapping: string;
  /** The value the record refers to (a code, number or Dataverse id). */
  value: string;
  /** Field mapping id that refers to it. */
  field: string;
  direction: PassDirection;
}

function referencedMapping(field: FieldMapping, record: Record<string, unknown>): string | undefined {
  const t = field.transform;
  switch (t.kind) {
    case 'lookup': {
      if (t.switchOn) {
        const chosen = t.switchOn.cases[String(record[t.switchOn.property] ?? '')];
        if (chosen) return chosen.mapping;
      }
      return t.mapping;
    }
    case 'currency':
      return 'CURRENCY';
    case 'option':
      return t.mapping;
    case 'owner':
      return 'SALESPEOPLE';
    default:
      return undefined;
  }
}

/**
 * Referenced records this record's enabled field mappings need coupled for one pass (spec §4.4: dependencies
 * are synchronized first; a lookup to an uncoupled record would fail). Uses the engine's own lookups, so the
 * answer is exactly what a sync would run into.
 */
export async function missingDependencies(ctx: EngineContext, m: IntegrationTableMapping, direction: PassDirection, rec: Rec): Promise<MissingDependency[]> {
  if (m.kind === 'option') return [];
  const lookups = lookupsFor(ctx);
  let transfer = planFieldTransfer(m, direction, rec.fields, undefined, lookups.context());
  if (lookups.missing.size > 0 && (await lookups.buildMissing())) {
    transfer = planFieldTransfer(m, direction, rec.fields, undefined, lookups.context());
  }
  const missing: MissingDependency[] = [];
  for (const error of transfer.errors) {
    const field = m.fields.find((f) => f.id === error.fieldId);
    if (!field || !/coupled/.test(error.message)) continue;
    const mapping = referencedMapping(field, direction === 'to-dataverse' ? rec.fields : {});
    if (!mapping) continue;
    const name = direction === 'to-dataverse' ? field.bc : dataverseReadName(field);
    missing.push({ mapping, value: String(name === undefined ? '' : (rec.fields[name] ?? '')), field: field.id, direction });
  }
  return missing;
}

export function describeMissing(missing: readonly MissingDependency[]): string {
  return missing.map((d) => `${d.mapping} ${d.value} (${d.field})`).join(', ');
}

/** Coupling refused because records this one refers to are not coupled yet. */
export class DependencyNotCoupledError extends BcsyncError {
  constructor(
    readonly mapping: string,
    readonly record: string,
    readonly missing: MissingDependency[],
  ) {
    const mappings = [...new Set(missing.map((d) => d.mapping))];
    super(
      `${mapping} ${record} refers to records that are not coupled; couple these first: ${describeMissing(missing)} ` +
        `(with "bcsync couple --mapping <name> ..." or by synchronizing ${mappings.join(', ')}), then couple this record again.`,
    );
  }
}

/** The mapping named by --mapping; asked for on a terminal, otherwise a usage error naming the flag. */
export async function chooseMapping(
  deps: Deps,
  mappings: readonly IntegrationTableMapping[],
  name: string | undefined,
  purpose: string,
  flag = '--mapping',
): Promise<IntegrationTableMapping> {
  if (name !== undefined) return findMapping(mappings, name);
  const chosen = await askOrFail(deps, flag, `the integration table mapping ${purpose} (see "bcsync mappings list")`, () =>
    deps.prompter.select({
      message: `Integration table mapping ${purpose}`,
      choices: mappings.map((m) => ({ name: m.name, value: m.name, description: `${m.bc.entitySet} ↔ ${m.dataverse.entitySet}` })),
    }),
  );
  return findMapping(mappings, chosen);
}
