/**
 * Byte codecs of the compact coupling table (coupling-table.ts): a GUID as four 32-bit words and a UTC time
 * as milliseconds plus a format code that gives back the exact string it was read from. Both read bytes
 * (a mapping file's buffer) or a string, so loading a million couplings makes no string per value.
 * Anything these do not cover exactly (other ids, offsets, more than 3 fraction digits, a 31st of February)
 * is kept as the original string by the caller.
 */

/** Value of an ASCII hex digit (either case), or -1. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}

const DASH = 0x2d;
/** Scratch for a time given as a string: its characters copied as bytes (times of interest are at most 24 characters). */
const scratch = new Uint8Array(40);

/** Four hex digits at `at` as a 16-bit value, or a negative number when one is not a hex digit. */
function hex4(src: Uint8Array, at: number): number {
  const a = HEX_VALUE[src[at]!]!;
  const b = HEX_VALUE[src[at + 1]!]!;
  const c = HEX_VALUE[src[at + 2]!]!;
  const d = HEX_VALUE[src[at + 3]!]!;
  return (a | b | c | d) < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/**
 * Reads the 36 bytes at `at` as a GUID (8-4-4-4-12 hex digits, either case) into `words[to..to+3]`.
 * Returns false (words untouched) when they are not one.
 */
export function guidFromBytes(src: Uint8Array, at: number, words: Uint32Array, to: number): boolean {
  if (src[at + 8] !== DASH || src[at + 13] !== DASH || src[at + 18] !== DASH || src[at + 23] !== DASH) return false;
  const a = hex4(src, at);
  const b = hex4(src, at + 4);
  const c = hex4(src, at + 9);
  const d = hex4(src, at + 14);
  const e = hex4(src, at + 19);
  const f = hex4(src, at + 24);
  const g = hex4(src, at + 28);
  const h = hex4(src, at + 32);
  if ((a | b | c | d | e | f | g | h) < 0) return false;
  words[to] = a * 0x10000 + b;
  words[to + 1] = c * 0x10000 + d;
  words[to + 2] = e * 0x10000 + f;
  words[to + 3] = g * 0x10000 + h;
  return true;
}

/** Value of a hex digit character code, or -1. */
function hexOf(c: number): number {
  return c < 128 ? HEX_VALUE[c]! : -1;
}

function hex4Of(id: string, at: number): number {
  const a = hexOf(id.charCodeAt(at));
  const b = hexOf(id.charCodeAt(at + 1));
  const c = hexOf(id.charCodeAt(at + 2));
  const d = hexOf(id.charCodeAt(at + 3));
  return (a | b | c | d) < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/** The last two ids parsed by guidFromString and their words: a BC id and a Dataverse id are looked up in turns. */
const recentIds = ['', ''];
const recentOk = [false, false];
const recentWords = new Uint32Array(8);
let nextRecent = 0;
/** Where parseGuid writes. */
const parsed = new Uint32Array(4);

/**
 * Reads a GUID in any spelling normalizeId accepts (either case, optionally in braces) into `words[to..]`.
 * False for any other id.
 */
export function guidFromString(id: string, words: Uint32Array, to: number): boolean {
  let k = id === recentIds[0] ? 0 : id === recentIds[1] ? 1 : -1;
  if (k < 0) {
    k = nextRecent;
    nextRecent ^= 1;
    recentIds[k] = id;
    recentOk[k] = parseGuid(id);
    if (recentOk[k]) recentWords.set(parsed, k * 4);
  }
  if (!recentOk[k]) return false;
  words[to] = recentWords[k * 4]!;
  words[to + 1] = recentWords[k * 4 + 1]!;
  words[to + 2] = recentWords[k * 4 + 2]!;
  words[to + 3] = recentWords[k * 4 + 3]!;
  return true;
}

/** guidFromBytes for a string: written out twice on purpose, as both run per row and a shared accessor per digit costs. */
function parseGuid(id: string): boolean {
  const n = id.length;
  if (n < 36 || n > 38) return false;
  const at = id.charCodeAt(0) === 0x7b ? 1 : 0; // {
  const end = id.charCodeAt(n - 1) === 0x7d ? n - 1 : n; // }
  if (end - at !== 36) return false;
  if (id.charCodeAt(at + 8) !== DASH || id.charCodeAt(at + 13) !== DASH || id.charCodeAt(at + 18) !== DASH || id.charCodeAt(at + 23) !== DASH) {
    return false;
  }
  const a = hex4Of(id, at);
  const b = hex4Of(id, at + 4);
  const c = hex4Of(id, at + 9);
  const d = hex4Of(id, at + 14);
  const e = hex4Of(id, at + 19);
  const f = hex4Of(id, at + 24);
  const g = hex4Of(id, at + 28);
  const h = hex4Of(id, at + 32);
  if ((a | b | c | d | e | f | g | h) < 0) return false;
  parsed[0] = a * 0x10000 + b;
  parsed[1] = c * 0x10000 + d;
  parsed[2] = e * 0x10000 + f;
  parsed[3] = g * 0x10000 + h;
  return true;
}

const HEX_CHAR = Buffer.from('0123456789abcdef');
/** Where each of the 32 hex digits of a GUID goes in its text. */
const DIGIT_AT = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];
const guidChars = Buffer.from('00000000-0000-0000-0000-000000000000');

/** The canonical spelling (lower case, no braces) of the GUID in `words[at..at+3]`: one flat string. */
export function guidText(words: Uint32Array, at: number): string {
  let p = 0;
  for (let k = 0; k < 4; k++) {
    const w = words[at + k]!;
    for (let shift = 28; shift >= 0; shift -= 4) guidChars[DIGIT_AT[p++]!] = HEX_CHAR[(w >>> shift) & 15]!;
  }
  return guidChars.toString('latin1', 0, 36);
}

/** `guidText` written into `out` at `at` (ASCII); returns the end. */
export function writeGuid(words: Uint32Array, at: number, out: Uint8Array, to: number): number {
  out[to + 8] = out[to + 13] = out[to + 18] = out[to + 23] = 0x2d;
  let p = 0;
  for (let k = 0; k < 4; k++) {
    const w = words[at + k]!;
    for (let shift = 28; shift >= 0; shift -= 4) out[to + DIGIT_AT[p++]!] = HEX_CHAR[(w >>> shift) & 15]!;
  }
  return to + 36;
}

/** Hash of a GUID's words for an open-addressing table (its high bits choose the slot: `slotOf` in coupling-table.ts). */
export function guidHash(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w3 ^ Math.imul(w2, 0x85ebca77) ^ Math.imul(w1, 0xc2b2ae3d) ^ Math.imul(w0, 0x27d4eb2f), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Hash of any other id (FNV-1a over its characters, then mixed). */
export function textHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

// ------------------------------------------------------------------------------------------------
// Times

/** No value. */
export const TIME_NONE = 0;
/** `YYYY-MM-DDTHH:MM:SSZ` (Dataverse), then 1, 2, 3 fraction digits (`.123Z`: BC, toISOString): codes 1-4. */
export const TIME_SECONDS = 1;
/** Not one of the forms above: the caller keeps the original string. */
export const TIME_TEXT = 255;

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Two decimal digits at `at`, or a negative number. */
function d2(src: Uint8Array, at: number): number {
  const a = src[at]! - 0x30;
  const b = src[at + 1]! - 0x30;
  return a >>> 0 > 9 || b >>> 0 > 9 ? -1 : a * 10 + b;
}

/** The last date decoded and its day number: times read together mostly share their date. */
let lastDate = -1;
let lastDays = 0;

/** Result of the last timeFromBytes/timeFromString: milliseconds since 1970 (UTC). */
export let decodedMs = 0;

/**
 * The format code of the `length` bytes at `at` (TIME_SECONDS..4), with the time in `decodedMs`; or
 * TIME_TEXT when they are not exactly one of those forms with valid ranges (the caller keeps the text).
 */
export function timeFromBytes(src: Uint8Array, at: number, length: number): number {
  if (length !== 20 && (length < 22 || length > 24)) return TIME_TEXT;
  if (src[at + 4] !== DASH || src[at + 7] !== DASH || src[at + 10] !== 0x54 || src[at + 13] !== 0x3a || src[at + 16] !== 0x3a) return TIME_TEXT;
  if (src[at + length - 1] !== 0x5a) return TIME_TEXT; // Z
  const y100 = d2(src, at);
  const y1 = d2(src, at + 2);
  const mo = d2(src, at + 5);
  const d = d2(src, at + 8);
  const h = d2(src, at + 11);
  const mi = d2(src, at + 14);
  const s = d2(src, at + 17);
  if (y100 < 0 || y1 < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return TIME_TEXT;
  const y = y100 * 100 + y1;
  const date = y * 10000 + mo * 100 + d;
  if (date !== lastDate) {
    if (d > daysInMonth(y, mo)) return TIME_TEXT;
    lastDate = date;
    lastDays = daysFromCivil(y, mo, d);
  }
  let ms = 0;
  let code = TIME_SECONDS;
  if (length > 20) {
    if (src[at + 19] !== 0x2e) return TIME_TEXT; // .
    const n = length - 21;
    let f = 0;
    for (let i = 0; i < n; i++) {
      const digit = src[at + 20 + i]! - 0x30;
      if (digit >>> 0 > 9) return TIME_TEXT;
      f = f * 10 + digit;
    }
    ms = n === 1 ? f * 100 : n === 2 ? f * 10 : f;
    code = TIME_SECONDS + n;
  }
  decodedMs = lastDays * DAY_MS + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
  return code;
}

export function timeFromString(text: string): number {
  const n = text.length;
  if (n !== 20 && (n < 22 || n > 24)) return TIME_TEXT;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch > 0x7f) return TIME_TEXT;
    scratch[i] = ch;
  }
  return timeFromBytes(scratch, 0, n);
}

/** The last day written: times written together mostly share their date. */
let lastTextDay = Number.NaN;
/** Where a time's text is put together (`YYYY-MM-DDTHH:MM:SS.fffZ`), then read as one flat string. */
const timeChars = Buffer.from('0000-00-00T00:00:00.000Z');

function writeDigits(value: number, at: number, n: number): void {
  for (let i = n - 1; i >= 0; i--) {
    timeChars[at + i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
}

/** `YYYY-MM-DD` of a day number into timeChars (H. Hinnant's civil_from_days; years 0000-9999 only ever reach here). */
function writeDate(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  writeDigits(yoe + era * 400 + (m <= 2 ? 1 : 0), 0, 4);
  writeDigits(m, 5, 2);
  writeDigits(d, 8, 2);
}

/** The string a time was read from, given its milliseconds and format code (1-4). */
export function timeText(ms: number, code: number): string {
  return timeChars.toString('latin1', 0, fillTime(ms, code));
}

/** `timeText` written into `out` at `at` (ASCII); returns the end. */
export function writeTime(ms: number, code: number, out: Uint8Array, at: number): number {
  const length = fillTime(ms, code);
  for (let i = 0; i < length; i++) out[at + i] = timeChars[i]!;
  return at + length;
}

/** The time's text into timeChars; returns its length. */
function fillTime(ms: number, code: number): number {
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastTextDay) {
    lastTextDay = day;
    writeDate(day);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  writeDigits(h, 11, 2);
  writeDigits(mi, 14, 2);
  writeDigits(s, 17, 2);
  if (code === TIME_SECONDS) {
    timeChars[19] = 0x5a; // Z
    return 20;
  }
  const digits = code - TIME_SECONDS;
  timeChars[19] = 0x2e; // .
  writeDigits(Math.floor((rest - s * 1000) / (digits === 1 ? 100 : digits === 2 ? 10 : 1)), 20, digits);
  timeChars[20 + digits] = 0x5a;
  return 21 + digits;
}

// ------------------------------------------------------------------------------------------------
// JSON

const enum Ch {
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

function skipSpace(src: Uint8Array, at: number, end: number): number {
  while (at < end && (src[at] === Ch.Space || src[at] === Ch.Tab || src[at] === Ch.Cr || src[at] === Ch.Lf)) at++;
  return at;
}

function literal(src: Uint8Array, at: number, end: number, word: string): number {
  if (at + word.length > end) return -1;
  for (let i = 0; i < word.length; i++) if (src[at + i] !== word.charCodeAt(i)) return -1;
  return at + word.length;
}

function stringEnd(src: Uint8Array, at: number, end: number): number {
  for (let i = at + 1; i < end; i++) {
    const c = src[i]!;
    if (c === Ch.Quote) return i + 1;
    if (c < 0x20) return -1;
    if (c === Ch.Backslash) {
      const e = src[++i];
      if (e === 0x75) {
        // \uXXXX
        for (let k = 1; k <= 4; k++) if (i + k >= end || HEX_VALUE[src[i + k]!]! < 0) return -1;
        i += 4;
      } else if (e !== Ch.Quote && e !== Ch.Backslash && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
        return -1;
      }
    }
  }
  return -1;
}

function digitsEnd(src: Uint8Array, at: number, end: number): number {
  const start = at;
  while (at < end && src[at]! >= Ch.Zero && src[at]! <= Ch.Nine) at++;
  return at > start ? at : -1;
}

function numberEnd(src: Uint8Array, at: number, end: number): number {
  if (src[at] === Ch.Minus) at++;
  if (src[at] === Ch.Zero) at++;
  else if ((at = digitsEnd(src, at, end)) < 0) return -1;
  if (src[at] === Ch.Dot && (at = digitsEnd(src, at + 1, end)) < 0) return -1;
  if (src[at] === 0x65 || src[at] === 0x45) {
    at++;
    if (src[at] === Ch.Plus || src[at] === Ch.Minus) at++;
    if ((at = digitsEnd(src, at, end)) < 0) return -1;
  }
  return at;
}

/**
 * Where the JSON value starting at `at` (after any whitespace) ends, or -1 when it is not valid JSON: the
 * check JSON.parse would make, on bytes, without building anything (a mapping file's `extra` objects).
 */
export function jsonValueEnd(src: Uint8Array, at: number, end: number, depth = 0): number {
  at = skipSpace(src, at, end);
  if (at >= end || depth > 64) return -1;
  const c = src[at]!;
  if (c === Ch.Quote) return stringEnd(src, at, end);
  if (c === Ch.OpenBrace || c === Ch.OpenBracket) {
    const object = c === Ch.OpenBrace;
    const close = object ? Ch.CloseBrace : Ch.CloseBracket;
    at = skipSpace(src, at + 1, end);
    if (src[at] === close) return at + 1;
    for (;;) {
      if (object) {
        if (src[at] !== Ch.Quote || (at = stringEnd(src, at, end)) < 0) return -1;
        at = skipSpace(src, at, end);
        if (src[at] !== Ch.Colon) return -1;
        at += 1;
      }
      if ((at = jsonValueEnd(src, at, end, depth + 1)) < 0) return -1;
      at = skipSpace(src, at, end);
      if (src[at] === close) return at + 1;
      if (src[at] !== Ch.Comma) return -1;
      at = skipSpace(src, at + 1, end);
    }
  }
  if (c === 0x74) return literal(src, at, end, 'true');
  if (c === 0x66) return literal(src, at, end, 'false');
  if (c === 0x6e) return literal(src, at, end, 'null');
  return numberEnd(src, at, end);
}
