import { z } from 'zod';
import { systemClock, type Clock } from '../../clock.js';
import { ApiError, BcsyncError, ConfigError, ResponseShapeError } from '../../errors.js';
import { bearerAuth, type TokenSource } from '../auth/token-provider.js';
import { HttpTransport } from '../http/transport.js';
import { checkLimit, JsonRequester, listArguments, type ClientConnectionOptions, type CollectionRead, type ListOptions } from '../http/json-request.js';
import { notExecuted, type BatchOperation, type RawBatchResult } from '../odata/batch-types.js';
import { decodeJsonBatch, encodeJsonBatch, matchJsonResults } from '../odata/json-batch.js';
import { odataGuid } from '../odata/literals.js';
import { preferHeader } from '../odata/pager.js';
import { parseCount, withQuery, type QueryOptions } from '../odata/query.js';
import { recordValidator, type ShapeContext } from '../shape.js';
import { toBcError } from './errors.js';
import { isNested, type BcResource, type BcTarget } from './resource.js';
import { companies as companiesResource, type CompaniesRow } from './resources/companies.js';

/**
 * Business Central API v2.0 client (docs/protocols.md §1.2, §2, §3.2, §6.2), plus the bcsync/integration/v1.0
 * custom API for what v2.0 lacks (docs/custom-api.md). Thin: OData requests through the shared transport,
 * answers validated with the resource schemas.
 */

export const BC_MAX_PAGE_SIZE = 20_000;
export const BC_MAX_BATCH_SIZE = 100;
export const BC_DEFAULT_SCOPE = 'https://api.businesscentral.dynamics.com/.default';

/**
 * Sent on every GET: Business Central may then answer from a read-only replica (read scale-out), which keeps
 * our reads off the primary database (docs/protocols.md §2.1: ReadOnly only on GET). Writes never send it.
 */
const READ_ONLY_INTENT = { 'Data-Access-Intent': 'ReadOnly' } as const;

/** Page size at most BC_MAX_PAGE_SIZE, JSON `$batch` size at most BC_MAX_BATCH_SIZE. */
export interface BcClientOptions extends ClientConnectionOptions {
  /** API v2.0 base: `https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0`. */
  url: string;
  /** Custom API base: `.../api/bcsync/integration/v1.0`; default derived from `url`. */
  customUrl?: string;
  companyId?: string;
}

export type BcOperation =
  | { kind: 'create'; target: BcTarget; body: Record<string, unknown> }
  | { kind: 'update'; target: BcTarget; id: string; body: Record<string, unknown>; etag: string }
  | { kind: 'delete'; target: BcTarget; id: string; etag: string }
  | { kind: 'get'; target: BcTarget; id: string; query?: QueryOptions }
  | { kind: 'action'; target: BcTarget; id: string; action: string };

export interface BcBatchResult extends RawBatchResult {
  /** `id` of the record created, updated or read. */
  id?: string;
  error?: BcsyncError;
}

export interface BcBatchOptions {
  /** `Isolation: snapshot`: the batch is one transaction; any failure rolls back every operation. Must fit in one request. */
  atomic?: boolean;
  /** `Prefer: odata.continue-on-error`: run every operation instead of stopping at the first failure. */
  continueOnError?: boolean;
}

interface Resolved<T> {
  resource: BcResource;
  schema: z.ZodType<T>;
  alwaysPresent: readonly string[];
  /** URL of the collection, absolute. */
  collectionUrl: string;
  /** The same, relative to the API root (for $batch). */
  relativePath: string;
  apiRoot: string;
  label: string;
}

export class BcClient {
  readonly url: string;
  readonly customUrl: string;
  readonly companyId: string | undefined;
  readonly scope: string;
  readonly maxPageSize: number;
  readonly batchSize: number;
  readonly transport: HttpTransport;
  private readonly http: JsonRequester;
  private readonly tokens: TokenSource;

