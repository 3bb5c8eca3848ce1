import { z } from 'zod';
import { systemClock, type Clock } from '../../clock.js';
import { ApiError, BcsyncError, ConflictError, ResponseShapeError } from '../../errors.js';
import { bearerAuth } from '../auth/token-provider.js';
import { HttpTransport, type HttpMethod } from '../http/transport.js';
import { checkLimit, JsonRequester, listArguments, type ClientConnectionOptions, type CollectionRead, type ListOptions } from '../http/json-request.js';
import { inFilter, inFilterValue, isGuid, odataGuid, odataString } from '../odata/literals.js';
import { encodeMultipartBatchBytes, decodeMultipartBatch, isMultipart, matchMultipartResults, type MultipartBatchItem } from '../odata/multipart-batch.js';
import { notExecuted, type BatchOperation, type RawBatchResult } from '../odata/batch-types.js';
import { parseCollection, preferHeader, resolveLink, type CollectionPage } from '../odata/pager.js';
import { encodeQueryValue, parseCount, withQuery, type QueryOptions } from '../odata/query.js';
import { recordValidator, validateRecord, type ShapeContext } from '../shape.js';
import { DUPLICATE_KEY_CODES, toDataverseError } from './errors.js';
import type { DataverseTable } from './table.js';
import { tableByEntitySet } from './tables/index.js';
import { mapPool } from '../../util/pool.js';

/**
 * Dataverse Web API v9.2 client (docs/protocols.md §1.1, §2, §3.1, §4.1). Thin: it builds OData requests,
 * sends them through the shared transport and validates answers with the table schemas.
 */

/** Documented maxima (docs/protocols.md §2.4, §3.1). */
export const DATAVERSE_MAX_PAGE_SIZE = 5000;
/** Dataverse answers `$count` with at most this number. */
const DATAVERSE_COUNT_CAP = 5000;
export const DATAVERSE_MAX_BATCH_SIZE = 1000;
/** The longest URL of a request of its own, and of a request inside a `$batch` (docs/protocols.md §2.9). */
export const DATAVERSE_MAX_URL_LENGTH = 32_768;
export const DATAVERSE_MAX_URL_LENGTH_IN_BATCH = 65_536;
/** Kept free below either limit, for what a proxy or another host name may add to a URL we measured. */
const URL_LENGTH_MARGIN = 2_048;

/** Token scope default `<environment origin>/.default`; page size at most 5,000, batch size at most 1,000. */
export interface DataverseClientOptions extends ClientConnectionOptions {
  /** Web API base, e.g. `https://contoso.crm.dynamics.com/api/data/v9.2`. */
  url: string;
}

/** A table definition, or an entity set name (then a schema is given separately). */
export type TableRef = DataverseTable | string;

export interface WhoAmI {
  UserId: string;
  BusinessUnitId: string;
  OrganizationId: string;
}

const whoAmISchema = z.looseObject({ UserId: z.string(), BusinessUnitId: z.string(), OrganizationId: z.string() });

export interface CreateResult<T> {
  id: string;
  /** The created row, with `returnRepresentation`. */
  row?: T;
}

export interface UpsertResult<T> {
  id: string;
  /** Known only with `returnRepresentation` (201 created vs 200 updated); the plain answer is 204 either way. */
  created?: boolean;
  row?: T;
}

export interface ChangeSet<T> {
  /** New and changed rows since the delta token. */
  rows: T[];
  /** Keys of rows deleted since the delta token. */
  deletedIds: string[];
  /** Where to ask for the next changes. */
  deltaLink: string;
}

export type DataverseOperation =
  | { kind: 'create'; table: TableRef; body: Record<string, unknown>; contentId?: string }
  | { kind: 'upsert'; table: TableRef; id: string; body: Record<string, unknown>; ifMatch?: string; ifNoneMatch?: '*'; contentId?: string }
  | { kind: 'update'; table: TableRef; id: string; body: Record<string, unknown>; etag?: string; contentId?: string }
  | { kind: 'delete'; table: TableRef; id: string; etag?: string; contentId?: string }
  | { kind: 'get'; table: TableRef; id: string; query?: QueryOptions }
  /** Any request; `path` relative to the Web API base, or a `$n` Content-ID reference. */
  | { kind: 'raw'; method: HttpMethod; path: string; body?: unknown; headers?: Record<string, string>; contentId?: string };

export interface DataverseBatchResult extends RawBatchResult {
  /** Key of the row a create/upsert wrote (from OData-EntityId), or of the row read. */
  id?: string;
  /** Why the operation did not succeed, classified like any other Dataverse answer. */
  error?: BcsyncError;
}

export interface BatchOptions {
  /** All operations in one changeset: all succeed or none. Must fit in one `$batch` request. */
  atomic?: boolean;
  /** `Prefer: odata.continue-on-error`: run every operation and report each, instead of stopping at the first failure. */
  continueOnError?: boolean;
  /**
   * With `continueOnError`: called once, when the answers to every `$batch` request of the call have arrived (status,
   * headers and body read), before they are decoded; the decoding waits for the promise it returns. The requests
   * hold no slot of the service meanwhile.
   */
  answered?: () => Promise<void>;
}

