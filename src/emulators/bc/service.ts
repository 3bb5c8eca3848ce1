/**
 * The Business Central API as a request handler: URL routing (docs/protocols.md §1.2, §7.2), reads,
 * writes with `If-Match` and bound actions, with BC's error body (§5.3); the JSON `$batch` is in batch.ts.
 */
import type { EmuRequest, EmuResponse } from '../core/http-types.js';
import { parsePrefer, preferenceApplied } from '../core/odata-query.js';
import type { Company } from './company.js';
import { customerFigures, openDocumentFigures } from './documents.js';
import { handleJsonBatch } from './batch.js';
import { BcError, errors } from './errors.js';
import { API_PREFIX, errorAnswer, type Answer, type Api, type InnerRequest } from './request.js';
import { checkExpandDeep, checkKnownOptions, compileFilter, parseReadOptions, readPage, shape, type NavResolver, type ReadOptions } from './query.js';
import { COMPUTED_PER_CUSTOMER, RESOURCE_BY_SET, RESOURCES, servedBy } from './resources.js';
import type { ResourceDef } from './schema.js';
import type { Rec, Row } from './store.js';
import { etagOpaque, formatEtag, normalizeGuid, round2 } from './values.js';
import { orderByComparator, parseExpand, parseSelect } from '../core/odata-query.js';
import { evaluateFilter, referencedProperties, type FilterNode } from '../core/odata-filter.js';

/** Properties computed at read time (not stored), per entity set. */
const COMPUTED: Readonly<Record<string, readonly string[]>> = { customers: ['balanceDue'] };

/** Made per read, not cached per row: a table-wide WeakMap of tags (100,000s of entries) costs every major GC more than the tags cost to make. */
function etagOf(row: Row): string {
  return formatEtag(row.rowVersion);
}

interface Segment {
  name: string;
  key?: string;
}

function parseSegment(raw: string): Segment {
  const m = /^([^()]+)(?:\((.*)\))?$/.exec(raw);
  if (!m) throw errors.querySyntax();
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, key: m[2] };
}

function parseKey(key: string): string {
  const bare = key.startsWith('id=') ? key.slice(3) : key;
  const id = normalizeGuid(bare.replace(/^'(.*)'$/, '$1'));
  if (!id) throw errors.querySyntax(`'${key}' is not a GUID key; address records as <entitySet>(<id>).`);
  return id;
}

const EDM_TYPES: Record<string, string> = {
  guid: 'Edm.Guid',
  text: 'Edm.String',
  code: 'Edm.String',
  enum: 'Edm.String',
  decimal: 'Edm.Decimal',
  integer: 'Edm.Int32',
  boolean: 'Edm.Boolean',
  date: 'Edm.Date',
  datetime: 'Edm.DateTimeOffset',
};

/** A CSDL document of the entity sets an API root serves (enough for tools that read `$metadata`). */
function metadataDocument(api: Api): string {
  const defs = RESOURCES.filter((d) => servedBy(d, api));
  const types = defs.map((d) => {
    const props = Object.entries(d.fields).map(([name, f]) => {
      const length = f.maxLength !== undefined ? ` MaxLength="${f.maxLength}"` : '';
      return `<Property Name="${name}" Type="${EDM_TYPES[f.type]}"${name === 'id' ? ' Nullable="false"' : ''}${length} />`;
    });
    const navs = (d.navs ?? [])
      .filter((n) => defs.some((x) => x.set === n.target))
      .map((n) => {
        const target = `Microsoft.NAV.${RESOURCE_BY_SET.get(n.target)!.entity}`;
        return n.kind === 'lines'
          ? `<NavigationProperty Name="${n.name}" Type="Collection(${target})" ContainsTarget="true" />`
          : `<NavigationProperty Name="${n.name}" Type="${target}" />`;
      });
    return `<EntityType Name="${d.entity}"><Key><PropertyRef Name="id" /></Key>${props.join('')}${navs.join('')}</EntityType>`;
  });
  const sets = defs.map((d) => `<EntitySet Name="${d.set}" EntityType="Microsoft.NAV.${d.entity}" />`);
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>' +
    '<Schema Namespace="Microsoft.NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">' +
    types.join('') +
    `<EntityContainer Name="NAV">${sets.join('')}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`
  );
}

