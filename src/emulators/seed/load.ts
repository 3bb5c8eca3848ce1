/**
 * Reading and validating seed files, and the seeds derived from the demo files ("demo", "empty").
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BcSeed, DataverseSeed, SeedData, SeedRecord } from './types.js';
import { bcCompanySchema, bcEntitySchemas, dataverseTables } from './schemas.js';

/** A seed file or seed name is unusable. The message names the file and the record. */
export class SeedDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedDataError';
  }
}

/** Facts about the demo seed that tests and `bcsync demo` rely on (look records up by these). */
export const demoFacts = {
  companyName: 'CRONUS USA, Inc.',
  secondCompanyName: 'CRONUS Canada, Inc.',
  /** LCY of CRONUS USA and the base currency of the CRM org. */
  lcyCode: 'USD',
  /** Service item meant as Sales & Receivables "Write-in Product No."; it has no product in Dataverse. */
  writeInItemNumber: '9000',
  /** The person who edits records in the demo (not the integration user; the Dataverse module creates that one). */
  humanEditorFullName: 'Alice Adams',
  organizationName: 'cronusdemo',
} as const;

/**
 * The repository (or installed package) root: the nearest folder above this module holding the demo fixtures.
 * src/emulators/seed/ (jest) and dist/emulators/seed/ (tsc output) are three levels below it, the CLI's bundle
 * (dist/bundle/) two.
 */
const repoRoot = ((): URL => {
  for (let up = new URL('./', import.meta.url), i = 0; i < 6; up = new URL('../', up), i++) {
    if (existsSync(new URL('fixtures/demo/bc.json', up))) return up;
  }
  return new URL('../../../', import.meta.url);
})();
const demoBcFile = new URL('fixtures/demo/bc.json', repoRoot);
const demoDataverseFile = new URL('fixtures/demo/dataverse.json', repoRoot);

let demoCache: SeedData | undefined;

/** The validated demo seed (cached; callers must clone before handing it out). */
export function demoSeed(): SeedData {
  demoCache ??= {
    bc: parseBcSeed(readJson(demoBcFile), displayPath(demoBcFile)),
    dataverse: parseDataverseSeed(readJson(demoDataverseFile), displayPath(demoDataverseFile)),
  };
  return demoCache;
}

function displayPath(file: URL): string {
  return relative(fileURLToPath(repoRoot), fileURLToPath(file));
}

function readJson(file: URL): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeedDataError(
      `Cannot read seed file ${fileURLToPath(file)} (${(err as NodeJS.ErrnoException).code ?? String(err)}): ` +
        'the fixtures/ folder must ship next to src/ or dist/.',
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SeedDataError(`Seed file ${displayPath(file)} is not valid JSON (${(err as Error).message}): fix the file.`);
  }
}

function describeIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const at = first.path.length > 0 ? `${first.path.map(String).join('.')}: ` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${at}${first.message}${more}`;
}

function recordLabel(record: unknown, keyColumn: string): string {
  if (typeof record !== 'object' || record === null) return '';
  const r = record as Record<string, unknown>;
  const parts = [keyColumn, 'number', 'code', 'name', 'displayName', 'fullname']
    .filter((k) => typeof r[k] === 'string' && r[k] !== '')
    .slice(0, 2)
    .map((k) => `${k} ${JSON.stringify(r[k])}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function invalid(source: string, where: string, problem: string): SeedDataError {
  return new SeedDataError(`Seed file ${source} has an invalid record at ${where}: ${problem}. Fix that record in the seed file.`);
}

