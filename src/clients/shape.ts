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

/**
 * `validateRecord` for many rows of one query: what every row must have is worked out once, not per row (a page
 * holds up to 20,000 of them).
 */
export function recordValidator<T>(schema: z.ZodType<T>, context: ShapeContext): (row: unknown) => T {
  const mustHave = (
    context.select && context.select.length > 0 ? [...(context.key ? [context.key] : []), ...context.select] : (context.alwaysPresent ?? [])
  ).filter((property) => !property.includes('/')); // navigation paths in $select (a/b) are not top-level properties
  return (row) => {
    const recordId = recordIdOf(row, context.key);
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      throw new ResponseShapeError(context.resource, recordId, '(record)', `is ${describeValue(row)}, not an object`);
    }
    const record = row as Record<string, unknown>;
    for (const property of mustHave) {
      if (!(property in record)) throw new ResponseShapeError(context.resource, recordId, property, 'is missing');
    }
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
