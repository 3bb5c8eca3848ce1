import { z } from 'zod';
import { ResponseShapeError } from '../errors.js';

/**
 * Response validation at the boundary (zod), shared by both API clients.
 *
 * Which properties must be present depends on the query, as on the wire: with `$select` both APIs return
 * exactly the selected properties (and the key), so every selected property must be there (null allowed);
 * without `$select` they return the whole record, so the resource's always-present properties must be there.
 * Types are then checked by the resource's schema, which is loose: properties it does not know pass through.
 */
export interface ShapeContext {
  /** Entity set / resource name for the error message. */
  resource: string;
  /** Key property (`accountid`, `id`) used to name the record in errors. */
  key?: string;
  /** The `$select` list of the request, if any. */
  select?: readonly string[];
  /** Properties every full record has (used when there is no `$select`). */
  alwaysPresent?: readonly string[];
}

function recordIdOf(row: unknown, key: string | undefined): string | undefined {
  if (!key || !row || typeof row !== 'object') return undefined;
  const value = (row as Record<string, unknown>)[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Validates one record; throws ResponseShapeError naming resource, record id and the first bad property. */
export function validateRecord<T>(schema: z.ZodType<T>, row: unknown, context: ShapeContext): T {
  return recordValidator(schema, context)(row);
}

/** Whether one value passes a column's schema; works only for schemas that check and never change a value. */
type ValueCheck = (value: unknown) => boolean;

/** Zod's internals, read to tell a plain column schema (a type, nullable or optional) from one that transforms. */
interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  options?: readonly z.ZodType[];
  checks?: ReadonlyArray<{ _zod: { def: { check?: string; format?: string } } }>;
  coerce?: boolean;
  format?: string;
  pattern?: RegExp;
  entries?: Record<string, unknown>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/**
 * The check a column schema makes, as a plain function, when it is one zod would pass the value through unchanged
 * (text, numbers, booleans, GUID-formatted text, enums, unions of those, nullable or optional); undefined for
 * anything else (transforms, defaults, coercion, length checks, nested objects), which zod checks itself.
 */
function plainCheck(schema: z.ZodType): ValueCheck | undefined {
  const def = defOf(schema);
  const onlyCheck = (format: string | undefined): boolean =>
    (def.checks ?? []).every((c) => c._zod.def.check === 'number_format' && c._zod.def.format === format);
  switch (def.type) {
    case 'optional':
    case 'nullable': {
      const inner = def.innerType && plainCheck(def.innerType);
      if (!inner) return undefined;
      return def.type === 'optional' ? (v) => v === undefined || inner(v) : (v) => v === null || inner(v);
    }
    case 'string': {
      if (def.coerce || (def.checks?.length ?? 0) > 0) return undefined;
      if (def.format === undefined) return (v) => typeof v === 'string';
      // A format (guid, uuid, email...) is a pattern zod tests the text against.
      const pattern = def.pattern;
      if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) return undefined;
      return (v) => typeof v === 'string' && pattern.test(v);
    }
    case 'number': {
      if (def.coerce) return undefined;
      if (!def.checks?.length) return (v) => typeof v === 'number' && Number.isFinite(v);
      // z.number().int(): a safe integer.
      if (onlyCheck('safeint')) return (v) => typeof v === 'number' && Number.isSafeInteger(v);
      return undefined;
    }
    case 'boolean':
      return def.coerce || def.checks?.length ? undefined : (v) => typeof v === 'boolean';
    case 'enum': {
      if (def.checks?.length || !def.entries) return undefined;
      const values = new Set(Object.values(def.entries));
      return (v) => (typeof v === 'string' || typeof v === 'number') && values.has(v);
    }
    case 'union': {
      if (def.checks?.length || !def.options) return undefined;
      const options = def.options.map(plainCheck);
      if (options.some((o) => o === undefined)) return undefined;
      const checks = options as ValueCheck[];
      return (v) => checks.some((check) => check(v));
    }
    default:
      return undefined;
  }
}

/** A column of the common kinds, checked inline: text, a number, a boolean, each maybe nullable or optional. */
interface SimpleColumn {
  name: string;
  type: 'string' | 'number' | 'boolean';
  nullable: boolean;
  optional: boolean;
}

/** The column as a `SimpleColumn` when it is one (no format, no checks, no coercion), else undefined. */
function simpleColumn(name: string, schema: z.ZodType): SimpleColumn | undefined {
  let def = defOf(schema);
  let optional = false;
  let nullable = false;
  for (;;) {
    if (def.type === 'optional' && def.innerType) optional = true;
    else if (def.type === 'nullable' && def.innerType) nullable = true;
    else break;
    def = defOf(def.innerType);
  }
  if (def.coerce || def.checks?.length || def.format !== undefined) return undefined;
  if (def.type !== 'string' && def.type !== 'number' && def.type !== 'boolean') return undefined;
  return { name, type: def.type, nullable, optional };
}

/**
 * For a loose object schema of plain columns: whether a row passes, checked without zod building a copy of it
 * (zod's loose object parse returns a new object with every property; for a page of 20,000 rows that copy was a
 * large share of a sync's garbage). Undefined when the schema is anything else.
 */
function plainRowCheck(schema: z.ZodType): ((row: Record<string, unknown>) => boolean) | undefined {
  const def = defOf(schema);
  // Loose: unknown properties pass through (a strict or stripping object changes or refuses the row).
  if (def.type !== 'object' || !def.shape || !def.catchall || defOf(def.catchall).type !== 'unknown' || def.checks?.length) return undefined;
  const simple: SimpleColumn[] = [];
  const other: Array<[string, ValueCheck]> = [];
  for (const [name, column] of Object.entries(def.shape)) {
    const plain = simpleColumn(name, column);
    if (plain) {
      simple.push(plain);
      continue;
    }
    const check = plainCheck(column);
    if (!check) return undefined;
    other.push([name, check]);
  }
  return (row) => {
    for (let i = 0; i < simple.length; i++) {
      const column = simple[i]!;
      const value = row[column.name];
      if (value === undefined) {
        if (column.optional) continue;
        return false;
      }
      if (value === null) {
        if (column.nullable) continue;
        return false;
      }
      if (column.type === 'number' ? typeof value !== 'number' || !Number.isFinite(value) : typeof value !== column.type) return false;
    }
    for (let i = 0; i < other.length; i++) {
      const [name, check] = other[i]!;
      if (!check(row[name])) return false;
    }
    return true;
  };
}

/**
 * `validateRecord` for many rows of one query: what every row must have is worked out once, not per row (a page
 * holds up to 20,000 of them). A row that passes a plain schema's checks is returned as it is (the same values
 * zod would give, in the order the service sent them); any other row, and any other schema, goes through zod,
 * which names what is wrong.
 */
export function recordValidator<T>(schema: z.ZodType<T>, context: ShapeContext): (row: unknown) => T {
  const mustHave = (
    context.select && context.select.length > 0 ? [...(context.key ? [context.key] : []), ...context.select] : (context.alwaysPresent ?? [])
  ).filter((property) => !property.includes('/')); // navigation paths in $select (a/b) are not top-level properties
  const plain = plainRowCheck(schema);
  return (row) => {
    const recordId = recordIdOf(row, context.key);
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      throw new ResponseShapeError(context.resource, recordId, '(record)', `is ${describeValue(row)}, not an object`);
    }
    const record = row as Record<string, unknown>;
    for (const property of mustHave) {
      if (!(property in record)) throw new ResponseShapeError(context.resource, recordId, property, 'is missing');
    }
    if (plain !== undefined && plain(record)) return record as T;
    const parsed = schema.safeParse(row);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.map(String).join('.') : '(record)';
    const top = issue?.path[0];
    const value = typeof top === 'string' ? record[top] : undefined;
    if (issue && issue.path.length === 1 && value === undefined) {
      throw new ResponseShapeError(context.resource, recordId, path, 'is missing');
    }
    const detail = issue ? issue.message.replace(/^Invalid input: /, '') : 'does not match the schema';
    throw new ResponseShapeError(context.resource, recordId, path || '(record)', `is invalid (${detail}; got ${describeValue(value)})`);
  };
}

export function validateRecords<T>(schema: z.ZodType<T>, rows: readonly unknown[], context: ShapeContext): T[] {
  return rows.map(recordValidator(schema, context));
}

/** Column helpers for the loose resource schemas. */
export const col = {
  text: () => z.string().nullable().optional(),
  number: () => z.number().nullable().optional(),
  int: () => z.number().int().nullable().optional(),
  bool: () => z.boolean().nullable().optional(),
  /** GUID-valued column or lookup (`_x_value`); not format-checked, so odd but harmless ids do not break reads. */
  ref: () => z.string().nullable().optional(),
  /** Dataverse BigInt columns (versionnumber) arrive as numbers, some serializers send strings. */
  bigint: () => z.union([z.number(), z.string()]).nullable().optional(),
};
