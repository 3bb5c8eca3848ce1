/**
 * Reads: the read shape of a row, `$select`/`$filter`/`$orderby`/`$top`/`$count`/`$expand`,
 * server-driven paging with an XML paging cookie, and change tracking with delta links
 * (docs/protocols.md §2.2–§2.4, §2.8, §4.1, §7.1).
 */
import { evaluateFilter, FilterSyntaxError, parseFilter, referencedProperties } from '../core/odata-filter.js';
import type { FilterNode } from '../core/odata-filter.js';
import { isGuid } from './ids.js';
import {
  ODataQueryError,
  decodeDataverseSkipToken,
  encodeDataverseSkipToken,
  linkWithQueryParam,
  orderByComparator,
  parseExpand,
  parseOrderBy,
  parseSelect,
  parseTop,
} from '../core/odata-query.js';
import type { ExpandItem, OrderByItem, PagePosition } from '../core/odata-query.js';
import type { EmuRequest } from '../core/http-types.js';
import type { Organization } from './org.js';
import type { Row } from './store.js';
import { columnForProperty, readName } from './schema.js';
import type { ColumnDef, TableDef } from './schema.js';
import { DvError, badRequest, propertyNotFound } from './errors.js';
import { formatMoney } from './values.js';

export const MAX_PAGE_SIZE = 5000;
const MAX_COUNT = 5000;
const MAX_EXPANDS = 15;

/** Which instance annotations a caller asked for with `Prefer: odata.include-annotations`. */
export type AnnotationFilter = (annotation: string) => boolean;

export function annotationFilter(include: string | undefined): AnnotationFilter | undefined {
  if (include === undefined || include.trim() === '') return undefined;
  const patterns = include.split(',').map((p) => p.trim()).filter((p) => p !== '');
  return (annotation) =>
    patterns.some((p) => {
      if (p.startsWith('-')) return false;
      if (p === '*') return true;
      if (p.endsWith('.*')) return annotation.startsWith(p.slice(0, -1));
      return p === annotation;
    });
}

const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
const LOOKUP_LOGICAL = 'Microsoft.Dynamics.CRM.lookuplogicalname';
const ASSOCIATED_NAV = 'Microsoft.Dynamics.CRM.associatednavigationproperty';

export function etagOf(row: Row): string {
  return `W/"${row.version}"`;
}

/**
 * A row in the Web API's read shape: `@odata.etag`, every (or every selected) column, lookups as `_x_value`;
 * written after what `into` holds already (an entity's `@odata.context`), into it.
 */
export function formatRow(
  org: Organization,
  table: TableDef,
  row: Row,
  select: readonly string[] | undefined,
  annotate?: AnnotationFilter,
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  const out = into;
  out['@odata.etag'] = etagOf(row);
  const properties = select ?? [...table.columns.values()].map(readName);
  if (select && !select.includes(table.key)) out[table.key] = row.id;
  for (const property of properties) {
    const value = row.values[property] ?? null;
    if (annotate && value !== null) {
      const c = columnForProperty(table, property);
      if (c) addAnnotations(org, table, row, c, property, value, out, annotate);
    }
    out[property] = value;
  }
  return out;
}

