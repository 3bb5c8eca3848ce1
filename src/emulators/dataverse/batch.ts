/**
 * `$batch` in `multipart/mixed` (docs/protocols.md §3.1): parts run in order; a change set is one
 * transaction (a failure rolls back every earlier operation in it) whose parts may refer to
 * entities created before them as `$<Content-ID>`; at most 1,000 operations; GET is not allowed in
 * a change set; processing stops at the first failure (the batch takes that status) unless
 * `Prefer: odata.continue-on-error`.
 */
import type { EmuRequest, EmuResponse } from '../core/http-types.js';
import { parsePrefer, preferenceApplied } from '../core/odata-query.js';
import { DvCodes, DvError, MAX_URL_LENGTH_IN_BATCH, badRequest, errorBody, urlTooLong } from './errors.js';
import type { DataverseService, InternalResponse } from './service.js';
import type { GuidGenerator } from './ids.js';

export const MAX_BATCH_OPERATIONS = 1000;

interface HttpOperation {
  method: string;
  /** Request target as written (relative, absolute or `$n...`). */
  target: string;
  headers: Record<string, string>;
  /** The part's body as text (decoded into a Buffer only if a handler asks for one). */
  body: string;
  contentId?: string;
}

type BatchItem = { kind: 'operation'; op: HttpOperation } | { kind: 'changeset'; ops: HttpOperation[] };

const CRLF = '\r\n';

function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed\b/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The bodies between `--boundary` delimiter lines, up to the closing `--boundary--`. */
function splitParts(text: string, boundary: string): string[] {
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(?:\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let last: number | undefined;
  let closed = false;
  for (let m = delimiter.exec(text); m; m = delimiter.exec(text)) {
    if (last !== undefined) parts.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1]) {
      closed = true;
      break;
    }
  }
  if (last === undefined) throw badRequest(`The batch body has no part delimited by '--${boundary}'.`);
  if (!closed) throw badRequest(`The batch body does not end with the closing delimiter '--${boundary}--'.`);
  return parts;
}

/** The non-empty lines of a header block (lines end in CRLF or LF). */
function headerLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end > start) lines.push(text.slice(start, end));
    start = next;
  }
  return lines;
}

/** Header block and content of a MIME part or an HTTP message: split at the first blank line (CRLF or LF). */
function splitHead(text: string): { headLines: string[]; content: string } {
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    let j = i + 1;
    if (text.charCodeAt(j) === 13) j++;
    if (text.charCodeAt(j) !== 10) continue;
    const end = i > 0 && text.charCodeAt(i - 1) === 13 ? i - 1 : i;
    return { headLines: headerLines(text.slice(0, end)), content: text.slice(j + 1) };
  }
  return { headLines: headerLines(text), content: '' };
}

/** Header names as sent -> lower case, trimmed (a batch's parts repeat the same few names 1,000 times). */
const HEADER_NAMES = new Map<string, string>();

function headerName(raw: string): string {
  let name = HEADER_NAMES.get(raw);
  if (name === undefined) {
    name = raw.trim().toLowerCase();
    // Only a handful of names are kept: a client inventing names per part does not grow the map.
    if (HEADER_NAMES.size < 256) HEADER_NAMES.set(raw, name);
  }
  return name;
}

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw badRequest(`The batch part header line '${line}' is not 'Name: value'.`);
    headers[headerName(line.slice(0, colon))] = line.slice(colon + 1).trim();
  }
  return headers;
}