  constructor(options: BcClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.customUrl = (options.customUrl ?? this.url.replace(/\/api\/v2\.0$/, '/api/bcsync/integration/v1.0')).replace(/\/+$/, '');
    this.companyId = options.companyId === undefined ? undefined : odataGuid(options.companyId);
    this.scope = options.scope ?? BC_DEFAULT_SCOPE;
    this.maxPageSize = checkLimit('Business Central page size', 'maxPageSize', options.maxPageSize ?? BC_MAX_PAGE_SIZE, BC_MAX_PAGE_SIZE);
    this.batchSize = checkLimit('Business Central batch size', 'batchSize', options.batchSize ?? BC_MAX_BATCH_SIZE, BC_MAX_BATCH_SIZE);
    const clock: Clock = options.clock ?? systemClock;
    this.transport = options.transport ?? new HttpTransport({ ...options.http, api: 'bc', baseUrl: this.url, clock });
    this.tokens = options.tokens;
    this.http = new JsonRequester({
      transport: this.transport,
      auth: bearerAuth(options.tokens, this.scope),
      headers: { Accept: 'application/json' },
      toError: toBcError,
    });
  }

  /** The same client for another company (shares the transport and token cache). */
  withCompany(companyId: string): BcClient {
    return new BcClient({
      url: this.url,
      customUrl: this.customUrl,
      companyId,
      tokens: this.tokens,
      scope: this.scope,
      transport: this.transport,
      maxPageSize: this.maxPageSize,
      batchSize: this.batchSize,
    });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** Every company of the environment. */
  async companies(): Promise<CompaniesRow[]> {
    const rows: CompaniesRow[] = [];
    for await (const page of this.list(companiesResource)) rows.push(...page);
    return rows;
  }

  list<S extends z.ZodType>(target: BcTarget<S>, query?: QueryOptions, options?: ListOptions): AsyncIterable<Array<z.infer<S>>>;
  list<S extends z.ZodType, O extends z.ZodType>(target: BcTarget<S>, query: QueryOptions | undefined, schema: O, options?: ListOptions): AsyncIterable<Array<z.infer<O>>>;
  list(
    target: BcTarget,
    query?: QueryOptions,
    schemaOrOptions?: z.ZodType | ListOptions,
    maybeOptions?: ListOptions,
  ): AsyncIterable<unknown[]> {
    const { schema, options } = listArguments(schemaOrOptions, maybeOptions);
    const resolved = this.resolve(target, schema);
    const pageSize =
      options?.maxPageSize === undefined
        ? this.maxPageSize
        : checkLimit('Business Central page size', 'maxPageSize', options.maxPageSize, BC_MAX_PAGE_SIZE);
    const q = withId(query);
    return this.pages(resolved, withQuery(resolved.collectionUrl, q), q?.select, preferHeader([`odata.maxpagesize=${pageSize}`]), options?.pagesAhead);
  }

  /** `GET <resource>/$count` (with the query's `$filter`): how many records match, in one request. */
  async count(target: BcTarget, query?: Pick<QueryOptions, 'filter'>): Promise<number> {
    const resolved = this.resolve(target, undefined);
    const url = withQuery(`${resolved.collectionUrl}/$count`, query?.filter ? { filter: query.filter } : undefined);
    const res = await this.http.send({ method: 'GET', url, kind: 'read', headers: { ...READ_ONLY_INTENT, Accept: 'text/plain' } }, `GET ${resolved.label}/$count`);
    return parseCount(res.text(), `${resolved.label}/$count`);
  }

  async get<S extends z.ZodType>(target: BcTarget<S>, id: string, query?: QueryOptions): Promise<z.infer<S>> {
    const resolved = this.resolve(target, undefined);
    const q = withId(query);
    const url = withQuery(`${resolved.collectionUrl}(${odataGuid(id)})`, q);
    const res = await this.http.send({ method: 'GET', url, kind: 'read', headers: { ...READ_ONLY_INTENT } }, `GET ${resolved.label}(${id})`);
    return this.validate(resolved, res.json(), q?.select) as z.infer<S>;
  }

  /**
   * POST a record (201 + the record BC made, with the id BC gave it). Only the custom API's pages accept a
   * chosen `id` (docs/custom-api.md): such a create cannot duplicate when repeated, so the transport may retry
   * it, and a "same key exists" answer to a repeat means the first attempt landed: the record is read back.
   */
  async create<S extends z.ZodType>(target: BcTarget<S>, body: Record<string, unknown>): Promise<z.infer<S>> {
    const resolved = this.resolve(target, undefined);
    refuseChosenIdOnStandard(resolved, body);
    const chosenId = typeof body['id'] === 'string' ? body['id'] : undefined;
    const res = await this.http.exchange({ method: 'POST', url: resolved.collectionUrl, kind: 'create', body, idempotent: chosenId !== undefined });
    if (res.status >= 400) {
      const error = this.http.failure(res, `POST ${resolved.label}`, resolved.collectionUrl);
      if (chosenId !== undefined && res.attempts > 1 && error instanceof ApiError && error.serviceCode === 'Internal_EntityWithSameKeyExists') {
        return this.get(target, chosenId);
      }
      throw error;
    }
    return this.validate(resolved, res.json(), undefined) as z.infer<S>;
  }

  /**
   * PATCH a record. Business Central requires If-Match on every PATCH, so the etag (the record's
   * @odata.etag, or '*' to overwrite whatever is there) is a required argument.
   */
  async update<S extends z.ZodType>(target: BcTarget<S>, id: string, body: Record<string, unknown>, etag: string): Promise<z.infer<S>> {
    const resolved = this.resolve(target, undefined);
    requireEtag(etag, `PATCH ${resolved.label}(${id})`);
    const url = `${resolved.collectionUrl}(${odataGuid(id)})`;
    const res = await this.http.send({ method: 'PATCH', url, kind: 'update', body, headers: { 'If-Match': etag } }, `PATCH ${resolved.label}(${id})`);
    return this.validate(resolved, res.json(), undefined) as z.infer<S>;
  }

  /** DELETE a record; If-Match is required by Business Central (etag or '*'). */
  async delete(target: BcTarget, id: string, etag: string): Promise<void> {
    const resolved = this.resolve(target, undefined);
    requireEtag(etag, `DELETE ${resolved.label}(${id})`);
    await this.http.send(
      { method: 'DELETE', url: `${resolved.collectionUrl}(${odataGuid(id)})`, kind: 'delete', headers: { 'If-Match': etag } },
      `DELETE ${resolved.label}(${id})`,
    );
  }

  /** A bound action, e.g. `action(salesOrders, id, 'shipAndInvoice')` → `POST salesOrders(id)/Microsoft.NAV.shipAndInvoice`. */
  async action(target: BcTarget, id: string, action: string): Promise<void> {
    const resolved = this.resolve(target, undefined);
    const name = actionName(action);
    await this.http.send(
      { method: 'POST', url: `${resolved.collectionUrl}(${odataGuid(id)})/${name}`, kind: 'action' },
      `${name} on ${resolved.label}(${id})`,
    );
  }

  /**
   * JSON `$batch`, at most batchSize operations per request; one result per operation, in order.
   * Standard and custom API operations go to their own `$batch` endpoints. Without continueOnError the
   * service stops at the first failure and so do we: later requests are not sent.
   */
  async batch(operations: readonly BcOperation[], options: BcBatchOptions = {}): Promise<BcBatchResult[]> {
    if (operations.length === 0) return [];
    const resolved = operations.map((op) => this.resolve(op.target, undefined));
    const roots = new Set(resolved.map((r) => r.apiRoot));
    if (options.atomic && (roots.size > 1 || operations.length > this.batchSize)) {
      throw new BcsyncError(
        roots.size > 1
          ? 'An atomic Business Central batch cannot mix standard API v2.0 and custom API operations (they are separate transactions); split them.'
          : `An atomic Business Central batch of ${operations.length} operations does not fit in one $batch request (at most ${this.batchSize}); split the work into independent parts.`,
      );
    }
    const results: BcBatchResult[] = new Array<BcBatchResult>(operations.length);
    let stopped = false;
    for (const root of roots) {
      const indexes = operations.map((_, i) => i).filter((i) => resolved[i]?.apiRoot === root);
      const chunks: number[][] = [];
      for (let i = 0; i < indexes.length; i += this.batchSize) chunks.push(indexes.slice(i, i + this.batchSize));
      const runChunk = async (chunk: number[]): Promise<void> => {
        const chunkResults = await this.sendBatch(
          root,
          chunk.map((i) => operations[i] as BcOperation),
          chunk.map((i) => resolved[i] as Resolved<unknown>),
          options,
        );
        chunk.forEach((operationIndex, k) => {
          results[operationIndex] = chunkResults[k] as BcBatchResult;
        });
      };
      if (options.continueOnError) {
        await Promise.all(chunks.map(runChunk));
        continue;
      }
      for (const chunk of chunks) {
        if (stopped) {
          for (const i of chunk) results[i] = notSent();
          continue;
        }
        await runChunk(chunk);
        stopped = chunk.some((i) => !results[i]?.ok);
      }
    }
    return results;
  }

  // ---- internals ----

  private resolve<T>(target: BcTarget, schema: z.ZodType<T> | undefined): Resolved<T> {
    const resource = isNested(target) ? target.resource : target;
    const apiRoot = resource.custom ? this.customUrl : this.url;
    let relative: string;
    if (!resource.companyScoped) {
      relative = resource.entitySet;
    } else {
      if (this.companyId === undefined) {
        throw new ConfigError(`No Business Central company chosen for ${resource.entitySet}: set the company id in the profile.`);
      }
      const company = `companies(${this.companyId})`;
      relative = isNested(target)
        ? `${company}/${target.parent.entitySet}(${odataGuid(target.parentId)})/${resource.entitySet}`
        : `${company}/${resource.entitySet}`;
    }
    return {
      resource,
      schema: (schema ?? resource.schema) as z.ZodType<T>,
      alwaysPresent: schema ? ['id'] : resource.alwaysPresent,
      collectionUrl: `${apiRoot}/${relative}`,
      relativePath: relative,
      apiRoot,
      label: isNested(target) ? `${target.parent.entitySet}(${target.parentId})/${resource.entitySet}` : resource.entitySet,
    };
  }

  private validate<T>(resolved: Resolved<T>, row: unknown, select: readonly string[] | undefined): T {
    return this.validator(resolved, select)(row);
  }

  /** The check of every row of one query, prepared once. */
  private validator<T>(resolved: Resolved<T>, select: readonly string[] | undefined): (row: unknown) => T {
    const context: ShapeContext = { resource: resolved.resource.entitySet, key: 'id', alwaysPresent: resolved.alwaysPresent };
    if (select !== undefined) context.select = select;
    return recordValidator(resolved.schema, context);
  }

  private pages<T>(resolved: Resolved<T>, firstUrl: string, select: readonly string[] | undefined, prefer: string | undefined, pagesAhead?: () => 1 | 2): AsyncIterable<T[]> {
    // Business Central has no delta links any more (removed in 2024 wave 1, docs/protocols.md §4.2): changes are read
    // with a lastModifiedDateTime filter, so no odata.track-changes here and a stray @odata.deltaLink is ignored.
    const headers: Record<string, string> = { ...READ_ONLY_INTENT, ...(prefer ? { Prefer: prefer } : {}) };
    const read: CollectionRead = { url: firstUrl, headers, serviceRoot: resolved.apiRoot, action: `GET ${resolved.label}`, resource: resolved.resource.entitySet, pagesAhead };
    return this.http.rows(read, this.validator(resolved, select));
  }

  private toOperation(op: BcOperation, resolved: Resolved<unknown>): BatchOperation {
    const item = (id: string): string => `${resolved.relativePath}(${odataGuid(id)})`;
    switch (op.kind) {
      case 'create':
        refuseChosenIdOnStandard(resolved, op.body);
        return { method: 'POST', url: resolved.relativePath, body: op.body };
      case 'update':
        requireEtag(op.etag, `PATCH ${resolved.label}(${op.id})`);
        return { method: 'PATCH', url: item(op.id), body: op.body, headers: { 'If-Match': op.etag } };
      case 'delete':
        requireEtag(op.etag, `DELETE ${resolved.label}(${op.id})`);
        return { method: 'DELETE', url: item(op.id), headers: { 'If-Match': op.etag } };
      case 'get':
        return { method: 'GET', url: withQuery(item(op.id), withId(op.query)) };
      case 'action':
        return { method: 'POST', url: `${item(op.id)}/${actionName(op.action)}` };
    }
  }

  private async sendBatch(
    apiRoot: string,
    chunk: readonly BcOperation[],
    resolved: readonly Resolved<unknown>[],
    options: BcBatchOptions,
  ): Promise<BcBatchResult[]> {
    const operations = chunk.map((op, i) => this.toOperation(op, resolved[i] as Resolved<unknown>));
    const payload = encodeJsonBatch(operations);
    // PATCH and DELETE always carry If-Match here, so only creates and actions make a batch unsafe to repeat.
    const idempotent = operations.every((o) => o.method !== 'POST');
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (options.atomic) headers['Isolation'] = 'snapshot';
    if (options.continueOnError) headers['Prefer'] = 'odata.continue-on-error';
    const action = `POST $batch (${operations.length} operations)`;
    const res = await this.http.send({ method: 'POST', url: `${apiRoot}/$batch`, kind: 'batch', headers, body: payload, idempotent }, action);
    let raw: RawBatchResult[];
    try {
      raw = matchJsonResults(payload.requests, decodeJsonBatch(res.json()), options.atomic ? { atomic: true } : {});
    } catch (err) {
      throw new ResponseShapeError('$batch', undefined, 'responses', `could not be decoded (${err instanceof Error ? err.message : String(err)})`);
    }
    return raw.map((r, i) => this.toBatchResult(r, chunk[i] as BcOperation, resolved[i] as Resolved<unknown>));
  }

  private toBatchResult(raw: RawBatchResult, op: BcOperation, resolved: Resolved<unknown>): BcBatchResult {
    const result: BcBatchResult = { ...raw };
    const action = `${op.kind} ${resolved.label} in $batch`;
    if (raw.ok) {
      if (raw.body !== undefined && (op.kind === 'create' || op.kind === 'update' || op.kind === 'get')) {
        result.body = this.validate(resolved, raw.body, op.kind === 'get' ? withId(op.query)?.select : undefined);
      }
      const bodyId = raw.body && typeof raw.body === 'object' ? (raw.body as Record<string, unknown>)['id'] : undefined;
      const id = typeof bodyId === 'string' ? bodyId : 'id' in op ? op.id : undefined;
      if (id !== undefined) result.id = id;
      return result;
    }
    if (raw.outcome === 'not-executed') {
      result.error = new BcsyncError(`Not executed: an earlier operation of the Business Central batch failed and the batch stopped (${action}). Fix that failure and run again.`);
    } else if (raw.outcome === 'rolled-back') {
      result.error = new BcsyncError(
        `Rolled back: another operation of the same Business Central transaction (Isolation: snapshot) failed (${action}). Fix that failure and run again.`,
      );
    } else {
      result.error = toBcError({ status: raw.status, headers: raw.headers, body: raw.body, url: this.toOperation(op, resolved).url }, action);
    }
    return result;
  }
}

/** With $select, Business Central returns only what was selected; we always need the id. */
function withId(query: QueryOptions | undefined): QueryOptions | undefined {
  if (!query?.select || query.select.length === 0 || query.select.includes('id')) return query;
  return { ...query, select: ['id', ...query.select] };
}

/**
 * Standard API v2.0 pages bind `id` to SystemId with Editable = false: BC refuses it in a POST body as a
 * read-only control. Sending one is a bug in the caller, so it fails here, before anything is sent.
 */
function refuseChosenIdOnStandard(resolved: Resolved<unknown>, body: Record<string, unknown>): void {
  if (resolved.resource.custom || !('id' in body)) return;
  throw new BcsyncError(
    `POST ${resolved.label}: the standard Business Central API v2.0 assigns the id itself and refuses one in the body; ` +
      'create without "id" and take the id from the answer (only the bcsync custom API accepts a chosen id).',
  );
}

function requireEtag(etag: string, action: string): void {
  if (typeof etag !== 'string' || etag.trim() === '') {
    throw new BcsyncError(`${action} needs an If-Match value: Business Central refuses PATCH and DELETE without one. Pass the record's @odata.etag, or '*'.`);
  }
}

function actionName(action: string): string {
  const name = action.startsWith('Microsoft.NAV.') ? action : `Microsoft.NAV.${action}`;
  if (!/^Microsoft\.NAV\.[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new BcsyncError(`"${action}" is not a bound action name (e.g. shipAndInvoice).`);
  return name;
}

function notSent(): BcBatchResult {
  return {
    ...notExecuted(),
    error: new BcsyncError('Not executed: an earlier Business Central batch request failed, so the following ones were not sent. Fix that failure and run again.'),
  };
}