export interface OptionValue {
  value: number;
  label: string;
}

export interface OptionSetInfo {
  entity: string;
  attribute: string;
  /** Name of the global option set the attribute uses, if it uses one. */
  globalName?: string;
  options: OptionValue[];
}

const labelSchema = z.looseObject({
  UserLocalizedLabel: z.looseObject({ Label: z.string() }).nullable().optional(),
  LocalizedLabels: z.array(z.looseObject({ Label: z.string(), LanguageCode: z.number() })).optional(),
});
const optionSetSchema = z.looseObject({
  Name: z.string().nullable().optional(),
  IsGlobal: z.boolean().nullable().optional(),
  Options: z.array(z.looseObject({ Value: z.number(), Label: labelSchema.nullable().optional() })),
});
const picklistSchema = z.looseObject({
  LogicalName: z.string().optional(),
  OptionSet: optionSetSchema.nullable().optional(),
  GlobalOptionSet: optionSetSchema.nullable().optional(),
});

interface ResolvedTable<T> {
  entitySet: string;
  key: string | undefined;
  schema: z.ZodType<T>;
  alwaysPresent: readonly string[];
}

const looseRow = z.looseObject({});

function lastSegmentKey(entityId: string | undefined): string | undefined {
  if (!entityId) return undefined;
  const inner = /\(([^()]*)\)\s*$/.exec(entityId)?.[1];
  if (inner === undefined) return undefined;
  const value = inner.includes('=') ? inner.slice(inner.indexOf('=') + 1) : inner;
  return value.replace(/^'|'$/g, '');
}

export class DataverseClient {
  readonly url: string;
  readonly scope: string;
  readonly maxPageSize: number;
  readonly batchSize: number;
  readonly transport: HttpTransport;
  private readonly http: JsonRequester;
  private readonly basePath: string;

