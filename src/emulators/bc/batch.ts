/**
 * Business Central's JSON `$batch` (docs/protocols.md §3.2): at most 100 operations, each answered on its own,
 * `dependsOn` between them, stop at the first failure unless `Prefer: odata.continue-on-error`, and
 * `Isolation: snapshot` making the batch one transaction. URLs inside are relative to the API root it was sent to.
 */
import { parsePrefer } from '../core/odata-query.js';
import { BcError, errors } from './errors.js';
import { API_PREFIX, errorAnswer, type Answer, type Api, type InnerRequest } from './request.js';
import type { BcService } from './service.js';
import type { Rec } from './store.js';

/** JSON `$batch` limit (docs/protocols.md §3.2, §5.4). */
export const MAX_BATCH_OPERATIONS = 100;

const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal';

/** Answers a `POST …/$batch`: one response per operation, in order, each dispatched through the service. */
export function handleJsonBatch(service: BcService, req: InnerRequest, api: Api): Answer {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('multipart/')) {
    throw errors.badBody('Send the batch as JSON (Content-Type: application/json, body {"requests":[...]}); multipart batches are not supported here.');
  }
  const body = req.body as { requests?: unknown } | undefined;
  if (!body || typeof body !== 'object' || !Array.isArray(body.requests)) {
    throw errors.badBody('Invalid Request Body: a JSON batch is {"requests":[{"id","method","url","headers","body"}]}.');
  }
  const requests = body.requests as unknown[];
  if (requests.length > MAX_BATCH_OPERATIONS) {
    const e = new BcError(
      400,
      'Unknown',
      `The current batch message contains too many parts. A maximum number of '${MAX_BATCH_OPERATIONS}' query operations and change sets are allowed in a batch message.`,
    );
    return { ...errorAnswer(e), operations: requests.length };
  }
  const ops = requests.map((r, i) => batchOperation(r, i, api));
  const seen = new Set<string>();
  for (const op of ops) {
    for (const dep of op.dependsOn) {
      if (!seen.has(dep)) throw errors.badBody(`The request '${op.id ?? ''}' depends on '${dep}', which is not an earlier request in this batch.`);
    }
    if (op.id !== null) seen.add(op.id);
  }
  const continueOnError = parsePrefer(req.headers['prefer']).continueOnError;
  const snapshot = (req.headers['isolation'] ?? '').trim().toLowerCase() === 'snapshot';
  let rows = 0;
  const run = (): { keep: boolean; result: object[] } => {
    const responses: object[] = [];
    const failed = new Set<string>();
    let anyFailure = false;
    for (const op of ops) {
      let answer: Answer;
      const blockedBy = op.dependsOn.find((d) => failed.has(d));
      if (op.invalid) answer = errorAnswer(op.invalid);
      else if (blockedBy !== undefined) {
        answer = errorAnswer(new BcError(424, 'BadRequest', `The request depends on '${blockedBy}', which failed.`));
      } else {
        answer = service.dispatch({ ...op.request!, baseUrl: req.baseUrl, inBatch: true, concurrentEdit: req.concurrentEdit });
      }
      rows += answer.rows;
      const headers: Record<string, string> = {};
      if (answer.body !== undefined) {
        headers['content-type'] = typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : JSON_CONTENT_TYPE;
        headers['odata-version'] = '4.0';
      }
      for (const [k, v] of Object.entries(answer.headers)) headers[k.toLowerCase()] = v;
      const response: Rec = { id: op.id, status: answer.status, headers };
      if (answer.body !== undefined) response.body = answer.body;
      responses.push(response);
      if (answer.status >= 400) {
        anyFailure = true;
        if (op.id !== null) failed.add(op.id);
        if (!continueOnError) break;
      }
    }
    // Isolation: snapshot makes the batch one transaction: any failure undoes the successful operations too.
    return { keep: !(snapshot && anyFailure), result: responses };
  };
  const company = service.companies[0]!;
  const responses = snapshot ? company.journal.transaction(run) : run().result;
  return { status: 200, headers: {}, body: { responses }, rows, operations: requests.length };
}

/** One operation of the batch as an inner request, or the error that answers it (bad shape, bad URL, bad body). */
function batchOperation(
  raw: unknown,
  index: number,
  api: Api,
): { id: string | null; dependsOn: string[]; request?: Omit<InnerRequest, 'baseUrl' | 'inBatch'>; invalid?: BcError } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { id: null, dependsOn: [], invalid: errors.badBody(`Batch request #${index + 1} is not an object.`) };
  }
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : null;
  const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.map((d) => String(d)) : [];
  if (typeof r.method !== 'string' || typeof r.url !== 'string') {
    return { id, dependsOn, invalid: errors.badBody(`Batch request '${id ?? index + 1}' needs "method" and "url".`) };
  }
  let url = r.url.trim();
  let path: string;
  let rawQuery = '';
  const q = url.indexOf('?');
  if (q >= 0) {
    rawQuery = url.slice(q + 1);
    url = url.slice(0, q);
  }
  if (/^https?:\/\//i.test(url)) {
    const pathname = decodeURIComponent(new URL(url).pathname);
    const at = pathname.indexOf('/api/');
    if (at < 0) return { id, dependsOn, invalid: errors.resourceNotFound(pathname) };
    path = pathname.slice(at + '/api/'.length);
  } else {
    // URLs inside a JSON batch are relative to the API root the batch was sent to.
    path = `${API_PREFIX[api]}/${decodeURIComponent(url.replace(/^\/+/, ''))}`;
  }
  const headers: Record<string, string> = {};
  if (r.headers && typeof r.headers === 'object') {
    for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
  }
  let body = r.body;
  if (typeof body === 'string' && body.trim() !== '') {
    try {
      body = JSON.parse(body);
    } catch {
      return { id, dependsOn, invalid: errors.badBody('Invalid Request Body') };
    }
  }
  return {
    id,
    dependsOn,
    request: { method: r.method.toUpperCase(), path, query: new URLSearchParams(rawQuery), rawQuery, headers, body: body ?? undefined },
  };
}
