/**
 * The merge base of a coupling: per synchronized field, a short fingerprint of the value Business Central held
 * right after the last synchronization (docs/design.md "Never lose data to a rewrite"). With it the planner knows,
 * field by field, which side changed since then: a name edit in BC and a phone edit in Dataverse both arrive,
 * only a field edited on both sides is a conflict, and a rewrite (full sync) touches only fields whose source
 * really changed, so a lossy copy (a country cut to 10 characters, a credit limit BC never had) is never
 * written over the richer value on the other side.
 *
 * The fingerprint is a 36-bit non-cryptographic string hash (6 base64url characters): it only has to tell "same
 * value as last time" from "changed", nobody forges it, and a SHA-1 per field cost ~7% of a large full sync's CPU.
 * Bases written with the older SHA-1 fingerprints (their own signature) are still read, and replaced by the new
 * form the next time the coupling is written.
 */
import { createHash } from 'node:crypto';
import { selectFields, type FieldMapping, type IntegrationTableMapping } from '../mapping/index.js';
import type { Coupling } from '../state/index.js';

/** Key of the merge base in `Coupling.extra`. */
export const MERGE_BASE_KEY = 'base';

const HASH_LENGTH = 6;
const B64_CODES = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 'latin1');
/** Where a single value's fingerprint is written. */
const one = Buffer.alloc(HASH_LENGTH);

/** Fields the base covers, and the signatures naming them (computed once per mapping object). */
interface BaseShape {
  fields: FieldMapping[];
  ids: Set<string>;
  signature: string;
  /** The signature of bases written with SHA-1 fingerprints (read, never written). */
  sha1Signature: string;
  /** Where a base is written: the signature and ':' already in place, then six bytes per field. */
  scratch: Buffer;
  /** What the shape was computed from: a mapping whose field list or direction was replaced gets a new shape. */
  from: { fields: readonly FieldMapping[]; direction: IntegrationTableMapping['direction'] };
}

const shapes = new WeakMap<IntegrationTableMapping, BaseShape>();

function shapeOf(m: IntegrationTableMapping): BaseShape {
  let shape = shapes.get(m);
  if (!shape || shape.from.fields !== m.fields || shape.from.direction !== m.direction) {
    const seen = new Set<string>();
    const fields: FieldMapping[] = [];
    for (const f of [...selectFields(m, 'to-dataverse'), ...selectFields(m, 'from-dataverse')]) {
      if (f.bc === undefined || seen.has(f.id)) continue;
      seen.add(f.id);
      fields.push(f);
    }
    const ids = fields.map((f) => f.id).join(',');
    // The prefix keeps the new signature from ever equalling an old one for the same fields.
    const signature = fingerprint(`fp1|${ids}`);
    const scratch = Buffer.alloc(signature.length + 1 + fields.length * HASH_LENGTH);
    scratch.write(`${signature}:`, 0, 'latin1');
    shape = { fields, ids: seen, signature, sha1Signature: sha1Fingerprint(ids), scratch, from: { fields: m.fields, direction: m.direction } };
    shapes.set(m, shape);
  }
  return shape;
}

/** Fields the base covers: every enabled field with a BC property that is synchronized in either direction. */
export function baseFields(m: IntegrationTableMapping): FieldMapping[] {
  return shapeOf(m).fields;
}

/** Whether a field mapping id is covered by the merge base. */
export function coveredByBase(m: IntegrationTableMapping, fieldId: string): boolean {
  return shapeOf(m).ids.has(fieldId);
}

/** The comparable text of a BC value: blank GUIDs and dates are empty, codes compare upper-case. */
export function normalizeBcValue(value: unknown, code: boolean): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value.trim() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (code) text = text.toUpperCase();
  if (text === '00000000-0000-0000-0000-000000000000' || text === '0001-01-01') return '';
  return text;
}

/** 36 bits of a 53-bit multiplicative string hash (two 32-bit lanes mixed at the end), as 6 base64url characters. */
function fingerprint(text: string): string {
  fingerprintInto(text, one, 0);
  return one.toString('latin1', 0, HASH_LENGTH);
}

/** `fingerprint(text)` as six ASCII bytes at `at` of `out`. */
function fingerprintInto(text: string, out: Buffer, at: number): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // 32 bits of h1 and 4 of h2: six characters of six bits.
  const a = h1 >>> 0;
  out[at] = B64_CODES[a & 63]!;
  out[at + 1] = B64_CODES[(a >>> 6) & 63]!;
  out[at + 2] = B64_CODES[(a >>> 12) & 63]!;
  out[at + 3] = B64_CODES[(a >>> 18) & 63]!;
  out[at + 4] = B64_CODES[(a >>> 24) & 63]!;
  out[at + 5] = B64_CODES[((a >>> 30) | ((h2 & 15) << 2)) & 63]!;
}

function sha1Fingerprint(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, HASH_LENGTH);
}

/** The fingerprint of one BC value in the current form. */
export function valueHash(value: unknown, code: boolean): string {
  return fingerprint(normalizeBcValue(value, code));
}

/** The base to store after a sync that left Business Central holding `bcValues`. */
export function mergeBase(m: IntegrationTableMapping, bcValues: Record<string, unknown>): string {
  const { scratch, fields } = shapeOf(m);
  let at = scratch.length - fields.length * HASH_LENGTH;
  for (const f of fields) {
    fingerprintInto(normalizeBcValue(bcValues[f.bc!], f.bcType === 'code'), scratch, at);
    at += HASH_LENGTH;
  }
  // One flat string made once from the bytes: no small string per field (six characters joined one by one were
  // ~2 KB of garbage per record), and every coupling holds its base for the rest of the run.
  return scratch.toString('latin1');
}

/** A stored base: the fingerprint per field id, and the fingerprint function it was written with. */
export interface StoredBase {
  get(fieldId: string): string | undefined;
  hash(value: unknown, code: boolean): string;
}

/** The stored base; undefined when there is none or the mapping's fields changed since. */
export function storedBase(m: IntegrationTableMapping, coupling: Coupling | undefined): StoredBase | undefined {
  const stored = coupling?.extra?.[MERGE_BASE_KEY];
  if (typeof stored !== 'string') return undefined;
  const shape = shapeOf(m);
  const colon = stored.indexOf(':');
  if (colon < 0) return undefined;
  const sig = stored.slice(0, colon);
  const hashes = stored.slice(colon + 1);
  if (hashes.length !== shape.fields.length * HASH_LENGTH) return undefined;
  let hash: StoredBase['hash'];
  if (sig === shape.signature) hash = valueHash;
  else if (sig === shape.sha1Signature) hash = (value, code) => sha1Fingerprint(normalizeBcValue(value, code));
  else return undefined;
  const index = new Map<string, number>();
  shape.fields.forEach((f, i) => index.set(f.id, i));
  return {
    get: (fieldId) => {
      const i = index.get(fieldId);
      return i === undefined ? undefined : hashes.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH);
    },
    hash,
  };
}
