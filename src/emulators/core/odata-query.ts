/**
 * OData system query options and `Prefer` for the emulators (docs/protocols.md §2.1, §2.2, §2.4):
 * `$select`, `$orderby`, `$expand` (with nested options), `$top`, `Prefer`, and server-driven paging tokens.
 * Pure functions; the API modules decide what is allowed and which error to answer with.
 */

/** A query option could not be read. `option` names it (`$select`, `$expand`, `$skiptoken`, ...). */
export class ODataQueryError extends Error {
  readonly option: string;
  constructor(option: string, message: string) {
    super(message);
    this.name = 'ODataQueryError';
    this.option = option;
  }
}

// ---------------------------------------------------------------------------------------------
// Splitting helpers that respect quotes and parentheses

/** Splits on `separator` where not inside '…' strings or (…)/[…] groups. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) {
        if (text[i + 1] === quote) i++;
        else quote = undefined;
      }
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new ODataQueryError('query', `Unbalanced parentheses in '${text}'.`);
  }
  if (depth !== 0) throw new ODataQueryError('query', `Unbalanced parentheses in '${text}'.`);
  if (quote) throw new ODataQueryError('query', `Unterminated string literal in '${text}'.`);
  parts.push(text.slice(start));
  return parts;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---------------------------------------------------------------------------------------------
// $select

/** Property names from `$select`; undefined when the option is absent (= all columns). */
export function parseSelect(text: string | null | undefined): string[] | undefined {
  if (text === null || text === undefined) return undefined;
  const names = text.split(',').map((s) => s.trim());
  for (const n of names) {
    if (n === '*') continue;
    if (!NAME_RE.test(n)) throw new ODataQueryError('$select', `'${n}' in $select is not a property name.`);
  }
  return names.includes('*') ? undefined : [...new Set(names)];
}

/**
 * The record reduced to `select` plus the key(s), `@odata.*` annotations and the annotations of
 * selected properties (`_x_value@OData.Community.Display.V1.FormattedValue`). `select` undefined = all.
 */
export function applySelect(
  record: Record<string, unknown>,
  select: readonly string[] | undefined,
  keyName?: string | readonly string[],
): Record<string, unknown> {
  if (!select) return { ...record };
  const keep = new Set<string>(select);
  if (typeof keyName === 'string') keep.add(keyName);
  else if (keyName) for (const k of keyName) keep.add(k);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const at = k.indexOf('@');
    if (at === 0 || keep.has(k) || (at > 0 && keep.has(k.slice(0, at)))) out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// $orderby

export interface OrderByItem {
  property: string;
  direction: 'asc' | 'desc';
}

export function parseOrderBy(text: string | null | undefined): OrderByItem[] {
  if (text === null || text === undefined || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const words = part.trim().split(/\s+/);
    const property = words[0] ?? '';
    const dir = (words[1] ?? 'asc').toLowerCase();
    if (!/^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*$/.test(property) || words.length > 2 || (dir !== 'asc' && dir !== 'desc')) {
      throw new ODataQueryError('$orderby', `'${part.trim()}' in $orderby is not '<property> [asc|desc]'.`);
    }
    return { property, direction: dir };
  });
}

function readPath(record: Record<string, unknown>, path: string): unknown {
  // One segment (a sort's usual key, read twice per comparison): no split.
  if (path.indexOf('/') < 0) return record !== null && typeof record === 'object' ? record[path] : undefined;
  let current: unknown = record;
  for (const segment of path.split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** Orders two values the way the services sort: nulls first, numbers numerically, dates as instants. */
export function compareValuesForSort(a: unknown, b: unknown, caseInsensitive: boolean): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull && bNull ? 0 : aNull ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') {
    if (ISO_DATE_RE.test(a) && ISO_DATE_RE.test(b)) {
      const ta = Date.parse(a.length === 10 ? `${a}T00:00:00Z` : a);
      const tb = Date.parse(b.length === 10 ? `${b}T00:00:00Z` : b);
      if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
    }
    const x = caseInsensitive ? a.toLowerCase() : a;
    const y = caseInsensitive ? b.toLowerCase() : b;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A comparator for `Array.prototype.sort`. `tieBreaker` (usually the key) makes the order total,
 * so server-driven paging never repeats or skips a row.
 */
export function orderByComparator(
  items: readonly OrderByItem[],
  options: { caseInsensitive: boolean; tieBreaker?: string },
): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  return (a, b) => {
    for (const item of items) {
      const c = compareValuesForSort(readPath(a, item.property), readPath(b, item.property), options.caseInsensitive);
      if (c !== 0) return item.direction === 'asc' ? c : -c;
    }
    if (options.tieBreaker) {
      return compareValuesForSort(a[options.tieBreaker], b[options.tieBreaker], true);
    }
    return 0;
  };
}

// ---------------------------------------------------------------------------------------------
// $expand

export interface ExpandItem {
  /** Navigation property name. */
  name: string;
  select?: string[];
  filter?: string;
  orderby?: OrderByItem[];
  top?: number;
  expand?: ExpandItem[];
  /** Every nested option as written (lower-cased option names, e.g. `$select`), for modules that refuse some. */
  options: Record<string, string>;
}

export function parseExpand(text: string | null | undefined): ExpandItem[] {
  if (text === null || text === undefined || text.trim() === '') return [];
  return splitTopLevel(text, ',').map((raw) => parseExpandItem(raw.trim()));
}

function parseExpandItem(raw: string): ExpandItem {
  const open = raw.indexOf('(');
  const name = (open < 0 ? raw : raw.slice(0, open)).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ODataQueryError('$expand', `'${raw}' in $expand is not a navigation property name.`);
  }
  const item: ExpandItem = { name, options: {} };
  if (open < 0) return item;
  if (!raw.endsWith(')')) throw new ODataQueryError('$expand', `'${raw}' in $expand has text after its options.`);
  const inner = raw.slice(open + 1, -1);
  if (inner.trim() === '') return item;
  for (const part of splitTopLevel(inner, ';')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new ODataQueryError('$expand', `'${part}' in $expand(${name}) is not '<option>=<value>'.`);
    const option = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    item.options[option] = value;
    switch (option) {
      case '$select':
        item.select = parseSelect(value);
        break;
      case '$filter':
        item.filter = value;
        break;
      case '$orderby':
        item.orderby = parseOrderBy(value);
        break;
      case '$top':
        item.top = parseTop(value);
        break;
      case '$expand':
        item.expand = parseExpand(value);
        break;
      default:
        // Kept in `options`; the module decides whether the service accepts it.
        break;
    }
  }
  return item;
}