/** The stored rows of one read, filtered, as of one version of the table (see BcService.filteredRows). */
interface FilteredRead {
  store: object;
  set: string;
  version: number;
  filter: string;
  rows: Rec[];
}

export class BcService {
  /**
   * The last read's rows after its filter: the pages of one read (20,000 each, keyset-paged) would otherwise copy
   * and filter every row of the table again per page. Valid while the table's version is the same.
   */
  private lastRead: FilteredRead | undefined;

  constructor(
    readonly companies: readonly Company[],
    /** Without the companion extension its namespace does not exist: every URL under it is 404. */
    private readonly options: { customApi: boolean } = { customApi: true },
  ) {}

  // ---------------------------------------------------------------------------------------------
  // Presentation

  /** The API shape of a stored row: `@odata.etag` first, then the properties, computed ones filled in. */
  present(c: Company, set: string, row: Row): Rec {
    const out: Rec = { '@odata.etag': etagOf(row), ...row.data };
    if (set === 'customers') out.balanceDue = this.balanceDue(c, row);
    return out;
  }

  /** `$select` of `present(...)`: the etag, then the selected properties in their order (absent ones stay absent in JSON). */
  presentSelected(c: Company, set: string, row: Row, select: readonly string[]): Rec {
    let shape = this.selectedShape;
    if (shape?.select !== select) {
      shape = { select, template: Object.fromEntries([['@odata.etag', undefined], ...select.map((name) => [name, undefined])]) as Rec };
      this.selectedShape = shape;
    }
    const out: Rec = { ...shape.template };
    out['@odata.etag'] = etagOf(row);
    for (const name of select) out[name] = set === 'customers' && name === 'balanceDue' ? this.balanceDue(c, row) : row.data[name];
    return out;
  }

  /**
   * The keys of the last `$select` presented, as one object each record of a page starts as a copy of: built key by
   * key, a record of more than ~16 properties becomes a hash table in V8 (the customers' 19: slow to build, twice as
   * slow to serialize), while copies of one object share its layout. Same keys, same order.
   */
  private selectedShape: { select: readonly string[]; template: Rec } | undefined;

  private balanceDue(c: Company, customer: Row): number {
    const f = customerFigures(c).get(customer.data.id as string);
    return round2((f?.balance ?? 0) + (c.openingBalances.get(customer.data.id as string) ?? 0));
  }

  /** customerFinancialDetails: one computed entity per customer (APIV2 - Cust Financial Details). */
  financialDetail(c: Company, customer: Row): Rec {
    const f = customerFigures(c).get(customer.data.id as string);
    return {
      '@odata.etag': etagOf(customer),
      id: customer.data.id,
      number: customer.data.number,
      balance: round2((f?.balance ?? 0) + (c.openingBalances.get(customer.data.id as string) ?? 0)),
      totalSalesExcludingTax: f?.totalSalesExcludingTax ?? 0,
      overdueAmount: f?.overdueAmount ?? 0,
      lastModifiedDateTime: customer.data.lastModifiedDateTime,
    };
  }

  /**
   * customerStatistics (companion extension, docs/custom-api.md): the figures of the Customer Statistics
   * job per customer, in LCY; the overdue amount as of the work date.
   */
  customerStatistic(c: Company, customer: Row): Rec {
    const id = customer.data.id as string;
    const f = customerFigures(c).get(id);
    const open = openDocumentFigures(c).get(id);
    const balance = round2((f?.balance ?? 0) + (c.openingBalances.get(id) ?? 0));
    const outstandingOrders = open?.outstandingOrders ?? 0;
    const shippedNotInvoiced = open?.shippedNotInvoiced ?? 0;
    const outstandingInvoices = open?.outstandingInvoices ?? 0;
    return {
      '@odata.etag': etagOf(customer),
      id,
      number: customer.data.number,
      balance,
      outstandingOrders,
      shippedNotInvoiced,
      outstandingInvoices,
      totalAmount: round2(balance + outstandingOrders + shippedNotInvoiced + outstandingInvoices),
      creditLimit: customer.data.creditLimit ?? 0,
      overdueAmount: f?.overdueAmount ?? 0,
      overdueAsOfDate: c.today(),
      totalSales: f?.totalSalesExcludingTax ?? 0,
      // Prepayment invoices are not emulated.
      invoicedPrepayments: 0,
      lastModifiedDateTime: customer.data.lastModifiedDateTime,
    };
  }

