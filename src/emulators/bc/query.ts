/**
 * Reading collections and entities the way BC's OData layer does (docs/protocols.md §2.2–§2.4, §7.2):
 * `$filter` (BC dialect: no OR across fields), `$select`, `$orderby`, `$top`, `$skip`, `$count`,
 * `$expand` with nested options, and server-driven paging (at most 20,000 per page, `Prefer:
 * odata.maxpagesize`, `@odata.nextLink` with an opaque `$skiptoken`).
 */
import { FilterSyntaxError, evaluateFilter, parseFilter, referencedProperties, type FilterNode } from '../core/odata-filter.js';
import {
  ODataQueryError,
  decodeBcSkipToken,
  encodeBcSkipToken,
  orderByComparator,
  parseBooleanOption,
  parseExpand,
  parseOrderBy,
  parseSelect,
  parseTop,
  type ExpandItem,
  type OrderByItem,
} from '../core/odata-query.js';
import { BcError, errors } from './errors.js';
import type { ResourceDef } from './schema.js';
import type { Rec } from './store.js';

/** BC online's page size ceiling (docs/protocols.md §2.4, §5.4). */
export const MAX_PAGE_SIZE = 20_000;

const KNOWN_OPTIONS = new Set(['$filter', '$select', '$orderby', '$top', '$skip', '$count', '$expand', '$skiptoken', '$schemaversion', '$format']);

/** What the reader needs from the company to follow navigation properties. */
export interface NavResolver {
  def(set: string): ResourceDef;
  /** Children of `parentId` in a lines set, presented. */
  lines(target: string, field: string, parentId: string): Rec[];
  /** One presented row by id, or undefined. */
  single(target: string, id: string): Rec | undefined;
}

function wrapQueryError(e: unknown): never {
  if (e instanceof BcError) throw e;
  if (e instanceof FilterSyntaxError) {
    // BC words the OR restriction as its own error; other syntax errors are query syntax errors.
    if (e.message.includes("'OR' operator")) throw new BcError(400, 'BadRequest', e.message);
    throw errors.querySyntax(e.message);
  }
  if (e instanceof ODataQueryError) throw errors.querySyntax(e.message);
  throw e;
}

export function checkKnownOptions(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (key.startsWith('$') && !KNOWN_OPTIONS.has(key.toLowerCase())) {
      throw new BcError(400, 'BadRequest', `The query parameter '${key}' is not supported.`);
    }
  }
}

function checkProperty(def: ResourceDef, name: string): void {
  if (!(name in def.fields)) throw errors.unknownProperty(name, def.entity);
}

export function compileFilter(def: ResourceDef, text: string | null | undefined): FilterNode | undefined {
  if (text === null || text === undefined || text.trim() === '') return undefined;
  try {
    const node = parseFilter(text, 'bc');
    for (const path of referencedProperties(node)) checkProperty(def, path);
    return node;
  } catch (e) {
    return wrapQueryError(e);
  }
}

export interface ReadOptions {
  filter?: FilterNode;
  select?: string[];
  orderby: OrderByItem[];
  top?: number;
  skip?: number;
  count: boolean;
  expand: ExpandItem[];
}

export function parseReadOptions(def: ResourceDef, query: URLSearchParams): ReadOptions {
  checkKnownOptions(query);
  try {
    const select = parseSelect(query.get('$select'));
    for (const s of select ?? []) checkProperty(def, s);
    const orderby = parseOrderBy(query.get('$orderby'));
    for (const o of orderby) checkProperty(def, o.property);
    const expand = parseExpand(query.get('$expand'));
    checkExpand(def, expand);
    return {
      filter: compileFilter(def, query.get('$filter')),
      select,
      orderby,
      top: parseTop(query.get('$top')),
      skip: parseTop(query.get('$skip'), '$skip'),
      count: parseBooleanOption(query.get('$count'), '$count') ?? false,
      expand,
    };
  } catch (e) {
    return wrapQueryError(e);
  }
}

