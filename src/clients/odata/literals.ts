/**
 * OData $filter literals and combinators (docs/protocols.md §2.3). Pure string building: values are never
 * concatenated into a filter without passing through one of these.
 */

const GUID = /^[{(]?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})[)}]?$/;

/** A string literal: single-quoted, embedded quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A GUID literal: bare and lower-case (both APIs); braces or parentheses around it are removed. */
export function odataGuid(value: string): string {
  const match = GUID.exec(value.trim());
  if (!match?.[1]) throw new TypeError(`"${value}" is not a GUID`);
  return match[1].toLowerCase();
}

export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}

/**
 * A DateTimeOffset literal, bare ISO-8601 UTC. `precision: 'ms'` (Business Central's lastModifiedDateTime has
 * milliseconds) or `'s'` (Dataverse stores whole seconds).
 */
export function odataDateTime(value: Date | string | number, precision: 'ms' | 's' = 'ms'): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`"${String(value)}" is not a date-time`);
  const iso = date.toISOString();
  return precision === 's' ? `${iso.slice(0, 19)}Z` : iso;
}

/** A Date literal `YYYY-MM-DD` (UTC day of the given instant, or the string as given). */
export function odataDate(value: Date | string): string {
  if (typeof value === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new TypeError(`"${value}" is not a date (YYYY-MM-DD)`);
    return value;
  }
  return value.toISOString().slice(0, 10);
}

export type LiteralValue = string | number | boolean | null | Date;

/** Any primitive as an OData literal; strings are quoted (use odataGuid for GUIDs). */
export function odataLiteral(value: LiteralValue): string {
  if (value === null) return 'null';
  if (value instanceof Date) return odataDateTime(value);
  if (typeof value === 'string') return odataString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} cannot be an OData literal`);
    return String(value);
  }
  return value ? 'true' : 'false';
}

type Clause = string | undefined | null | false;

function combine(operator: 'and' | 'or', clauses: Clause[]): string {
  const present = clauses.filter((c): c is string => typeof c === 'string' && c.trim() !== '');
  if (present.length === 0) return '';
  if (present.length === 1) return present[0] as string;
  return present.map((c) => `(${c})`).join(` ${operator} `);
}

/** Joins clauses with `and`, each parenthesised; empty/undefined clauses are skipped. */
export function and(...clauses: Clause[]): string {
  return combine('and', clauses);
}

/** Joins clauses with `or`, each parenthesised; empty/undefined clauses are skipped. */
export function or(...clauses: Clause[]): string {
  return combine('or', clauses);
}

export function not(clause: string): string {
  return `not (${clause})`;
}

export type IdFilterStyle = 'or' | 'in';

/**
 * Splits an id list into filters of at most `maxPerChunk` ids each (URLs have a length limit; BC's
 * integration uses 400).
 * - `or`: `id eq a or id eq b ...` (works on both APIs; Business Central accepts `or` on one field).
 * - `in`: Dataverse's `Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=["a","b"])`.
 * Ids are GUID literals when they look like GUIDs, string literals otherwise.
 */
export function idFilterChunks(
  property: string,
  ids: readonly string[],
  options: { maxPerChunk?: number; style?: IdFilterStyle } = {},
): string[] {
  const max = options.maxPerChunk ?? 400;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxPerChunk must be a positive integer, got ${max}`);
  const style = options.style ?? 'or';
  const unique = [...new Set(ids)];
  const chunks: string[] = [];
  for (let i = 0; i < unique.length; i += max) {
    const slice = unique.slice(i, i + max);
    if (style === 'in') {
      chunks.push(inFilter(property, slice));
    } else {
      chunks.push(slice.map((id) => `${property} eq ${isGuid(id) ? odataGuid(id) : odataString(id)}`).join(' or '));
    }
  }
  return chunks;
}

/** One id as a `PropertyValues` entry of Dataverse's `In`: a quoted GUID (bare, lower-case) or a quoted string. */
export function inFilterValue(id: string): string {
  return JSON.stringify(isGuid(id) ? odataGuid(id) : id);
}

/** Dataverse's `Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=["a","b"])` (docs/protocols.md §2.3). */
export function inFilter(property: string, ids: readonly string[]): string {
  return `Microsoft.Dynamics.CRM.In(PropertyName=${odataString(property)},PropertyValues=[${ids.map(inFilterValue).join(',')}])`;
}