function parseOperation(partText: string, inChangeSet: boolean): HttpOperation {
  const { headLines, content } = splitHead(partText);
  const mime = parseHeaders(headLines);
  if (!/^application\/http\b/i.test(mime['content-type'] ?? '')) {
    throw badRequest(`A batch part must have 'Content-Type: application/http'; got '${mime['content-type'] ?? ''}'.`);
  }
  const { headLines: httpLines, content: body } = splitHead(content);
  const requestLine = httpLines.shift();
  const m = requestLine ? /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d\.\d)?$/.exec(requestLine.trim()) : null;
  if (!m) throw badRequest(`The batch part request line '${requestLine ?? ''}' is not '<METHOD> <URL> HTTP/1.1'.`);
  const op: HttpOperation = { method: m[1]!, target: m[2]!, headers: parseHeaders(httpLines), body };
  const contentId = mime['content-id'] ?? op.headers['content-id'];
  if (contentId !== undefined) op.contentId = contentId;
  if (op.method === 'GET' && inChangeSet) throw badRequest('GET requests are not allowed in a change set; put them outside the change set.');
  return op;
}

function parseBatch(text: string, boundary: string): BatchItem[] {
  const items: BatchItem[] = [];
  for (const part of splitParts(text, boundary)) {
    const { headLines, content } = splitHead(part);
    const mime = parseHeaders(headLines);
    const changeSetBoundary = boundaryOf(mime['content-type']);
    if (changeSetBoundary) {
      const ops = splitParts(content, changeSetBoundary).map((p) => parseOperation(p, true));
      if (ops.length === 0) throw badRequest('A change set in the batch has no operations.');
      items.push({ kind: 'changeset', ops });
    } else {
      items.push({ kind: 'operation', op: parseOperation(part, false) });
    }
  }
  return items;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Whether `name` is `wanted` (lower-case ASCII) in any letter case; compared in place unless `name` has non-ASCII. */
function isHeader(name: string, wanted: string): boolean {
  if (name.length !== wanted.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 127) return name.toLowerCase() === wanted;
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== wanted.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The answer's bytes, written as its parts are encoded: one buffer for the whole answer (reused from batch to batch:
 * a batch is answered synchronously), copied out at the end, instead of 1,000 part strings joined into one and
 * encoded again by the listener.
 */
class AnswerWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  length = 0;

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.length + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + text.length * 3));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** Drops what was written from `start` on. */
  truncate(start: number): void {
    this.length = start;
  }

  /** Moves what was written from `start` on to the front, dropping what was before it. */
  keepFrom(start: number): void {
    this.buf.copy(this.buf, 0, start, this.length);
    this.length -= start;
  }

  /** A copy of what was written. */
  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

const answer = new AnswerWriter();

/**
 * One `application/http` response part, after `prefix` (its delimiter line). Every part draws a request id from
 * `ids`; only a failed part shows it (REQ_ID), so the others just move the sequence on.
 */
function encodeResponse(out: AnswerWriter, prefix: string, res: EmuResponse, contentId: string | undefined, ids: GuidGenerator): void {
  let requestId = '';
  if (res.status >= 400) requestId = ids.next();
  else ids.skip();
  let part = `${prefix}Content-Type: application/http${CRLF}Content-Transfer-Encoding: binary${CRLF}`;
  if (contentId !== undefined) part += `Content-ID: ${contentId}${CRLF}`;
  part += `${CRLF}HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? 'Status'}${CRLF}`;
  let body = '';
  let json = false;
  if (res.body !== undefined) {
    if (typeof res.body === 'string') body = res.body;
    else if (Buffer.isBuffer(res.body)) body = res.body.toString('utf8');
    else {
      body = JSON.stringify(res.body);
      json = true;
    }
  }
  let contentType = false;
  let odataVersion = false;
  let requestIdSet = false;
  const headers = res.headers ?? {};
  for (const name of Object.keys(headers)) {
    if (isHeader(name, 'content-type')) contentType = true;
    else if (isHeader(name, 'odata-version')) odataVersion = true;
    // A REQ_ID of the answer's own is replaced in place by the batch's (as an object's key keeps its position).
    const value = name === 'REQ_ID' && res.status >= 400 ? ((requestIdSet = true), requestId) : headers[name];
    part += `${name}: ${value}${CRLF}`;
  }
  if (json && !contentType) part += `Content-Type: application/json; odata.metadata=minimal${CRLF}`;
  if (!odataVersion) part += `OData-Version: 4.0${CRLF}`;
  if (res.status >= 400 && !requestIdSet) part += `REQ_ID: ${requestId}${CRLF}`;
  out.write(part + CRLF);
  out.write(body);
  out.write(CRLF);
}

