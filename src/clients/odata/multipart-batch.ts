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

/** Whether `name` is `wanted` (lower case) in any letter case; no lower-cased copy unless the lengths match. */
function isHeader(name: string, wanted: string): boolean {
  return name.length === wanted.length && name.toLowerCase() === wanted;
}

/**
 * UTF-8 bytes written straight into one buffer, kept from batch to batch (encoding is synchronous, so one is
 * enough). A $batch of 1,000 operations used to be a string of ~10,000 concatenated pieces that Buffer.from
 * then had to flatten and encode: that conversion alone was one of the largest items of a full sync's CPU.
 */
class Utf8Writer {
  private buf = Buffer.allocUnsafe(256 * 1024);
  private pos = 0;

  reset(): void {
    this.pos = 0;
  }

  write(text: string): void {
    // At most three UTF-8 bytes per UTF-16 unit (a surrogate pair is four bytes for two units).
    const room = text.length * 3;
    if (this.pos + room > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + room));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
    this.pos += this.buf.write(text, this.pos);
  }

  /** CR LF, as two bytes (no string, no call into Buffer.write). */
  crlf(): void {
    if (this.pos + 2 > this.buf.length) this.write(CRLF);
    else {
      this.buf[this.pos++] = 13;
      this.buf[this.pos++] = 10;
    }
  }

  /** A copy of what was written, exactly as long as it is (the scratch buffer stays here for the next batch). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    // A rare huge batch does not keep its buffer for the rest of the run.
    if (this.buf.length > 16 * 1024 * 1024) this.buf = Buffer.allocUnsafe(256 * 1024);
    return out;
  }
}

const writer = new Utf8Writer();

/** The delimiter and MIME headers every operation's part starts with. */
function partStartOf(boundary: string): string {
  return `--${boundary}${CRLF}Content-Type: application/http${CRLF}Content-Transfer-Encoding: binary${CRLF}`;
}

/**
 * One operation as a MIME part, with the CRLF that separates it from the next delimiter, into the writer: its
 * start, request line and headers as one string, then the body as JSON.stringify made it (a few writes per
 * operation cost more than the concatenation; the body is not concatenated, so not copied once more).
 */
/** An operation's header lines, and whether they name a Content-Type and an Accept. */
interface HeaderLines {
  text: string;
  contentType: boolean;
  accept: boolean;
}

const NO_HEADERS: HeaderLines = { text: '', contentType: false, accept: false };

/**
 * The last frozen headers object met, with its lines: a batch's creates share one (frozen, so it cannot have
 * changed since), and their lines are made once per batch instead of once per operation.
 */
let lastFrozen: { headers: Record<string, string>; lines: HeaderLines } | undefined;

function headerLines(headers: Record<string, string>): HeaderLines {
  if (lastFrozen?.headers === headers) return lastFrozen.lines;
  const lines: HeaderLines = { text: '', contentType: false, accept: false };
  for (const name of Object.keys(headers)) {
    if (isHeader(name, 'content-type')) lines.contentType = true;
    else if (isHeader(name, 'accept')) lines.accept = true;
    lines.text += `${name}: ${headers[name]}${CRLF}`;
  }
  if (Object.isFrozen(headers)) lastFrozen = { headers, lines };
  return lines;
}

function encodeOperation(out: Utf8Writer, op: BatchOperation, partStart: string, inChangeset: boolean): void {
  if (inChangeset && op.method === 'GET') {
    throw new BatchFormatError(`GET ${op.url} cannot be part of a changeset (only changes can); send it outside the changeset`);
  }
  let part = partStart;
  if (op.contentId !== undefined) {
    if (!inChangeset) throw new BatchFormatError(`Content-ID ${op.contentId} is only meaningful inside a changeset`);
    part += `Content-ID: ${op.contentId}${CRLF}`;
  }
  part += `${CRLF}${op.method} ${op.url} HTTP/1.1${CRLF}`;
  const body = serializeBody(op.body);
  const headers = op.headers ? headerLines(op.headers) : NO_HEADERS;
  part += headers.text;
  if (body !== '' && !headers.contentType) part += `Content-Type: application/json; type=entry${CRLF}`;
  if (op.method === 'GET' && !headers.accept) part += `Accept: application/json${CRLF}`;
  out.write(part + CRLF);
  if (body !== '') out.write(body);
  out.crlf();
}

export interface EncodedBatch {
  /** The request's Content-Type header, with the boundary. */
  contentType: string;
  body: string;
  boundary: string;
}

