import { StringDecoder } from 'node:string_decoder';
import { Agent, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../../clock.js';
import { TransportError, type ApiName } from '../../errors.js';
import { maskBody, maskHeaders, maskUrl } from './mask.js';
import {
  backoffDelay,
  classifyNetworkError,
  classifyStatus,
  defaultRetryPolicy,
  errorCode,
  isPacedByService,
  parseRetryAfter,
  type RetryPolicy,
} from './retry.js';
import { Semaphore } from './semaphore.js';

/**
 * The one HTTP transport both APIs use (rclone's fshttp, stripe's RequestSender): keep-alive connections,
 * a bound on requests in flight, per-request timeouts, Retry-After pacing, retry classification,
 * the 401 re-authentication, counters and the masked --verbose dump. Resource code never touches undici.
 */

export type RequestKind = 'read' | 'create' | 'update' | 'delete' | 'batch' | 'action' | 'token';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Supplies the Authorization header; the transport calls `invalidate` once when the API answers 401. */
export interface AuthHook {
  authorization(): Promise<string>;
  /** `authorization` is the exact header value the API refused, so a newer token is not thrown away. */
  invalidate(authorization: string): void;
}

export type QueryInput = string | Record<string, string | number | boolean | undefined>;

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL (e.g. an @odata.nextLink, used verbatim). */
  url?: string;
  /** Path relative to the transport's baseUrl. */
  path?: string;
  query?: QueryInput;
  headers?: Record<string, string>;
  /** Strings and Buffers are sent as they are; anything else is sent as JSON. */
  body?: string | Buffer | object;
  kind: RequestKind;
  /**
   * May the request be repeated when its outcome is unknown (connection reset, timeout, 502/504)?
   * Defaults: reads and token requests yes; PATCH/DELETE only with If-Match; creates, actions and batches no.
   */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Overrides the transport's auth hook for this request; `false` sends no Authorization header. */
  auth?: AuthHook | false;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Bytes of the body as received. */
  bodyBytes: number;
  /** Attempts made, 1 when the first answer was final. */
  attempts: number;
  method: HttpMethod;
  url: string;
  text(): string;
  /** Parses the body as JSON; undefined for an empty body. */
  json(): unknown;
}

