import { randomUUID } from 'node:crypto';

/** Blank GUID: BC's "none" for every *Id link (docs/protocols.md §6.2). */
export const BLANK_GUID = '00000000-0000-0000-0000-000000000000';
/** BC's empty date and date-time (docs/protocols.md §7.2). */
export const EMPTY_DATE = '0001-01-01';
export const EMPTY_DATETIME = '0001-01-01T00:00:00Z';

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Accepts `{…}`-wrapped GUIDs as AL's Evaluate does; returns the lower-case form or undefined. */
export function normalizeGuid(value: string): string | undefined {
  const bare = value.startsWith('{') && value.endsWith('}') ? value.slice(1, -1) : value;
  return GUID_RE.test(bare) ? bare.toLowerCase() : undefined;
}

export function newGuid(): string {
  return randomUUID();
}

/** UTC with milliseconds, as BC writes SystemModifiedAt (`2020-08-21T07:38:44.293Z`). */
export function isoDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function round2(value: number): number {
  return Math.round((value + Math.sign(value) * Number.EPSILON) * 100) / 100;
}

/**
 * `@odata.etag` as BC writes it: `W/"<base64 of '<len>;<rowversion>;00;'>"` (docs/protocols.md §2.5).
 * The row version is a server-wide counter, so every write yields a new tag.
 */
export function formatEtag(rowVersion: number): string {
  const digits = String(rowVersion);
  return `W/"${base64Latin1(`'${digits.length};${digits};00;'`)}"`;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Base64 of a short text's latin1 bytes, as `Buffer.from(text, 'latin1').toString('base64')` gives it, without two
 * native calls and a buffer per tag (a 20,000-customer page makes 20,000 tags).
 */
function base64Latin1(text: string): string {
  let out = '';
  let i = 0;
  for (; i + 2 < text.length; i += 3) {
    const n = ((text.charCodeAt(i) & 255) << 16) | ((text.charCodeAt(i + 1) & 255) << 8) | (text.charCodeAt(i + 2) & 255);
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + BASE64[n & 63]!;
  }
  if (text.length - i === 1) {
    const n = (text.charCodeAt(i) & 255) << 16;
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + '==';
  } else if (text.length - i === 2) {
    const n = ((text.charCodeAt(i) & 255) << 16) | ((text.charCodeAt(i + 1) & 255) << 8);
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** The quoted part of an ETag, so `W/"x"` and `"x"` compare equal. */
export function etagOpaque(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') ? t.slice(2) : t;
}

/**
 * AL's IncStr with an increment: raises the last run of digits by `by`, keeping its width
 * (`CT000009` -> `CT000010`, `10000` + 10000 -> `20000`). Undefined when there is no digit.
 */
export function incrementNumber(value: string, by: number): string | undefined {
  const m = /(\d+)(\D*)$/.exec(value);
  if (!m) return undefined;
  const digits = m[1]!;
  const next = String(BigInt(digits) + BigInt(by)).padStart(digits.length, '0');
  return value.slice(0, m.index) + next + m[2]!;
}

/**
 * Applies a BC date formula (`30D`, `1M`, `2W`, `CM`, `1M+CM`, `-1D`) to a date. Only the
 * forms payment terms use are supported; anything else leaves the date unchanged.
 */
export function applyDateFormula(date: string, formula: string): string {
  const text = formula.replace(/\s+/g, '').toUpperCase();
  if (text === '') return date;
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  const terms = text.match(/[+-]?[^+-]+/g) ?? [];
  for (const term of terms) {
    const m = /^([+-]?)(\d*)(C?)([DWMQY])$/.exec(term);
    if (!m) return date;
    const sign = m[1] === '-' ? -1 : 1;
    const n = m[2] === '' ? (m[3] === 'C' ? 0 : 1) : Number(m[2]);
    const unit = m[4]!;
    if (m[3] === 'C') {
      // "Current" period: move to its end (BC also supports start with -C, not needed here).
      if (unit === 'D') continue;
      if (unit === 'W') d.setUTCDate(d.getUTCDate() + 7 - (((d.getUTCDay() + 6) % 7) + 1)); // weeks end on Sunday
      else if (unit === 'M') d.setUTCMonth(d.getUTCMonth() + 1, 0);
      else if (unit === 'Q') d.setUTCMonth(Math.floor(d.getUTCMonth() / 3) * 3 + 3, 0);
      else if (unit === 'Y') d.setUTCMonth(12, 0);
      continue;
    }
    const amount = sign * n;
    if (unit === 'D') d.setUTCDate(d.getUTCDate() + amount);
    else if (unit === 'W') d.setUTCDate(d.getUTCDate() + 7 * amount);
    else if (unit === 'M') d.setUTCMonth(d.getUTCMonth() + amount);
    else if (unit === 'Q') d.setUTCMonth(d.getUTCMonth() + 3 * amount);
    else d.setUTCFullYear(d.getUTCFullYear() + amount);
  }
  return d.toISOString().slice(0, 10);
}