  /** A computed per-customer entity (COMPUTED_PER_CUSTOMER) of one customer. */
  private perCustomer(c: Company, set: string, customer: Row): Rec {
    return set === 'customerStatistics' ? this.customerStatistic(c, customer) : this.financialDetail(c, customer);
  }

  companyRecord(c: Company): Rec {
    return {
      id: c.info.id,
      systemVersion: c.info.systemVersion,
      timestamp: 0,
      name: c.info.name,
      displayName: c.info.displayName,
      businessProfileId: '',
      systemCreatedAt: c.info.createdAt,
      systemCreatedBy: '00000000-0000-0000-0000-000000000001',
      systemModifiedAt: c.info.createdAt,
      systemModifiedBy: '00000000-0000-0000-0000-000000000001',
    };
  }

  /** All rows of a set, presented, in BC's default (primary key) order. */
  presentedRows(c: Company, def: ResourceDef): Rec[] {
    if (COMPUTED_PER_CUSTOMER.has(def.set)) {
      return this.sortedRows(c, RESOURCE_BY_SET.get('customers')!).map((r) => this.perCustomer(c, def.set, r));
    }
    return this.sortedRows(c, def).map((r) => this.present(c, def.set, r));
  }

  private sortedRows(c: Company, def: ResourceDef): readonly Row[] {
    const comparator = orderByComparator(
      def.defaultOrder.map((p) => ({ property: p, direction: 'asc' as const })),
      { caseInsensitive: false, tieBreaker: 'id' },
    );
    return c.store.sortedRows(def.set, 'default', (rows) => rows.sort((a, b) => comparator(a.data as Rec, b.data as Rec)));
  }

  presentOne(c: Company, set: string, id: string): Rec | undefined {
    if (COMPUTED_PER_CUSTOMER.has(set)) {
      const customer = c.get('customers', id);
      return customer ? this.perCustomer(c, set, customer) : undefined;
    }
    if (set === 'companies') {
      const company = this.companies.find((x) => x.info.id === id);
      return company ? this.companyRecord(company) : undefined;
    }
    const row = c.get(set, id);
    return row ? this.present(c, set, row) : undefined;
  }