/** Validates navigation names and nested options up front, so a bad $expand fails before any work. */
function checkExpand(def: ResourceDef, items: readonly ExpandItem[], resolveDef?: (set: string) => ResourceDef): void {
  for (const item of items) {
    const nav = def.navs?.find((n) => n.name === item.name);
    if (!nav) throw errors.unknownProperty(item.name, def.entity);
    for (const option of Object.keys(item.options)) {
      if (!['$select', '$filter', '$orderby', '$top', '$expand', '$skip'].includes(option)) {
        throw new BcError(400, 'BadRequest', `The option '${option}' is not supported inside $expand(${item.name}).`);
      }
    }
    if (resolveDef) {
      const target = resolveDef(nav.target);
      for (const s of item.select ?? []) checkProperty(target, s);
      for (const o of item.orderby ?? []) checkProperty(target, o.property);
      if (item.filter) compileFilter(target, item.filter);
      checkExpand(target, item.expand ?? [], resolveDef);
    }
  }
}

export function checkExpandDeep(def: ResourceDef, items: readonly ExpandItem[], resolveDef: (set: string) => ResourceDef): void {
  try {
    checkExpand(def, items, resolveDef);
  } catch (e) {
    wrapQueryError(e);
  }
}

/** `$select` then expansions, on one presented record. */
export function shape(def: ResourceDef, record: Rec, select: readonly string[] | undefined, expand: readonly ExpandItem[], nav: NavResolver): Rec {
  let out: Rec;
  if (select) {
    out = { '@odata.etag': record['@odata.etag'] };
    if (out['@odata.etag'] === undefined) delete out['@odata.etag'];
    for (const s of select) out[s] = record[s];
  } else {
    out = { ...record };
  }
  for (const item of expand) {
    const navDef = def.navs!.find((n) => n.name === item.name)!;
    const target = nav.def(navDef.target);
    if (navDef.kind === 'lines') {
      let rows = nav.lines(navDef.target, navDef.field, record.id as string);
      if (item.filter) {
        const node = compileFilter(target, item.filter)!;
        rows = rows.filter((r) => evaluateFilter(node, r, 'bc'));
      }
      if (item.orderby && item.orderby.length > 0) rows = [...rows].sort(orderByComparator(item.orderby, { caseInsensitive: false, tieBreaker: 'id' }));
      const skip = item.options['$skip'] !== undefined ? parseTop(item.options['$skip'], '$skip') ?? 0 : 0;
      rows = rows.slice(skip, item.top !== undefined ? skip + item.top : undefined);
      out[item.name] = rows.map((r) => shape(target, r, item.select, item.expand ?? [], nav));
    } else {
      const id = record[navDef.field];
      const found = typeof id === 'string' ? nav.single(navDef.target, id) : undefined;
      out[item.name] = found ? shape(target, found, item.select, item.expand ?? [], nav) : null;
    }
  }
  return out;
}

export interface PageRequest {
  def: ResourceDef;
  /** Rows in the default order (BC's primary key order), as filters and $orderby see them. */
  rows: () => Rec[];
  /** `rows()` already holds only the rows `options.filter` keeps (the service's cache of a read's filtered rows). */
  filtered?: boolean;
  /** Turns a row of the page into its API shape (defaults to identity). */
  finish?: (r: Rec) => Rec;
  /** `shape(finish(r))` for a `$select` without `$expand`, made without the whole presented record in between. */
  finishSelected?: (r: Rec, select: readonly string[]) => Rec;
  options: ReadOptions;
  query: URLSearchParams;
  rawQuery: string;
  /** Requested page size from `Prefer: odata.maxpagesize`. */
  maxPageSize?: number;
  /** Absolute API root (`…/api/v2.0`) and the path under it, for `@odata.nextLink`. */
  apiRoot: string;
  path: string;
  nav: NavResolver;
}

