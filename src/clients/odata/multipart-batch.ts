import { randomUUID } from 'node:crypto';
import {
  BatchFormatError,
  isSuccess,
  notExecuted,
  parseBodyText,
  type BatchOperation,
  type RawBatchResult,
} from './batch-types.js';

/**
 * OData 4.0 multipart/mixed `$batch`, as Dataverse speaks it (docs/protocols.md §3.1):
 * - each part is `Content-Type: application/http` + `Content-Transfer-Encoding: binary`, then a full HTTP request;
 * - a changeset is a nested `multipart/mixed` part; its operations run as one transaction and may carry
 *   `Content-ID: n` so later operations can refer to `$n`; GETs are not allowed inside a changeset;
 * - the answer repeats the structure with `batchresponse_*` / `changesetresponse_*` boundaries, one HTTP
 *   response per part, a failed changeset collapsing into the single failing response.
 */

export interface Changeset {
  changeset: BatchOperation[];
}

export type MultipartBatchItem = BatchOperation | Changeset;

export function isChangeset(item: MultipartBatchItem): item is Changeset {
  return (item as Changeset).changeset !== undefined;
}

const CRLF = '\r\n';

function serializeBody(body: unknown): string {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  return JSON.stringify(body);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const wanted = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === wanted);
}

function encodeOperation(op: BatchOperation, boundary: string, inChangeset: boolean): string {
  if (inChangeset && op.method === 'GET') {
    throw new BatchFormatError(`GET ${op.url} cannot be part of a changeset (only changes can); send it outside the changeset`);
  }
  const lines: string[] = [`--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (op.contentId !== undefined) {
    if (!inChangeset) throw new BatchFormatError(`Content-ID ${op.contentId} is only meaningful inside a changeset`);
    lines.push(`Content-ID: ${op.contentId}`);
  }
  lines.push('', `${op.method} ${op.url} HTTP/1.1`);
  const headers: Record<string, string> = { ...op.headers };
  const body = serializeBody(op.body);
  if (body !== '' && !hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json; type=entry';
  if (op.method === 'GET' && !hasHeader(headers, 'accept')) headers['Accept'] = 'application/json';
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push('', body);
  return lines.join(CRLF);
}

export interface EncodedBatch {
  /** The request's Content-Type header, with the boundary. */
  contentType: string;
  body: string;
  boundary: string;
}

/** Encodes items (single operations and changesets) in order. Boundaries are random unless given. */
export function encodeMultipartBatch(
  items: readonly MultipartBatchItem[],
  options: { boundary?: string; changesetBoundary?: (index: number) => string } = {},
): EncodedBatch {
  if (items.length === 0) throw new BatchFormatError('a batch needs at least one operation');
  const boundary = options.boundary ?? `batch_${randomUUID()}`;
  const parts: string[] = [];
  let changesetIndex = 0;
  for (const item of items) {
    if (isChangeset(item)) {
      if (item.changeset.length === 0) throw new BatchFormatError('a changeset needs at least one operation');
      const ids = new Set<string>();
      for (const op of item.changeset) {
        if (op.contentId === undefined) continue;
        if (ids.has(op.contentId)) throw new BatchFormatError(`Content-ID ${op.contentId} is used twice in one changeset`);
        ids.add(op.contentId);
      }
      const csBoundary = options.changesetBoundary?.(changesetIndex) ?? `changeset_${randomUUID()}`;
      changesetIndex += 1;
      const inner = item.changeset.map((op) => encodeOperation(op, csBoundary, true));
      parts.push(
        [`--${boundary}`, `Content-Type: multipart/mixed; boundary="${csBoundary}"`, '', inner.join(CRLF), `--${csBoundary}--`].join(CRLF),
      );
    } else {
      parts.push(encodeOperation(item, boundary, false));
    }
  }
  return {
    contentType: `multipart/mixed; boundary="${boundary}"`,
    body: `${parts.join(CRLF)}${CRLF}--${boundary}--${CRLF}`,
    boundary,
  };
}

/** One HTTP response found inside a multipart batch answer. */
export interface DecodedResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type DecodedBatchItem = { kind: 'response'; response: DecodedResponse } | { kind: 'changeset'; responses: DecodedResponse[] };

/** The `boundary` parameter of a multipart Content-Type (quoted or not). */
export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

export function isMultipart(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*multipart\/mixed/i.test(contentType);
}

/** Splits a multipart body into its parts (each a list of lines); preamble and epilogue are dropped. */
function splitParts(lines: readonly string[], boundary: string): string[][] {
  const delimiter = `--${boundary}`;
  const parts: string[][] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) {
      if (current) parts.push(current);
      current = undefined;
      closed = true;
      break;
    }
    if (trimmed === delimiter) {
      if (current) parts.push(current);
      current = [];
      continue;
    }
    if (current) current.push(line);
  }
  if (!closed) throw new BatchFormatError(`multipart body has no closing delimiter --${boundary}--`);
  return parts;
}

function readHeaders(lines: readonly string[]): { headers: Record<string, string>; rest: string[] } {
  const headers: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') {
      i += 1;
      break;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BatchFormatError(`malformed header line "${line}"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest: lines.slice(i) };
}

