import { BatchFormatError, isSuccess, notExecuted, parseBodyText, type BatchOperation, type RawBatchResult } from './batch-types.js';

/**
 * OData JSON `$batch` (OData 4.01 JSON format), as Business Central speaks it (docs/protocols.md §3.2):
 * request `{"requests":[{"id","method","url","headers","body"}]}` with URLs relative to the API root,
 * answer `{"responses":[{"id","status","headers","body"}]}`.
 * - By default the service stops at the first failing operation: later operations have no response.
 * - `Prefer: odata.continue-on-error` runs everything and reports each.
 * - `Isolation: snapshot` runs the batch as one transaction: a failure rolls back the earlier operations,
 *   whose responses still show 2xx.
 */

export interface JsonBatchRequestEntry {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface JsonBatchResponseEntry {
  id: string | null;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Operation ids are their 1-based position, so answers can be matched even when the service drops ids. */
export function encodeJsonBatch(operations: readonly BatchOperation[]): { requests: JsonBatchRequestEntry[] } {
  if (operations.length === 0) throw new BatchFormatError('a batch needs at least one operation');
  return {
    requests: operations.map((op, index) => {
      if (/^https?:\/\//i.test(op.url) || op.url.startsWith('/')) {
        throw new BatchFormatError(`batch URLs are relative to the API root, got "${op.url}"`);
      }
      const entry: JsonBatchRequestEntry = { id: String(index + 1), method: op.method, url: op.url };
      const headers: Record<string, string> = { ...op.headers };
      if (op.body !== undefined) {
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
        entry.body = typeof op.body === 'string' ? parseBodyText(op.body) : op.body;
      }
      if (Object.keys(headers).length > 0) entry.headers = headers;
      return entry;
    }),
  };
}

function lower(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      if (typeof v === 'string') out[k.toLowerCase()] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[k.toLowerCase()] = String(v);
    }
  }
  return out;
}

/** Reads `{"responses":[...]}`. */
export function decodeJsonBatch(body: unknown): JsonBatchResponseEntry[] {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { responses?: unknown }).responses)) {
    throw new BatchFormatError('the batch answer has no "responses" array');
  }
  return ((body as { responses: unknown[] }).responses).map((entry, index) => {
    if (!entry || typeof entry !== 'object') throw new BatchFormatError(`batch response ${index + 1} is not an object`);
    const e = entry as Record<string, unknown>;
    const status = typeof e['status'] === 'number' ? e['status'] : Number(e['status']);
    if (!Number.isInteger(status)) throw new BatchFormatError(`batch response ${index + 1} has no status`);
    const id = typeof e['id'] === 'string' ? e['id'] : typeof e['id'] === 'number' ? String(e['id']) : null;
    const responseBody = typeof e['body'] === 'string' ? parseBodyText(e['body']) : e['body'];
    return { id, status, headers: lower(e['headers']), body: responseBody };
  });
}

/**
 * One result per request, in request order. Responses are matched by id; when the service sends no ids
 * (Microsoft's own sample shows `"id": null`) they are matched by position.
 */
export function matchJsonResults(
  requests: readonly JsonBatchRequestEntry[],
  responses: readonly JsonBatchResponseEntry[],
  options: { atomic?: boolean } = {},
): RawBatchResult[] {
  const byId = new Map<string, JsonBatchResponseEntry>();
  for (const r of responses) if (r.id !== null) byId.set(r.id, r);
  const positional = byId.size === 0;
  const anyFailed = responses.some((r) => !isSuccess(r.status));
  return requests.map((req, index) => {
    const response = positional ? responses[index] : byId.get(req.id);
    if (!response) return notExecuted();
    const ok = isSuccess(response.status);
    if (ok && options.atomic && anyFailed) {
      return { ok: false, status: response.status, headers: response.headers, body: response.body, outcome: 'rolled-back' };
    }
    return { ok, status: response.status, headers: response.headers, body: response.body, outcome: ok ? 'done' : 'failed' };
  });
}
