import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EmulatedApi, FaultKind, FaultRule, LatencyModel, RequestLogEntry, ServiceLimits } from '../types.js';
import type { EmulatedApiModule } from './api-module.js';
import { handlerTurns } from './handler-turns.js';
import type { EmuRequest, EmuResponse } from './http-types.js';
import type { RequestLog } from './request-log.js';
import type { Rng } from './rng.js';
import type { TokenRegistry } from '../token/registry.js';

/** Where a request lands inside an API. */
export interface ApiRoute {
  /** What the module sees as `EmuRequest.path`. */
  path: string;
  /** What the module sees as `EmuRequest.baseUrl`. */
  baseUrl: string;
  /** What the request log records as `path`. */
  logPath: string;
}

export interface ApiAuth {
  tokens: TokenRegistry;
  /** Resource the tokens must be issued for. */
  audience: string;
  /** The API's user id for an authenticated application (Dataverse: its application user). */
  userIdFor(clientId: string): string;
  /** Sent in `WWW-Authenticate` so a client can find the authority. */
  authorizationUri?: string;
}

export interface StartApiServerOptions {
  api: EmulatedApi;
  module: Pick<EmulatedApiModule, 'handler' | 'errorBody' | 'errorCodes'>;
  /**
   * Maps the decoded request pathname to the module's path; undefined = not part of this API (404).
   * `origin` is `http://host:port` of this listener.
   */
  route(pathname: string, origin: string): ApiRoute | undefined;
  /** Bearer-token check; omit for the token endpoint itself. */
  auth?: ApiAuth;
  /** Cost model; omitted = answer at once. */
  latency?: LatencyModel;
  /** Service-protection limits; omitted = unlimited. */
  limits?: ServiceLimits;
  /**
   * Beyond `limits.concurrent`: Dataverse answers 429 at once ('reject'), Business Central queues up to
   * `limits.maxQueue` waiting requests ('queue'). Defaults by `api`.
   */
  concurrencyMode?: 'reject' | 'queue';
  /** Read on every request, so rules can change while running. */
  faults: () => readonly FaultRule[];
  rng: Rng;
  /** Draws for `412` faults (per conditional write), apart from `rng` so they never shift the per-request draws. */
  editRng?: Rng;
  log: RequestLog;
  /** The emulators' clock: token expiry, the rate-limit window, `startedAt`. Waits use real time unless `sleep` is given. */
  now: () => number;
  /**
   * Waits of the cost model and of 'slow' faults on the emulators' clock (a test's virtual clock), instead of real
   * time; the execution time a request counts toward the limits is then read off `now` as well.
   */
  sleep?: (ms: number) => Promise<void>;
  host?: string;
  port?: number;
  /** Response header carrying a fresh request id (`x-ms-service-request-id`, `request-id`). */
  requestIdHeader: string;
  /** OData responses: `OData-Version: 4.0` and `application/json; odata.metadata=minimal` (default true). */
  odata?: boolean;
  /**
   * Dataverse's service-protection diagnostics on every answer (docs/protocols.md §5.2):
   * `x-ms-ratelimit-burst-remaining-xrm-requests` (requests left in the window) and
   * `x-ms-ratelimit-time-remaining-xrm-requests` (execution ms left of `executionMsPerWindow`).
   */
  rateLimitHeaders?: { executionMsPerWindow: number };
}

export interface RunningApiServer {
  server: Server;
  /** `http://host:port`. */
  origin: string;
  port: number;
  /** Requests being processed now (past the limits, before the response). */
  inFlight(): number;
  /** BC-style requests waiting for a processing slot. */
  queued(): number;
  close(): Promise<void>;
}

interface EncodedBody {
  payload: Buffer | undefined;
  /** Content type of the body's kind (text or JSON); the module's own header, if any, replaces it. */
  contentType?: string;
}

interface FaultDecision {
  /** The fault that answers instead of the module (first matching rule wins). */
  answer?: FaultRule;
  /** Total extra delay from matching 'slow' rules. */
  slowMs: number;
}