function decodeHttpResponse(lines: readonly string[], mimeHeaders: Record<string, string>): DecodedResponse {
  let start = 0;
  while (start < lines.length && (lines[start] as string).trim() === '') start += 1;
  const statusLine = lines[start];
  const match = statusLine === undefined ? null : /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine.trim());
  if (!match?.[1]) throw new BatchFormatError(`expected an HTTP status line, got "${statusLine ?? ''}"`);
  const { headers, rest } = readHeaders(lines.slice(start + 1));
  const response: DecodedResponse = { status: Number(match[1]), headers, body: rest.join(CRLF).trim() };
  const contentId = mimeHeaders['content-id'] ?? headers['content-id'];
  if (contentId !== undefined) response.contentId = contentId;
  return response;
}

function decodePart(lines: readonly string[]): DecodedBatchItem {
  const { headers, rest } = readHeaders(lines);
  const type = headers['content-type'] ?? '';
  if (isMultipart(type)) {
    const inner = boundaryOf(type);
    if (!inner) throw new BatchFormatError('changeset part without a boundary');
    const responses = splitParts(rest, inner).map((part) => {
      const decoded = decodePart(part);
      if (decoded.kind !== 'response') throw new BatchFormatError('changesets cannot be nested');
      return decoded.response;
    });
    return { kind: 'changeset', responses };
  }
  return { kind: 'response', response: decodeHttpResponse(rest, headers) };
}

/** Decodes a multipart batch answer into its top-level items, in order. */
export function decodeMultipartBatch(contentType: string, body: string): DecodedBatchItem[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new BatchFormatError(`batch answer Content-Type has no boundary (${contentType})`);
  return splitParts(body.split(/\r?\n/), boundary).map(decodePart);
}

function toResult(response: DecodedResponse, outcome: RawBatchResult['outcome'] | undefined): RawBatchResult {
  const ok = isSuccess(response.status);
  const result: RawBatchResult = {
    ok: outcome === 'rolled-back' ? false : ok,
    status: response.status,
    headers: response.headers,
    body: parseBodyText(response.body),
    outcome: outcome ?? (ok ? 'done' : 'failed'),
  };
  if (response.contentId !== undefined) result.contentId = response.contentId;
  return result;
}

function notExecutedOperation(op: BatchOperation): RawBatchResult {
  const result = notExecuted();
  if (op.contentId !== undefined) result.contentId = op.contentId;
  return result;
}

/**
 * Pairs the decoded answer with the request items: one result per operation, flattened in request order.
 * - A changeset answered by a single (error) response failed as a whole: the operation named by the
 *   response's Content-ID (or every operation, when none is named) is `failed`, the rest `rolled-back`.
 * - Items after the answer ran out were never executed (the service stops at the first failure unless
 *   `Prefer: odata.continue-on-error` was sent).
 */
export function matchMultipartResults(
  items: readonly MultipartBatchItem[],
  decoded: readonly DecodedBatchItem[],
): RawBatchResult[] {
  const results: RawBatchResult[] = [];
  let next = 0;
  for (const item of items) {
    const answer = decoded[next];
    if (answer === undefined) {
      const ops = isChangeset(item) ? item.changeset : [item];
      for (const op of ops) results.push(notExecutedOperation(op));
      continue;
    }
    next += 1;
    if (!isChangeset(item)) {
      if (answer.kind !== 'response') {
        throw new BatchFormatError('the batch answer has a changeset where a single operation was sent');
      }
      results.push(toResult(answer.response, undefined));
      continue;
    }
    if (answer.kind === 'changeset') {
      const byId = new Map<string, DecodedResponse>();
      for (const r of answer.responses) if (r.contentId !== undefined) byId.set(r.contentId, r);
      const failedInside = answer.responses.some((r) => !isSuccess(r.status));
      item.changeset.forEach((op, index) => {
        const response = (op.contentId !== undefined ? byId.get(op.contentId) : undefined) ?? answer.responses[index];
        if (!response) {
          results.push(failedInside ? { ...notExecutedOperation(op), outcome: 'rolled-back' } : notExecutedOperation(op));
          return;
        }
        results.push(toResult(response, failedInside && isSuccess(response.status) ? 'rolled-back' : undefined));
      });
      continue;
    }
    const failure = answer.response;
    if (isSuccess(failure.status)) {
      // Some servers answer a one-operation changeset with a plain response.
      if (item.changeset.length !== 1) {
        throw new BatchFormatError('the batch answer has one successful response for a changeset of several operations');
      }
      results.push(toResult(failure, undefined));
      continue;
    }
    // A single error response for a whole changeset: the transaction failed and was rolled back.
    const named = failure.contentId !== undefined && item.changeset.some((op) => op.contentId === failure.contentId);
    for (const op of item.changeset) {
      const isCulprit = !named || op.contentId === failure.contentId;
      const result = toResult(failure, isCulprit ? 'failed' : 'rolled-back');
      if (op.contentId !== undefined) result.contentId = op.contentId;
      else delete result.contentId;
      results.push(result);
    }
  }
  return results;
}
