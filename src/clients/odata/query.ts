/**
 * Query option building (docs/protocols.md §2.2): `$select`, `$filter`, `$orderby`, `$top`, `$expand`, `$count`.
 * Returns the query string without the leading `?`; values are percent-encoded.
 */
import { ResponseShapeError } from '../../errors.js';

export interface ExpandOption {
  /** Navigation property, e.g. `salesOrderLines` or `order_details`. */
  property: string;
  select?: readonly string[];
  filter?: string;
  orderby?: string | readonly string[];
  top?: number;
  expand?: readonly Expand[];
}

export type Expand = string | ExpandOption;

export interface QueryOptions {
  select?: readonly string[];
  filter?: string;
  orderby?: string | readonly string[];
  top?: number;
  expand?: readonly Expand[];
  count?: boolean;
}

function list(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? [value] : [...value];
  const joined = items.map((s) => s.trim()).filter(Boolean).join(',');
  return joined === '' ? undefined : joined;
}

function checkTop(top: number | undefined): void {
  if (top !== undefined && (!Number.isInteger(top) || top < 0)) throw new RangeError(`$top must be a non-negative integer, got ${top}`);
}

/** `$expand` value: nested options inside parentheses, separated by `;`. */
export function expandValue(expand: readonly Expand[]): string {
  return expand
    .map((e) => {
      if (typeof e === 'string') return e;
      checkTop(e.top);
      const inner: string[] = [];
      const select = list(e.select);
      if (select) inner.push(`$select=${select}`);
      if (e.filter) inner.push(`$filter=${e.filter}`);
      const orderby = list(e.orderby);
      if (orderby) inner.push(`$orderby=${orderby}`);
      if (e.top !== undefined) inner.push(`$top=${e.top}`);
      if (e.expand && e.expand.length > 0) inner.push(`$expand=${expandValue(e.expand)}`);
      return inner.length > 0 ? `${e.property}(${inner.join(';')})` : e.property;
    })
    .join(',');
}

/** Percent-encodes a query option value; characters with no meaning in a query string stay readable. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/g, ',').replace(/%24/g, '$').replace(/%3A/g, ':');
}

/** Ordered [name, value] pairs, unencoded. */
export function queryPairs(options: QueryOptions): Array<[string, string]> {
  checkTop(options.top);
  const pairs: Array<[string, string]> = [];
  const select = list(options.select);
  if (select) pairs.push(['$select', select]);
  if (options.filter && options.filter.trim() !== '') pairs.push(['$filter', options.filter]);
  const orderby = list(options.orderby);
  if (orderby) pairs.push(['$orderby', orderby]);
  if (options.top !== undefined) pairs.push(['$top', String(options.top)]);
  if (options.expand && options.expand.length > 0) pairs.push(['$expand', expandValue(options.expand)]);
  if (options.count) pairs.push(['$count', 'true']);
  return pairs;
}

export function buildQuery(options: QueryOptions): string {
  return queryPairs(options)
    .map(([name, value]) => `${name}=${encodeQueryValue(value)}`)
    .join('&');
}

/** Appends a built query to a URL or path. */
export function withQuery(url: string, options: QueryOptions | undefined): string {
  const qs = options ? buildQuery(options) : '';
  if (qs === '') return url;
  return `${url}${url.includes('?') ? '&' : '?'}${qs}`;
}

/** The answer of a `/$count` request: a bare whole number (docs/protocols.md §2.2). */
export function parseCount(text: string, what: string): number {
  const trimmed = text.trim().replace(/^\uFEFF/, '');
  if (!/^\d+$/.test(trimmed)) throw new ResponseShapeError(what, undefined, '(body)', `is "${trimmed.slice(0, 40)}", not a number of records`);
  return Number(trimmed);
}
