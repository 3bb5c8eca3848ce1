/**
 * The merge base of a coupling: per synchronized field, a short hash of the value Business Central held right
 * after the last synchronization (docs/design.md "Never lose data to a rewrite"). With it the planner knows,
 * field by field, which side changed since then: a name edit in BC and a phone edit in Dataverse both arrive,
 * only a field edited on both sides is a conflict, and a rewrite (full sync) touches only fields whose source
 * really changed, so a lossy copy (a country cut to 10 characters, a credit limit BC never had) is never
 * written over the richer value on the other side.
 */
import { createHash } from 'node:crypto';
import { selectFields, type FieldMapping, type IntegrationTableMapping } from '../mapping/index.js';
import type { Coupling } from '../state/index.js';

/** Key of the merge base in `Coupling.extra`. */
export const MERGE_BASE_KEY = 'base';

const HASH_LENGTH = 6;

/** Fields the base covers: every enabled field with a BC property that is synchronized in either direction. */
export function baseFields(m: IntegrationTableMapping): FieldMapping[] {
  const seen = new Set<string>();
  const fields: FieldMapping[] = [];
  for (const f of [...selectFields(m, 'to-dataverse'), ...selectFields(m, 'from-dataverse')]) {
    if (f.bc === undefined || seen.has(f.id)) continue;
    seen.add(f.id);
    fields.push(f);
  }
  return fields;
}

/** The comparable text of a BC value: blank GUIDs and dates are empty, codes compare upper-case. */
export function normalizeBcValue(value: unknown, code: boolean): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value.trim() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (code) text = text.toUpperCase();
  if (text === '00000000-0000-0000-0000-000000000000' || text === '0001-01-01') return '';
  return text;
}

export function valueHash(value: unknown, code: boolean): string {
  return createHash('sha1').update(normalizeBcValue(value, code)).digest('base64url').slice(0, HASH_LENGTH);
}

function signature(fields: readonly FieldMapping[]): string {
  return createHash('sha1').update(fields.map((f) => f.id).join(',')).digest('base64url').slice(0, HASH_LENGTH);
}

/** The base to store after a sync that left Business Central holding `bcValues`. */
export function mergeBase(m: IntegrationTableMapping, bcValues: Record<string, unknown>): string {
  const fields = baseFields(m);
  return signature(fields) + ':' + fields.map((f) => valueHash(bcValues[f.bc!], f.bcType === 'code')).join('');
}

/** The stored base per field id; undefined when there is none or the mapping's fields changed since. */
export function storedBase(m: IntegrationTableMapping, coupling: Coupling | undefined): Map<string, string> | undefined {
  const stored = coupling?.extra?.[MERGE_BASE_KEY];
  if (typeof stored !== 'string') return undefined;
  const fields = baseFields(m);
  const [sig, hashes] = stored.split(':');
  if (sig !== signature(fields) || hashes === undefined || hashes.length !== fields.length * HASH_LENGTH) return undefined;
  const result = new Map<string, string>();
  fields.forEach((f, i) => result.set(f.id, hashes.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH)));
  return result;
}