// ---------------------------------------------------------------------------------------------
// $top / $skip / booleans

/** A non-negative integer option; undefined when absent. */
export function parseTop(text: string | null | undefined, option = '$top'): number | undefined {
  if (text === null || text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new ODataQueryError(option, `${option} must be a non-negative integer, got '${text}'.`);
  return Number(text.trim());
}

export function parseBooleanOption(text: string | null | undefined, option: string): boolean | undefined {
  if (text === null || text === undefined) return undefined;
  const v = text.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ODataQueryError(option, `${option} must be true or false, got '${text}'.`);
}

// ---------------------------------------------------------------------------------------------
// Prefer

export interface PreferOptions {
  /** `odata.maxpagesize=N` (also the older `odata.maxpagesize` spelling variants); undefined when absent. */
  maxPageSize?: number;
  /** The raw maxpagesize value when it was not a positive integer (modules answer 400). */
  invalidMaxPageSize?: string;
  returnRepresentation: boolean;
  trackChanges: boolean;
  continueOnError: boolean;
  /** Value of `odata.include-annotations` without quotes (e.g. `*` or `A,B`); undefined when absent. */
  includeAnnotations?: string;
}

/** Parses one or more Prefer values (several headers arrive comma-joined). */
export function parsePrefer(headerValue: string | undefined): PreferOptions {
  const out: PreferOptions = { returnRepresentation: false, trackChanges: false, continueOnError: false };
  if (!headerValue) return out;
  for (const rawPart of splitTopLevel(headerValue, ',')) {
    const part = rawPart.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    switch (name) {
      case 'odata.maxpagesize':
      case 'maxpagesize':
        if (/^\d+$/.test(value) && Number(value) > 0) out.maxPageSize = Number(value);
        else out.invalidMaxPageSize = value;
        break;
      case 'return':
        if (value.toLowerCase() === 'representation') out.returnRepresentation = true;
        break;
      case 'odata.track-changes':
      case 'track-changes':
        out.trackChanges = true;
        break;
      case 'odata.continue-on-error':
      case 'continue-on-error':
        out.continueOnError = value === '' || value.toLowerCase() === 'true';
        break;
      case 'odata.include-annotations':
      case 'include-annotations':
        out.includeAnnotations = value;
        break;
      default:
        break; // Unknown preferences are ignored, as HTTP says.
    }
  }
  return out;
}

/** The `Preference-Applied` value for what a module honoured; undefined when nothing was. */
export function preferenceApplied(applied: {
  maxPageSize?: number;
  returnRepresentation?: boolean;
  trackChanges?: boolean;
  continueOnError?: boolean;
  includeAnnotations?: string;
}): string | undefined {
  const parts: string[] = [];
  if (applied.returnRepresentation) parts.push('return=representation');
  if (applied.maxPageSize !== undefined) parts.push(`odata.maxpagesize=${applied.maxPageSize}`);
  if (applied.includeAnnotations !== undefined) parts.push(`odata.include-annotations="${applied.includeAnnotations}"`);
  if (applied.trackChanges) parts.push('odata.track-changes');
  if (applied.continueOnError) parts.push('odata.continue-on-error');
  return parts.length > 0 ? parts.join(',') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Server-driven paging tokens ($skiptoken). Opaque to clients; they use @odata.nextLink verbatim.

/** Where the next page starts: rows already served, plus the last key served (for keyset-minded modules). */
export interface PagePosition {
  /** Rows of the ordered result already returned. */
  offset: number;
  /** 1-based number of the page the token leads to. */
  pageNumber: number;
  /** Key column name and the first/last key of the previous page (Dataverse cookies carry them). */
  keyName?: string;
  firstKey?: string;
  lastKey?: string;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlUnescape(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Dataverse's skiptoken is an XML paging cookie, `<cookie pagenumber="2" pagingcookie="…" istracking="False" />`,
 * whose pagingcookie attribute is itself a doubly URL-encoded `<cookie page="1">…</cookie>` naming the
 * previous page's first and last key. The emulator adds the row offset to the inner cookie.
 * The returned string is the raw token; URL-encode it once more when putting it into a link.
 */
export function encodeDataverseSkipToken(pos: PagePosition): string {
  const keyName = pos.keyName && /^[A-Za-z_][A-Za-z0-9_]*$/.test(pos.keyName) ? pos.keyName : 'key';
  const keyElement =
    pos.lastKey !== undefined
      ? `<${keyName} last="{${xmlEscape(pos.lastKey.toUpperCase())}}" first="{${xmlEscape((pos.firstKey ?? pos.lastKey).toUpperCase())}}" />`
      : '';
  const inner = `<cookie page="${pos.pageNumber - 1}" offset="${pos.offset}">${keyElement}</cookie>`;
  // The service writes lower-case percent escapes (`%253ccookie%2520page…`).
  const lowerEscapes = (t: string): string => t.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  const pagingCookie = lowerEscapes(encodeURIComponent(lowerEscapes(encodeURIComponent(inner))));
  return `<cookie pagenumber="${pos.pageNumber}" pagingcookie="${pagingCookie}" istracking="False" />`;
}

export function decodeDataverseSkipToken(token: string): PagePosition {
  const bad = (): ODataQueryError =>
    new ODataQueryError('$skiptoken', 'The $skiptoken is not a paging cookie this service issued; follow @odata.nextLink verbatim.');
  const outer = /^<cookie pagenumber="(\d+)" pagingcookie="([^"]*)" istracking="(?:True|False)" \/>$/.exec(token.trim());
  if (!outer) throw bad();
  let inner: string;
  try {
    inner = decodeURIComponent(decodeURIComponent(outer[2]!));
  } catch {
    throw bad();
  }
  const cookie = /^<cookie page="(\d+)" offset="(\d+)">(?:<([A-Za-z_][A-Za-z0-9_]*) last="\{([^}]*)\}" first="\{([^}]*)\}" \/>)?<\/cookie>$/.exec(
    inner,
  );
  if (!cookie) throw bad();
  const pos: PagePosition = { pageNumber: Number(outer[1]), offset: Number(cookie[2]) };
  if (cookie[3] !== undefined) {
    pos.keyName = cookie[3];
    pos.lastKey = xmlUnescape(cookie[4]!).toLowerCase();
    pos.firstKey = xmlUnescape(cookie[5]!).toLowerCase();
  }
  return pos;
}

/** Business Central's skiptoken: a plain opaque string (base64url of the position). */
export function encodeBcSkipToken(pos: PagePosition): string {
  const payload = JSON.stringify({ o: pos.offset, p: pos.pageNumber, k: pos.lastKey });
  return Buffer.from(payload, 'utf8').toString('base64url');
}

export function decodeBcSkipToken(token: string): PagePosition {
  const bad = (): ODataQueryError =>
    new ODataQueryError('$skiptoken', 'The $skiptoken is not valid; follow @odata.nextLink verbatim.');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (parsed === null || typeof parsed !== 'object') throw bad();
  const { o, p, k } = parsed as { o?: unknown; p?: unknown; k?: unknown };
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || typeof p !== 'number' || !Number.isInteger(p) || p < 1) throw bad();
  const pos: PagePosition = { offset: o, pageNumber: p };
  if (typeof k === 'string') pos.lastKey = k;
  return pos;
}

export function encodeSkipToken(api: 'bc' | 'dataverse', pos: PagePosition): string {
  return api === 'bc' ? encodeBcSkipToken(pos) : encodeDataverseSkipToken(pos);
}

export function decodeSkipToken(api: 'bc' | 'dataverse', token: string): PagePosition {
  return api === 'bc' ? decodeBcSkipToken(token) : decodeDataverseSkipToken(token);
}

/**
 * `base/path?query` with `name` set to `value` (replacing any previous value), other options kept in order.
 * Used for @odata.nextLink (`$skiptoken`) and @odata.deltaLink (`$deltatoken`).
 */
export function linkWithQueryParam(baseUrl: string, path: string, rawQuery: string, name: string, value: string): string {
  const params = new URLSearchParams(rawQuery);
  params.delete(name);
  params.append(name, value);
  // URLSearchParams writes spaces as '+', which OData servers decode fine; '%20' reads better in links.
  const query = params.toString().replace(/\+/g, '%20');
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return `${base}/${path.replace(/^\//, '')}?${query}`;
}