/** One attempt as the --verbose dump shows it. Credentials are already masked. */
export interface RequestEvent {
  api: ApiName;
  kind: RequestKind;
  attempt: number;
  method: HttpMethod;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: string;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  error?: string;
  durationMs: number;
  /** What the transport does next with this attempt's outcome. */
  next: 'return' | 'retry' | 'reauthenticate' | 'throw';
  /** Wait before the next attempt, ms (when next is 'retry'). */
  waitMs?: number;
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export interface TransportStats {
  /** Attempts sent over the wire, retries included. */
  requests: number;
  retries: number;
  /** Answers with status 429. */
  throttled: number;
  /** 401 answers followed by a fresh token and one more attempt. */
  reauthentications: number;
  /** Attempts that got no HTTP answer (reset, refused, timeout). */
  networkErrors: number;
  byStatusClass: Record<StatusClass, number>;
  byKind: Record<RequestKind, number>;
  /**
   * Real time from sending each attempt to the end of its answer, summed per kind over the attempts that got an
   * HTTP answer (429s included): what the service and the network spent on them, in ms.
   */
  answeredMs: Record<RequestKind, number>;
  /** Total time requests spent waiting before retries (Retry-After, backoff, pauses after a 429), ms of the injected clock. */
  waitedMs: number;
  /** Most requests in flight at once since the last reset. */
  peakInFlight: number;
  /** Requests allowed in flight now: maxInFlight, less while the service throttles (halved per 429, then recovering). */
  inFlightLimit: number;
  /** The lowest inFlightLimit since the last reset. */
  lowestInFlightLimit: number;
  /** Requests that came back throttled because their Retry-After waits would have passed maxThrottleWaitMs (or one Retry-After passed maxRetryAfterMs). */
  throttleGaveUp: number;
}

export interface HttpTransportOptions {
  api: ApiName;
  /** Base for `path` requests (e.g. `https://org.crm.dynamics.com/api/data/v9.2`). */
  baseUrl?: string;
  /** Requests in flight at once. Defaults: Dataverse 52, Business Central 5 (their documented limits), token 4. */
  maxInFlight?: number;
  /** Deadline for one attempt (connect, send, answer, body), ms. Default 5 minutes. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Every wait (Retry-After, backoff) sleeps on this clock, so tests with ManualClock run instantly. */
  clock?: Clock;
  /** Source of jitter in [0, 1); injectable for deterministic tests. */
  random?: () => number;
  /** An undici dispatcher to share (e.g. one Agent for both APIs). Default: an own keep-alive Agent. */
  dispatcher?: Dispatcher;
  /** Sent with every request unless the request sets the same header. */
  headers?: Record<string, string>;
  auth?: AuthHook;
  /** Called after every attempt with a masked description (for --verbose). */
  onRequest?: (event: RequestEvent) => void;
  /** Values that must never appear in the dump (client secrets); tokens are masked regardless. */
  secrets?: string[];
  /** Called when the service begins to pace this transport (a throttled answer's Retry-After starts a pause). */
  onPaused?: (waitMs: number) => void;
}

export const defaultMaxInFlight: Record<ApiName, number> = { dataverse: 52, bc: 5, token: 4 };

const apiDisplayName: Record<ApiName, string> = {
  dataverse: 'Dataverse',
  bc: 'Business Central',
  token: 'The token endpoint',
};

export function apiLabel(api: ApiName): string {
  return apiDisplayName[api];
}

function emptyStats(): TransportStats {
  return {
    requests: 0,
    retries: 0,
    throttled: 0,
    reauthentications: 0,
    networkErrors: 0,
    byStatusClass: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    byKind: { read: 0, create: 0, update: 0, delete: 0, batch: 0, action: 0, token: 0 },
    answeredMs: { read: 0, create: 0, update: 0, delete: 0, batch: 0, action: 0, token: 0 },
    waitedMs: 0,
    peakInFlight: 0,
    inFlightLimit: 0,
    lowestInFlightLimit: 0,
    throttleGaveUp: 0,
  };
}

function appendQuery(url: string, query: QueryInput | undefined): string {
  if (query === undefined) return url;
  let qs: string;
  if (typeof query === 'string') {
    qs = query.startsWith('?') ? query.slice(1) : query;
  } else {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) parts.push(`${k}=${encodeURIComponent(String(v))}`);
    }
    qs = parts.join('&');
  }
  if (qs === '') return url;
  return url.includes('?') ? `${url}&${qs}` : `${url}?${qs}`;
}

function lowerCaseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Above this many bytes a body is decoded to text as its pieces arrive, and never held as one buffer. A page of
 * BC's (11.5 MB for 20,000 customers) read whole into one buffer outside V8's heap made glibc raise its mmap
 * threshold to that size for the rest of the process: every buffer below it then came from the malloc heap, which
 * kept up to twice that free (README.md "Benchmarks": the 1,000,000-customer run). Only pages are this large. A
 * $batch answer (~0.3 MB for 1,000 creates) stays a buffer until it is read: decoded on arrival, the answers
 * waiting at 52 in flight were text in V8's heap instead of buffers outside it, V8 collected less often, and the
 * 100,000 run peaked at 562 to 609 MB instead of ~490 (with this at 128 KB).
 */
const TEXT_AS_IT_ARRIVES = 2 * 1024 * 1024;
/**
 * Bytes decoded into one piece of text: a piece this large is one of V8's large objects, freed by the first
 * collection after the pieces are joined, where the socket's reads (up to 64 KB) decoded one by one would be
 * ordinary objects that wait, promoted, for a full collection.
 */
const DECODE_PIECE = 256 * 1024;
/** Where the bytes of a piece are gathered, reused: never freed, so they do not move glibc's mmap threshold either. */
const stagingBuffers: Buffer[] = [];
const STAGING_KEPT = 16;

/** A response body as received: its bytes when small, its text when large (`TEXT_AS_IT_ARRIVES`). */
interface ReceivedBody {
  bytes: number;
  buffer?: Buffer;
  text?: string;
}

/** A large body's text, decoded a piece at a time (`DECODE_PIECE`). */
class ArrivingText {
  /** Keeps a character split between two pieces until the next one. */
  private readonly decoder = new StringDecoder('utf8');
  private readonly pieces: string[] = [];
  private staging: Buffer | undefined = stagingBuffers.pop() ?? Buffer.allocUnsafeSlow(DECODE_PIECE);
  private used = 0;

