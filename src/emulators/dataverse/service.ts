/**
 * Routes a Web API request (path relative to `/api/data/v9.2/`) to the organization:
 * entity sets, keys, properties, navigation properties, `$count`, WhoAmI, metadata and actions.
 * `$batch` is handled in batch.ts on top of this.
 */
import type { EmuRequest, EmuResponse } from '../core/http-types.js';
import { parsePrefer, parseExpand, parseSelect, preferenceApplied } from '../core/odata-query.js';
import type { ExpandItem } from '../core/odata-query.js';
import type { Actor, BindContext, Organization } from './org.js';
import type { TableDef } from './schema.js';
import type { Row } from './store.js';
import { columnForProperty, readName } from './schema.js';
import {
  DvCodes,
  DvError,
  badRequest,
  errorBody,
  recordNotFound,
  segmentNotFound,
} from './errors.js';
import {
  annotationFilter,
  contextUrl,
  countChanges,
  etagOf,
  expandInto,
  formatRow,
  matches,
  compileFilter,
  pageSizeFrom,
  parseCollectionQuery,
  queryCollection,
  queryError,
  validateExpand,
  validateSelect,
  MAX_PAGE_SIZE,
} from './read.js';
import type { AnnotationFilter } from './read.js';
import { csdl, deleteOptionValue, entityDefinitions, globalOptionSetDefinitions, insertOptionValue, updateOptionValue } from './metadata.js';
import type { PathSegment } from './metadata.js';
import { TEAM_MEMBERSHIP_RELATIONSHIP, TEAM_ROLES_RELATIONSHIP, USER_ROLES_RELATIONSHIP } from './seed.js';
import { closeQuote, fulfillSalesOrder, reviseQuote, winQuote } from './messages.js';

/** A response plus, for writes, the path of the entity it touched (for `$n` Content-ID references). */
export interface InternalResponse extends EmuResponse {
  entityPath?: string;
}

export interface DispatchContext {
  bind?: BindContext;
  inBatch?: boolean;
}

const JSON_TYPE = 'application/json; odata.metadata=minimal';

/** `Preference-Applied` of a write that returns its row (the same text on every such answer). */
const RETURN_REPRESENTATION_APPLIED = preferenceApplied({ returnRepresentation: true })!;

export function jsonResponse(status: number, body: object, headers: Record<string, string> = {}, rows?: number): InternalResponse {
  const res: InternalResponse = { status, body, headers: { 'Content-Type': JSON_TYPE, 'OData-Version': '4.0', ...headers } };
  if (rows !== undefined) res.rows = rows;
  return res;
}

export function errorResponse(err: DvError): InternalResponse {
  return jsonResponse(err.status, errorBody(err.code, err.message));
}

/** Splits a path at top-level `/` (not inside quotes or parentheses) into `name(args)` segments. */
export function splitPath(path: string): PathSegment[] {
  const segments: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (quote) {
      if (c === "'") quote = false;
      continue;
    }
    if (c === "'") quote = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '/' && depth === 0) {
      segments.push(path.slice(start, i));
      start = i + 1;
    }
  }
  segments.push(path.slice(start));
  return segments
    .filter((s) => s !== '')
    .map((s) => {
      const open = s.indexOf('(');
      if (open < 0 || !s.endsWith(')')) return { name: s };
      return { name: s.slice(0, open), args: s.slice(open + 1, -1) };
    });
}