  navResolver(c: Company): NavResolver {
    return {
      def: (set) => RESOURCE_BY_SET.get(set)!,
      lines: (target, field, parentId) => {
        const def = RESOURCE_BY_SET.get(target)!;
        const comparator = orderByComparator(
          def.defaultOrder.map((p) => ({ property: p, direction: 'asc' as const })),
          { caseInsensitive: false, tieBreaker: 'id' },
        );
        return c.store
          .findBy(target, field, parentId)
          .map((id) => this.present(c, target, c.store.get(target, id)!))
          .sort(comparator);
      },
      single: (target, id) => this.presentOne(c, target, id),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Entry points

  async handle(req: EmuRequest): Promise<EmuResponse> {
    let body: unknown;
    if (req.body.length > 0) {
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        const a = errorAnswer(errors.badBody('Invalid Request Body'));
        return { status: a.status, body: a.body };
      }
    }
    const answer = this.dispatch({
      method: req.method.toUpperCase(),
      path: req.path,
      query: req.query,
      rawQuery: req.rawQuery,
      headers: req.headers,
      body,
      baseUrl: req.baseUrl,
      inBatch: false,
      ...(req.concurrentEdit ? { concurrentEdit: req.concurrentEdit } : {}),
    });
    return { status: answer.status, headers: answer.headers, body: answer.body, rows: answer.rows, operations: answer.operations ?? 1 };
  }

  dispatch(req: InnerRequest): Answer {
    try {
      return this.route(req);
    } catch (e) {
      if (e instanceof BcError) return errorAnswer(e);
      const message = e instanceof Error ? e.message : String(e);
      return errorAnswer(new BcError(500, 'Internal_ServerError', `The Business Central emulator failed: ${message}`));
    }
  }

  private route(req: InnerRequest): Answer {
    const segments = req.path.split('/').filter((s) => s !== '');
    let api: Api;
    let rest: string[];
    if (segments[0] === 'v2.0') {
      api = 'v2.0';
      rest = segments.slice(1);
    } else if (segments[0] === 'bcsync' && segments[1] === 'integration' && segments[2] === 'v1.0' && this.options.customApi) {
      api = 'custom';
      rest = segments.slice(3);
    } else {
      throw errors.resourceNotFound(segments.slice(0, 3).join('/') || req.path);
    }
    const apiRoot = `${req.baseUrl}/${API_PREFIX[api]}`;
    if (rest.length === 0) return this.serviceDocument(req, api, apiRoot);
    if (rest[0] === '$metadata' && rest.length === 1) {
      if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, '$metadata');
      return { status: 200, headers: { 'content-type': 'application/xml' }, body: metadataDocument(api), rows: 0 };
    }
    if (rest[0] === '$batch') {
      if (req.inBatch) throw errors.badBody('A $batch request cannot contain another $batch.');
      if (req.method !== 'POST') throw errors.methodNotAllowed(req.method, '$batch');
      return handleJsonBatch(this, req, api);
    }
    const first = parseSegment(rest[0]!);
    let company: Company;
    let entityPath: string[];
    let companyPrefix: string;
    if (first.name === 'companies') {
      if (first.key === undefined) {
        if (rest.length > 1) throw errors.querySyntax('Address a company as companies(<id>).');
        return this.listCompanies(req, apiRoot);
      }
      const id = parseKey(first.key);
      const found = this.companies.find((x) => x.info.id === id);
      if (!found) throw new BcError(404, 'Internal_CompanyNotFound', `The company with id '${id}' does not exist. List the companies with GET companies.`);
      company = found;
      if (rest.length === 1) return this.singleCompany(req, company, apiRoot);
      entityPath = rest.slice(1);
      companyPrefix = `companies(${company.info.id})/`;
    } else {
      const named = req.query.get('company') ?? req.headers['company'];
      if (named === undefined || named === null || named === '') {
        throw new BcError(
          400,
          'Internal_CompanyNotFound',
          'Cannot process the request because the default company cannot be found. Address the company as companies(<id>)/... or add ?company=<id>.',
        );
      }
      const found = this.companies.find((x) => x.info.id === normalizeGuid(named) || x.info.name === named);
      if (!found) throw new BcError(400, 'Internal_CompanyNotFound', `The company '${named}' does not exist. List the companies with GET companies.`);
      company = found;
      entityPath = rest;
      companyPrefix = '';
    }
    return this.entityRoute(req, api, apiRoot, company, entityPath, companyPrefix);
  }