function addAnnotations(
  org: Organization,
  table: TableDef,
  row: Row,
  c: ColumnDef,
  property: string,
  value: unknown,
  out: Record<string, unknown>,
  annotate: AnnotationFilter,
): void {
  let formatted: string | undefined;
  switch (c.type) {
    case 'lookup': {
      const logical = row.targets[c.name];
      const target = logical ? org.schema.byLogical.get(logical) : undefined;
      if (target) {
        const name = org.get(target.entitySet, value as string)?.values[target.primaryName];
        if (typeof name === 'string') formatted = name;
        if (annotate(ASSOCIATED_NAV)) {
          const nav = (c.targets ?? []).find((t) => t.entitySet === target.entitySet)?.nav;
          if (nav) out[`${property}@${ASSOCIATED_NAV}`] = nav;
        }
        if (annotate(LOOKUP_LOGICAL)) out[`${property}@${LOOKUP_LOGICAL}`] = logical;
      }
      break;
    }
    case 'picklist':
    case 'state':
    case 'status':
      formatted = org.options.label(table.logicalName, c.name, value as number);
      break;
    case 'boolean':
      formatted = value === true ? 'Yes' : 'No';
      break;
    case 'money': {
      const currencyId = row.values['_transactioncurrencyid_value'];
      const symbol = typeof currencyId === 'string' ? org.get('transactioncurrencies', currencyId)?.values['currencysymbol'] : undefined;
      formatted = formatMoney(value as number, typeof symbol === 'string' ? symbol : '');
      break;
    }
    case 'integer':
    case 'decimal':
    case 'double':
      formatted = (value as number).toLocaleString('en-US');
      break;
    case 'datetime': {
      const d = new Date(value as string);
      const h = d.getUTCHours();
      formatted = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${String(d.getUTCMinutes()).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
      break;
    }
    case 'dateonly': {
      const [y, m, d] = (value as string).split('-');
      formatted = `${Number(m)}/${Number(d)}/${y}`;
      break;
    }
    default:
      break;
  }
  if (formatted !== undefined && annotate(FORMATTED)) out[`${property}@${FORMATTED}`] = formatted;
}

// ---------------------------------------------------------------------------------------------
// Query options

export function queryError(err: unknown): never {
  if (err instanceof ODataQueryError || err instanceof FilterSyntaxError) throw badRequest(err.message);
  throw err;
}

export function validateSelect(table: TableDef, select: readonly string[] | undefined): void {
  for (const p of select ?? []) {
    if (p !== table.key && !columnForProperty(table, p)) throw propertyNotFound(table.logicalName, p);
  }
}

/** Filter and the navigation properties it reads through (which must be resolved into each record). */
export interface CompiledFilter {
  node: FilterNode;
  navs: string[];
  collections: string[];
}

export function compileFilter(org: Organization, table: TableDef, text: string): CompiledFilter {
  let node: FilterNode;
  try {
    node = parseFilter(text, 'dataverse');
  } catch (err) {
    queryError(err);
  }
  const navs = new Set<string>();
  const collections = new Set<string>();
  for (const path of referencedProperties(node)) {
    const [head, ...rest] = path.split('/');
    if (rest.length === 0) {
      if (head === table.key || columnForProperty(table, head!)) continue;
      if (table.collections.has(head!)) {
        collections.add(head!);
        continue;
      }
      throw propertyNotFound(table.logicalName, head!);
    }
    const nav = table.navs.get(head!);
    if (nav) {
      const target = org.table(nav.entitySet);
      if (rest.length !== 1 || (rest[0] !== target.key && !columnForProperty(target, rest[0]!))) {
        throw propertyNotFound(target.logicalName, rest.join('/'));
      }
      navs.add(head!);
      continue;
    }
    if (table.collections.has(head!)) {
      collections.add(head!);
      continue;
    }
    throw propertyNotFound(table.logicalName, head!);
  }
  return { node, navs: [...navs], collections: [...collections] };
}

function filterRecord(org: Organization, table: TableDef, row: Row, f: CompiledFilter): Record<string, unknown> {
  if (f.navs.length === 0 && f.collections.length === 0) return row.values as Record<string, unknown>;
  const record: Record<string, unknown> = { ...row.values };
  for (const navName of f.navs) {
    const nav = table.navs.get(navName)!;
    const id = row.values[`_${nav.column}_value`];
    const target = org.table(nav.entitySet);
    record[navName] = typeof id === 'string' && row.targets[nav.column] === target.logicalName ? (org.get(nav.entitySet, id)?.values ?? null) : null;
  }
  for (const name of f.collections) record[name] = childRows(org, table, row, name).map((r) => r.values);
  return record;
}

export function matches(org: Organization, table: TableDef, row: Row, f: CompiledFilter | undefined): boolean {
  return !f || evaluateFilter(f.node, filterRecord(org, table, row, f), 'dataverse');
}

export function validateOrderBy(table: TableDef, items: readonly OrderByItem[]): void {
  for (const item of items) {
    if (item.property !== table.key && !columnForProperty(table, item.property)) throw propertyNotFound(table.logicalName, item.property);
  }
}

export function validateExpand(org: Organization, table: TableDef, items: readonly ExpandItem[], depth = 0): void {
  if (items.length > MAX_EXPANDS) throw badRequest(`The query has ${items.length} $expand items; at most ${MAX_EXPANDS} are allowed.`);
  for (const item of items) {
    const nav = table.navs.get(item.name);
    const collection = table.collections.get(item.name);
    if (!nav && !collection) throw propertyNotFound(table.logicalName, item.name);
    for (const option of Object.keys(item.options)) {
      if (!['$select', '$filter', '$orderby', '$top', '$expand'].includes(option)) {
        throw badRequest(`The query option '${option}' is not allowed inside $expand; use $select, $filter, $orderby, $top or $expand.`);
      }
    }
    const target = org.table(nav ? nav.entitySet : collection!.entitySet);
    validateSelect(target, item.select);
    if (nav && (item.filter !== undefined || item.orderby !== undefined || item.top !== undefined)) {
      throw badRequest(`$filter, $orderby and $top cannot be applied to the single-valued navigation property '${item.name}'.`);
    }
    if (item.filter !== undefined) compileFilter(org, target, item.filter);
    if (item.orderby) validateOrderBy(target, item.orderby);
    if (item.expand) {
      if (collection && item.expand.length > 0 && (item.orderby || item.top !== undefined)) {
        throw badRequest(`$orderby and $top cannot be combined with a nested $expand inside the collection '${item.name}'.`);
      }
      validateExpand(org, target, item.expand, depth + 1);
    }
  }
}

function childRows(org: Organization, table: TableDef, row: Row, collectionName: string): Row[] {
  const collection = table.collections.get(collectionName)!;
  const property = `_${collection.via}_value`;
  const out: Row[] = [];
  if (org.store.isIndexed(collection.entitySet, property)) {
    for (const id of org.store.lookup(collection.entitySet, property, row.id)) out.push(org.get(collection.entitySet, id)!);
  } else {
    for (const r of org.store.rows(collection.entitySet)) if (r.values[property] === row.id) out.push(r);
  }
  return out.filter((r) => r.targets[collection.via] === table.logicalName);
}

/** Adds expanded navigation properties to a formatted row. */
export function expandInto(
  org: Organization,
  table: TableDef,
  row: Row,
  out: Record<string, unknown>,
  items: readonly ExpandItem[],
  annotate: AnnotationFilter | undefined,
): void {
  for (const item of items) {
    const nav = table.navs.get(item.name);
    if (nav) {
      const target = org.table(nav.entitySet);
      const id = row.values[`_${nav.column}_value`];
      // ownerid is one nav over systemusers and teams: follow the row's actual target.
      const logical = row.targets[nav.column];
      const actual = nav.column === 'ownerid' && logical ? org.schema.byLogical.get(logical)! : target;
      const related = typeof id === 'string' && logical === actual.logicalName ? org.get(actual.entitySet, id) : undefined;
      if (!related) {
        out[item.name] = null;
        continue;
      }
      const formatted = formatRow(org, actual, related, item.select, annotate);
      // A nav over several tables (ownerid: systemuser or team) says which one it returned.
      const navTargets = (table.columns.get(nav.column)!.targets ?? []).filter((t) => t.nav === item.name);
      if (navTargets.length > 1) formatted['@odata.type'] = `#Microsoft.Dynamics.CRM.${actual.logicalName}`;
      if (item.expand) expandInto(org, actual, related, formatted, item.expand, annotate);
      out[item.name] = formatted;
      continue;
    }
    const collection = table.collections.get(item.name)!;
    const target = org.table(collection.entitySet);
    let children = childRows(org, table, row, item.name);
    if (item.filter !== undefined) {
      const f = compileFilter(org, target, item.filter);
      children = children.filter((c) => matches(org, target, c, f));
    }
    const cmp = orderByComparator(item.orderby ?? [], { caseInsensitive: true, tieBreaker: target.key });
    children.sort((a, b) => cmp(a.values as Record<string, unknown>, b.values as Record<string, unknown>));
    if (item.top !== undefined) children = children.slice(0, item.top);
    out[item.name] = children.map((c) => {
      const formatted = formatRow(org, target, c, item.select, annotate);
      if (item.expand) expandInto(org, target, c, formatted, item.expand, annotate);
      return formatted;
    });
  }
}

/** `accounts(name,primarycontactid(fullname))` for @odata.context. */
export function contextSelection(select: readonly string[] | undefined, expand: readonly ExpandItem[]): string {
  const parts: string[] = [...(select ?? [])];
  for (const e of expand) parts.push(`${e.name}(${contextSelection(e.select, e.expand ?? [])})`);
  return parts.join(',');
}

export function contextUrl(baseUrl: string, set: string, select: readonly string[] | undefined, expand: readonly ExpandItem[], suffix = ''): string {
  const sel = contextSelection(select, expand);
  return `${baseUrl}/$metadata#${set}${sel ? `(${sel})` : ''}${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// Collections

const ALLOWED_OPTIONS = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$expand', '$skiptoken', '$deltatoken']);

export interface ParsedCollectionQuery {
  select?: string[];
  filter?: CompiledFilter;
  filterText?: string;
  orderby: OrderByItem[];
  orderbyText: string;
  top?: number;
  count: boolean;
  expand: ExpandItem[];
  skiptoken?: string;
  deltatoken?: string;
}

export function parseCollectionQuery(org: Organization, table: TableDef, query: URLSearchParams): ParsedCollectionQuery {
  for (const name of new Set(query.keys())) {
    if (name === '$skip') throw badRequest('The query parameter $skip is not supported. Page with Prefer: odata.maxpagesize and follow @odata.nextLink.');
    if (name.startsWith('$') && !ALLOWED_OPTIONS.has(name)) {
      throw badRequest(`The query option '${name}' is not supported by the emulated Dataverse Web API.`);
    }
    if (name === 'fetchXml' || name === 'savedQuery' || name === 'userQuery') {
      throw badRequest(`The '${name}' query parameter is not supported by the emulated Dataverse Web API; use OData query options.`);
    }
    if (query.getAll(name).length > 1) throw badRequest(`The query option '${name}' appears more than once.`);
  }
  try {
    const select = parseSelect(query.get('$select'));
    validateSelect(table, select);
    const filterText = query.get('$filter') ?? undefined;
    const filter = filterText !== undefined ? compileFilter(org, table, filterText) : undefined;
    const orderbyText = query.get('$orderby') ?? '';
    const orderby = parseOrderBy(orderbyText);
    validateOrderBy(table, orderby);
    const top = parseTop(query.get('$top'));
    const countText = query.get('$count');
    if (countText !== null && countText !== 'true' && countText !== 'false') throw badRequest(`$count must be true or false, got '${countText}'.`);
    const expand = parseExpand(query.get('$expand'));
    validateExpand(org, table, expand);
    const parsed: ParsedCollectionQuery = { orderby, orderbyText, count: countText === 'true', expand };
    if (select) parsed.select = select;
    if (filter) parsed.filter = filter;
    if (filterText !== undefined) parsed.filterText = filterText;
    if (top !== undefined) parsed.top = top;
    const skiptoken = query.get('$skiptoken');
    if (skiptoken !== null) parsed.skiptoken = skiptoken;
    const deltatoken = query.get('$deltatoken');
    if (deltatoken !== null) parsed.deltatoken = deltatoken;
    return parsed;
  } catch (err) {
    return queryError(err);
  }
}

/** Page size from `Prefer: odata.maxpagesize` (default and maximum 5,000). */
export function pageSizeFrom(prefer: { maxPageSize?: number; invalidMaxPageSize?: string }): number | undefined {
  if (prefer.invalidMaxPageSize !== undefined) {
    throw badRequest(`The odata.maxpagesize preference '${prefer.invalidMaxPageSize}' is not a positive integer.`);
  }
  if (prefer.maxPageSize !== undefined && prefer.maxPageSize > MAX_PAGE_SIZE) {
    throw badRequest(`The odata.maxpagesize preference ${prefer.maxPageSize} is larger than the maximum page size of ${MAX_PAGE_SIZE}; ask for ${MAX_PAGE_SIZE} or fewer rows per page.`);
  }
  return prefer.maxPageSize;
}

/** Sorted, filtered results are cached per query and data version, so paging 100,000 rows stays linear. */
class ResultCache {
  private readonly entries = new Map<string, { rows: Row[]; positions?: Map<string, number> }>();

  get(key: string, compute: () => Row[]): { rows: Row[]; positionOf(id: string): number | undefined } {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { rows: compute() };
      this.entries.set(key, entry);
      if (this.entries.size > 8) this.entries.delete(this.entries.keys().next().value!);
    }
    const e = entry;
    return {
      rows: e.rows,
      positionOf(id: string) {
        if (!e.positions) e.positions = new Map(e.rows.map((r, i) => [r.id, i]));
        return e.positions.get(id);
      },
    };
  }
}

const caches = new WeakMap<Organization, ResultCache>();
function cacheFor(org: Organization): ResultCache {
  let c = caches.get(org);
  if (!c) {
    c = new ResultCache();
    caches.set(org, c);
  }
  return c;
}

export interface CollectionSource {
  /** Path used for links (`accounts`, `salesorders(<id>)/order_details`). */
  path: string;
  /** Rows to query; undefined = the whole table. */
  rows?: Row[];
}

export interface CollectionResult {
  body: Record<string, unknown>;
  rows: number;
  applied: { maxPageSize?: number; trackChanges?: boolean };
}

/**
 * The only ids a filter can match when it is `key eq <id>` alternatives or `Microsoft.Dynamics.CRM.In` on the key
 * (how clients read rows by id), so such reads look the rows up instead of scanning the table: 100 ids against
 * 100,000 rows is otherwise 10 million comparisons. `exact`: the filter is nothing but those ids, so the rows
 * found are the answer; otherwise the full filter is still applied to them.
 */
function keyCandidates(node: FilterNode, key: string): { ids: string[]; exact: boolean } | undefined {
  if (node.type === 'or') {
    const left = keyCandidates(node.left, key);
    const right = left && keyCandidates(node.right, key);
    return left && right ? { ids: left.ids.concat(right.ids), exact: left.exact && right.exact } : undefined;
  }
  if (node.type === 'and') {
    const one = keyCandidates(node.left, key) ?? keyCandidates(node.right, key);
    return one && { ids: one.ids, exact: false };
  }
  if (node.type === 'compare' && node.op === 'eq' && node.left.type === 'property' && node.left.path === key) {
    const value = node.right.type === 'literal' ? node.right.value : undefined;
    return typeof value === 'string' ? { ids: [value.toLowerCase()], exact: isGuid(value) } : undefined;
  }
  if (node.type === 'crmFunction' && node.name === 'in' && node.property === key) {
    return { ids: node.values.map((v) => v.toLowerCase()), exact: node.values.every(isGuid) };
  }
  return undefined;
}

/** The rows a filter can match, and whether they all do (see keyCandidates). */
function scanRows(org: Organization, table: TableDef, filter: CompiledFilter | undefined): { rows: Row[]; matched: boolean } {
  const candidates = filter ? keyCandidates(filter.node, table.key) : undefined;
  if (!candidates) return { rows: [...org.store.rows(table.entitySet)], matched: !filter };
  const rows: Row[] = [];
  for (const id of new Set(candidates.ids)) {
    const row = org.store.get(table.entitySet, id);
    if (row) rows.push(row);
  }
  return { rows, matched: candidates.exact };
}

export function queryCollection(
  org: Organization,
  req: EmuRequest,
  table: TableDef,
  q: ParsedCollectionQuery,
  prefer: { maxPageSize?: number; trackChanges: boolean },
  annotate: AnnotationFilter | undefined,
  source: CollectionSource,
): CollectionResult {
  if (prefer.trackChanges || q.deltatoken !== undefined) return trackedQuery(org, req, table, q, prefer, annotate, source);
  const cacheKey = `${source.rows ? `${source.path}|` : ''}${table.entitySet}|${q.filterText ?? ''}|${q.orderbyText}|${org.store.currentVersion()}`;
  const compute = (): Row[] => {
    const scanned = source.rows ? { rows: source.rows, matched: false } : scanRows(org, table, q.filter);
    const filtered = q.filter && !scanned.matched ? scanned.rows.filter((r) => matches(org, table, r, q.filter)) : scanned.rows.slice();
    // Without $orderby rows come in key order (a plain string sort of lower-case GUIDs).
    if (q.orderby.length === 0) return filtered.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const cmp = orderByComparator(q.orderby, { caseInsensitive: true, tieBreaker: table.key });
    return filtered.sort((a, b) => cmp(a.values as Record<string, unknown>, b.values as Record<string, unknown>));
  };
  const result = source.rows ? (() => {
    const rows = compute();
    return { rows, positionOf: (id: string) => rows.findIndex((r) => r.id === id) };
  })() : cacheFor(org).get(cacheKey, compute);
  const limit = prefer.maxPageSize === undefined && q.top !== undefined ? Math.min(q.top, result.rows.length) : result.rows.length;
  const pageSize = prefer.maxPageSize ?? Math.min(q.top ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const start = startIndex(q.skiptoken, result.positionOf);
  const end = Math.min(start + pageSize, limit);
  const page = result.rows.slice(start, Math.max(start, end));
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req.baseUrl, table.entitySet, q.select, q.expand) };
  if (q.count) body['@odata.count'] = Math.min(limit, MAX_COUNT);
  body['value'] = page.map((r) => {
    const out = formatRow(org, table, r, q.select, annotate);
    if (q.expand.length > 0) expandInto(org, table, r, out, q.expand, annotate);
    return out;
  });
  if (end < limit && page.length > 0) {
    const pos: PagePosition = {
      offset: end,
      pageNumber: pageNumberOf(q.skiptoken) + 1,
      keyName: table.key,
      firstKey: page[0]!.id,
      lastKey: page[page.length - 1]!.id,
    };
    body['@odata.nextLink'] = linkWithQueryParam(req.baseUrl, source.path, req.rawQuery, '$skiptoken', encodeDataverseSkipToken(pos));
  }
  const applied: { maxPageSize?: number } = {};
  if (prefer.maxPageSize !== undefined) applied.maxPageSize = prefer.maxPageSize;
  return { body, rows: page.length, applied };
}

function pageNumberOf(skiptoken: string | undefined): number {
  if (skiptoken === undefined) return 1;
  try {
    return decodeDataverseSkipToken(skiptoken).pageNumber;
  } catch (err) {
    return queryError(err);
  }
}

/** Where the page starts: just after the last key served if it is still there, else at the offset. */
function startIndex(skiptoken: string | undefined, positionOf: (id: string) => number | undefined): number {
  if (skiptoken === undefined) return 0;
  let pos: PagePosition;
  try {
    pos = decodeDataverseSkipToken(skiptoken);
  } catch (err) {
    return queryError(err);
  }
  if (pos.lastKey !== undefined) {
    const i = positionOf(pos.lastKey);
    if (i !== undefined && i >= 0) return i + 1;
  }
  return pos.offset;
}

// ---------------------------------------------------------------------------------------------
// Change tracking

/** `<version>!<MM/dd/yyyy HH:mm:ss>` (docs/protocols.md §4.1). */
function deltaToken(version: number, ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${version}!${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function parseDeltaToken(token: string): { version: number; issuedMs: number } {
  const m = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token.trim());
  if (!m) throw badRequest(`The $deltatoken '${token}' is not a change tracking token this service issued; use @odata.deltaLink verbatim.`);
  const issuedMs = Date.UTC(Number(m[4]), Number(m[2]) - 1, Number(m[3]), Number(m[5]), Number(m[6]), Number(m[7]));
  return { version: Number(m[1]), issuedMs };
}

/** Paging cookie of a tracked query: also carries the version the delta link will start from. */
function encodeTrackingCookie(offset: number, pageNumber: number, startVersion: number, lastKey: string | undefined): string {
  const inner = `<cookie page="${pageNumber - 1}" offset="${offset}" version="${startVersion}"${lastKey ? ` last="${lastKey}"` : ''} />`;
  return `<cookie pagenumber="${pageNumber}" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="True" />`;
}

function decodeTrackingCookie(token: string): { offset: number; pageNumber: number; startVersion: number; lastKey?: string } {
  const bad = (): DvError => badRequest('The $skiptoken is not a paging cookie this service issued; follow @odata.nextLink verbatim.');
  const outer = /^<cookie pagenumber="(\d+)" pagingcookie="([^"]*)" istracking="True" \/>$/.exec(token.trim());
  if (!outer) throw bad();
  let inner: string;
  try {
    inner = decodeURIComponent(decodeURIComponent(outer[2]!));
  } catch {
    throw bad();
  }
  const m = /^<cookie page="\d+" offset="(\d+)" version="(\d+)"(?: last="([0-9a-f-]+)")? \/>$/.exec(inner);
  if (!m) throw bad();
  const out: { offset: number; pageNumber: number; startVersion: number; lastKey?: string } = {
    offset: Number(m[1]),
    pageNumber: Number(outer[1]),
    startVersion: Number(m[2]),
  };
  if (m[3]) out.lastKey = m[3];
  return out;
}

type DeltaEntry = { kind: 'row'; row: Row } | { kind: 'deleted'; id: string; version: number };

function trackedQuery(
  org: Organization,
  req: EmuRequest,
  table: TableDef,
  q: ParsedCollectionQuery,
  prefer: { maxPageSize?: number },
  annotate: AnnotationFilter | undefined,
  source: CollectionSource,
): CollectionResult {
  if (source.rows) throw badRequest('Change tracking is available on entity sets only, not on navigation properties.');
  for (const [option, given] of [
    ['$filter', q.filterText !== undefined],
    ['$orderby', q.orderby.length > 0],
    ['$expand', q.expand.length > 0],
    ['$top', q.top !== undefined],
  ] as const) {
    if (given) throw badRequest(`The "${option}" query parameter isn't supported when Change Tracking is enabled.`);
  }
  let sinceVersion = 0;
  if (q.deltatoken !== undefined) {
    const t = parseDeltaToken(q.deltatoken);
    const org1 = org.get('organizations', org.organizationId)?.values['expirechangetrackingindays'];
    const days = typeof org1 === 'number' ? org1 : 7;
    if (org.nowMsValue() - t.issuedMs > days * 86_400_000) {
      throw new DvError(400, '0x80044352', 'Version stamp associated with the client has expired. Please perform a full sync.');
    }
    sinceVersion = t.version;
  }
  const cookie = q.skiptoken !== undefined ? decodeTrackingCookie(q.skiptoken) : undefined;
  const startVersion = cookie?.startVersion ?? org.store.currentVersion();
  const entries: DeltaEntry[] = [];
  for (const row of org.store.rows(table.entitySet)) {
    if (row.version > sinceVersion && row.version <= startVersion) entries.push({ kind: 'row', row });
  }
  entries.sort((a, b) => (a as { row: Row }).row.version - (b as { row: Row }).row.version);
  if (q.deltatoken !== undefined) {
    const reported = new Set<string>();
    for (const t of org.store.tombstones(table.entitySet)) {
      if (t.version <= sinceVersion || t.version > startVersion || reported.has(t.id)) continue;
      const current = org.get(table.entitySet, t.id);
      if (current && current.version > t.version) continue; // deleted, then created again with the same id
      reported.add(t.id);
      entries.push({ kind: 'deleted', id: t.id, version: t.version });
    }
  }
  const idOf = (e: DeltaEntry): string => (e.kind === 'row' ? e.row.id : e.id);
  let start = cookie?.offset ?? 0;
  if (cookie?.lastKey) {
    const i = entries.findIndex((e) => idOf(e) === cookie.lastKey);
    if (i >= 0) start = i + 1;
  }
  const pageSize = prefer.maxPageSize ?? MAX_PAGE_SIZE;
  const page = entries.slice(start, start + pageSize);
  const end = start + page.length;
  const suffix = q.deltatoken !== undefined ? '/$delta' : '';
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req.baseUrl, table.entitySet, q.select, [], suffix) };
  body['value'] = page.map((e) =>
    e.kind === 'row'
      ? formatRow(org, table, e.row, q.select, annotate)
      : { '@odata.context': `${req.baseUrl}/$metadata#${table.entitySet}/$deletedEntity`, id: e.id, reason: 'deleted' },
  );
  const baseQuery = new URLSearchParams(req.rawQuery);
  baseQuery.delete('$skiptoken');
  if (end < entries.length) {
    const token = encodeTrackingCookie(end, (cookie?.pageNumber ?? 1) + 1, startVersion, page.length > 0 ? idOf(page[page.length - 1]!) : undefined);
    body['@odata.nextLink'] = linkWithQueryParam(req.baseUrl, source.path, baseQuery.toString(), '$skiptoken', token);
  } else {
    baseQuery.delete('$deltatoken');
    body['@odata.deltaLink'] = linkWithQueryParam(req.baseUrl, source.path, baseQuery.toString(), '$deltatoken', deltaToken(startVersion, org.nowMsValue()));
  }
  const applied: { maxPageSize?: number; trackChanges: boolean } = { trackChanges: true };
  if (prefer.maxPageSize !== undefined) applied.maxPageSize = prefer.maxPageSize;
  return { body, rows: page.length, applied };
}

/** Number of changes since a delta token (`GET accounts/$count?$deltatoken=...`). */
export function countChanges(org: Organization, table: TableDef, token: string): number {
  const { version } = parseDeltaToken(token);
  let n = 0;
  for (const row of org.store.rows(table.entitySet)) if (row.version > version) n++;
  const ids = new Set<string>();
  for (const t of org.store.tombstones(table.entitySet)) {
    if (t.version <= version || ids.has(t.id)) continue;
    const current = org.get(table.entitySet, t.id);
    if (current && current.version > t.version) continue;
    ids.add(t.id);
  }
  return n + ids.size;
}

