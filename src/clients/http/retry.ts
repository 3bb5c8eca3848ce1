/**
 * Retry classification, in one place. Pure functions: the transport asks them what to do with an answer
 * (or a missing answer) and how long to wait.
 */

export interface RetryPolicy {
  /**
   * Retries of transient failures after the first attempt: lost connections, 502/504, and 429/503 without a
   * Retry-After. Waits a service asked for with a Retry-After (429/503: service protection, a busy queue) are not
   * counted here; they are bounded by maxThrottleWaitMs instead.
   */
  maxRetries: number;
  /** First backoff step when the server gave no Retry-After, ms. */
  backoffBaseMs: number;
  /** Largest backoff step, ms. */
  backoffCapMs: number;
  /** A single Retry-After longer than this is not waited out: the answer comes back as throttled instead. */
  maxRetryAfterMs: number;
  /**
   * Most time one request spends waiting as told by Retry-After, its own and the pauses of its transport it sat
   * through, ms. Past it the throttled answer comes back: the records of that request fail for this run (exit 4)
   * and the next run writes them.
   */
  maxThrottleWaitMs: number;
  /** Retry-After-directed retries of one request, at most: a guard against a service answering 429 for ever. */
  maxThrottledRetries: number;
  /**
   * After a throttled answer the transport halves its requests in flight; once the Retry-After has passed it
   * gives one slot back per this many ms until the configured bound is reached again.
   */
  inFlightRecoveryMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 5,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  maxRetryAfterMs: 10 * 60_000,
  maxThrottleWaitMs: 30 * 60_000,
  maxThrottledRetries: 100,
  inFlightRecoveryMs: 250,
};

/**
 * Statuses that mean "try again later". 429 and 503 are answered before the service does the work
 * (service protection limits, Business Central's request queue timing out), so even a create may be
 * repeated. 502 and 504 come from a gateway that may have forwarded the request: the work may have
 * happened, so only idempotent requests are repeated.
 */
const NOT_PROCESSED_STATUSES = new Set([429, 503]);
const MAYBE_PROCESSED_STATUSES = new Set([502, 504]);

export type ResponseVerdict = 'done' | 'retry';

export function classifyStatus(status: number, idempotent: boolean): ResponseVerdict {
  if (NOT_PROCESSED_STATUSES.has(status)) return 'retry';
  if (MAYBE_PROCESSED_STATUSES.has(status)) return idempotent ? 'retry' : 'done';
  return 'done';
}

/**
 * A 429 or 503 that says when to come back: the service did not do the work and asks for a pause (Dataverse's
 * service protection limits, docs/protocols.md §5.2; Business Central's request queue, §5.4). Such waits are the
 * service pacing the client, not a failure, so they are bounded by time (maxThrottleWaitMs) rather than counted.
 */
export function isPacedByService(status: number, retryAfterMs: number | undefined): boolean {
  return NOT_PROCESSED_STATUSES.has(status) && retryAfterMs !== undefined && retryAfterMs > 0;
}

/** Whether the status is one the transport would have retried (used to count and to name errors). */
export function isRetryableStatus(status: number): boolean {
  return NOT_PROCESSED_STATUSES.has(status) || MAYBE_PROCESSED_STATUSES.has(status);
}

/**
 * What a failure without an HTTP answer means.
 * - `not-sent`: the connection was never established, nothing reached the server: always safe to repeat.
 * - `unknown`: the request may have been received and acted on (reset, timeout): repeat only if idempotent.
 * - `fatal`: repeating cannot help (bad host name, cancelled by the caller, programming error).
 */
export type NetworkVerdict = 'not-sent' | 'unknown' | 'fatal';

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNKNOWN_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);

export function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function classifyNetworkError(err: unknown): NetworkVerdict {
  const code = errorCode(err);
  if (code && NOT_SENT_CODES.has(code)) return 'not-sent';
  if (code && UNKNOWN_CODES.has(code)) return 'unknown';
  return 'fatal';
}

/**
 * Parses Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns the wait in ms, rounded up
 * so we never come back earlier than asked, or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return Math.ceil(Number(trimmed) * 1000);
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil(at - nowMs));
}

/** Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^retry)]. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** retry);
  return Math.round(ceiling * Math.min(1, Math.max(0, random())));
}