export interface PageResult {
  value: Rec[];
  count?: number;
  nextLink?: string;
  /** Page size applied (for Preference-Applied). */
  pageSize: number;
}

function sortTuple(items: readonly OrderByItem[], record: Rec): unknown[] {
  return [...items.map((i) => record[i.property]), record.id];
}

/** Filters, orders and pages a collection; the next page resumes after the last key served (keyset paging). */
export function readPage(req: PageRequest): PageResult {
  const { options } = req;
  let pageSize = MAX_PAGE_SIZE;
  if (req.maxPageSize !== undefined) {
    if (req.maxPageSize > MAX_PAGE_SIZE) {
      throw new BcError(
        413,
        'Unknown',
        `The requested page size ${req.maxPageSize} exceeds the maximum of ${MAX_PAGE_SIZE} entities per page. Send Prefer: odata.maxpagesize=${MAX_PAGE_SIZE} or less.`,
      );
    }
    pageSize = req.maxPageSize;
  }
  let rows = req.rows();
  if (options.filter && !req.filtered) {
    const node = options.filter;
    rows = rows.filter((r) => evaluateFilter(node, r, 'bc'));
  }
  const order: OrderByItem[] = options.orderby.length > 0 ? options.orderby : req.def.defaultOrder.map((p) => ({ property: p, direction: 'asc' as const }));
  const comparator = orderByComparator(order, { caseInsensitive: false, tieBreaker: 'id' });
  if (options.orderby.length > 0) rows = [...rows].sort(comparator);
  const count = options.count ? rows.length : undefined;

  let start = 0;
  const token = req.query.get('$skiptoken');
  if (token !== null) {
    let lastKey: unknown[];
    try {
      const pos = decodeBcSkipToken(token);
      lastKey = JSON.parse(pos.lastKey ?? 'null') as unknown[];
      if (!Array.isArray(lastKey) || lastKey.length !== order.length + 1) throw new Error('shape');
    } catch {
      throw errors.querySyntax('The $skiptoken is not valid; follow @odata.nextLink verbatim.');
    }
    const probe: Rec = { id: lastKey[order.length] };
    order.forEach((o, i) => (probe[o.property] = lastKey[i]));
    // First row strictly after the last one served.
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparator(rows[mid]!, probe) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  } else if (options.skip) {
    start = options.skip;
  }
  const remainingTop = options.top;
  const take = remainingTop !== undefined ? Math.min(remainingTop, pageSize) : pageSize;
  const page = rows.slice(start, start + take);
  const finish = req.finish ?? ((r: Rec): Rec => r);
  const { select, expand } = options;
  const finishSelected = req.finishSelected;
  const value =
    select && expand.length === 0 && finishSelected
      ? page.map((r) => finishSelected(r, select))
      : page.map((r) => shape(req.def, finish(r), select, expand, req.nav));
  let nextLink: string | undefined;
  const moreRows = start + page.length < rows.length;
  const moreWanted = remainingTop === undefined || remainingTop > page.length;
  if (moreRows && moreWanted && page.length > 0) {
    const params = new URLSearchParams(req.rawQuery);
    params.delete('$skip');
    if (remainingTop !== undefined) params.set('$top', String(remainingTop - page.length));
    const lastKey = JSON.stringify(sortTuple(order, page[page.length - 1]!));
    const tokenValue = encodeBcSkipToken({ offset: start + page.length, pageNumber: 2, lastKey });
    params.delete('$skiptoken');
    params.append('$skiptoken', tokenValue);
    nextLink = `${req.apiRoot}/${req.path}?${readableQuery(params)}`;
  }
  return { value, count, nextLink, pageSize };
}

/** A query string as OData services write links: `$`, `,`, `:` and `'` stay readable. */
function readableQuery(params: URLSearchParams): string {
  const enc = (v: string): string =>
    encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%2F/gi, '/');
  return [...params].map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}