/** Validates a BC seed (the shape of fixtures/demo/bc.json); `source` names the file in error messages. */
export function parseBcSeed(json: unknown, source: string): BcSeed {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { companies?: unknown }).companies)) {
    throw new SeedDataError(`Seed file ${source} must be an object with a "companies" array: fix the file.`);
  }
  const companies = (json as { companies: unknown[] }).companies;
  const companyIds = new Set<string>();
  companies.forEach((company, ci) => {
    const head = bcCompanySchema.safeParse(company);
    if (!head.success) throw invalid(source, `companies[${ci}]${recordLabel(company, 'id')}`, describeIssue(head.error.issues));
    const where = `companies[${ci}] "${head.data.name}"`;
    if (companyIds.has(head.data.id)) throw invalid(source, where, `company id ${head.data.id} is used twice`);
    companyIds.add(head.data.id);
    for (const [set, records] of Object.entries(head.data.records)) {
      const schema = bcEntitySchemas[set];
      if (!schema) {
        throw invalid(source, `${where}.records`, `unknown entity set "${set}" (known: ${Object.keys(bcEntitySchemas).join(', ')})`);
      }
      const ids = new Set<string>();
      records.forEach((record, ri) => {
        const result = schema.safeParse(record);
        const at = `${where} ${set}[${ri}]${recordLabel(record, 'id')}`;
        if (!result.success) throw invalid(source, at, describeIssue(result.error.issues));
        const id = (result.data as { id: string }).id;
        if (ids.has(id)) throw invalid(source, at, `id ${id} is used twice in ${set}`);
        ids.add(id);
      });
    }
  });
  return json as BcSeed;
}

/** Validates a Dataverse seed (the shape of fixtures/demo/dataverse.json). */
export function parseDataverseSeed(json: unknown, source: string): DataverseSeed {
  const records = (json as { records?: unknown } | null)?.records;
  if (typeof records !== 'object' || records === null || Array.isArray(records)) {
    throw new SeedDataError(`Seed file ${source} must be an object with a "records" object (entity set -> rows): fix the file.`);
  }
  for (const [set, rows] of Object.entries(records as Record<string, unknown>)) {
    const table = dataverseTables[set];
    if (!table) {
      throw invalid(source, `records.${set}`, `unknown entity set "${set}" (known: ${Object.keys(dataverseTables).join(', ')})`);
    }
    if (!Array.isArray(rows)) throw invalid(source, `records.${set}`, 'must be an array of rows');
    const keys = new Set<string>();
    rows.forEach((row, ri) => {
      const at = `${set}[${ri}]${recordLabel(row, table.key)}`;
      const result = table.schema.safeParse(row);
      if (!result.success) throw invalid(source, at, describeIssue(result.error.issues));
      const id = (row as Record<string, string>)[table.key] as string;
      if (keys.has(id)) throw invalid(source, at, `${table.key} ${id} is used twice`);
      keys.add(id);
    });
  }
  return json as DataverseSeed;
}

const emptyDataverseSets = [
  'organizations',
  'businessunits',
  'systemusers',
  'teams',
  'roles',
  'systemuserroles',
  'cdm_companies',
] as const;

/**
 * What a freshly provisioned pair of systems holds: BC companies with their company information (LCY);
 * Dataverse root business unit, organization, base currency, the default unit group, users, teams, roles
 * and the company rows the BC companies are known by. No mapped master data.
 */
export function emptySeedFrom(demo: SeedData): SeedData {
  const bc: BcSeed = {
    companies: demo.bc.companies.map((c) => ({
      id: c.id,
      name: c.name,
      displayName: c.displayName,
      records: { companyInformation: structuredClone(c.records.companyInformation ?? []) },
    })),
  };
  const src = demo.dataverse.records;
  const records: Record<string, SeedRecord[]> = {};
  for (const set of emptyDataverseSets) records[set] = structuredClone(src[set] ?? []);
  const baseCurrencyIds = new Set((src.organizations ?? []).map((o) => o._basecurrencyid_value));
  records.transactioncurrencies = structuredClone((src.transactioncurrencies ?? []).filter((c) => baseCurrencyIds.has(c.transactioncurrencyid)));
  const defaultSchedules = (src.uomschedules ?? []).filter((s) => s.name === 'Default Unit');
  const scheduleIds = new Set(defaultSchedules.map((s) => s.uomscheduleid));
  records.uomschedules = structuredClone(defaultSchedules);
  records.uoms = structuredClone((src.uoms ?? []).filter((u) => scheduleIds.has(u._uomscheduleid_value)));
  return { bc, dataverse: { records } };
}

/** The empty seed, as fresh objects (same as `loadSeed("empty")`). */
export function emptySeed(): SeedData {
  return emptySeedFrom(demoSeed());
}
