import { and, odataGuid, odataLiteral, or } from '../clients/odata/index.js';
import type { FilterCondition } from './types.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function literal(value: string | number | boolean | null): string {
  if (typeof value === 'string' && GUID.test(value)) return odataGuid(value);
  // Date-time and date literals are bare in both dialects (docs/protocols.md §2.3).
  if (typeof value === 'string' && (ISO.test(value) || DATE.test(value))) return value;
  return odataLiteral(value);
}

/**
 * A declarative filter as an OData `$filter`. `in` becomes an `or` over one field, which both APIs accept
 * (BC refuses `or` across distinct fields and has no `in` in schema 2.0). A Dataverse `lookupTarget`
 * condition filters through the polymorphic lookup's per-target navigation property
 * (`parentcustomerid_account/accountid ne null`: the parent is an account).
 */
export function toODataFilter(conditions: readonly FilterCondition[]): string {
  return and(
    ...conditions.map((c) => {
      if (c.op === 'in') return or(...c.value.map((v) => `${c.field} eq ${literal(v)}`));
      if (c.op === 'lookupTarget') return `${c.field}_${c.value}/${c.value}id ne null`;
      return `${c.field} ${c.op} ${literal(c.value)}`;
    }),
  );
}