  constructor(options: DataverseClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    const base = new URL(this.url);
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.scope = options.scope ?? `${base.origin}/.default`;
    this.maxPageSize = checkLimit('Dataverse page size', 'maxPageSize', options.maxPageSize ?? DATAVERSE_MAX_PAGE_SIZE, DATAVERSE_MAX_PAGE_SIZE);
    this.batchSize = checkLimit('Dataverse batch size', 'batchSize', options.batchSize ?? DATAVERSE_MAX_BATCH_SIZE, DATAVERSE_MAX_BATCH_SIZE);
    const clock: Clock = options.clock ?? systemClock;
    this.transport = options.transport ?? new HttpTransport({ ...options.http, api: 'dataverse', baseUrl: this.url, clock });
    this.http = new JsonRequester({
      transport: this.transport,
      auth: bearerAuth(options.tokens, this.scope),
      headers: { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' },
      toError: toDataverseError,
      onResponse: (res) => {
        const hint = Number(res.headers['x-ms-dop-hint']);
        if (Number.isInteger(hint) && hint > 0) this.dopHint = hint;
      },
    });
  }

  /**
   * The degree of parallelism the service last recommended (`x-ms-dop-hint`, docs/protocols.md §5.2); undefined
   * until an answer carried it.
   */
  dopHint: number | undefined;

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** The calling user (for the application user: its systemuserid), business unit and organization. */
  async whoAmI(): Promise<WhoAmI> {
    const res = await this.http.send({ method: 'GET', url: `${this.url}/WhoAmI`, kind: 'read' }, 'GET WhoAmI');
    const parsed = whoAmISchema.safeParse(res.json());
    if (!parsed.success) {
      throw new ResponseShapeError('WhoAmI', undefined, String(parsed.error.issues[0]?.path[0] ?? '(body)'), 'is missing or invalid');
    }
    return { UserId: parsed.data.UserId, BusinessUnitId: parsed.data.BusinessUnitId, OrganizationId: parsed.data.OrganizationId };
  }

  /** Pages of rows (at most maxPageSize each), following @odata.nextLink. */
  list<S extends z.ZodType>(table: DataverseTable<S>, query?: QueryOptions, options?: ListOptions): AsyncIterable<Array<z.infer<S>>>;
  list<S extends z.ZodType>(entitySet: string, query: QueryOptions | undefined, schema: S, options?: ListOptions): AsyncIterable<Array<z.infer<S>>>;
  list(
    table: TableRef,
    query?: QueryOptions,
    schemaOrOptions?: z.ZodType | ListOptions,
    maybeOptions?: ListOptions,
  ): AsyncIterable<unknown[]> {
    const { schema, options } = listArguments(schemaOrOptions, maybeOptions);
    const resolved = this.resolve(table, schema);
    const pageSize = this.pageSize(options?.maxPageSize);
    return this.pages(resolved, withQuery(`${this.url}/${resolved.entitySet}`, query), query?.select, preferHeader([`odata.maxpagesize=${pageSize}`]));
  }

  /**
   * The rows whose `key` is one of `ids`, in no particular order (missing ids are simply absent; docs/protocols.md
   * §2.9, §3.1). The ids go into `Microsoft.Dynamics.CRM.In` filters, each as long as a URL inside a `$batch` may
   * be (64 KB, less a margin) and at most a page's worth, so every read is answered in one page. One such read
   * whose URL fits in 32 KB is a plain GET; more go as GET parts of `$batch` requests (no change set), up to
   * batchSize parts each and `parallel` batches in flight: each batch is one request against the request limit.
   */
  async listByIds<S extends z.ZodType>(
    table: TableRef,
    key: string,
    ids: readonly string[],
    query: Pick<QueryOptions, 'select'>,
    schema?: S,
    options: { parallel?: number } = {},
  ): Promise<Array<z.infer<S>>> {
    const resolved = this.resolve(table, schema) as ResolvedTable<z.infer<S>>;
    const unique = [...new Set(ids.map((id) => (isGuid(id) ? odataGuid(id) : id)))];
    if (unique.length === 0) return [];
    const path = (filter: string): string => withQuery(resolved.entitySet, { select: query.select, filter });
    const filters = this.idFilters(key, unique, (filter) => `${this.url}/${path(filter)}`.length);
    const prefer = preferHeader([`odata.maxpagesize=${this.maxPageSize}`]) as string;
    if (filters.length === 1 && `${this.url}/${path(filters[0]!)}`.length <= DATAVERSE_MAX_URL_LENGTH - URL_LENGTH_MARGIN) {
      const rows: Array<z.infer<S>> = [];
      for await (const page of this.pages(resolved, `${this.url}/${path(filters[0]!)}`, query.select, prefer)) rows.push(...page);
      return rows;
    }
    const batches: string[][] = [];
    for (let i = 0; i < filters.length; i += this.batchSize) batches.push(filters.slice(i, i + this.batchSize).map(path));
    const found = await mapPool(batches, Math.max(1, options.parallel ?? 1), (paths) => this.readInBatches(resolved, paths, query.select, prefer));
    return found.flat();
  }

  /**
   * `In` filters over `ids` (each a valid `PropertyValues` entry), each with at most maxPageSize ids and a URL, as
   * `urlLength` measures it, within the in-batch limit less the margin.
   */
  private idFilters(key: string, ids: readonly string[], urlLength: (filter: string) => number): string[] {
    const budget = DATAVERSE_MAX_URL_LENGTH_IN_BATCH - URL_LENGTH_MARGIN - urlLength(inFilter(key, []));
    const filters: string[] = [];
    let chunk: string[] = [];
    let used = 0;
    for (const id of ids) {
      // Percent-encoding works character by character: an id costs its own encoded length and a comma.
      const cost = encodeQueryValue(inFilterValue(id)).length + 1;
      if (chunk.length > 0 && (used + cost > budget || chunk.length === this.maxPageSize)) {
        filters.push(inFilter(key, chunk));
        chunk = [];
        used = 0;
      }
      chunk.push(id);
      used += cost;
    }
    filters.push(inFilter(key, chunk));
    return filters;
  }

  /** Collection reads as the GET parts of one `$batch`; a part answered with a nextLink is read on in the next one. */
  private async readInBatches<T>(resolved: ResolvedTable<T>, paths: readonly string[], select: readonly string[] | undefined, prefer: string): Promise<T[]> {
    const rows: T[] = [];
    const seen = new Set<string>();
    let pending = [...paths];
    while (pending.length > 0) {
      const operations: DataverseOperation[] = pending.map((p) => ({ kind: 'raw', method: 'GET', path: p, headers: { Prefer: prefer } }));
      const results = await this.sendBatch(operations, {});
      pending = [];
      for (const r of results) {
        if (!r.ok) {
          if (r.outcome === 'not-executed') continue;
          throw toDataverseError({ status: r.status, headers: r.headers, body: r.body }, `GET ${resolved.entitySet} by id in $batch`);
        }
        let page: CollectionPage;
        try {
          page = parseCollection(r.body);
        } catch (err) {
          throw new ResponseShapeError(resolved.entitySet, undefined, 'value', err instanceof Error ? err.message : String(err));
        }
        for (const row of page.value) rows.push(this.validate(resolved, row, select));
        if (page.nextLink === undefined) continue;
        const link = resolveLink(page.nextLink, this.url);
        if (!link.startsWith(`${this.url}/`) || seen.has(link)) {
          throw new ResponseShapeError(resolved.entitySet, undefined, '@odata.nextLink', `is not a new link under ${this.url} (${link.slice(0, 200)})`);
        }
        seen.add(link);
        pending.push(link.slice(this.url.length + 1));
      }
      // Without continue-on-error the service stops at a failure, answered above; parts it never ran leave none.
      if (results.some((r) => r.outcome === 'not-executed')) {
        throw new BcsyncError(`Dataverse did not run every read of a $batch of ${resolved.entitySet} by id; run again.`);
      }
    }
    return rows;
  }

  /**
   * `GET <entity set>/$count` (with the query's `$filter`): how many rows match, in one request. Dataverse caps
   * the answer at 5,000 (docs/protocols.md §2.2): `capped` says the real number may be larger.
   */
  async count(table: TableRef, query?: Pick<QueryOptions, 'filter'>): Promise<{ count: number; capped: boolean }> {
    const resolved = this.resolve(table, undefined);
    const url = withQuery(`${this.url}/${resolved.entitySet}/$count`, query?.filter ? { filter: query.filter } : undefined);
    const res = await this.http.send({ method: 'GET', url, kind: 'read', headers: { Accept: 'text/plain' } }, `GET ${resolved.entitySet}/$count`);
    const count = parseCount(res.text(), `${resolved.entitySet}/$count`);
    return { count, capped: count >= DATAVERSE_COUNT_CAP };
  }

  async get<S extends z.ZodType>(table: DataverseTable<S>, id: string, query?: QueryOptions): Promise<z.infer<S>>;
  async get<S extends z.ZodType>(entitySet: string, id: string, query: QueryOptions | undefined, schema: S): Promise<z.infer<S>>;
  async get(table: TableRef, id: string, query?: QueryOptions, schema?: z.ZodType): Promise<unknown> {
    const resolved = this.resolve(table, schema);
    const path = `${resolved.entitySet}(${odataGuid(id)})`;
    const res = await this.http.send({ method: 'GET', url: withQuery(`${this.url}/${path}`, query), kind: 'read' }, `GET ${path}`);
    return this.validate(resolved, res.json(), query?.select);
  }

  /**
   * POST a new row: 204 + OData-EntityId, or 201 + the row with `returnRepresentation`.
   * When the body carries the primary key (client-chosen id), a repeat after a lost answer cannot duplicate
   * the row, so the transport may retry; a "record exists" answer to such a repeat means the first attempt landed.
   */
  async create<S extends z.ZodType>(
    table: DataverseTable<S>,
    body: Record<string, unknown>,
    options?: { returnRepresentation?: boolean; select?: readonly string[] },
  ): Promise<CreateResult<z.infer<S>>>;
  async create(
    table: string,
    body: Record<string, unknown>,
    options?: { returnRepresentation?: boolean; select?: readonly string[] },
  ): Promise<CreateResult<Record<string, unknown>>>;
  async create(
    table: TableRef,
    body: Record<string, unknown>,
    options: { returnRepresentation?: boolean; select?: readonly string[] } = {},
  ): Promise<CreateResult<unknown>> {
    const resolved = this.resolve(table, undefined);
    const chosenKey = resolved.key !== undefined && typeof body[resolved.key] === 'string' ? (body[resolved.key] as string) : undefined;
    const headers: Record<string, string> = {};
    if (options.returnRepresentation) headers['Prefer'] = 'return=representation';
    const url = withQuery(`${this.url}/${resolved.entitySet}`, options.select ? { select: options.select } : undefined);
    const res = await this.http.exchange(
      { method: 'POST', url, kind: 'create', headers, body, idempotent: chosenKey !== undefined },
    );
    if (res.status >= 400) {
      const error = this.http.failure(res, `POST ${resolved.entitySet}`, `${this.url}/${resolved.entitySet}`);
      // A repeated create with our own key that finds the row: the first attempt landed before its answer was lost.
      const duplicate = error instanceof ApiError && error.serviceCode !== undefined && DUPLICATE_KEY_CODES.has(error.serviceCode);
      if (chosenKey !== undefined && res.attempts > 1 && (duplicate || (error instanceof ConflictError && /already exists/i.test(error.message)))) {
        return { id: chosenKey.toLowerCase() };
      }
      throw error;
    }
    if (res.status === 201 || (res.status === 200 && res.bodyBytes > 0)) {
      const row = this.validate(resolved, res.json(), options.select);
      const id = (resolved.key ? (row as Record<string, unknown>)[resolved.key] : undefined) ?? lastSegmentKey(res.headers['odata-entityid']);
      if (typeof id !== 'string') throw new ResponseShapeError(resolved.entitySet, undefined, resolved.key ?? 'OData-EntityId', 'is missing');
      return { id, row };
    }
    const id = lastSegmentKey(res.headers['odata-entityid'] ?? res.headers['location']) ?? chosenKey;
    if (id === undefined) throw new ResponseShapeError(resolved.entitySet, undefined, 'OData-EntityId', 'is missing from the create answer');
    return { id };
  }

  /**
   * PATCH to a key: create-or-update (idempotent, so safe to repeat). `ifMatch: '*'` = update only (404 when
   * missing), `ifMatch: <etag>` = update only that version (412 when changed), `ifNoneMatch: '*'` = create only
   * (412 when it exists).
   */
  async upsert<S extends z.ZodType>(
    table: DataverseTable<S> | string,
    id: string,
    body: Record<string, unknown>,
    options: { ifMatch?: string; ifNoneMatch?: '*'; returnRepresentation?: boolean; select?: readonly string[] } = {},
  ): Promise<UpsertResult<z.infer<S>>> {
    const resolved = this.resolve(table, undefined);
    const path = `${resolved.entitySet}(${odataGuid(id)})`;
    const headers: Record<string, string> = {};
    if (options.ifMatch !== undefined) headers['If-Match'] = options.ifMatch;
    if (options.ifNoneMatch !== undefined) headers['If-None-Match'] = options.ifNoneMatch;
    if (options.returnRepresentation) headers['Prefer'] = 'return=representation';
    const url = withQuery(`${this.url}/${path}`, options.select ? { select: options.select } : undefined);
    const res = await this.http.send({ method: 'PATCH', url, kind: 'update', headers, body, idempotent: true }, `PATCH ${path}`);
    const result: UpsertResult<z.infer<S>> = { id: odataGuid(id) };
    if (res.bodyBytes > 0 && (res.status === 200 || res.status === 201)) {
      result.row = this.validate(resolved, res.json(), options.select) as z.infer<S>;
      result.created = res.status === 201;
    }
    return result;
  }

  /** Update an existing row; with `etag` only if it is still that version (else ConflictError). */
  async update(table: TableRef, id: string, body: Record<string, unknown>, options: { etag?: string } = {}): Promise<void> {
    await this.upsert(table, id, body, { ifMatch: options.etag ?? '*' });
  }

  async delete(table: TableRef, id: string, options: { etag?: string } = {}): Promise<void> {
    const resolved = this.resolve(table, undefined);
    const path = `${resolved.entitySet}(${odataGuid(id)})`;
    const headers: Record<string, string> = {};
    if (options.etag !== undefined) headers['If-Match'] = options.etag;
    await this.http.send({ method: 'DELETE', url: `${this.url}/${path}`, kind: 'delete', headers }, `DELETE ${path}`);
  }

  /**
   * Runs operations through `$batch`, at most batchSize per request; one result per operation, in order.
   * Without continueOnError the service stops at the first failure and so do we: later requests are not sent.
   */
  async batch(operations: readonly DataverseOperation[], options: BatchOptions = {}): Promise<DataverseBatchResult[]> {
    if (operations.length === 0) return [];
    if (options.atomic && operations.length > this.batchSize) {
      throw new BcsyncError(
        `An atomic Dataverse batch of ${operations.length} operations does not fit in one $batch request (at most ${this.batchSize}); split the work into independent parts.`,
      );
    }
    const chunks: DataverseOperation[][] = [];
    for (let i = 0; i < operations.length; i += this.batchSize) chunks.push(operations.slice(i, i + this.batchSize));
    if (options.continueOnError) {
      const answered = options.answered && whenAll(chunks.length, options.answered);
      const results = await Promise.all(chunks.map((chunk) => this.sendBatch(chunk, { ...options, answered })));
      return results.flat();
    }
    const results: DataverseBatchResult[] = [];
    let stopped = false;
    for (const chunk of chunks) {
      if (stopped) {
        results.push(...chunk.map(() => notSent()));
        continue;
      }
      // One after another: an answer is decoded before the next request leaves, nothing waits.
      const chunkResults = await this.sendBatch(chunk, { ...options, answered: undefined });
      results.push(...chunkResults);
      stopped = chunkResults.some((r) => !r.ok);
    }
    return results;
  }

  /** Initial change-tracking read: every row now, plus the delta link for later. */
  async trackChanges<S extends z.ZodType>(table: DataverseTable<S>, select: readonly string[], options?: { limit?: number }): Promise<ChangeSet<z.infer<S>>> {
    const resolved = this.resolve(table, undefined);
    const url = withQuery(`${this.url}/${resolved.entitySet}`, { select });
    return this.collectChanges(resolved, url, select, options?.limit) as Promise<ChangeSet<z.infer<S>>>;
  }

  /** Changes and deletions since `deltaLink` was issued, and the next delta link. */
  async readDelta<S extends z.ZodType>(table: DataverseTable<S>, deltaLink: string, options?: { limit?: number }): Promise<ChangeSet<z.infer<S>>> {
    const resolved = this.resolve(table, undefined);
    const select = new URL(resolveLink(deltaLink, this.url)).searchParams.get('$select')?.split(',').filter(Boolean);
    return this.collectChanges(resolved, deltaLink, select, options?.limit) as Promise<ChangeSet<z.infer<S>>>;
  }

  /** Options of a choice (picklist) column, from metadata; used by the option-set mappings. */
  async getOptionSet(entity: string, attribute: string): Promise<OptionSetInfo> {
    const path =
      `EntityDefinitions(LogicalName=${odataString(entity)})/Attributes(LogicalName=${odataString(attribute)})` +
      '/Microsoft.Dynamics.CRM.PicklistAttributeMetadata';
    const url = `${this.url}/${path}?$select=LogicalName&$expand=OptionSet($select=Name,IsGlobal,Options),GlobalOptionSet($select=Name,IsGlobal,Options)`;
    const res = await this.http.send({ method: 'GET', url, kind: 'read' }, `GET ${entity}.${attribute} option set`);
    const parsed = picklistSchema.safeParse(res.json());
    if (!parsed.success) {
      throw new ResponseShapeError(`${entity}.${attribute} metadata`, undefined, parsed.error.issues[0]?.path.map(String).join('.') ?? 'OptionSet', 'is missing or invalid');
    }
    const set = parsed.data.OptionSet ?? parsed.data.GlobalOptionSet;
    if (!set) throw new ResponseShapeError(`${entity}.${attribute} metadata`, undefined, 'OptionSet', 'is missing');
    const info: OptionSetInfo = {
      entity,
      attribute,
      options: set.Options.map((o) => ({
        value: o.Value,
        label: o.Label?.UserLocalizedLabel?.Label ?? o.Label?.LocalizedLabels?.[0]?.Label ?? '',
      })),
    };
    const globalName = set.IsGlobal ? set.Name : parsed.data.GlobalOptionSet?.Name;
    if (globalName) info.globalName = globalName;
    return info;
  }

  /** Adds an option to a choice column (or to a global option set when `optionSetName` is given); returns its value. */
  async insertOptionValue(input: {
    entity?: string;
    attribute?: string;
    optionSetName?: string;
    label: string;
    value?: number;
    languageCode?: number;
    solutionUniqueName?: string;
  }): Promise<number> {
    const body: Record<string, unknown> = { Label: labelBody(input.label, input.languageCode ?? 1033) };
    Object.assign(body, optionTarget(input));
    if (input.value !== undefined) body['Value'] = input.value;
    if (input.solutionUniqueName) body['SolutionUniqueName'] = input.solutionUniqueName;
    const res = await this.http.send({ method: 'POST', url: `${this.url}/InsertOptionValue`, kind: 'action', body }, 'POST InsertOptionValue');
    const parsed = z.looseObject({ NewOptionValue: z.number() }).safeParse(res.json());
    if (!parsed.success) throw new ResponseShapeError('InsertOptionValue', undefined, 'NewOptionValue', 'is missing');
    return parsed.data.NewOptionValue;
  }

  /** Relabels an option. */
  async updateOptionValue(input: {
    entity?: string;
    attribute?: string;
    optionSetName?: string;
    value: number;
    label: string;
    languageCode?: number;
    mergeLabels?: boolean;
    solutionUniqueName?: string;
  }): Promise<void> {
    const body: Record<string, unknown> = {
      Value: input.value,
      Label: labelBody(input.label, input.languageCode ?? 1033),
      MergeLabels: input.mergeLabels ?? true,
    };
    Object.assign(body, optionTarget(input));
    if (input.solutionUniqueName) body['SolutionUniqueName'] = input.solutionUniqueName;
    await this.http.send({ method: 'POST', url: `${this.url}/UpdateOptionValue`, kind: 'action', body, idempotent: true }, 'POST UpdateOptionValue');
  }

  /**
   * `FulfillSalesOrder`: the only way to a sales order's Fulfilled state (a PATCH of statecode is refused). The
   * action records an order close activity bound to the order; `status` is a Fulfilled status code, or -1 for the
   * state's default (Complete). Not idempotent: a repeat on a fulfilled order is refused, so it is sent once.
   */
  async fulfillSalesOrder(orderId: string, options: { status?: number; subject?: string } = {}): Promise<void> {
    const close: Record<string, unknown> = { 'salesorderid@odata.bind': `/salesorders(${odataGuid(orderId)})` };
    if (options.subject !== undefined) close['subject'] = options.subject;
    const body = { OrderClose: close, Status: options.status ?? -1 };
    await this.http.send({ method: 'POST', url: `${this.url}/FulfillSalesOrder`, kind: 'action', body }, 'POST FulfillSalesOrder');
  }

  /** Names of the security roles assigned to a user (setup check: the application user needs one). */
  async userRoles(userId: string): Promise<string[]> {
    const path = `systemusers(${odataGuid(userId)})/systemuserroles_association`;
    const names: string[] = [];
    const schema = z.looseObject({ roleid: z.string(), name: z.string().nullable().optional() });
    const resolved: ResolvedTable<z.infer<typeof schema>> = { entitySet: 'roles', key: 'roleid', schema, alwaysPresent: [] };
    for await (const page of this.pages(resolved, `${this.url}/${path}?$select=name,roleid`, ['name'], preferHeader([`odata.maxpagesize=${this.maxPageSize}`]))) {
      for (const row of page) if (row.name) names.push(row.name);
    }
    return names;
  }

  // ---- internals ----

  private pageSize(requested: number | undefined): number {
    if (requested === undefined) return this.maxPageSize;
    return checkLimit('Dataverse page size', 'maxPageSize', requested, DATAVERSE_MAX_PAGE_SIZE);
  }

  private resolve<T>(table: TableRef, schema: z.ZodType<T> | undefined): ResolvedTable<T> {
    if (typeof table === 'string') {
      const known = tableByEntitySet(table);
      return {
        entitySet: table,
        key: known?.key,
        schema: (schema ?? known?.schema ?? looseRow) as z.ZodType<T>,
        alwaysPresent: schema ? (known ? [known.key] : []) : (known?.alwaysPresent ?? []),
      };
    }
    return { entitySet: table.entitySet, key: table.key, schema: (schema ?? table.schema) as z.ZodType<T>, alwaysPresent: table.alwaysPresent };
  }

  private validate<T>(resolved: ResolvedTable<T>, row: unknown, select: readonly string[] | undefined): T {
    return this.validator(resolved, select)(row);
  }

  /** The check of every row of one query, prepared once. */
  private validator<T>(resolved: ResolvedTable<T>, select: readonly string[] | undefined): (row: unknown) => T {
    const context: ShapeContext = { resource: resolved.entitySet, alwaysPresent: resolved.alwaysPresent };
    if (resolved.key !== undefined) context.key = resolved.key;
    if (select !== undefined) context.select = select;
    return recordValidator(resolved.schema, context);
  }

  private pages<T>(resolved: ResolvedTable<T>, firstUrl: string, select: readonly string[] | undefined, prefer: string | undefined): AsyncIterable<T[]> {
    const read: CollectionRead = { url: firstUrl, headers: prefer ? { Prefer: prefer } : {}, serviceRoot: this.url, action: `GET ${resolved.entitySet}`, resource: resolved.entitySet };
    return this.http.rows(read, this.validator(resolved, select));
  }

  private async collectChanges<T>(resolved: ResolvedTable<T>, url: string, select: readonly string[] | undefined, limit: number | undefined): Promise<ChangeSet<T>> {
    const headers = { Prefer: preferHeader(['odata.track-changes', `odata.maxpagesize=${this.maxPageSize}`]) as string };
    const rows: T[] = [];
    const deletedIds: string[] = [];
    let deltaLink: string | undefined;
    const pages = this.http.collection({ url, headers, serviceRoot: this.url, action: `GET ${resolved.entitySet} (changes)`, resource: resolved.entitySet });
    const validate = this.validator(resolved, select);
    for await (const page of pages) {
      for (const row of page.value) {
        const deleted = deletedKey(row, resolved.key);
        if (deleted !== undefined) deletedIds.push(deleted);
        else rows.push(validate(row));
      }
      if (limit !== undefined && rows.length + deletedIds.length > limit) {
        throw new BcsyncError(`${resolved.entitySet}: more than ${limit} changes; read them in smaller steps.`);
      }
      if (page.deltaLink) deltaLink = page.deltaLink;
    }
    if (deltaLink === undefined) {
      throw new ResponseShapeError(resolved.entitySet, undefined, '@odata.deltaLink', 'is missing: change tracking may not be enabled for this table');
    }
    return { rows, deletedIds, deltaLink };
  }

  private toOperation(op: DataverseOperation): BatchOperation {
    const withContentId = (o: BatchOperation, contentId: string | undefined): BatchOperation =>
      contentId === undefined ? o : { ...o, contentId };
    if (op.kind === 'raw') {
      // No regular expression per operation unless the path starts with a slash to drop.
      const url = op.path.startsWith('$') ? op.path : `${this.basePath}/${op.path.startsWith('/') ? op.path.replace(/^\/+/, '') : op.path}`;
      const o: BatchOperation = { method: op.method, url };
      if (op.body !== undefined) o.body = op.body;
      if (op.headers) o.headers = op.headers;
      return withContentId(o, op.contentId);
    }
    const entitySet = typeof op.table === 'string' ? op.table : op.table.entitySet;
    switch (op.kind) {
      case 'create':
        return withContentId({ method: 'POST', url: `${this.basePath}/${entitySet}`, body: op.body }, op.contentId);
      case 'upsert': {
        const headers: Record<string, string> = {};
        if (op.ifMatch !== undefined) headers['If-Match'] = op.ifMatch;
        if (op.ifNoneMatch !== undefined) headers['If-None-Match'] = op.ifNoneMatch;
        return withContentId({ method: 'PATCH', url: `${this.basePath}/${entitySet}(${odataGuid(op.id)})`, body: op.body, headers }, op.contentId);
      }
      case 'update':
        return withContentId(
          { method: 'PATCH', url: `${this.basePath}/${entitySet}(${odataGuid(op.id)})`, body: op.body, headers: { 'If-Match': op.etag ?? '*' } },
          op.contentId,
        );
      case 'delete': {
        const o: BatchOperation = { method: 'DELETE', url: `${this.basePath}/${entitySet}(${odataGuid(op.id)})` };
        if (op.etag !== undefined) o.headers = { 'If-Match': op.etag };
        return withContentId(o, op.contentId);
      }
      case 'get':
        return { method: 'GET', url: withQuery(`${this.basePath}/${entitySet}(${odataGuid(op.id)})`, op.query) };
    }
  }

  private async sendBatch(chunk: readonly DataverseOperation[], options: BatchOptions): Promise<DataverseBatchResult[]> {
    const operations = chunk.map((op) => this.toOperation(op));
    const items: MultipartBatchItem[] = options.atomic ? [{ changeset: operations }] : operations;
    let encoded: { contentType: string; body: Buffer } | undefined = encodeForWire(items);
    // The bodies are bytes now: a batch in flight (52 at once, 1,000 operations each) holds no caller's values.
    for (const o of operations) o.body = undefined;
    // Repeating the whole batch is safe only if every operation in it is.
    const idempotent = operations.every(
      (o) => o.method === 'GET' || o.method === 'PATCH' || (o.method === 'DELETE' && o.headers?.['If-Match'] !== undefined),
    );
    const headers: Record<string, string> = { 'Content-Type': encoded.contentType };
    if (options.continueOnError) headers['Prefer'] = 'odata.continue-on-error';
    const action = `POST $batch (${operations.length} operations)`;
    const res = await this.exchangeBatch(headers, encoded.body, idempotent);
    encoded = undefined;
    // The answer waits (its bytes, not the request's) until the caller has time to read it.
    if (options.answered) await options.answered();
    const contentType = res.headers['content-type'];
    if (!isMultipart(contentType)) {
      if (res.status >= 400) throw this.http.failure(res, action);
      throw new ResponseShapeError('$batch', undefined, 'Content-Type', `is "${contentType ?? ''}", not multipart/mixed`);
    }
    let raw: RawBatchResult[];
    try {
      raw = matchMultipartResults(items, decodeMultipartBatch(contentType as string, res.text()));
    } catch (err) {
      throw new ResponseShapeError('$batch', undefined, 'body', `could not be decoded (${err instanceof Error ? err.message : String(err)})`);
    }
    return raw.map((r, index) => this.toBatchResult(r, chunk[index] as DataverseOperation));
  }

  /** A `$batch` request sent; a function of its own, so nothing waiting for the answer keeps the request's bytes. */
  private exchangeBatch(headers: Record<string, string>, body: Buffer, idempotent: boolean) {
    return this.http.exchange({ method: 'POST', url: `${this.url}/$batch`, kind: 'batch', headers, body, idempotent });
  }

  private toBatchResult(raw: RawBatchResult, op: DataverseOperation): DataverseBatchResult {
    // Each raw result is made afresh for its operation (matchMultipartResults): completed in place, not copied.
    const result: DataverseBatchResult = raw;
    const target = op.kind === 'raw' ? op.path : `${typeof op.table === 'string' ? op.table : op.table.entitySet}`;
    if (raw.ok) {
      const fromHeader = lastSegmentKey(raw.headers['odata-entityid'] ?? raw.headers['location']);
      const key = op.kind === 'raw' ? undefined : this.resolve(op.table, undefined).key;
      const fromBody = key && raw.body && typeof raw.body === 'object' ? (raw.body as Record<string, unknown>)[key] : undefined;
      const id = fromHeader ?? (typeof fromBody === 'string' ? fromBody : undefined) ?? ('id' in op ? odataGuid(op.id) : undefined);
      if (id !== undefined) result.id = id;
      if (op.kind === 'get' && raw.body !== undefined) result.body = this.validate(this.resolve(op.table, undefined), raw.body, op.query?.select);
      return result;
    }
    const action = `${op.kind} ${target} in $batch`;
    if (raw.outcome === 'not-executed') {
      result.error = new BcsyncError(`Not executed: an earlier operation of the Dataverse batch failed and the batch stopped (${action}). Fix that failure and run again.`);
    } else if (raw.outcome === 'rolled-back') {
      const cause = toDataverseError({ status: raw.status, headers: raw.headers, body: raw.body }, action);
      result.error = new ApiError(
        `Rolled back: another operation in the same Dataverse changeset failed (${action}). Fix that failure and run again. ${cause.message}`,
        'dataverse',
        raw.status,
        cause instanceof ApiError ? cause.serviceCode : undefined,
        cause instanceof ApiError ? cause.requestId : undefined,
      );
    } else {
      result.error = toDataverseError({ status: raw.status, headers: raw.headers, body: raw.body, url: op.kind === 'raw' ? op.path : op.kind === 'create' ? target : undefined }, action);
    }
    return result;
  }
}

/**
 * The batch as UTF-8 bytes, written as such (no megabyte string first): the body is held until the answer
 * arrives, and as bytes outside V8's heap it is half the size of a two-byte string.
 */
function encodeForWire(items: readonly MultipartBatchItem[]): { contentType: string; body: Buffer } {
  const encoded = encodeMultipartBatchBytes(items);
  return { contentType: encoded.contentType, body: encoded.body };
}

/** `answered` once `n` requests have called the function returned; each of them waits for it. */
function whenAll(n: number, answered: () => Promise<void>): () => Promise<void> {
  let left = n;
  let arrived!: () => void;
  const turn = new Promise<void>((resolve) => (arrived = resolve)).then(answered);
  return () => {
    if (--left === 0) arrived();
    return turn;
  };
}

function notSent(): DataverseBatchResult {
  return {
    ...notExecuted(),
    error: new BcsyncError('Not executed: an earlier Dataverse batch request failed, so the following ones were not sent. Fix that failure and run again.'),
  };
}

function deletedKey(row: unknown, key: string | undefined): string | undefined {
  if (!row || typeof row !== 'object') return undefined;
  const r = row as Record<string, unknown>;
  const context = r['@odata.context'];
  const isDeleted = (typeof context === 'string' && context.endsWith('$deletedEntity')) || '@removed' in r;
  if (!isDeleted) return undefined;
  const id = r['id'] ?? (key ? r[key] : undefined) ?? lastSegmentKey(typeof r['@id'] === 'string' ? r['@id'] : undefined);
  return typeof id === 'string' ? id : undefined;
}

function labelBody(label: string, languageCode: number): Record<string, unknown> {
  return {
    '@odata.type': 'Microsoft.Dynamics.CRM.Label',
    LocalizedLabels: [{ '@odata.type': 'Microsoft.Dynamics.CRM.LocalizedLabel', Label: label, LanguageCode: languageCode }],
  };
}

function optionTarget(input: { entity?: string; attribute?: string; optionSetName?: string }): Record<string, string> {
  if (input.optionSetName) return { OptionSetName: input.optionSetName };
  if (input.entity && input.attribute) return { EntityLogicalName: input.entity, AttributeLogicalName: input.attribute };
  throw new BcsyncError('An option value needs either optionSetName or entity and attribute.');
}