function parseJson(req: EmuRequest): unknown {
  const text = (req.bodyText ?? req.body.toString('utf8')).trim();
  if (text === '') throw badRequest('The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

function jsonObject(req: EmuRequest): Record<string, unknown> {
  const body = parseJson(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** `W/"123"`, `"123"` -> 123; `*` -> '*'; anything else -> undefined (never matches). */
function etagVersion(header: string): number | '*' | undefined {
  const t = header.trim();
  if (t === '*') return '*';
  const m = /^(?:W\/)?"(\d+)"$/.exec(t);
  return m ? Number(m[1]) : undefined;
}

function conditional(header: string | undefined): string | undefined {
  // Clients send `If-None-Match: null` to defeat caching; it is not a precondition.
  if (header === undefined) return undefined;
  const t = header.trim();
  return t === '' || t.toLowerCase() === 'null' ? undefined : t;
}

export class DataverseService {
  constructor(
    readonly org: Organization,
    private readonly integrationUserId: string,
  ) {}

  actorFor(req: EmuRequest): Actor {
    return { userId: req.caller?.userId ?? this.integrationUserId };
  }

  dispatch(req: EmuRequest, ctx: DispatchContext = {}): InternalResponse {
    try {
      return this.route(req, ctx);
    } catch (err) {
      if (err instanceof DvError) return errorResponse(err);
      throw err;
    }
  }

  private route(req: EmuRequest, ctx: DispatchContext): InternalResponse {
    const method = req.method.toUpperCase();
    const segments = splitPath(req.path);
    if (segments.length === 0) {
      this.requireMethod(method, ['GET'], req.path);
      return jsonResponse(200, {
        '@odata.context': `${req.baseUrl}/$metadata`,
        value: [...this.org.schema.bySet.values()].map((t) => ({ name: t.entitySet, kind: 'EntitySet', url: t.entitySet })),
      });
    }
    const head = segments[0]!;
    const name = head.name.startsWith('Microsoft.Dynamics.CRM.') ? head.name.slice('Microsoft.Dynamics.CRM.'.length) : head.name;
    switch (name) {
      case '$batch':
        throw badRequest('A $batch request cannot contain another $batch request.');
      case '$metadata':
        this.requireMethod(method, ['GET'], req.path);
        return { status: 200, body: csdl(this.org), headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' } };
      case 'WhoAmI':
        this.requireMethod(method, ['GET'], req.path);
        return this.whoAmI(req);
      case 'EntityDefinitions':
        this.requireMethod(method, ['GET'], req.path);
        return jsonResponse(200, entityDefinitions(this.org, req.baseUrl, segments, req.query));
      case 'GlobalOptionSetDefinitions':
        this.requireMethod(method, ['GET'], req.path);
        return globalOptionSetDefinitions(head.args ?? '');
      case 'InsertOptionValue':
        this.requireMethod(method, ['POST'], req.path);
        return jsonResponse(200, insertOptionValue(this.org, req.baseUrl, jsonObject(req)));
      case 'UpdateOptionValue':
        this.requireMethod(method, ['POST'], req.path);
        updateOptionValue(this.org, jsonObject(req));
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      case 'DeleteOptionValue':
        this.requireMethod(method, ['POST'], req.path);
        deleteOptionValue(this.org, jsonObject(req));
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      case 'FulfillSalesOrder':
        this.requireMethod(method, ['POST'], req.path);
        fulfillSalesOrder(this.org, jsonObject(req), this.actorFor(req));
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      case 'WinQuote':
        this.requireMethod(method, ['POST'], req.path);
        winQuote(this.org, jsonObject(req), this.actorFor(req));
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      case 'CloseQuote':
        this.requireMethod(method, ['POST'], req.path);
        closeQuote(this.org, jsonObject(req), this.actorFor(req));
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      case 'ReviseQuote': {
        this.requireMethod(method, ['POST'], req.path);
        const revised = reviseQuote(this.org, jsonObject(req), this.actorFor(req));
        return jsonResponse(200, this.entityBody(req, revised.table, this.org.get(revised.table.entitySet, revised.id)!, undefined, false));
      }
      case 'PublishXml':
      case 'PublishAllXml':
        // Option changes take effect at once here; publishing has nothing left to do.
        this.requireMethod(method, ['POST'], req.path);
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      default:
        break;
    }
    const table = this.org.schema.bySet.get(head.name);
    if (!table) throw segmentNotFound(head.name);
    const rest = segments.slice(1);
    if (head.args === undefined) {
      if (rest.length === 0) {
        this.requireMethod(method, ['GET', 'POST'], req.path);
        return method === 'GET' ? this.getCollection(req, table) : this.create(req, table, ctx);
      }
      if (rest.length === 1 && rest[0]!.name === '$count' && rest[0]!.args === undefined) {
        this.requireMethod(method, ['GET'], req.path);
        return this.count(req, table);
      }
      throw segmentNotFound(rest[0]!.name);
    }
    const id = this.org.parseKey(table, head.args);
    if (rest.length === 0) {
      switch (method) {
        case 'GET':
          return this.getEntity(req, table, id);
        case 'PATCH':
          return this.upsert(req, table, id, ctx);
        case 'DELETE':
          return this.remove(req, table, id);
        default:
          return this.methodNotAllowed(method, req.path);
      }
    }
    return this.routeBelowEntity(req, table, id, rest, ctx);
  }

  private requireMethod(method: string, allowed: string[], path: string): void {
    if (!allowed.includes(method)) this.methodNotAllowed(method, path);
  }

  private methodNotAllowed(method: string, path: string): never {
    throw new DvError(405, DvCodes.odata, `The HTTP method '${method}' is not allowed on '${path}'.`);
  }

  // -------------------------------------------------------------------------------------------

  private whoAmI(req: EmuRequest): InternalResponse {
    const userId = this.actorFor(req).userId;
    const user = this.org.get('systemusers', userId);
    const bu = user?.values['_businessunitid_value'] ?? this.org.rootBusinessUnitId;
    return jsonResponse(200, {
      '@odata.context': `${req.baseUrl}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
      BusinessUnitId: bu,
      UserId: userId,
      OrganizationId: this.org.organizationId,
    });
  }

  /** The last Prefer header parsed and what it said (the parts of a batch carry the same one; the result is only read). */
  private lastPrefer: { header: string | undefined; prefer: ReturnType<typeof parsePrefer> } | undefined;

  private prefer(req: EmuRequest): ReturnType<typeof parsePrefer> {
    const header = req.headers['prefer'];
    if (this.lastPrefer && this.lastPrefer.header === header) return this.lastPrefer.prefer;
    try {
      const prefer = parsePrefer(header);
      this.lastPrefer = { header, prefer };
      return prefer;
    } catch (err) {
      return queryError(err);
    }
  }

  private annotate(prefer: ReturnType<typeof parsePrefer>): AnnotationFilter | undefined {
    return annotationFilter(prefer.includeAnnotations);
  }

  private appliedHeader(applied: Parameters<typeof preferenceApplied>[0]): Record<string, string> {
    const value = preferenceApplied(applied);
    return value ? { 'Preference-Applied': value } : {};
  }

  private getCollection(req: EmuRequest, table: TableDef, source?: { path: string; rows: ReturnType<DataverseService['childRowsOf']> }): InternalResponse {
    const prefer = this.prefer(req);
    const maxPageSize = pageSizeFrom(prefer);
    const q = parseCollectionQuery(this.org, table, req.query);
    const annotate = this.annotate(prefer);
    const result = queryCollection(
      this.org,
      req,
      table,
      q,
      { ...(maxPageSize !== undefined ? { maxPageSize } : {}), trackChanges: prefer.trackChanges },
      annotate,
      source ? { path: source.path, rows: source.rows } : { path: table.entitySet },
    );
    const headers = this.appliedHeader({
      ...result.applied,
      ...(prefer.includeAnnotations !== undefined ? { includeAnnotations: prefer.includeAnnotations } : {}),
    });
    return jsonResponse(200, result.body, headers, result.rows);
  }

  private count(req: EmuRequest, table: TableDef): InternalResponse {
    const deltatoken = req.query.get('$deltatoken');
    let n: number;
    if (deltatoken !== null) n = countChanges(this.org, table, deltatoken);
    else {
      const filterText = req.query.get('$filter');
      const f = filterText !== null ? compileFilter(this.org, table, filterText) : undefined;
      n = 0;
      for (const row of this.org.store.rows(table.entitySet)) if (matches(this.org, table, row, f)) n++;
      n = Math.min(n, MAX_PAGE_SIZE);
    }
    return { status: 200, body: String(n), headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' } };
  }

  /** The last valid $select/$expand and what they parsed to (a batch's writes ask for the same columns; only read). */
  private lastSelection: { table: TableDef; select: string | null; expand: string | null; parsed: { select?: string[]; expand: ExpandItem[] } } | undefined;

  private selectAndExpand(req: EmuRequest, table: TableDef): { select?: string[]; expand: ExpandItem[] } {
    const selectText = req.query.get('$select');
    const expandText = req.query.get('$expand');
    const last = this.lastSelection;
    if (last && last.table === table && last.select === selectText && last.expand === expandText) return last.parsed;
    try {
      const select = parseSelect(selectText);
      validateSelect(table, select);
      const expand = parseExpand(expandText);
      validateExpand(this.org, table, expand);
      const parsed = select ? { select, expand } : { expand };
      this.lastSelection = { table, select: selectText, expand: expandText, parsed };
      return parsed;
    } catch (err) {
      return queryError(err);
    }
  }

  /** The last `$entity` context URL made and what it was made of (a batch's 1,000 writes share one). */
  private lastEntityContext: { baseUrl: string; table: TableDef; parsed: object; expandAllowed: boolean; url: string } | undefined;

  private entityContext(baseUrl: string, table: TableDef, parsed: { select?: string[]; expand: ExpandItem[] }, expandAllowed: boolean): string {
    const last = this.lastEntityContext;
    if (last && last.baseUrl === baseUrl && last.table === table && last.parsed === parsed && last.expandAllowed === expandAllowed) return last.url;
    const url = contextUrl(baseUrl, table.entitySet, parsed.select, expandAllowed ? parsed.expand : [], '/$entity');
    this.lastEntityContext = { baseUrl, table, parsed, expandAllowed, url };
    return url;
  }

  /** The single-entity body (`$entity` context, etag, selected columns, expansions) of a stored row. */
  private entityBody(req: EmuRequest, table: TableDef, row: Row, annotate: AnnotationFilter | undefined, expandAllowed: boolean): Record<string, unknown> {
    const parsed = this.selectAndExpand(req, table);
    const { select, expand } = parsed;
    const body = formatRow(this.org, table, row, select, annotate, {
      '@odata.context': this.entityContext(req.baseUrl, table, parsed, expandAllowed),
    });
    if (expandAllowed && expand.length > 0) expandInto(this.org, table, row, body, expand, annotate);
    return body;
  }

  private getEntity(req: EmuRequest, table: TableDef, id: string): InternalResponse {
    const row = this.org.get(table.entitySet, id);
    if (!row) throw recordNotFound(table.logicalName, id);
    const prefer = this.prefer(req);
    const annotate = this.annotate(prefer);
    const ifNoneMatch = conditional(req.headers['if-none-match']);
    const hasExpand = req.query.get('$expand') !== null;
    if (ifNoneMatch && !hasExpand && !annotate) {
      const v = etagVersion(ifNoneMatch);
      if (v === '*' || v === row.version) return { status: 304, headers: { ETag: etagOf(row), 'OData-Version': '4.0' } };
    }
    const body = this.entityBody(req, table, row, annotate, true);
    const headers: Record<string, string> = { ETag: etagOf(row) };
    if (prefer.includeAnnotations !== undefined) headers['Preference-Applied'] = preferenceApplied({ includeAnnotations: prefer.includeAnnotations })!;
    return jsonResponse(200, body, headers, 1);
  }

  private entityUrl(req: EmuRequest, table: TableDef, id: string): string {
    return `${req.baseUrl}/${table.entitySet}(${id})`;
  }

  /** The answer to a write, from the row as the write stored it (what `create`/`update` return). */
  private writeResponse(req: EmuRequest, table: TableDef, row: Row, created: boolean, ctx: DispatchContext): InternalResponse {
    const prefer = this.prefer(req);
    const id = row.id;
    const entityPath = `${table.entitySet}(${id})`;
    if (prefer.returnRepresentation) {
      const annotate = this.annotate(prefer);
      // $expand is honoured on create only (docs/protocols.md §2.6: ignored on PATCH).
      const body = this.entityBody(req, table, row, annotate, created);
      const res = jsonResponse(created ? 201 : 200, body, {
        ETag: etagOf(row),
        'Preference-Applied': RETURN_REPRESENTATION_APPLIED,
      });
      res.entityPath = entityPath;
      return res;
    }
    const url = this.entityUrl(req, table, id);
    const headers: Record<string, string> = { 'OData-Version': '4.0', 'OData-EntityId': url };
    if (ctx.inBatch) headers['Location'] = url;
    return { status: 204, headers, entityPath };
  }

  private create(req: EmuRequest, table: TableDef, ctx: DispatchContext): InternalResponse {
    const body = parseJson(req);
    const row = this.org.create(table, body, this.actorFor(req), ctx.bind ? { bind: ctx.bind } : {});
    return this.writeResponse(req, table, row, true, ctx);
  }

  private upsert(req: EmuRequest, table: TableDef, id: string, ctx: DispatchContext): InternalResponse {
    const body = parseJson(req);
    const ifMatch = conditional(req.headers['if-match']);
    const ifNoneMatch = conditional(req.headers['if-none-match']);
    const existing = this.org.get(table.entitySet, id);
    const opts = ctx.bind ? { bind: ctx.bind } : {};
    if (ifNoneMatch === '*') {
      if (existing) throw new DvError(412, DvCodes.duplicateRecord, 'A record with matching key values already exists.');
      return this.writeResponse(req, table, this.org.create(table, body, this.actorFor(req), { ...opts, id }), true, ctx);
    }
    if (ifNoneMatch !== undefined) throw badRequest(`If-None-Match on PATCH supports only '*', got '${ifNoneMatch}'.`);
    if (ifMatch !== undefined) {
      if (!existing) throw recordNotFound(table.logicalName, id);
      this.checkIfMatch(ifMatch, this.versionAfterConcurrentEdit(req, table, id, ifMatch));
      return this.writeResponse(req, table, this.org.update(table, id, body, this.actorFor(req), opts), false, ctx);
    }
    if (existing) {
      return this.writeResponse(req, table, this.org.update(table, id, body, this.actorFor(req), opts), false, ctx);
    }
    return this.writeResponse(req, table, this.org.create(table, body, this.actorFor(req), { ...opts, id }), true, ctx);
  }

  /** Fault injection (core/http-types.ts): a person may save the row just before a write that carries an ETag. */
  private versionAfterConcurrentEdit(req: EmuRequest, table: TableDef, id: string, ifMatch: string): number {
    if (ifMatch.trim() !== '*' && req.concurrentEdit?.()) this.org.store.bumpVersion(table.entitySet, id);
    return this.org.get(table.entitySet, id)!.version;
  }

  private checkIfMatch(ifMatch: string, version: number): void {
    const v = etagVersion(ifMatch);
    if (v === '*' || v === version) return;
    throw new DvError(412, DvCodes.concurrencyVersionMismatch, "The version of the existing record doesn't match the RowVersion property provided.");
  }

  private remove(req: EmuRequest, table: TableDef, id: string): InternalResponse {
    const existing = this.org.get(table.entitySet, id);
    if (!existing) throw recordNotFound(table.logicalName, id);
    const ifMatch = conditional(req.headers['if-match']);
    if (ifMatch !== undefined) this.checkIfMatch(ifMatch, this.versionAfterConcurrentEdit(req, table, id, ifMatch));
    this.org.delete(table, id, this.actorFor(req));
    return { status: 204, headers: { 'OData-Version': '4.0' } };
  }

  // -------------------------------------------------------------------------------------------
  // Below an entity: properties, navigation properties, $ref

  private childRowsOf(table: TableDef, id: string, collection: string): Row[] {
    const def = table.collections.get(collection)!;
    const property = `_${def.via}_value`;
    const out: Row[] = [];
    if (this.org.store.isIndexed(def.entitySet, property)) {
      for (const childId of this.org.store.lookup(def.entitySet, property, id)) out.push(this.org.get(def.entitySet, childId)!);
    } else {
      for (const r of this.org.store.rows(def.entitySet)) if (r.values[property] === id) out.push(r);
    }
    return out.filter((r) => r.targets[def.via] === table.logicalName);
  }

  private routeBelowEntity(req: EmuRequest, table: TableDef, id: string, rest: PathSegment[], ctx: DispatchContext): InternalResponse {
    const method = req.method.toUpperCase();
    const row = this.org.get(table.entitySet, id);
    if (!row) throw recordNotFound(table.logicalName, id);
    const seg = rest[0]!;
    const basePath = `${table.entitySet}(${id})`;

    if (table.logicalName === 'systemuser' && seg.name === USER_ROLES_RELATIONSHIP) return this.related(req, rest, 'systemusers', USER_ROLES_RELATIONSHIP, id, 'roles');
    if (table.logicalName === 'systemuser' && seg.name === TEAM_MEMBERSHIP_RELATIONSHIP) return this.related(req, rest, 'systemusers', TEAM_MEMBERSHIP_RELATIONSHIP, id, 'teams');
    if (table.logicalName === 'team' && seg.name === TEAM_ROLES_RELATIONSHIP) return this.related(req, rest, 'teams', TEAM_ROLES_RELATIONSHIP, id, 'roles');

    const collection = table.collections.get(seg.name);
    if (collection && seg.args === undefined && rest.length === 1) {
      const child = this.org.table(collection.entitySet);
      if (method === 'GET') return this.getCollection(req, child, { path: `${basePath}/${seg.name}`, rows: this.childRowsOf(table, id, seg.name) });
      if (method === 'POST') {
        const body = jsonObject(req);
        const viaColumn = child.columns.get(collection.via)!;
        const nav = (viaColumn.targets ?? []).find((t) => t.entitySet === table.entitySet)!.nav;
        const created = this.org.create(child, { ...body, [`${nav}@odata.bind`]: `/${basePath}` }, this.actorFor(req), ctx.bind ? { bind: ctx.bind } : {});
        return this.writeResponse(req, child, created, true, ctx);
      }
      return this.methodNotAllowed(method, req.path);
    }

    const nav = table.navs.get(seg.name);
    if (nav && seg.args === undefined) {
      const isRef = rest.length === 2 && rest[1]!.name === '$ref';
      if (rest.length > 2 || (rest.length === 2 && !isRef)) throw segmentNotFound(rest[1]!.name);
      if (isRef && method === 'DELETE') {
        this.org.update(table, id, { [`${seg.name}@odata.bind`]: null }, this.actorFor(req), ctx.bind ? { bind: ctx.bind } : {});
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      }
      if (isRef && method === 'PUT') {
        const body = jsonObject(req);
        const target = body['@odata.id'];
        if (typeof target !== 'string') throw badRequest('The body of a $ref request needs "@odata.id" with the URI of the related row.');
        this.org.update(table, id, { [`${seg.name}@odata.bind`]: target }, this.actorFor(req), ctx.bind ? { bind: ctx.bind } : {});
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      }
      if (method !== 'GET') return this.methodNotAllowed(method, req.path);
      const targetId = row.values[`_${nav.column}_value`];
      const logical = row.targets[nav.column];
      const targetTable = logical ? this.org.schema.byLogical.get(logical) : undefined;
      const navTargets = (table.columns.get(nav.column)!.targets ?? []).filter((t) => t.nav === seg.name).map((t) => t.entitySet);
      if (typeof targetId !== 'string' || !targetTable || !navTargets.includes(targetTable.entitySet)) {
        return { status: 204, headers: { 'OData-Version': '4.0' } };
      }
      if (isRef) return jsonResponse(200, { '@odata.context': `${req.baseUrl}/$metadata#$ref`, '@odata.id': this.entityUrl(req, targetTable, targetId) });
      return this.getEntity(req, targetTable, targetId);
    }

    if (seg.args === undefined && rest.length === 1) {
      const column = columnForProperty(table, seg.name) ?? (seg.name === table.key ? table.columns.get(table.key) : undefined);
      if (column) {
        const property = readName(column);
        if (method === 'GET') {
          const value = row.values[property] ?? null;
          if (value === null) return { status: 204, headers: { 'OData-Version': '4.0' } };
          return jsonResponse(200, { '@odata.context': `${req.baseUrl}/$metadata#${table.entitySet}(${id})/${property}`, value });
        }
        if (column.type === 'lookup') throw badRequest(`Set the lookup '${column.name}' through its navigation property, not '${property}'.`);
        if (method === 'PUT') {
          const body = jsonObject(req);
          if (!('value' in body)) throw badRequest('The body of a single-property PUT is {"value": <new value>}.');
          this.org.update(table, id, { [property]: body['value'] }, this.actorFor(req), ctx.bind ? { bind: ctx.bind } : {});
          return { status: 204, headers: { 'OData-Version': '4.0' } };
        }
        if (method === 'DELETE') {
          this.org.update(table, id, { [property]: null }, this.actorFor(req), ctx.bind ? { bind: ctx.bind } : {});
          return { status: 204, headers: { 'OData-Version': '4.0' } };
        }
        return this.methodNotAllowed(method, req.path);
      }
    }
    throw segmentNotFound(seg.name);
  }

  /**
   * An N:N relationship from one row (`systemusers(<id>)/systemuserroles_association`, `.../teammembership_association`,
   * `teams(<id>)/teamroles_association`): read the related rows, associate (`POST .../$ref`), disassociate (`DELETE`).
   */
  private related(req: EmuRequest, rest: PathSegment[], fromSet: string, relationship: string, fromId: string, targetSet: string): InternalResponse {
    const method = req.method.toUpperCase();
    const target = this.org.table(targetSet);
    const seg = rest[0]!;
    const isRef = rest[rest.length - 1]!.name === '$ref';
    if (rest.length === 1 && seg.args === undefined && method === 'GET') {
      const rows = this.org.store
        .pairsOf(relationship)
        .filter(([a]) => a === fromId)
        .map(([, b]) => this.org.get(targetSet, b))
        .filter((r): r is NonNullable<typeof r> => r !== undefined);
      return this.getCollection(req, target, { path: `${fromSet}(${fromId})/${relationship}`, rows });
    }
    if (rest.length === 2 && isRef && seg.args === undefined && method === 'POST') {
      const body = jsonObject(req);
      const uri = body['@odata.id'];
      if (typeof uri !== 'string') throw badRequest(`The body of a $ref request needs "@odata.id" with the URI of the ${target.logicalName}.`);
      const ref = this.org.resolveReference(uri, undefined, fromSet);
      if (ref.table.entitySet !== targetSet) throw badRequest(`${relationship} relates ${fromSet} to ${targetSet}, not to ${ref.table.entitySet}.`);
      if (!this.org.get(targetSet, ref.id)) throw recordNotFound(target.logicalName, ref.id);
      this.org.store.addPair(relationship, fromId, ref.id);
      return { status: 204, headers: { 'OData-Version': '4.0' } };
    }
    if (isRef && method === 'DELETE') {
      let targetId: string | undefined;
      if (rest.length === 2 && seg.args !== undefined) targetId = this.org.parseKey(target, seg.args);
      else if (rest.length === 2 && seg.args === undefined) {
        const idParam = req.query.get('$id');
        if (idParam) targetId = this.org.resolveReference(idParam, undefined, fromSet).id;
      }
      if (!targetId) throw badRequest(`Name the ${target.logicalName} to remove: ${relationship}(<${target.key}>)/$ref.`);
      if (!this.org.store.hasPair(relationship, fromId, targetId)) throw recordNotFound(target.logicalName, targetId);
      this.org.store.removePair(relationship, fromId, targetId);
      return { status: 204, headers: { 'OData-Version': '4.0' } };
    }
    return this.methodNotAllowed(method, req.path);
  }
}

