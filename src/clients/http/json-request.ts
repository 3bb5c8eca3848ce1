import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { ConfigError, ResponseShapeError, type BcsyncError } from '../../errors.js';
import type { TokenSource } from '../auth/token-provider.js';
import { CollectionShapeError, PageText, pageThrough, resolveLink, type CollectionPage } from '../odata/pager.js';
import { parseBody, type ErrorAnswer } from '../service-error.js';
import { mapEach } from '../../util/pool.js';
import type { AuthHook, HttpMethod, HttpResponse, HttpTransport, HttpTransportOptions, RequestKind } from './transport.js';

/**
 * The JSON request plumbing both OData clients share: default headers, JSON bodies, auth, the mapping of
 * error answers, and following a collection's pages. Each API supplies its own headers and error mapper.
 */

/** How either client reaches its API, besides the API's URLs. */
export interface ClientConnectionOptions {
  tokens: TokenSource;
  /** Token scope; each client has its default. */
  scope?: string;
  /** A transport to use (e.g. shared with a --verbose hook); default: an own one built from `http`. */
  transport?: HttpTransport;
  http?: Omit<HttpTransportOptions, 'api' | 'baseUrl' | 'auth' | 'clock'>;
  clock?: Clock;
  /** Rows per page, at most the API's documented maximum. */
  maxPageSize?: number;
  /** Operations per `$batch` request, at most the API's documented maximum. */
  batchSize?: number;
}

export interface JsonRequest {
  method: HttpMethod;
  url: string;
  kind: RequestKind;
  headers?: Record<string, string>;
  /** Strings are sent as they are; anything else as JSON. */
  body?: unknown;
  idempotent?: boolean;
}

export interface JsonRequesterOptions {
  transport: HttpTransport;
  auth: AuthHook;
  /** Sent with every request, before the request's own headers (which win). */
  headers: Record<string, string>;
  /** Turns an error answer into the API's own error class; `action` names what was attempted. */
  toError: (answer: ErrorAnswer, action: string) => BcsyncError;
  /** Sees every answer (e.g. to keep a header the service sends with each, like Dataverse's `x-ms-dop-hint`). */
  onResponse?: (res: HttpResponse) => void;
}

/** A collection read: where to start, against which service root its links resolve, and what to call it in errors. */
export interface CollectionRead {
  url: string;
  headers: Record<string, string>;
  serviceRoot: string;
  /** For request errors, e.g. `GET accounts`. */
  action: string;
  /** For shape errors: the entity set. */
  resource: string;
  /** Pages asked for that the reader has not taken, at most (`pageThrough`; default 2). */
  pagesAhead?: () => 1 | 2;
}

export class JsonRequester {
  readonly transport: HttpTransport;
  private readonly auth: AuthHook;
  private readonly headers: Record<string, string>;
  private readonly toError: JsonRequesterOptions['toError'];
  private readonly onResponse: JsonRequesterOptions['onResponse'];

  constructor(options: JsonRequesterOptions) {
    this.transport = options.transport;
    this.auth = options.auth;
    this.headers = options.headers;
    this.toError = options.toError;
    this.onResponse = options.onResponse;
  }

  /** One request through the transport with the API's headers and auth; any status comes back. */
  async exchange(request: JsonRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...this.headers, ...request.headers };
    let body: string | Buffer | undefined;
    if (request.body !== undefined) {
      // Objects as UTF-8 bytes right away: this frame holds the body until the answer arrives (see the transport).
      body = typeof request.body === 'string' || Buffer.isBuffer(request.body) ? request.body : Buffer.from(JSON.stringify(request.body), 'utf8');
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    const res = await this.transport.request({
      method: request.method,
      url: request.url,
      kind: request.kind,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(request.idempotent !== undefined ? { idempotent: request.idempotent } : {}),
      auth: this.auth,
    });
    this.onResponse?.(res);
    return res;
  }

  /** Like `exchange`, but an error status throws the API's error for `action`. */
  async send(request: JsonRequest, action: string): Promise<HttpResponse> {
    const res = await this.exchange(request);
    if (res.status >= 400) throw this.failure(res, action, request.url);
    return res;
  }

  /** `url`: the request's URL, so a 404 on a collection can be told apart from a missing record. */
  failure(res: HttpResponse, action: string, url?: string): BcsyncError {
    return this.toError({ status: res.status, headers: res.headers, body: parseBody(res.text()), ...(url !== undefined ? { url } : {}) }, action);
  }

  /** Every page of a collection, following nextLinks with the same headers; a body that is no collection is a ResponseShapeError. */
  async *collection(read: CollectionRead): AsyncGenerator<CollectionPage> {
    const fetchPage = async (request: { url: string; headers: Record<string, string> }): Promise<unknown> => {
      const res = await this.send({ method: 'GET', url: resolveLink(request.url, read.serviceRoot), kind: 'read', headers: request.headers }, read.action);
      // As text: the pager reads the nextLink off its end and asks for the next page before parsing this one.
      return new PageText(res.text());
    };
    try {
      yield* pageThrough({ url: read.url, headers: read.headers }, fetchPage, { pagesAhead: read.pagesAhead });
    } catch (err) {
      if (err instanceof CollectionShapeError) throw new ResponseShapeError(read.resource, undefined, 'value', err.message);
      throw err;
    }
  }

  /** The pages of a collection with each row turned into `T` (validated) by `toRow`. */
  rows<T>(read: CollectionRead, toRow: (row: unknown) => T): AsyncIterable<T[]> {
    return mapEach(this.collection(read), (page) => page.value.map(toRow));
  }
}

/** Options of a client's `list`. */
export interface ListOptions {
  /** Rows per page for this read, instead of the client's maxPageSize. */
  maxPageSize?: number;
  /** Pages asked for that the reader has not taken, at most, read as each page arrives (default 2). */
  pagesAhead?: () => 1 | 2;
}

/** `list(target, query, schema?, options?)`: the third argument is either a schema for the rows or the options. */
export function listArguments(
  schemaOrOptions: z.ZodType | ListOptions | undefined,
  maybeOptions: ListOptions | undefined,
): { schema: z.ZodType | undefined; options: ListOptions | undefined } {
  return schemaOrOptions instanceof z.ZodType ? { schema: schemaOrOptions, options: maybeOptions } : { schema: undefined, options: schemaOrOptions };
}

/** Page and batch sizes come from the profile; refuse what the service would refuse. */
export function checkLimit(what: string, setting: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${what} ${value} is not allowed: set ${setting} to a whole number from 1 to ${max.toLocaleString('en-US')}.`);
  }
  return value;
}