/** Characters of a part's URL as the service resolves it: an absolute path or a relative one completed with the base. */
function urlLength(target: string, baseUrl: string, origin: () => string): number {
  if (/^https?:\/\//i.test(target)) return target.length;
  if (target.startsWith('/')) return origin().length + target.length;
  return baseUrl.length + 1 + target.length;
}

/** Path relative to the service root and query string of a part's request target. */
function relativeTarget(target: string, contentIds: ReadonlyMap<string, string>): { path: string; rawQuery: string } {
  let t = target;
  const ref = t.startsWith('$') ? /^(\$[^/?]+)(.*)$/.exec(t) : null;
  if (ref) {
    const mapped = contentIds.get(ref[1]!);
    if (!mapped) throw badRequest(`Content-ID Reference: '${ref[1]}' does not exist in the batch context.`);
    t = mapped + ref[2]!;
  }
  t = t.replace(/^https?:\/\/[^/]+/i, '').replace(/^\//, '').replace(/^api\/data\/v9\.\d\//i, '');
  const q = t.indexOf('?');
  const rawPath = q < 0 ? t : t.slice(0, q);
  const rawQuery = q < 0 ? '' : t.slice(q + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw badRequest(`The URL '${target}' in the batch is not correctly encoded.`);
  }
  return { path, rawQuery };
}

/** Content-ID references of an operation outside a change set: none (it is only read). */
const NO_CONTENT_IDS: ReadonlyMap<string, string> = new Map();

/** One part as the service sees it: its body decoded into a Buffer only if a handler asks for one. */
class PartRequest implements EmuRequest {
  caller?: EmuRequest['caller'];
  concurrentEdit?: EmuRequest['concurrentEdit'];

  constructor(
    readonly method: string,
    readonly path: string,
    readonly rawQuery: string,
    readonly query: URLSearchParams,
    readonly headers: Record<string, string>,
    readonly bodyText: string,
    readonly baseUrl: string,
  ) {}

  get body(): Buffer {
    return Buffer.from(this.bodyText, 'utf8');
  }
}

export function handleBatch(service: DataverseService, req: EmuRequest, ids: GuidGenerator): EmuResponse {
  if (req.method.toUpperCase() !== 'POST') throw new DvError(405, DvCodes.odata, `The HTTP method '${req.method}' is not allowed on '$batch'.`);
  const boundary = boundaryOf(req.headers['content-type']);
  if (!boundary) throw badRequest("A $batch request needs 'Content-Type: multipart/mixed; boundary=batch_<id>'.");
  const items = parseBatch(req.body.toString('utf8'), boundary);
  const operations = items.reduce((n, item) => n + (item.kind === 'operation' ? 1 : item.ops.length), 0);
  if (operations > MAX_BATCH_OPERATIONS) {
    throw badRequest(
      `The current batch message contains too many parts. Only batch messages with a maximum number of '${MAX_BATCH_OPERATIONS}' query operations, including changeset operations, are allowed.`,
    );
  }
  const partMethods: Record<string, number> = {};
  const countMethod = (op: HttpOperation): void => {
    partMethods[op.method] = (partMethods[op.method] ?? 0) + 1;
  };
  for (const item of items) {
    if (item.kind === 'operation') countMethod(item.op);
    else item.ops.forEach(countMethod);
  }
  const continueOnError = parsePrefer(req.headers['prefer']).continueOnError;
  const store = service.org.store;
  const responseBoundary = `batchresponse_${ids.next()}`;
  const out = answer;
  out.truncate(0);
  const delimiter = `--${responseBoundary}${CRLF}`;
  let attempted = 0;
  let rows = 0;
  /** The part that failed: its status and where its bytes start. */
  let failure: { status: number; start: number } | undefined;
  let origin: string | undefined;
  const originOf = (): string => (origin ??= new URL(req.baseUrl).origin);
  // Parts of one batch mostly share a query string ($select of the returned columns): parsed once each.
  const queries = new Map<string, URLSearchParams>();
  const queryOf = (rawQuery: string): URLSearchParams => {
    let q = queries.get(rawQuery);
    if (!q) {
      q = new URLSearchParams(rawQuery);
      queries.set(rawQuery, q);
    }
    return q;
  };

  const run = (op: HttpOperation, contentIds: ReadonlyMap<string, string>, inChangeSet: boolean): InternalResponse => {
    attempted++;
    let sub: EmuRequest;
    try {
      const length = op.target.startsWith('$') ? 0 : urlLength(op.target, req.baseUrl, originOf);
      if (length > MAX_URL_LENGTH_IN_BATCH) throw urlTooLong(length, MAX_URL_LENGTH_IN_BATCH, true);
      const { path, rawQuery } = relativeTarget(op.target, contentIds);
      if (path === '$batch' || path.startsWith('$batch?')) throw badRequest('A $batch request cannot contain another $batch request.');
      const part = new PartRequest(op.method, path, rawQuery, queryOf(rawQuery), op.headers, op.body, req.baseUrl);
      if (req.caller) part.caller = req.caller;
      if (req.concurrentEdit) part.concurrentEdit = req.concurrentEdit;
      sub = part;
    } catch (err) {
      if (err instanceof DvError) return { status: err.status, body: errorBody(err.code, err.message) };
      throw err;
    }
    const res = service.dispatch(sub, inChangeSet ? { bind: { contentIds }, inBatch: true } : { inBatch: true });
    rows += res.rows ?? 0;
    return res;
  };

  for (const item of items) {
    if (item.kind === 'operation') {
      const res = run(item.op, NO_CONTENT_IDS, false);
      const start = out.length;
      encodeResponse(out, delimiter, res, undefined, ids);
      if (res.status >= 400) {
        failure = { status: res.status, start };
        if (!continueOnError) break;
      }
      continue;
    }
    const changeSetBoundary = `changesetresponse_${ids.next()}`;
    const innerDelimiter = `--${changeSetBoundary}${CRLF}`;
    const contentIds = new Map<string, string>();
    const start = out.length;
    out.write(`${delimiter}Content-Type: multipart/mixed; boundary=${changeSetBoundary}${CRLF}${CRLF}`);
    let failed = false;
    store.begin();
    try {
      for (const op of item.ops) {
        const res = run(op, contentIds, true);
        if (res.status >= 400) {
          // The whole change set is one response: the error of the operation that failed.
          out.truncate(start);
          encodeResponse(out, delimiter, res, op.contentId, ids);
          failure = { status: res.status, start };
          failed = true;
          break;
        }
        if (op.contentId !== undefined && res.entityPath) contentIds.set(`$${op.contentId}`, res.entityPath);
        encodeResponse(out, innerDelimiter, res, op.contentId, ids);
      }
    } catch (err) {
      store.rollback();
      throw err;
    }
    if (failed) {
      store.rollback();
      if (!continueOnError) break;
      continue;
    }
    store.commit();
    out.write(`--${changeSetBoundary}--${CRLF}${CRLF}`);
  }

  const stopped = failure !== undefined && !continueOnError;
  // Stopped at a failure: the answer is that part alone.
  if (stopped) out.keepFrom(failure!.start);
  out.write(`--${responseBoundary}--${CRLF}`);
  const body = out.bytes();
  const headers: Record<string, string> = { 'Content-Type': `multipart/mixed; boundary=${responseBoundary}`, 'OData-Version': '4.0' };
  if (continueOnError) headers['Preference-Applied'] = preferenceApplied({ continueOnError: true })!;
  return { status: stopped ? failure!.status : 200, headers, body, operations: Math.max(1, attempted), rows, partMethods };
}