  add(chunk: Buffer): void {
    const staging = this.staging!;
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(chunk.length - at, DECODE_PIECE - this.used);
      chunk.copy(staging, this.used, at, at + n);
      this.used += n;
      at += n;
      if (this.used === DECODE_PIECE) this.decodeStaged();
    }
  }

  finish(): string {
    this.decodeStaged();
    this.pieces.push(this.decoder.end());
    this.release();
    return this.pieces.join('');
  }

  /** Gives the staging buffer back (also when the body failed half-way). */
  release(): void {
    if (this.staging !== undefined && stagingBuffers.length < STAGING_KEPT) stagingBuffers.push(this.staging);
    this.staging = undefined;
  }

  private decodeStaged(): void {
    if (this.used > 0) this.pieces.push(this.decoder.write(this.staging!.subarray(0, this.used)));
    this.used = 0;
  }
}

async function receiveBody(stream: AsyncIterable<Buffer>): Promise<ReceivedBody> {
  let chunks: Buffer[] = [];
  let bytes = 0;
  let text: ArrivingText | undefined;
  try {
    for await (const chunk of stream) {
      bytes += chunk.length;
      if (text !== undefined) {
        text.add(chunk);
        continue;
      }
      chunks.push(chunk);
      if (bytes > TEXT_AS_IT_ARRIVES) {
        text = new ArrivingText();
        for (const held of chunks) text.add(held);
        chunks = [];
      }
    }
  } catch (err) {
    text?.release();
    throw err;
  }
  if (text === undefined) return { bytes, buffer: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes) };
  return { bytes, text: text.finish() };
}