  private entityRoute(req: InnerRequest, api: Api, apiRoot: string, c: Company, path: string[], companyPrefix: string): Answer {
    const setSeg = parseSegment(path[0]!);
    const def = RESOURCE_BY_SET.get(setSeg.name);
    if (!def || def.set === 'companies' || !servedBy(def, api)) throw errors.resourceNotFound(setSeg.name);
    const setPath = `${companyPrefix}${def.set}`;
    const context = `${apiRoot}/$metadata#${companyPrefix.replace(/\/$/, '')}${companyPrefix ? '/' : ''}`;
    if (setSeg.key === undefined) {
      if (path.length === 2 && path[1] === '$count') {
        if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, def.set, 'Collection');
        return this.count(req, c, def, undefined);
      }
      if (path.length > 1) throw errors.querySyntax(`Address a record as ${def.set}(<id>) before '${path[1]}'.`);
      return this.collection(req, apiRoot, c, def, undefined, `${context}${def.set}`, setPath);
    }
    const id = parseKey(setSeg.key);
    if (path.length === 1) return this.entity(req, c, def, id, undefined, `${context}${def.set}`);
    const second = path[1]!;
    if (second.startsWith('Microsoft.NAV.')) {
      if (path.length > 2) throw errors.querySyntax();
      if (req.method !== 'POST') throw errors.methodNotAllowed(req.method, second);
      const action = second.slice('Microsoft.NAV.'.length);
      if (def.set === 'journals') c.runAction('journals', id, action, ['journals', 'customerPaymentJournals']);
      else c.runAction(def.set, id, action);
      return { status: 204, headers: {}, rows: 0 };
    }
    const navSeg = parseSegment(second);
    const nav = def.navs?.find((n) => n.name === navSeg.name);
    if (!nav) throw errors.resourceNotFound(navSeg.name);
    const parentRow = COMPUTED_PER_CUSTOMER.has(def.set) ? undefined : c.get(def.set, id);
    if (!parentRow) throw errors.recordNotFound(def.caption, id);
    const target = RESOURCE_BY_SET.get(nav.target)!;
    const navContext = `${context}${def.set}(${id})/${nav.name}`;
    const navPath = `${setPath}(${id})/${nav.name}`;
    if (nav.kind === 'single') {
      if (navSeg.key !== undefined || path.length > 2) throw errors.querySyntax();
      if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, nav.name);
      const targetId = parentRow.data[nav.field] as string;
      const record = this.presentOne(c, target.set, targetId);
      if (!record) return { status: 204, headers: {}, rows: 0 };
      return this.entityAnswer(req, c, target, record, `${navContext}/$entity`);
    }
    const parent = { field: nav.field, id };
    if (navSeg.key === undefined) {
      if (path.length === 3 && path[2] === '$count') {
        if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, nav.name, 'Collection');
        return this.count(req, c, target, parent);
      }
      if (path.length > 2) throw errors.querySyntax();
      return this.collection(req, apiRoot, c, target, parent, navContext, navPath);
    }
    if (path.length > 2) throw errors.querySyntax();
    const lineId = parseKey(navSeg.key);
    return this.entity(req, c, target, lineId, parent, navContext);
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * The rows a read filters and orders. Stored data serves as is unless the query touches a
   * computed property; `finish` presents the rows of the page that is actually sent.
   */
  private readRows(
    c: Company,
    def: ResourceDef,
    parent: { field: string; id: string } | undefined,
    options?: ReadOptions,
  ): { rows: () => Rec[]; finish: (r: Rec) => Rec; finishSelected?: (r: Rec, select: readonly string[]) => Rec; stored?: boolean } {
    const presented = { rows: (): Rec[] => [], finish: (r: Rec): Rec => r };
    if (parent) return { ...presented, rows: () => this.navResolver(c).lines(def.set, parent.field, parent.id) };
    const computed = COMPUTED[def.set] ?? [];
    const touched = options
      ? [...(options.filter ? referencedProperties(options.filter) : []), ...options.orderby.map((o) => o.property)]
      : computed;
    if (COMPUTED_PER_CUSTOMER.has(def.set) || computed.some((p) => touched.includes(p))) {
      return { ...presented, rows: () => this.presentedRows(c, def) };
    }
    return {
      rows: () => this.sortedRows(c, def).map((r) => r.data as Rec),
      finish: (r) => this.present(c, def.set, c.get(def.set, r.id as string)!),
      finishSelected: (r, select) => this.presentSelected(c, def.set, c.get(def.set, r.id as string)!, select),
      stored: true,
    };
  }

  /** The stored rows a filter keeps, in the default order: from the last read when nothing was written since. */
  private filteredRows(c: Company, def: ResourceDef, all: () => Rec[], filter: FilterNode | undefined, filterText: string): Rec[] {
    const version = c.store.version(def.set);
    const last = this.lastRead;
    if (last && last.store === c.store && last.set === def.set && last.version === version && last.filter === filterText) return last.rows;
    const rows = filter ? all().filter((r) => evaluateFilter(filter, r, 'bc')) : all();
    this.lastRead = { store: c.store, set: def.set, version, filter: filterText, rows };
    return rows;
  }

  /** BC's line and journal-line pages refuse to list without the parent in the filter. */
  private requireParentFilter(def: ResourceDef, options: ReadOptions): void {
    if (!def.lineOf) return;
    const props = options.filter ? referencedProperties(options.filter) : [];
    if (props.includes(def.lineOf.field) || props.includes('id')) return;
    if (def.set === 'customerPayments') throw errors.dialog('You must specify a journal batch ID or a journal ID to get a journal line.');
    throw errors.dialog('You must specify a document id to get the lines.');
  }

  private collection(
    req: InnerRequest,
    apiRoot: string,
    c: Company,
    def: ResourceDef,
    parent: { field: string; id: string } | undefined,
    context: string,
    path: string,
  ): Answer {
    if (req.method === 'POST') {
      const row = c.insert(def.set, req.body ?? {}, { person: false, parentId: parent?.id });
      const record = this.present(c, def.set, row);
      const answer = this.entityAnswer(req, c, def, record, `${context}/$entity`);
      return { ...answer, status: 201, headers: { ...answer.headers, location: `${apiRoot}/${path}(${String(row.data.id)})` } };
    }
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, def.set, 'Collection');
    const options = parseReadOptions(def, req.query);
    checkExpandDeep(def, options.expand, (s) => RESOURCE_BY_SET.get(s)!);
    if (!parent) this.requireParentFilter(def, options);
    const prefer = parsePrefer(req.headers['prefer']);
    if (prefer.invalidMaxPageSize !== undefined) {
      throw errors.badBody(`The odata.maxpagesize preference '${prefer.invalidMaxPageSize}' is not a positive integer.`);
    }
    const source = this.readRows(c, def, parent, options);
    const filterText = req.query.get('$filter') ?? '';
    const result = readPage({
      def,
      ...(source.stored ? { rows: () => this.filteredRows(c, def, source.rows, options.filter, filterText), filtered: true } : { rows: source.rows }),
      finish: source.finish,
      ...(source.finishSelected ? { finishSelected: source.finishSelected } : {}),
      options,
      query: req.query,
      rawQuery: req.rawQuery,
      maxPageSize: prefer.maxPageSize,
      apiRoot,
      path,
      nav: this.navResolver(c),
    });
    const selectPart = options.select ? `(${options.select.join(',')})` : '';
    const body: Rec = { '@odata.context': `${context}${selectPart}` };
    if (result.count !== undefined) body['@odata.count'] = result.count;
    body.value = result.value;
    if (result.nextLink) body['@odata.nextLink'] = result.nextLink;
    const headers: Record<string, string> = {};
    const applied = preferenceApplied({ maxPageSize: prefer.maxPageSize });
    if (applied) headers['preference-applied'] = applied;
    return { status: 200, headers, body, rows: result.value.length };
  }

  private count(req: InnerRequest, c: Company, def: ResourceDef, parent: { field: string; id: string } | undefined): Answer {
    const filter = compileFilter(def, req.query.get('$filter'));
    checkKnownOptions(req.query);
    if (!parent) this.requireParentFilter(def, { filter, orderby: [], count: false, expand: [] });
    const source = this.readRows(c, def, parent, { filter, orderby: [], count: false, expand: [] });
    // Stored rows: the rows the filter keeps are the ones the collection's first page then reads (filteredRows' cache).
    const n = source.stored
      ? this.filteredRows(c, def, source.rows, filter, req.query.get('$filter') ?? '').length
      : filter
        ? source.rows().filter((r) => evaluateFilter(filter, r, 'bc')).length
        : source.rows().length;
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: String(n), rows: 0 };
  }

  private entityAnswer(req: InnerRequest, c: Company, def: ResourceDef, record: Rec, context: string): Answer {
    checkKnownOptions(req.query);
    let select: string[] | undefined;
    let expand;
    try {
      select = parseSelect(req.query.get('$select'));
      expand = parseExpand(req.query.get('$expand'));
    } catch (e) {
      throw errors.querySyntax(e instanceof Error ? e.message : String(e));
    }
    for (const s of select ?? []) if (!(s in def.fields)) throw errors.unknownProperty(s, def.entity);
    checkExpandDeep(def, expand, (s) => RESOURCE_BY_SET.get(s)!);
    const body: Rec = { '@odata.context': context, ...shape(def, record, select, expand, this.navResolver(c)) };
    const headers: Record<string, string> = {};
    if (typeof record['@odata.etag'] === 'string') headers.etag = record['@odata.etag'];
    return { status: 200, headers, body, rows: 1 };
  }

  private checkIfMatch(req: InnerRequest, current: Rec): void {
    const ifMatch = req.headers['if-match'];
    if (ifMatch === undefined || ifMatch.trim() === '') throw errors.missingIfMatch();
    if (ifMatch.trim() === '*') return;
    const wanted = etagOpaque(String(current['@odata.etag']));
    const sent = ifMatch.split(',').map((t) => etagOpaque(t));
    if (!sent.includes(wanted)) throw errors.entityChanged();
  }

  private entity(
    req: InnerRequest,
    c: Company,
    def: ResourceDef,
    id: string,
    parent: { field: string; id: string } | undefined,
    context: string,
  ): Answer {
    const entityContext = `${context}/$entity`;
    if (req.method === 'POST') throw errors.methodNotAllowed('POST', def.set);
    if (req.method === 'PUT') throw errors.methodNotAllowed('PUT', def.set);
    if (req.method === 'PATCH' || req.method === 'DELETE') {
      if (def.readOnly) throw errors.methodNotAllowed(req.method, def.set);
      // BC checks the concurrency token before it looks the record up.
      if (req.headers['if-match'] === undefined || req.headers['if-match'].trim() === '') throw errors.missingIfMatch();
    }
    let current = this.presentOne(c, def.set, id);
    if (!current || (parent && current[parent.field] !== parent.id)) throw errors.recordNotFound(def.caption, id);
    if (req.method === 'GET') return this.entityAnswer(req, c, def, current, entityContext);
    if (req.headers['if-match']!.trim() !== '*' && req.concurrentEdit?.()) {
      c.store.bumpVersion(def.set, id);
      current = this.presentOne(c, def.set, id)!;
    }
    this.checkIfMatch(req, current);
    if (req.method === 'PATCH') {
      const row = c.update(def.set, id, req.body ?? {}, { person: false });
      return this.entityAnswer(req, c, def, this.present(c, def.set, row), entityContext);
    }
    if (req.method === 'DELETE') {
      c.remove(def.set, id, { person: false });
      return { status: 204, headers: {}, rows: 0 };
    }
    throw errors.methodNotAllowed(req.method, def.set);
  }

  private listCompanies(req: InnerRequest, apiRoot: string): Answer {
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, 'companies', 'Collection');
    const def = RESOURCE_BY_SET.get('companies')!;
    const options = parseReadOptions(def, req.query);
    const result = readPage({
      def,
      rows: () => this.companies.map((c) => this.companyRecord(c)),
      options,
      query: req.query,
      rawQuery: req.rawQuery,
      apiRoot,
      path: 'companies',
      nav: this.navResolver(this.companies[0]!),
    });
    const body: Rec = { '@odata.context': `${apiRoot}/$metadata#companies` };
    if (result.count !== undefined) body['@odata.count'] = result.count;
    body.value = result.value;
    return { status: 200, headers: {}, body, rows: result.value.length };
  }

  private singleCompany(req: InnerRequest, c: Company, apiRoot: string): Answer {
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, 'companies');
    const def = RESOURCE_BY_SET.get('companies')!;
    return this.entityAnswer(req, c, def, this.companyRecord(c), `${apiRoot}/$metadata#companies/$entity`);
  }

  private serviceDocument(req: InnerRequest, api: Api, apiRoot: string): Answer {
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method, API_PREFIX[api]);
    const value = RESOURCES.filter((d) => servedBy(d, api)).map((d) => ({ name: d.set, kind: 'EntitySet', url: d.set }));
    return { status: 200, headers: {}, body: { '@odata.context': `${apiRoot}/$metadata`, value }, rows: 0 };
  }
}
