/** Pieces both APIs' error mappers share: reading `{error:{code,message}}` and the request id headers. */

export interface ErrorAnswer {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body (or text). */
  body: unknown;
  /** The request URL (absolute, or relative inside a $batch), to tell a missing entity set from a missing record. */
  url?: string;
}

/**
 * The entity set a collection URL addresses (`.../companies(…)/resources?$top=1` → `resources`), or undefined
 * when the URL addresses a record, an action, `$count`, `$batch` or a function call. A 404 on such a URL means
 * the entity set itself is missing (docs/protocols.md §5.1, §5.3: 404 = endpoint or record not found).
 */
export function collectionEntitySet(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const path = url.split('?')[0]!.replace(/\/+$/, '');
  const last = path.split('/').pop() ?? '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(last)) return undefined;
  return last;
}

export interface ServiceErrorInfo {
  code: string | undefined;
  message: string | undefined;
  requestId: string | undefined;
}

export function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** First line of a service message, without trailing whitespace, at most 300 characters. */
export function oneLine(message: string): string {
  const first = message.split(/\r?\n/)[0]?.trim() ?? '';
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}

export function readServiceError(answer: ErrorAnswer): ServiceErrorInfo {
  let code: string | undefined;
  let message: string | undefined;
  const body = answer.body;
  if (body && typeof body === 'object' && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (error && typeof error === 'object') {
      const c = (error as { code?: unknown }).code;
      const m = (error as { message?: unknown }).message;
      if (typeof c === 'string' && c !== '') code = c;
      if (typeof m === 'string' && m !== '') message = m;
    } else if (typeof error === 'string') {
      code = error;
    }
  } else if (typeof body === 'string' && body.trim() !== '') {
    message = body;
  }
  const h = answer.headers;
  let requestId: string | undefined = h['x-ms-service-request-id'] ?? h['request-id'] ?? h['req_id'] ?? h['x-ms-request-id'];
  if (requestId === undefined && message) {
    // Business Central ends its messages with "CorrelationId: <guid>."
    requestId = /CorrelationId:\s*([0-9a-fA-F-]{36})/.exec(message)?.[1];
  }
  return { code, message, requestId };
}