function bodyText(body: ReceivedBody): string {
  return body.text ?? body.buffer?.toString('utf8') ?? '';
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** The documented idempotence of a request when the caller does not say. */
export function defaultIdempotent(kind: RequestKind, method: HttpMethod, headers: Record<string, string>): boolean {
  if (kind === 'token' || kind === 'read' || method === 'GET') return true;
  if ((method === 'PATCH' || method === 'DELETE' || method === 'PUT') && headerValue(headers, 'if-match') !== undefined) {
    return true;
  }
  return false;
}

function statusClass(status: number): StatusClass {
  const digit = Math.min(5, Math.max(1, Math.floor(status / 100)));
  return `${digit}xx` as StatusClass;
}

function describeNetworkError(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return `connection reset (${message})`;
  return code ? `${code}: ${message}` : message;
}

export class HttpTransport {
  readonly api: ApiName;
  readonly baseUrl: string | undefined;
  readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly defaultHeaders: Record<string, string>;
  private readonly auth: AuthHook | undefined;
  private readonly onRequest: ((event: RequestEvent) => void) | undefined;
  private readonly onPaused: ((waitMs: number) => void) | undefined;
  private readonly secrets = new Set<string>();
  private readonly slots: Semaphore;
  private counters: TransportStats = emptyStats();
  /**
   * Service protection is per user, not per request (docs/protocols.md §5.2): a Retry-After says when the service
   * takes new requests again, so none of this transport's requests leave before then (clock ms; 0 = never throttled).
   */
  private pausedUntil = 0;
  /** Requests in flight allowed when the last pause began; recovers one slot per inFlightRecoveryMs after it. */
  private reducedLimit: number;

  constructor(options: HttpTransportOptions) {
    this.api = options.api;
    this.baseUrl = options.baseUrl?.replace(/\/+$/, '');
    this.maxInFlight = options.maxInFlight ?? defaultMaxInFlight[options.api];
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connections: this.maxInFlight,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        // Deadlines are enforced per attempt by our own signal (timeoutMs), not by undici's defaults.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    this.defaultHeaders = options.headers ?? {};
    this.auth = options.auth;
    this.onRequest = options.onRequest;
    this.onPaused = options.onPaused;
    for (const s of options.secrets ?? []) this.addSecret(s);
    this.slots = new Semaphore(this.maxInFlight);
    this.reducedLimit = this.maxInFlight;
  }

  /** Registers a value that must never appear in the --verbose dump. */
  addSecret(secret: string): void {
    if (secret) this.secrets.add(secret);
  }

  stats(): TransportStats {
    return {
      ...this.counters,
      byStatusClass: { ...this.counters.byStatusClass },
      byKind: { ...this.counters.byKind },
      answeredMs: { ...this.counters.answeredMs },
      peakInFlight: this.slots.peakInFlight,
      inFlightLimit: this.inFlightLimit(this.clock.now()),
      lowestInFlightLimit: this.slots.lowestLimit,
    };
  }

  resetStats(): void {
    this.counters = emptyStats();
    this.slots.resetPeak();
  }

  get inFlight(): number {
    return this.slots.inFlight;
  }

  /** Requests waiting for an in-flight slot. */
  get queued(): number {
    return this.slots.waitingCount;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  resolveUrl(request: Pick<HttpRequest, 'url' | 'path' | 'query'>): string {
    let url: string;
    if (request.url !== undefined) {
      url = request.url;
    } else if (request.path !== undefined && /^https?:\/\//i.test(request.path)) {
      url = request.path;
    } else if (request.path !== undefined) {
      if (this.baseUrl === undefined) {
        throw new TypeError(`${apiLabel(this.api)} transport has no baseUrl, so path "${request.path}" cannot be resolved`);
      }
      url = `${this.baseUrl}/${request.path.replace(/^\/+/, '')}`;
    } else {
      throw new TypeError('HttpTransport.request needs a url or a path');
    }
    return appendQuery(url, request.query);
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const url = this.resolveUrl(request);
    const target = new URL(url);
    const headers: Record<string, string> = { ...this.defaultHeaders, ...request.headers };
    let body: Buffer | undefined;
    // Encoded once, here: a body is held until its answer arrives (and for a retry), and a $batch of 1,000
    // operations is a megabyte; as UTF-8 bytes outside V8's heap it is half the size a string built from
    // parts of a two-byte string would be, and undici would encode a string for the socket anyway.
    if (request.body === undefined) {
      body = undefined;
    } else if (Buffer.isBuffer(request.body)) {
      body = request.body;
    } else if (typeof request.body === 'string') {
      body = Buffer.from(request.body, 'utf8');
    } else {
      body = Buffer.from(JSON.stringify(request.body), 'utf8');
      if (headerValue(headers, 'content-type') === undefined) headers['Content-Type'] = 'application/json';
    }
    const idempotent = request.idempotent ?? defaultIdempotent(request.kind, request.method, headers);
    const auth = request.auth === false ? undefined : (request.auth ?? this.auth);
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;

    let retries = 0;
    let throttledRetries = 0;
    /** Retry-After-directed waits of this request so far (its own and the transport's pauses), bounded by maxThrottleWaitMs. */
    const throttleWait = { ms: 0 };
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      if (request.signal?.aborted) {
        throw new TransportError(`${apiLabel(this.api)} request ${request.method} ${target.pathname} was cancelled.`, this.api, {
          cause: request.signal.reason,
        });
      }
      const attemptHeaders = { ...headers };
      let authorization: string | undefined;
      if (auth) {
        // Fetched outside the in-flight slot: the token endpoint has its own transport and bound.
        authorization = await auth.authorization();
        attemptHeaders['Authorization'] = authorization;
      }

      await this.admit(throttleWait, request.signal);
      if (request.signal?.aborted) {
        this.slots.release();
        throw new TransportError(`${apiLabel(this.api)} request ${request.method} ${target.pathname} was cancelled.`, this.api, {
          cause: request.signal.reason,
        });
      }
      const started = performance.now();
      const timeoutSignal = AbortSignal.timeout(timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeoutSignal]) : timeoutSignal;
      let response: { status: number; headers: Record<string, string>; body: ReceivedBody } | undefined;
      let failure: unknown;
      try {
        this.counters.requests += 1;
        this.counters.byKind[request.kind] += 1;
        const res = await this.dispatcher.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: request.method,
          headers: attemptHeaders,
          body: body ?? null,
          signal,
        });
        response = { status: res.statusCode, headers: lowerCaseHeaders(res.headers), body: await receiveBody(res.body) };
      } catch (err) {
        failure = err;
      } finally {
        this.slots.setLimit(this.inFlightLimit(this.clock.now()));
        this.slots.release();
      }
      const durationMs = Math.round(performance.now() - started);

      if (response === undefined) {
        this.counters.networkErrors += 1;
        const timedOut = timeoutSignal.aborted && !request.signal?.aborted;
        const cancelled = request.signal?.aborted === true;
        const verdict = cancelled ? 'fatal' : timedOut ? 'unknown' : classifyNetworkError(failure);
        const what = describeNetworkError(failure, timedOut, timeoutMs);
        const canRepeat = verdict === 'not-sent' || (verdict === 'unknown' && idempotent);
        if (!canRepeat || retries >= this.policy.maxRetries) {
          this.emit(request, attempt, url, attemptHeaders, body, durationMs, { error: what, next: 'throw' });
          throw this.networkFailure(request, target, what, verdict, canRepeat, attempt, cancelled, failure);
        }
        const waitMs = backoffDelay(retries, this.policy, this.random);
        this.emit(request, attempt, url, attemptHeaders, body, durationMs, { error: what, next: 'retry', waitMs });
        retries += 1;
        this.counters.retries += 1;
        await this.wait(waitMs);
        continue;
      }

      this.counters.byStatusClass[statusClass(response.status)] += 1;
      this.counters.answeredMs[request.kind] += performance.now() - started;
      if (response.status === 429) this.counters.throttled += 1;

      if (response.status === 401 && auth && authorization !== undefined && !reauthenticated) {
        // Tokens can be revoked or expire early; one fresh token is worth one more attempt, never more.
        reauthenticated = true;
        this.counters.reauthentications += 1;
        this.emit(request, attempt, url, attemptHeaders, body, durationMs, { response, next: 'reauthenticate' });
        auth.invalidate(authorization);
        continue;
      }

      if (classifyStatus(response.status, idempotent) === 'retry') {
        const now = this.clock.now();
        const asked = parseRetryAfter(response.headers['retry-after'], now);
        if (isPacedByService(response.status, asked)) {
          // The service paces us: every request of this transport waits (admit), and fewer go at once afterwards.
          const honoured = asked! <= this.policy.maxRetryAfterMs;
          if (honoured) this.throttled(now, asked!);
          if (honoured && throttleWait.ms + asked! <= this.policy.maxThrottleWaitMs && throttledRetries < this.policy.maxThrottledRetries) {
            this.emit(request, attempt, url, attemptHeaders, body, durationMs, { response, next: 'retry', waitMs: asked! });
            throttledRetries += 1;
            this.counters.retries += 1;
            continue;
          }
          this.counters.throttleGaveUp += 1;
        } else if (retries < this.policy.maxRetries) {
          const waitMs = asked ?? backoffDelay(retries, this.policy, this.random);
          if (waitMs <= this.policy.maxRetryAfterMs) {
            this.emit(request, attempt, url, attemptHeaders, body, durationMs, { response, next: 'retry', waitMs });
            retries += 1;
            this.counters.retries += 1;
            await this.wait(waitMs);
            continue;
          }
        }
      }

      this.emit(request, attempt, url, attemptHeaders, body, durationMs, { response, next: 'return' });
      return this.toResponse(response, attempt, request.method, url);
    }
  }

  /** Sleeps on the clock; a cancelled request stops waiting at once (a pause may last minutes). */
  private async wait(ms: number, signal?: AbortSignal): Promise<void> {
    this.counters.waitedMs += ms;
    if (!signal) return this.clock.sleep(ms);
    if (signal.aborted) return;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.clock.sleep(ms), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  /** Requests allowed in flight at `now`: halved when a pause begins, one more per inFlightRecoveryMs after it. */
  private inFlightLimit(now: number): number {
    if (this.pausedUntil === 0) return this.maxInFlight;
    if (now < this.pausedUntil) return this.reducedLimit;
    const recovered = Math.floor((now - this.pausedUntil) / Math.max(1, this.policy.inFlightRecoveryMs));
    return Math.min(this.maxInFlight, this.reducedLimit + recovered);
  }

  /**
   * A throttled answer asking for `waitMs`. The first one of a pause halves the requests in flight ("decrease the
   * number of concurrent requests" is what Dataverse's execution-time answer asks for; Microsoft's guidance is to
   * raise the rate gradually until the limits answer, then let Retry-After pace); the others of the same pause only
   * lengthen it. Depends on the clock only, not on the order answers arrive in, so request counts are repeatable.
   */
  private throttled(now: number, waitMs: number): void {
    const begins = now >= this.pausedUntil;
    if (begins) this.reducedLimit = Math.max(1, Math.floor(this.inFlightLimit(now) / 2));
    this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
    if (begins) this.onPaused?.(waitMs);
  }

  /**
   * Takes an in-flight slot once the transport is not paused. Pause time counts toward the request's own bound
   * (maxThrottleWaitMs); a request whose bound is spent stops waiting and goes, so its answer decides.
   */
  private async admit(throttleWait: { ms: number }, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      let pause = this.pausedUntil - this.clock.now();
      while (pause > 0 && throttleWait.ms + pause <= this.policy.maxThrottleWaitMs && !signal?.aborted) {
        throttleWait.ms += pause;
        await this.wait(pause, signal);
        pause = this.pausedUntil - this.clock.now();
      }
      this.slots.setLimit(this.inFlightLimit(this.clock.now()));
      await this.slots.acquire();
      // A pause may have begun while we waited for the slot: give it back and wait that out first.
      const begun = this.pausedUntil - this.clock.now();
      if (begun > 0 && throttleWait.ms + begun <= this.policy.maxThrottleWaitMs && !signal?.aborted) {
        this.slots.release();
        continue;
      }
      return;
    }
  }

  private toResponse(
    raw: { status: number; headers: Record<string, string>; body: ReceivedBody },
    attempts: number,
    method: HttpMethod,
    url: string,
  ): HttpResponse {
    const { body } = raw;
    return {
      status: raw.status,
      headers: raw.headers,
      bodyBytes: body.bytes,
      attempts,
      method,
      url,
      text: () => bodyText(body),
      json: () => (body.bytes === 0 ? undefined : (JSON.parse(bodyText(body)) as unknown)),
    };
  }

  private networkFailure(
    request: HttpRequest,
    target: URL,
    what: string,
    verdict: string,
    canRepeat: boolean,
    attempts: number,
    cancelled: boolean,
    cause: unknown,
  ): TransportError {
    const label = `${apiLabel(this.api)}: ${request.method} ${target.pathname}`;
    let message: string;
    if (cancelled) {
      message = `${label} was cancelled.`;
    } else if (verdict === 'unknown' && !canRepeat) {
      message =
        `${label} got no answer (${what}); the outcome is unknown, so it was not repeated. ` +
        'Check whether the change was made before running again.';
    } else if (verdict === 'fatal') {
      message = `${label} failed (${what}). Check the service URL (${target.origin}) and the network.`;
    } else {
      message = `${label} failed after ${attempts} attempts (${what}). Check the network and the service URL (${target.origin}), then run again.`;
    }
    return new TransportError(message, this.api, { cause });
  }

  /** Whether attempts are described (and their bodies masked) for a listener, e.g. the --verbose dump. */
  get describesRequests(): boolean {
    return this.onRequest !== undefined;
  }

  private emit(
    request: HttpRequest,
    attempt: number,
    url: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    durationMs: number,
    outcome: {
      response?: { status: number; headers: Record<string, string>; body: ReceivedBody };
      error?: string;
      next: RequestEvent['next'];
      waitMs?: number;
    },
  ): void {
    if (!this.onRequest) return;
    const event: RequestEvent = {
      api: this.api,
      kind: request.kind,
      attempt,
      method: request.method,
      url: maskUrl(url, this.secrets),
      requestHeaders: maskHeaders(headers),
      durationMs,
      next: outcome.next,
    };
    if (body !== undefined) {
      event.requestBody = maskBody(body.toString(), headerValue(headers, 'content-type'), this.secrets);
    }
    if (outcome.response) {
      event.status = outcome.response.status;
      event.responseHeaders = maskHeaders(outcome.response.headers);
      event.responseBody = maskBody(bodyText(outcome.response.body), outcome.response.headers['content-type'], this.secrets);
    }
    if (outcome.error !== undefined) event.error = maskBody(outcome.error, 'text/plain', this.secrets);
    if (outcome.waitMs !== undefined) event.waitMs = outcome.waitMs;
    try {
      this.onRequest(event);
    } catch {
      // A broken dump must not break the sync.
    }
  }
}