export interface EncodedBatchBytes {
  /** The request's Content-Type header, with the boundary. */
  contentType: string;
  /** The body as UTF-8, as it goes on the wire. */
  body: Buffer;
  boundary: string;
}

export interface BatchEncodeOptions {
  boundary?: string;
  changesetBoundary?: (index: number) => string;
}

/** Encodes items (single operations and changesets) in order, as UTF-8 bytes. Boundaries are random unless given. */
export function encodeMultipartBatchBytes(items: readonly MultipartBatchItem[], options: BatchEncodeOptions = {}): EncodedBatchBytes {
  if (items.length === 0) throw new BatchFormatError('a batch needs at least one operation');
  const boundary = options.boundary ?? `batch_${randomUUID()}`;
  const partStart = partStartOf(boundary);
  const out = writer;
  out.reset();
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
      out.write(`--${boundary}${CRLF}Content-Type: multipart/mixed; boundary="${csBoundary}"${CRLF}${CRLF}`);
      const csPartStart = partStartOf(csBoundary);
      for (const op of item.changeset) encodeOperation(out, op, csPartStart, true);
      out.write(`--${csBoundary}--${CRLF}`);
    } else {
      encodeOperation(out, item, partStart, false);
    }
  }
  out.write(`--${boundary}--${CRLF}`);
  return { contentType: `multipart/mixed; boundary="${boundary}"`, body: out.take(), boundary };
}