/** Request line and headers the listener reads before the API module sees the request. */
const MAX_REQUEST_HEAD_BYTES = 256 * 1024;

const STATUS_FAULTS: ReadonlySet<FaultKind> = new Set(['429', '502', '503', '504']);

/** Rules are evaluated in order; every rate rule draws on every request so the draws depend only on the request number. */
function decideFaults(api: EmulatedApi, seq: number, rules: readonly FaultRule[], rng: Rng): FaultDecision {
  const decision: FaultDecision = { slowMs: 0 };
  for (const rule of rules) {
    if (rule.api !== undefined && rule.api !== api) continue;
    if (rule.kind === '412') continue; // decided per conditional write, by the module (concurrentEditFor)
    const byNumber = rule.requestNumbers?.includes(seq) ?? false;
    const byRate = rule.rate !== undefined && rule.rate > 0 ? rng() < rule.rate : false;
    if (!byNumber && !byRate) continue;
    if (rule.kind === 'slow') decision.slowMs += rule.slowMs ?? 2000;
    else decision.answer ??= rule;
  }
  return decision;
}

/**
 * The `412` rules of a request as the module's `concurrentEdit` question: by request number every conditional
 * write of the request is hit; by rate each one draws. `hits` counts the edits made, for the request log.
 */
function concurrentEditFor(api: EmulatedApi, seq: number, rules: readonly FaultRule[], rng: Rng): { ask?: () => boolean; hits: () => number } {
  const mine = rules.filter((r) => r.kind === '412' && (r.api === undefined || r.api === api));
  let hits = 0;
  if (mine.length === 0) return { hits: () => 0 };
  const ask = (): boolean => {
    let hit = false;
    for (const rule of mine) {
      if (rule.requestNumbers?.includes(seq)) hit = true;
      if (rule.rate !== undefined && rule.rate > 0 && rng() < rule.rate) hit = true;
    }
    if (hit) hits += 1;
    return hit;
  };
  return { ask, hits: () => hits };
}

/** Secrets never reach the request log, even when a client puts them in the query string. */
const SECRET_PARAMS: ReadonlySet<string> = new Set(['client_secret', 'access_token', 'client_assertion', 'password', 'code']);

