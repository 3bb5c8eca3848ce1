/**
 * zod schemas of the seed files, derived from the emulators' own catalogs (bc/resources.ts for Business Central,
 * dataverse/schema.ts for Dataverse), so a column exists in one place only. Records are in each API's read shape
 * (docs/custom-api.md). Objects are strict so that a misspelt property in a fixture is an error instead of a
 * column the emulator silently serves; every property may be omitted (the emulator fills its empty value), the
 * primary key may not.
 */
import { z } from 'zod';
import { COMPUTED_PER_CUSTOMER, RESOURCES } from '../bc/resources.js';
import type { FieldDef } from '../bc/schema.js';
import { buildSchema, readName, type ColumnDef, type TableDef } from '../dataverse/schema.js';

export const BLANK_GUID = '00000000-0000-0000-0000-000000000000';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lowercase GUID');
/** A GUID that is never the blank GUID (primary keys). */
const key = guid.refine((g) => g !== BLANK_GUID, 'must not be the blank GUID');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD (0001-01-01 for none)');
const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/, 'must be a UTC date-time ending in Z');
const nonEmpty = (max: number) => z.string().min(1).max(max);
const option = (values: readonly number[]) =>
  z
    .number()
    .int()
    .refine((v) => values.includes(v), `must be one of the option values ${values.join(', ')}`);

// ---------------------------------------------------------------------------------------------
// Business Central (API v2.0 and the bcsync/integration/v1.0 custom API)

/** The seed's view of one BC property: its type, length and enum captions, as the API page declares them. */
function bcProperty(f: FieldDef): z.ZodType {
  switch (f.type) {
    case 'guid':
      return guid;
    case 'text':
      return f.maxLength === undefined ? z.string() : z.string().max(f.maxLength);
    case 'code': {
      const text = f.maxLength === undefined ? z.string() : z.string().max(f.maxLength);
      return text.refine((s) => s === s.toUpperCase() && s === s.trim(), 'BC codes are upper case without surrounding spaces');
    }
    case 'decimal':
      return z.number().finite();
    case 'integer':
      return z.number().int();
    case 'boolean':
      return z.boolean();
    case 'date':
      return date;
    case 'datetime':
      return dateTime;
    case 'enum':
      return z.enum((f.options ?? []) as [string, ...string[]]);
  }
}

export const bcCompanySchema = z.strictObject({
  id: key,
  name: nonEmpty(30),
  displayName: nonEmpty(250),
  records: z.record(z.string(), z.array(z.unknown())),
});

/** Entity sets a company stores (companies and the computed customerFinancialDetails are not seeded). */
export const bcEntitySchemas: Readonly<Record<string, z.ZodType>> = Object.fromEntries(
  RESOURCES.filter((def) => def.set !== 'companies' && !COMPUTED_PER_CUSTOMER.has(def.set)).map((def) => {
    const shape: Record<string, z.ZodType> = {};
    for (const [name, f] of Object.entries(def.fields)) shape[name] = bcProperty(f).optional();
    shape.id = key;
    return [def.set, z.strictObject(shape)];
  }),
);

export type BcEntitySet = string;

// ---------------------------------------------------------------------------------------------
// Dataverse

/** The seed's view of one Dataverse column in the read shape: lookups as `_x_value` GUIDs, options by value. */
function dataverseColumn(c: ColumnDef): z.ZodType {
  switch (c.type) {
    case 'key':
    case 'uniqueidentifier':
    case 'lookup':
      return guid.nullable();
    case 'string':
    case 'memo':
    case 'entityname':
      return (c.maxLength === undefined ? z.string() : z.string().max(c.maxLength)).nullable();
    case 'integer':
    case 'bigint':
      return bounded(z.number().int(), c).nullable();
    case 'decimal':
    case 'double':
    case 'money':
      return bounded(z.number().finite(), c).nullable();
    case 'boolean':
      return z.boolean();
    case 'datetime':
      // Date-only columns of the DateTime type (a price list's begin and end dates) are seeded as dates.
      return z.union([dateTime, date]).nullable();
    case 'dateonly':
      return date.nullable();
    case 'picklist':
      return option((c.options ?? []).map((o) => o.value)).nullable();
    case 'state':
    case 'status':
      return option((c.options ?? []).map((o) => o.value));
  }
}

function bounded(n: z.ZodNumber, c: ColumnDef): z.ZodNumber {
  let out = n;
  if (c.min !== undefined) out = out.min(c.min);
  if (c.max !== undefined) out = out.max(c.max);
  return out;
}

interface DvTable {
  /** Primary key column. */
  key: string;
  schema: z.ZodType;
  /** Lookup columns (`_x_value`) -> entity sets they may point to. */
  lookups: Record<string, readonly string[]>;
}

function dvTable(table: TableDef): DvTable {
  const shape: Record<string, z.ZodType> = {};
  const lookups: Record<string, readonly string[]> = {};
  for (const c of table.columns.values()) {
    const property = readName(c);
    shape[property] = dataverseColumn(c).optional();
    if (c.type === 'lookup') lookups[property] = [...new Set((c.targets ?? []).map((t) => t.entitySet))];
  }
  shape[table.key] = key;
  return { key: table.key, schema: z.strictObject(shape), lookups };
}

const catalog = buildSchema();

export const dataverseTables: Readonly<Record<string, DvTable>> = {
  ...Object.fromEntries([...catalog.bySet.values()].map((t) => [t.entitySet, dvTable(t)])),
  /** Intersect rows of the systemuserroles_association N:N relationship (user -> security role). */
  systemuserroles: {
    key: 'systemuserroleid',
    schema: z.strictObject({ systemuserroleid: key, systemuserid: key, roleid: key }),
    lookups: {},
  },
};

export type DataverseEntitySet = string;

/** Primary key column per Dataverse entity set. */
export const dataverseKeys: Readonly<Record<DataverseEntitySet, string>> = Object.fromEntries(
  Object.entries(dataverseTables).map(([set, t]) => [set, t.key]),
);

/** Lookup columns per Dataverse entity set, with the sets each may point to (for reference checks). */
export const dataverseLookups: Readonly<Record<DataverseEntitySet, Readonly<Record<string, readonly string[]>>>> = Object.fromEntries(
  Object.entries(dataverseTables).map(([set, t]) => [set, t.lookups]),
);