/** `encodeMultipartBatchBytes` with the body as text. */
export function encodeMultipartBatch(items: readonly MultipartBatchItem[], options: BatchEncodeOptions = {}): EncodedBatch {
  const encoded = encodeMultipartBatchBytes(items, options);
  return { ...encoded, body: encoded.body.toString('utf8') };
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

/**
 * A range of the answer's text, read line by line in place: lines end at LF (a CR before it is dropped), and no
 * line is copied unless it is looked at. A $batch answer of 1,000 responses was split into ~10,000 strings before.
 */
class Lines {
  /** Where the current line's content ends (before CR LF) and where the next line starts; set by `scan`. */
  private stop = 0;
  private next = 0;

  constructor(
    readonly text: string,
    public pos: number,
    readonly end: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Finds the current line's end (no object per line: this runs for every line of the answer). */
  private scan(): void {
    const nl = this.text.indexOf('\n', this.pos);
    if (nl < 0 || nl >= this.end) {
      this.stop = this.end;
      this.next = this.end;
    } else {
      this.stop = nl > this.pos && this.text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.next = nl + 1;
    }
  }

  /** The current line (without its line break), and moves past it. */
  take(): string {
    this.scan();
    const line = this.text.slice(this.pos, this.stop);
    this.pos = this.next;
    return line;
  }

  /** Moves past the current line without reading it. */
  skip(): void {
    this.scan();
    this.pos = this.next;
  }

  /** Whether the current line, trimmed at its end, is `--<boundary>` (`open`) or `--<boundary>--` (`close`). */
  delimiter(delimiter: string): 'open' | 'close' | undefined {
    if (!this.text.startsWith(delimiter, this.pos)) return undefined;
    this.scan();
    const after = this.text.slice(this.pos + delimiter.length, this.stop).trimEnd();
    return after === '' ? 'open' : after === '--' ? 'close' : undefined;
  }

  /**
   * Header lines up to the first blank one, into `headers` (names trimmed and lower-cased, values trimmed, as
   * `line.slice(...).trim()` would give); the range is left after the blank line. Read by index: only the
   * name and the value are copied out of the text.
   */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    const text = this.text;
    while (!this.done) {
      this.scan();
      const lineStart = this.pos;
      const stop = this.stop;
      this.pos = this.next;
      const first = skipSpace(text, lineStart, stop);
      if (first === stop) break;
      const colon = text.indexOf(':', lineStart);
      if (colon <= lineStart || colon >= stop) throw new BatchFormatError(`malformed header line "${text.slice(lineStart, stop)}"`);
      const name = headerName(text, first, trimEndAt(text, first, colon));
      const valueStart = skipSpace(text, colon + 1, stop);
      headers[name] = text.slice(valueStart, trimEndAt(text, valueStart, stop));
    }
    return headers;
  }

  /** The rest of the range as one text, its line breaks as CR LF (as the lines joined would read). */
  rest(): string {
    const text = this.text.slice(this.pos, this.end);
    this.pos = this.end;
    return text.includes('\n') ? text.replace(/\r?\n/g, CRLF) : text;
  }
}

/** Whether a UTF-16 unit is white space as `String.prototype.trim` sees it. */
function isTrimmed(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  if (code < 160) return false;
  return (
    code === 160 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

/** The first index in [from, stop) that is not white space, or stop. */
function skipSpace(text: string, from: number, stop: number): number {
  let i = from;
  while (i < stop && isTrimmed(text.charCodeAt(i))) i++;
  return i;
}

/** The end of [from, stop) without its trailing white space. */
function trimEndAt(text: string, from: number, stop: number): number {
  let i = stop;
  while (i > from && isTrimmed(text.charCodeAt(i - 1))) i--;
  return i;
}

/**
 * Header names seen before, with their lower-cased form: an answer of 1,000 responses repeats the same few
 * thousands of times, and a name found here is neither copied out of the text nor lower-cased again.
 */
const knownNames: Array<{ raw: string; lower: string }> = [];

/** The lower-cased header name at [from, to) of `text`. */
function headerName(text: string, from: number, to: number): string {
  const length = to - from;
  for (let i = 0; i < knownNames.length; i++) {
    const known = knownNames[i]!;
    if (known.raw.length === length && text.startsWith(known.raw, from)) return known.lower;
  }
  const raw = text.slice(from, to);
  const lower = raw.toLowerCase();
  if (knownNames.length < 32) knownNames.push({ raw, lower });
  return lower;
}

/**
 * The parts of a multipart range (each a range of lines between two delimiters, the line break before the
 * next delimiter excluded); preamble and epilogue are dropped. Delimiter lines are found by searching for the
 * delimiter (then checked to start a line), not by reading every line of every part.
 */
function splitParts(lines: Lines, boundary: string): Lines[] {
  const delimiter = `--${boundary}`;
  const { text, end } = lines;
  const rangeStart = lines.pos;
  const parts: Lines[] = [];
  let start: number | undefined;
  let from = rangeStart;
  for (;;) {
    const at = text.indexOf(delimiter, from);
    if (at < 0 || at >= end) break;
    from = at + 1;
    // Only at the start of a line.
    if (at !== rangeStart && text.charCodeAt(at - 1) !== 10) continue;
    lines.pos = at;
    const kind = lines.delimiter(delimiter);
    if (kind === undefined) continue;
    if (start !== undefined) {
      // The line break before the delimiter line belongs to the delimiter (RFC 2046), not to the part.
      let stop = at;
      if (stop > start && text.charCodeAt(stop - 1) === 10) stop -= 1;
      if (stop > start && text.charCodeAt(stop - 1) === 13) stop -= 1;
      parts.push(new Lines(text, start, Math.max(start, stop)));
    }
    lines.skip();
    if (kind === 'close') return parts;
    start = lines.pos;
    from = lines.pos;
  }
  lines.pos = end;
  throw new BatchFormatError(`multipart body has no closing delimiter --${boundary}--`);
}

function decodeHttpResponse(lines: Lines, mimeHeaders: Record<string, string>): DecodedResponse {
  let statusLine: string | undefined;
  while (!lines.done) {
    const line = lines.take();
    if (line.trim() !== '') {
      statusLine = line;
      break;
    }
  }
  const match = statusLine === undefined ? null : /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine.trim());
  if (!match?.[1]) throw new BatchFormatError(`expected an HTTP status line, got "${statusLine ?? ''}"`);
  const headers = lines.headers();
  const response: DecodedResponse = { status: Number(match[1]), headers, body: lines.rest().trim() };
  const contentId = mimeHeaders['content-id'] ?? headers['content-id'];
  if (contentId !== undefined) response.contentId = contentId;
  return response;
}

function decodePart(lines: Lines): DecodedBatchItem {
  const headers = lines.headers();
  const type = headers['content-type'] ?? '';
  if (isMultipart(type)) {
    const inner = boundaryOf(type);
    if (!inner) throw new BatchFormatError('changeset part without a boundary');
    const responses = splitParts(lines, inner).map((part) => {
      const decoded = decodePart(part);
      if (decoded.kind !== 'response') throw new BatchFormatError('changesets cannot be nested');
      return decoded.response;
    });
    return { kind: 'changeset', responses };
  }
  return { kind: 'response', response: decodeHttpResponse(lines, headers) };
}

/** Decodes a multipart batch answer into its top-level items, in order. */
export function decodeMultipartBatch(contentType: string, body: string): DecodedBatchItem[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new BatchFormatError(`batch answer Content-Type has no boundary (${contentType})`);
  return splitParts(new Lines(body, 0, body.length), boundary).map(decodePart);
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