function redactSecrets(rawQuery: string): string {
  if (rawQuery === '') return rawQuery;
  return rawQuery
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // keep the raw name
      }
      return SECRET_PARAMS.has(decoded.toLowerCase()) ? `${name}=***` : pair;
    })
    .join('&');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export async function startApiServer(opts: StartApiServerOptions): Promise<RunningApiServer> {
  const { api, module, log, now, rng } = opts;
  const odata = opts.odata ?? true;
  const concurrencyMode = opts.concurrencyMode ?? (api === 'bc' ? 'queue' : 'reject');
  const limits = opts.limits;
  let inFlight = 0;
  let closed = false;
  const waiters: Array<() => void> = [];
  /** Admission times inside the sliding window (emulator clock). */
  const window: number[] = [];
  /** Execution time spent inside the window (emulator clock, wall ms): the rate-limit headers and the execution-time limit. */
  const spent: Array<{ at: number; ms: number }> = [];
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let origin = '';

  const sleep = (ms: number): Promise<void> => {
    if (ms <= 0 || closed) return Promise.resolve();
    if (opts.sleep) return opts.sleep(ms);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      timers.add(entry);
    });
  };

  const releaseSlot = (): void => {
    inFlight -= 1;
    const next = waiters.shift();
    if (next) {
      inFlight += 1;
      next();
    }
  };

  const costOf = (operations: number, rows: number): number => {
    const l = opts.latency;
    if (!l) return 0;
    return l.baseMs + l.perOperationMs * operations + l.perRowMs * rows;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedWall = performance.now();
    const startedAt = now();
    /** How long this request has been executing: wall time, or the emulators' clock when waits run on it. */
    const executedMs = (): number => (opts.sleep ? now() - startedAt : performance.now() - startedWall);
    const seq = log.nextSeq(api);
    // Decided synchronously at arrival, so the same seed faults the same request numbers.
    const faults = decideFaults(api, seq, opts.faults(), rng);
    const edits = concurrentEditFor(api, seq, opts.faults(), opts.editRng ?? rng);
    const method = (req.method ?? 'GET').toUpperCase();
    // The raw target, not WHATWG URL: it would re-encode quotes in the query string.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    let decodedPath: string;
    try {
      decodedPath = decodeURIComponent(rawPath);
    } catch {
      decodedPath = rawPath;
    }
    const route = opts.route(decodedPath, origin);
    const entry: RequestLogEntry = {
      seq,
      api,
      method,
      path: route?.logPath ?? decodedPath.replace(/^\//, ''),
      query: redactSecrets(rawQuery),
      status: 0,
      operations: 1,
      rows: 0,
      durationMs: 0,
      costMs: 0,
      startedAt,
    };
    const requestId = randomUUID();
    const pageToken = rawQuery.includes('skiptoken') ? new URLSearchParams(rawQuery).get('$skiptoken') : null;
    if (pageToken !== null) entry.pageToken = pageToken;

    /**
     * The body as the bytes to send and its default content type. Text becomes bytes here, so that an answer held
     * through the cost model's wait is one buffer outside the JS heap, not a large string the GC copies and marks.
     */
    const encode = (body: EmuResponse['body']): EncodedBody => {
      if (body === undefined) return { payload: undefined };
      if (Buffer.isBuffer(body)) return { payload: body, contentType: 'text/plain; charset=utf-8' };
      if (typeof body === 'string') return { payload: Buffer.from(body, 'utf8'), contentType: 'text/plain; charset=utf-8' };
      const payload = Buffer.from(JSON.stringify(body), 'utf8');
      const nextLink = (body as Record<string, unknown>)['@odata.nextLink'];
      if (typeof nextLink === 'string') {
        const token = new URL(nextLink, origin).searchParams.get('$skiptoken');
        if (token !== null) entry.nextPageToken = token;
      }
      return { payload, contentType: odata ? 'application/json; odata.metadata=minimal' : 'application/json; charset=utf-8' };
    };

    const send = (status: number, body: EmuResponse['body'], headers: Record<string, string> = {}, encoded: EncodedBody = encode(body)): void => {
      const out: Record<string, string> = { [opts.requestIdHeader]: requestId };
      const payload = encoded.payload;
      if (encoded.contentType !== undefined) out['content-type'] = encoded.contentType;
      if (odata) out['odata-version'] = '4.0';
      if (opts.rateLimitHeaders && limits) {
        const t = now();
        while (spent.length > 0 && spent[0]!.at <= t - limits.windowMs) spent.shift();
        spent.push({ at: t, ms: executedMs() });
        const inWindow = window.filter((w) => w > t - limits.windowMs).length;
        const used = spent.reduce((sum, x) => sum + x.ms, 0);
        if (limits.requestsPerWindow > 0) out['x-ms-ratelimit-burst-remaining-xrm-requests'] = String(Math.max(0, limits.requestsPerWindow - inWindow));
        out['x-ms-ratelimit-time-remaining-xrm-requests'] = String(Math.max(0, Math.round(opts.rateLimitHeaders.executionMsPerWindow - used)));
        // The recommended degree of parallelism for the environment (docs/protocols.md §5.2).
        out['x-ms-dop-hint'] = String(limits.dopHint ?? limits.concurrent);
      }
      for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
      if (out['retry-after'] !== undefined) entry.retryAfterSeconds = Number(out['retry-after']);
      if (payload !== undefined) out['content-length'] = String(payload.length);
      entry.status = status;
      entry.durationMs = performance.now() - startedWall;
      log.add(entry);
      if (res.destroyed || res.headersSent) return;
      res.writeHead(status, out);
      res.end(payload);
    };

    const sendError = (status: number, code: string, message: string, headers: Record<string, string> = {}): void => {
      send(status, module.errorBody(code, message), headers);
    };

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      entry.fault = 'reset';
      entry.durationMs = performance.now() - startedWall;
      log.add(entry);
      return;
    }

    // ---- Injected faults (before anything else, as a failing gateway would answer)
    if (faults.slowMs > 0) {
      entry.fault = 'slow';
      await sleep(faults.slowMs);
    }
    const fault = faults.answer;
    if (fault) {
      entry.fault = fault.kind;
      if (fault.kind === 'reset') {
        entry.durationMs = performance.now() - startedWall;
        log.add(entry);
        req.socket.destroy();
        return;
      }
      if (STATUS_FAULTS.has(fault.kind)) {
        const status = Number(fault.kind);
        const headers: Record<string, string> = {};
        if (status !== 504) headers['retry-after'] = String(fault.retryAfterSeconds ?? 1);
        const code = status === 429 ? module.errorCodes.rateLimited : module.errorCodes.unavailable;
        const message =
          status === 429
            ? 'Too many requests; wait for the Retry-After interval and retry.'
            : status === 504
              ? 'The gateway timed out waiting for the service; retry the request.'
              : 'The service is temporarily unavailable; wait for the Retry-After interval and retry.';
        sendError(status, code, message, headers);
        return;
      }
    }

    if (!route) {
      sendError(404, module.errorCodes.notFound ?? 'NotFound', `No resource at '${decodedPath}' on this service; check the base URL.`);
      return;
    }

    // ---- Authentication
    let caller: EmuRequest['caller'];
    if (opts.auth) {
      const check = opts.auth.tokens.check(req.headers.authorization, opts.auth.audience);
      if (!check.ok) {
        const reason = {
          missing: 'No bearer token was sent; request a token from the token endpoint and send it as "Authorization: Bearer <token>".',
          unknown: 'The bearer token is not valid; request a new token from the token endpoint.',
          expired: 'The bearer token has expired; request a new token from the token endpoint.',
          audience: `The bearer token was issued for another resource; request it with scope "${opts.auth.audience}/.default".`,
        }[check.reason];
        const challenge =
          'Bearer' +
          (opts.auth.authorizationUri ? ` authorization_uri="${opts.auth.authorizationUri}",` : '') +
          ` error="invalid_token"`;
        sendError(401, module.errorCodes.unauthorized, reason, { 'www-authenticate': challenge });
        return;
      }
      caller = { clientId: check.clientId, userId: opts.auth.userIdFor(check.clientId) };
    }

    // ---- Service-protection limits
    const throttle = (code: string, message: string, retryAfterSeconds: number): void => {
      entry.fault = 'throttled';
      sendError(429, code, message, { 'retry-after': String(retryAfterSeconds) });
    };
    if (limits) {
      if (concurrencyMode === 'reject' && limits.concurrent > 0 && inFlight >= limits.concurrent) {
        throttle(
          module.errorCodes.concurrencyLimited,
          `Number of concurrent requests exceeded the limit of ${limits.concurrent}.`,
          1,
        );
        return;
      }
      if (limits.requestsPerWindow > 0) {
        const t = now();
        while (window.length > 0 && window[0]! <= t - limits.windowMs) window.shift();
        if (window.length >= limits.requestsPerWindow) {
          const waitMs = window[0]! + limits.windowMs - t;
          throttle(
            module.errorCodes.rateLimited,
            `Number of requests exceeded the limit of ${limits.requestsPerWindow} over time window of ${Math.round(limits.windowMs / 1000)} seconds.`,
            Math.max(1, Math.ceil(waitMs / 1000)),
          );
          return;
        }
      }
      // Combined execution time (Dataverse: 20 minutes per 5-minute window, docs/protocols.md §5.2): once the
      // requests of the window have used it up, the next waits until enough of it has left the window.
      const budget = opts.rateLimitHeaders?.executionMsPerWindow ?? 0;
      if (budget > 0) {
        const t = now();
        while (spent.length > 0 && spent[0]!.at <= t - limits.windowMs) spent.shift();
        let used = spent.reduce((sum, x) => sum + x.ms, 0);
        if (used >= budget) {
          let freedAt = t;
          for (const x of spent) {
            used -= x.ms;
            freedAt = x.at + limits.windowMs;
            if (used < budget) break;
          }
          throttle(
            module.errorCodes.executionTimeLimited ?? module.errorCodes.rateLimited,
            `Combined execution time of incoming requests exceeded limit of ${budget.toLocaleString('en-US')} milliseconds over time window of ${Math.round(limits.windowMs / 1000)} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
            Math.max(1, Math.ceil((freedAt - t) / 1000)),
          );
          return;
        }
      }
      if (concurrencyMode === 'queue' && limits.concurrent > 0 && inFlight >= limits.concurrent) {
        const maxQueue = limits.maxQueue ?? Number.POSITIVE_INFINITY;
        if (waiters.length >= maxQueue) {
          throttle(
            module.errorCodes.concurrencyLimited,
            `Too many requests are queued (at most ${limits.concurrent} processed and ${maxQueue} waiting per user); retry later.`,
            1,
          );
          return;
        }
        if (limits.requestsPerWindow > 0) window.push(now());
        await new Promise<void>((resolve) => waiters.push(resolve));
        if (closed) return;
      } else {
        if (limits.requestsPerWindow > 0) window.push(now());
        inFlight += 1;
      }
    } else {
      inFlight += 1;
    }
    log.markAdmitted(api);

    // ---- The module, then the cost model
    let encoded: EncodedBody;
    try {
      let response: EmuResponse | undefined;
      try {
        // The module's own work (what it does before it first waits) and the encoding of its answer each take a
        // turn of the process's event loop (see handler-turns.ts); what a module waits for does not hold the turn.
        let endTurn = await handlerTurns.take();
        let handled: Promise<EmuResponse> | EmuResponse;
        try {
          handled = module.handler({
            method,
            path: route.path,
            rawQuery,
            query: new URLSearchParams(rawQuery),
            headers: lowerCaseHeaders(req),
            body,
            caller,
            baseUrl: route.baseUrl,
            ...(edits.ask ? { concurrentEdit: edits.ask } : {}),
          });
        } finally {
          endTurn();
        }
        response = await handled;
        endTurn = await handlerTurns.take();
        try {
          encoded = encode(response.body);
        } finally {
          endTurn();
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        sendError(500, module.errorCodes.internal ?? 'InternalServerError', `The emulator failed: ${message}`);
        return;
      }
      if (edits.hits() > 0) entry.fault ??= '412';
      entry.operations = response.operations ?? 1;
      entry.rows = response.rows ?? 0;
      if (response.partMethods) entry.partMethods = response.partMethods;
      entry.costMs = costOf(entry.operations, entry.rows);
      const { status, headers } = response;
      // Only the encoded bytes wait out the cost model: the answer's objects and text (a BC page of 20,000 records,
      // a batch answer of 1,000 parts) are not kept alive through the wait, to be promoted and marked by the GC.
      response = undefined;
      await sleep(entry.costMs - executedMs());
      send(status, undefined, headers, encoded);
    } finally {
      releaseSlot();
    }
  };

  // Node refuses a request line beyond 16 KB by default; the services accept longer URLs (Dataverse: 32 KB,
  // docs/protocols.md §2.9), so the API module, not Node, decides what is too long. Node also answers 408 to a
  // request not received within 300 s, which neither service documents: off, so only the modelled limits answer.
  const server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES, requestTimeout: 0 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only a bug in the harness gets here; answer rather than hang the client.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`emulator harness error: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
  // Keep-alive sockets must not outlive close(); closeAllConnections handles that.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  origin = `http://${hostForUrl}:${address.port}`;

  return {
    server,
    origin,
    port: address.port,
    inFlight: () => inFlight,
    queued: () => waiters.length,
    close: async () => {
      closed = true;
      for (const t of timers) {
        clearTimeout(t.timer);
        t.resolve();
      }
      timers.clear();
      for (const w of waiters.splice(0)) w();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
