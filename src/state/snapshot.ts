import fs from 'node:fs';
import path from 'node:path';
import { StateError } from '../errors.js';
import { decodedMs, guidFromBytes, jsonValueEnd, timeFromBytes, TIME_TEXT } from './codecs.js';
import type { CouplingTable, TableCapture } from './coupling-table.js';
import type { MappingState, StateData } from './data.js';
import { corruptState } from './errors.js';
import { isMissing, readdirOrNothing, readLines, TEMP_SUFFIX, writeFileAtomicStream, type Line } from './files.js';
import {
  COUPLING_COLUMNS,
  couplingFromLine,
  couplingMoreSchema,
  couplingFromRow,
  couplingsFileHeaderSchema,
  rowProblem,
  COUPLINGS_FORMAT,
  describeZodError,
  makeUncoupledFailure,
  normalizeId,
  parseCoupling,
  snapshotDocumentSchema,
  snapshotDocumentSchemaV1,
  snapshotHeaderSchema,
  snapshotHeaderSchemaV1,
  STATE_FORMAT,
  STATE_SCHEMA_VERSION,
  uncoupledFailureSchema,
  versionProbeSchema,
  type CouplingMore,
  type SnapshotHeader,
} from './schema.js';
import type { Coupling, UncoupledFailure, Watermarks } from './types.js';

/**
 * The snapshot (schema 2, README.md in this folder): couplings.json names one file per mapping and holds the
 * watermarks and uncoupled failures, one per line:
 *
 *   {"format":"bcsync-state","schemaVersion":2,"savedAt":"…","journalSeq":42,"watermarks":{…},"mappings":{"CUSTOMER":{"file":"couplings/CUSTOMER.42.json","couplings":2}},
 *   "uncoupledFailures":[
 *   ]}
 *
 * and couplings/CUSTOMER.42.json holds that mapping's couplings, one row per line:
 *
 *   {"format":"bcsync-couplings","schemaVersion":2,"mapping":"CUSTOMER","columns":[…],"count":2,
 *   "rows":[
 *   ["<bcId>","<dataverseId>","<coupledAt>","<bcModifiedAt>","<dataverseModifiedAt>","s-"],
 *   ["<bcId>","<dataverseId>","<coupledAt>","","<dataverseModifiedAt>","f-",{"failureCount":1,"lastErrorToDataverse":{…}}]
 *   ]}
 *
 * Schema 1 files (every coupling an object in couplings.json) are still read; the first writable open rewrites
 * them. A file a person re-formatted (e.g. pretty-printed) is still read, as a whole document, up to a size limit.
 */

export const COUPLINGS_SECTION = '"couplings":[';
export const FAILURES_SECTION = '"uncoupledFailures":[';
export const ROWS_SECTION = '"rows":[';
/** The folder of the per-mapping files, inside the state directory. */
export const COUPLINGS_DIR = 'couplings';
const WHOLE_DOCUMENT_LIMIT = 256 * 1024 * 1024;

/** One mapping in a snapshot: its couplings to write (as they were when the view was taken), or the file that already holds them. */
export interface MappingView {
  name: string;
  rows?: TableCapture;
  file?: string;
  count: number;
}

export interface SnapshotView {
  savedAt: string;
  journalSeq: number;
  watermarks: Record<string, Watermarks>;
  mappings: MappingView[];
  failures: UncoupledFailure[];
}

export interface LoadedSnapshot {
  header: SnapshotHeader;
  bytes: number;
}

export interface WrittenSnapshot {
  bytes: number;
  /** The file of each mapping written (or kept). */
  files: Map<string, { file: string; count: number }>;
}

export function newerVersionError(file: string, version: number): StateError {
  return new StateError(
    `State file ${file} was written by a newer bcsync (state schema ${version}; this version reads ${STATE_SCHEMA_VERSION}); ` +
      'it was left untouched. Upgrade bcsync to use this state.',
  );
}

/** Checks format and version first, so a newer file is reported as newer rather than as corrupt. */
function checkVersion(file: string, value: unknown, where: string): void {
  const probe = versionProbeSchema.safeParse(value);
  if (!probe.success) throw corruptState(file, where, `not a bcsync state file (${describeZodError(probe.error)})`);
  if (probe.data.schemaVersion > STATE_SCHEMA_VERSION) throw newerVersionError(file, probe.data.schemaVersion);
}

function parseHeader(file: string, value: unknown, where: string): SnapshotHeader {
  checkVersion(file, value, where);
  const v1 = (value as { schemaVersion?: unknown }).schemaVersion === 1;
  const parsed = (v1 ? snapshotHeaderSchemaV1 : snapshotHeaderSchema).safeParse(value);
  if (!parsed.success) throw corruptState(file, where, describeZodError(parsed.error));
  return parsed.data;
}

function loadCoupling(data: StateData, file: string, value: unknown, where: string): void {
  const parsed = parseCoupling(value);
  if (!parsed.ok) throw corruptState(file, where, parsed.problem);
  const m = data.ensure(parsed.value.mapping);
  // Read from a schema 1 file: written again, in its mapping's own file, by the next compaction.
  m.dirty = true;
  const coupling = couplingFromLine(parsed.value, m.name);
  const added = data.addLoadedCoupling(coupling);
  if (added === 'bcId taken') throw corruptState(file, where, `BC record ${coupling.bcId} is coupled twice in mapping ${m.name}`);
  if (added === 'dataverseId taken') {
    throw corruptState(file, where, `Dataverse row ${coupling.dataverseId} is coupled twice in mapping ${m.name}`);
  }
}

function loadFailure(data: StateData, file: string, value: unknown, where: string): void {
  const parsed = uncoupledFailureSchema.safeParse(value);
  if (!parsed.success) throw corruptState(file, where, describeZodError(parsed.error));
  const f = parsed.data;
  data.putFailure(makeUncoupledFailure({ ...f, mapping: data.entry(f.mapping).name, sourceId: normalizeId(f.sourceId) }));
}

/** Sizes of the mapping files a snapshot names (the snapshot's size is theirs plus couplings.json's). */
async function mappingFileBytes(file: string, header: SnapshotHeader): Promise<number> {
  if (header.schemaVersion !== STATE_SCHEMA_VERSION) return 0;
  let bytes = 0;
  for (const { file: name } of Object.values(header.mappings)) {
    bytes += await fs.promises.stat(path.join(path.dirname(file), name)).then((st) => st.size, () => 0);
  }
  return bytes;
}

function registerMappings(data: StateData, header: SnapshotHeader): void {
  if (header.schemaVersion !== STATE_SCHEMA_VERSION) return;
  for (const [name, { file, couplings }] of Object.entries(header.mappings)) if (couplings > 0) data.registerFile(name, file, couplings);
}

function loadWatermarks(data: StateData, header: SnapshotHeader): void {
  for (const [mapping, wm] of Object.entries(header.watermarks)) {
    if (wm.bc !== undefined) data.setWatermark(mapping, 'bc', wm.bc);
    if (wm.dataverse !== undefined) data.setWatermark(mapping, 'dataverse', wm.dataverse);
  }
}

function parseJson(file: string, text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw corruptState(file, where, `not valid JSON (${(err as Error).message})`, err);
  }
}

/** Reads the snapshot into `data`. Returns undefined when the file does not exist. */
export async function readSnapshot(file: string, data: StateData): Promise<LoadedSnapshot | undefined> {
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new StateError(`Cannot read state file ${file}: ${(err as Error).message}. Check its permissions.`, { cause: err });
  }
  if (size === 0) throw corruptState(file, 'line 1', 'the file is empty');

  const lines = readLines(file);
  try {
    const first = await lines.next();
    const firstText = first.done ? '' : first.value.text;
    if (!(firstText.startsWith('{') && firstText.endsWith(',') && firstText.includes(`"format":"${STATE_FORMAT}"`))) {
      return await readWholeDocument(file, data, size);
    }
    const header = parseHeader(file, parseJson(file, `${firstText.slice(0, -1)}}`, 'line 1'), 'line 1');
    loadWatermarks(data, header);
    registerMappings(data, header);
    await readSections(file, data, lines, header.schemaVersion === 1);
    return { header, bytes: size + (await mappingFileBytes(file, header)) };
  } finally {
    // Closes the file, also when an error stopped reading early.
    await lines.return(undefined);
  }
}

async function readSections(file: string, data: StateData, lines: AsyncGenerator<Line>, withCouplings: boolean): Promise<void> {
  type Section = 'start' | 'couplings' | 'between' | 'failures' | 'done';
  let section: Section = withCouplings ? 'start' : 'between';
  let lastLine = 1;
  for await (const line of lines) {
    lastLine = line.number;
    const where = `line ${line.number}`;
    const text = line.text.trim();
    switch (section) {
      case 'start':
        if (text !== COUPLINGS_SECTION) throw corruptState(file, where, `expected ${COUPLINGS_SECTION}`);
        section = 'couplings';
        break;
      case 'couplings':
      case 'failures': {
        if (text === (section === 'couplings' ? '],' : ']}')) {
          section = section === 'couplings' ? 'between' : 'done';
          break;
        }
        const value = parseJson(file, text.endsWith(',') ? text.slice(0, -1) : text, where);
        if (section === 'couplings') loadCoupling(data, file, value, where);
        else loadFailure(data, file, value, where);
        break;
      }
      case 'between':
        if (text !== FAILURES_SECTION) throw corruptState(file, where, `expected ${FAILURES_SECTION}`);
        section = 'failures';
        break;
      case 'done':
        if (text !== '') throw corruptState(file, where, 'unexpected content after the end of the document');
        break;
    }
  }
  if (section !== 'done') throw corruptState(file, `line ${lastLine}`, 'the file ends too early (truncated)');
}

async function readWholeDocument(file: string, data: StateData, size: number): Promise<LoadedSnapshot> {
  if (size > WHOLE_DOCUMENT_LIMIT) {
    throw corruptState(file, 'line 1', 'the first line is not a bcsync state header, and the file is too large to read as one document');
  }
  const value = parseJson(file, await fs.promises.readFile(file, 'utf8'), 'document');
  const header = parseHeader(
    file,
    typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'couplings' && k !== 'uncoupledFailures'))
      : value,
    'document',
  );
  loadWatermarks(data, header);
  if (header.schemaVersion === 1) {
    const doc = snapshotDocumentSchemaV1.safeParse(value);
    if (!doc.success) throw corruptState(file, 'document', describeZodError(doc.error));
    doc.data.couplings.forEach((c, i) => loadCoupling(data, file, c, `couplings[${i}]`));
    doc.data.uncoupledFailures.forEach((f, i) => loadFailure(data, file, f, `uncoupledFailures[${i}]`));
  } else {
    const doc = snapshotDocumentSchema.safeParse(value);
    if (!doc.success) throw corruptState(file, 'document', describeZodError(doc.error));
    registerMappings(data, header);
    doc.data.uncoupledFailures.forEach((f, i) => loadFailure(data, file, f, `uncoupledFailures[${i}]`));
  }
  return { header, bytes: size + (await mappingFileBytes(file, header)) };
}

const CHUNK = 1 << 20;

/** couplings.json's text in chunks (never one huge string). */
function* headerChunks(view: SnapshotView, files: Map<string, { file: string; count: number }>): Generator<string> {
  const header: SnapshotHeader = {
    format: STATE_FORMAT,
    schemaVersion: STATE_SCHEMA_VERSION,
    savedAt: view.savedAt,
    journalSeq: view.journalSeq,
    watermarks: view.watermarks,
    mappings: Object.fromEntries([...files].map(([name, f]) => [name, { file: f.file, couplings: f.count }])),
  };
  let out = `${JSON.stringify(header).slice(0, -1)},\n${FAILURES_SECTION}\n`;
  for (let i = 0; i < view.failures.length; i++) {
    out += JSON.stringify(view.failures[i]) + (i < view.failures.length - 1 ? ',\n' : '\n');
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  yield `${out}]}\n`;
}

/**
 * A mapping's couplings file from its `count` rows (row lines, or row numbers of `table` written from its columns:
 * coupling-table.ts `rowLine`, `writeRowLine`), in chunks of about 1 MB
 * written as UTF-8 into one buffer used again for every chunk: each chunk is valid until the next is asked for
 * (`writeFileAtomicStream` writes it first). Not a megabyte string per chunk: one held while its write was under
 * way lived long enough to be promoted, with the line strings it was made of, so a compaction of a million rows
 * (~165 MB) grew the old generation by about twice the file before it was collected (the peak of a full sync).
 */
export function* couplingsFileChunks(mapping: string, lines: Iterable<string | number>, count: number, table?: CouplingTable): Generator<Uint8Array> {
  const header = { format: COUPLINGS_FORMAT, schemaVersion: STATE_SCHEMA_VERSION, mapping, columns: COUPLING_COLUMNS, count };
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = buf.write(`${JSON.stringify(header).slice(0, -1)},\n${ROWS_SECTION}\n`, 0, 'utf8');
  let i = 0;
  for (const entry of lines) {
    const last = ++i === count;
    // A row number: written from the table's columns when it can be (`writeRowLine`), else as its line.
    const bound = typeof entry === 'number' ? table!.rowLineBound(entry) : -1;
    const line = typeof entry === 'number' ? (bound < 0 ? table!.rowLine(entry) : undefined) : entry;
    // At most 3 bytes per UTF-16 unit, and the separator.
    const room = line === undefined ? bound + 2 : line.length * 3 + 2;
    if (pos > 0 && pos + room > CHUNK) {
      yield buf.subarray(0, pos);
      pos = 0;
    }
    if (room > CHUNK) {
      yield Buffer.from(`${line ?? table!.rowLine(entry as number)}${last ? '' : ','}\n`, 'utf8');
      continue;
    }
    pos = line === undefined ? table!.writeRowLine(entry as number, buf, pos) : pos + buf.write(line, pos, 'utf8');
    if (!last) buf[pos++] = 0x2c;
    buf[pos++] = 0x0a;
  }
  if (i !== count) throw new Error(`wrote ${i} couplings of ${mapping}, expected ${count}`);
  if (pos + 3 > CHUNK) {
    yield buf.subarray(0, pos);
    pos = 0;
  }
  pos += buf.write(']}\n', pos, 'utf8');
  yield buf.subarray(0, pos);
}

/** `couplings/<mapping>.<journalSeq>.json`: a new name per compaction, so the snapshot names a complete file. */
export function mappingFileName(mapping: string, journalSeq: number): string {
  return `${COUPLINGS_DIR}/${encodeURIComponent(mapping).replace(/\./g, '%2E')}.${journalSeq}.json`;
}

/**
 * Writes every mapping's changed couplings to a new file of its own, then couplings.json naming them (each
 * replaced atomically): a reader sees the old snapshot or the new one. Unchanged mappings keep their file.
 * Files no snapshot names any more are removed afterwards (`removeUnreferencedFiles`).
 */
export async function writeSnapshot(file: string, view: SnapshotView): Promise<WrittenSnapshot> {
  const dir = path.dirname(file);
  const files = new Map<string, { file: string; count: number }>();
  let made = false;
  let total = 0;
  for (const m of view.mappings) {
    if (m.count === 0) continue;
    if (m.rows === undefined) {
      files.set(m.name, { file: m.file!, count: m.count });
      total += await fs.promises.stat(path.join(dir, m.file!)).then((st) => st.size, () => 0);
      continue;
    }
    if (!made) {
      await fs.promises.mkdir(path.join(dir, COUPLINGS_DIR), { recursive: true, mode: 0o700 });
      made = true;
    }
    const name = mappingFileName(m.name, view.journalSeq);
    total += await writeFileAtomicStream(path.join(dir, name), couplingsFileChunks(m.name, m.rows.rows(), m.count, m.rows.source));
    files.set(m.name, { file: name, count: m.count });
  }
  const bytes = total + (await writeFileAtomicStream(file, headerChunks(view, files)));
  return { bytes, files };
}

/** Removes mapping files the snapshot does not name (replaced ones, or a killed compaction's), and temp files. */
export async function removeUnreferencedFiles(dir: string, keep: Iterable<string>): Promise<void> {
  const folder = path.join(dir, COUPLINGS_DIR);
  const kept = new Set([...keep].map((f) => path.basename(f)));
  for (const name of await readdirOrNothing(folder)) {
    if (kept.has(name) || !(name.endsWith('.json') || name.endsWith(TEMP_SUFFIX))) continue;
    await fs.promises.rm(path.join(folder, name), { force: true });
  }
}

// ------------------------------------------------------------------------------------------------
// Reading a mapping's file (synchronously: it is read the first time a mapping's couplings are asked for).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** Reads the file of `m` into `data`. Throws StateError naming the file and line when anything is wrong. */
export function loadMappingFile(stateDir: string, data: StateData, m: MappingState): void {
  const file = path.join(stateDir, m.file!);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (isMissing(err)) throw new MappingFileMissingError(file, m.name);
    throw new StateError(`Cannot read state file ${file}: ${(err as Error).message}. Check its permissions.`, { cause: err });
  }
  const reader = new RowReader(file, data, m, fs.fstatSync(fd).size);
  try {
    let chunk = Buffer.allocUnsafe(4 << 20);
    // Bytes at chunk[0, carry) are the start of a line the previous read cut; the next read goes after them.
    let carry = 0;
    for (;;) {
      if (carry === chunk.length) {
        const larger = Buffer.allocUnsafe(chunk.length * 2);
        chunk.copy(larger, 0, 0, carry);
        chunk = larger;
      }
      const n = fs.readSync(fd, chunk, carry, chunk.length - carry, null);
      if (n === 0) break;
      const end = carry + n;
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0 && nl < end; nl = chunk.indexOf(NEWLINE, start)) {
        reader.line(chunk, start, nl);
        start = nl + 1;
      }
      chunk.copyWithin(0, start, end);
      carry = end - start;
    }
    if (carry > 0) reader.line(chunk, 0, carry);
    reader.end();
  } finally {
    fs.closeSync(fd);
  }
}

/** A snapshot names a mapping file that is not there (a reader raced a compaction, or the file was removed). */
export class MappingFileMissingError extends StateError {
  constructor(file: string, mapping: string) {
    super(
      `State file ${file} (the couplings of ${mapping}) is missing; it was left untouched. ` +
        'Restore the state directory from a backup, or move it aside to start over (every record is then matched up again).',
    );
  }
}

const RESULT_BYTE = new Int8Array(256).fill(-1);
RESULT_BYTE[0x2d] = 0; // -
RESULT_BYTE[0x73] = 1; // s
RESULT_BYTE[0x66] = 2; // f
const EXTRA_ONLY = Buffer.from('{"extra":');

function startsWith(buf: Buffer, at: number, prefix: Buffer): boolean {
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

class RowReader {
  private number = 0;
  private section: 'header' | 'rows-start' | 'rows' | 'done' = 'header';
  private rows = 0;
  private expected = 0;
  private readonly moreCache = new Map<string, CouplingMore>();
  /** Start and end of the six quoted columns of the row being read. */
  private readonly bounds = new Int32Array(12);

  constructor(
    private readonly file: string,
    private readonly data: StateData,
    private readonly m: MappingState,
    private readonly fileBytes: number,
  ) {}

  private fail(problem: string): never {
    throw corruptState(this.file, `line ${this.number}`, problem);
  }

  line(buf: Buffer, start: number, end: number): void {
    this.number += 1;
    if (this.section === 'rows') {
      // The common row: GUIDs, times as bcsync writes them, maybe an object; read from the bytes.
      if (buf[start] === 0x5b && buf[start + 1] === QUOTE && this.fastRow(buf, start, end)) return;
      const text = buf.toString('utf8', start, end).trim();
      if (text === ']}') {
        this.section = 'done';
        return;
      }
      this.slowRow(text);
      return;
    }
    const text = buf.toString('utf8', start, end).trim();
    switch (this.section) {
      case 'header': {
        if (!text.endsWith(',')) this.fail(`expected the header of a ${COUPLINGS_FORMAT} file`);
        let value: unknown;
        try {
          value = JSON.parse(`${text.slice(0, -1)}}`);
        } catch (err) {
          this.fail(`not valid JSON (${(err as Error).message})`);
        }
        const parsed = couplingsFileHeaderSchema.safeParse(value);
        if (!parsed.success) this.fail(describeZodError(parsed.error));
        if (parsed.data.mapping !== this.m.name) this.fail(`holds mapping ${parsed.data.mapping}, not ${this.m.name}`);
        this.expected = parsed.data.count;
        const rows = Math.min(this.expected, this.m.fileCount);
        this.m.table.reserve(rows);
        // What the rows hold beyond ~170 bytes each (ids, times, results) is mostly `extra`.
        const extraBytes = this.fileBytes - rows * 170;
        if (extraBytes > 1 << 20) this.m.table.reserveExtraBytes(extraBytes);
        this.section = 'rows-start';
        return;
      }
      case 'rows-start':
        if (text !== ROWS_SECTION) this.fail(`expected ${ROWS_SECTION}`);
        this.section = 'rows';
        return;
      case 'done':
        if (text !== '') this.fail('unexpected content after the end of the document');
        return;
    }
  }

  end(): void {
    if (this.section !== 'done') this.fail('the file ends too early (truncated)');
    if (this.rows !== this.expected) this.fail(`the file holds ${this.rows} couplings but its header says ${this.expected}`);
    if (this.rows !== this.m.fileCount) this.fail(`the file holds ${this.rows} couplings but couplings.json says ${this.m.fileCount}`);
  }

  /**
   * Six quoted columns in the compact forms (GUID ids, times as bcsync writes them), straight into the table's
   * columns; false when the row is in any other shape (the slow path reads it and says what is wrong).
   */
  private fastRow(buf: Buffer, start: number, end: number): boolean {
    if (this.section !== 'rows') return false;
    const b = this.bounds;
    let pos = start + 1; // at the opening quote of the first column
    for (let i = 0; i < 6; i++) {
      if (buf[pos] !== QUOTE) return false;
      const close = buf.indexOf(QUOTE, pos + 1);
      if (close < 0 || close >= end) return false;
      b[2 * i] = pos + 1;
      b[2 * i + 1] = close;
      pos = close + 1;
      if (i < 5) {
        if (buf[pos] !== 0x2c) return false;
        pos += 1;
      }
    }
    let last = end;
    while (last > pos && (buf[last - 1] === 0x2c || buf[last - 1] === 0x20 || buf[last - 1] === 0x0d)) last -= 1;
    if (buf[last - 1] !== 0x5d) return false;
    const withMore = buf[pos] === 0x2c;
    if (!withMore && pos !== last - 1) return false;
    // Columns checked by the codecs (hex digits, digits, separators): a backslash anywhere in them fails a check.
    const t = this.m.table;
    const row = t.newRow();
    const ok =
      b[1]! - b[0]! === 36 &&
      guidFromBytes(buf, b[0]!, t.words[0], row * 4) &&
      b[3]! - b[2]! === 36 &&
      guidFromBytes(buf, b[2]!, t.words[1], row * 4) &&
      this.time(buf, row, 0) &&
      this.time(buf, row, 1) &&
      this.time(buf, row, 2) &&
      b[11]! - b[10]! === 2 &&
      RESULT_BYTE[buf[b[10]!]!]! >= 0 &&
      RESULT_BYTE[buf[b[10]! + 1]!]! >= 0;
    if (!ok) {
      t.dropLastRow(row);
      return false;
    }
    t.setResults(row, RESULT_BYTE[buf[b[10]!]!]! + 3 * RESULT_BYTE[buf[b[10]! + 1]!]!);
    if (withMore) {
      const start = pos + 1;
      const end = last - 1; // the object is buf[start, end)
      const value = start + EXTRA_ONLY.length;
      // Written by bcsync as {"extra":{…}}: checked as JSON on the bytes and copied as it is.
      if (
        end - value > 2 &&
        buf[value] === 0x7b &&
        buf[end - 1] === 0x7d &&
        startsWith(buf, start, EXTRA_ONLY) &&
        jsonValueEnd(buf, value, end - 1) === end - 1
      ) {
        t.setExtraBytes(row, buf, value, end - 1);
      } else {
        const more = this.more(buf.toString('utf8', start, end));
        t.setRare(row, more.skipped ?? false, more.failureCount ?? 0, more.lastErrorToDataverse, more.lastErrorToBc);
        if (more.extra !== undefined) t.setExtra(row, JSON.stringify(more.extra));
      }
    }
    this.index(row);
    return true;
  }

  /** Column 2 + k as time k of the row: false when not in a compact form (an empty modified time is none). */
  private time(buf: Buffer, row: number, k: number): boolean {
    const start = this.bounds[4 + 2 * k]!;
    const length = this.bounds[5 + 2 * k]! - start;
    if (length === 0) return k > 0;
    const code = timeFromBytes(buf, start, length);
    if (code === TIME_TEXT) return false;
    this.m.table.setDecodedTime(row, k, code, decodedMs);
    return true;
  }

  private index(row: number): void {
    const t = this.m.table;
    const added = t.indexRow(row);
    if (added === 'bcId taken') this.fail(`BC record ${t.id(0, row)} is coupled twice in mapping ${this.m.name}`);
    if (added === 'dataverseId taken') this.fail(`Dataverse row ${t.id(1, row)} is coupled twice in mapping ${this.m.name}`);
    this.data.countLoadedRow();
    this.rows += 1;
  }

  private more(text: string): CouplingMore {
    const cached = this.moreCache.get(text);
    if (cached) return cached;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.fail(`not valid JSON (${(err as Error).message})`);
    }
    const parsed = couplingMoreSchema.safeParse(value);
    if (!parsed.success) this.fail(`more: ${describeZodError(parsed.error)}`);
    const more = parsed.data;
    // Identical values (flags most couplings share) are parsed once.
    if (this.moreCache.size < 10_000) this.moreCache.set(text, more);
    return more;
  }

  private slowRow(text: string): void {
    if (this.section !== 'rows') this.fail('a row after the end of the rows');
    let value: unknown;
    try {
      value = JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text);
    } catch (err) {
      this.fail(`not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(value) || value.length < 6 || value.length > 7 || value.slice(0, 6).some((v) => typeof v !== 'string')) {
      this.fail(`expected a row [${COUPLING_COLUMNS.slice(0, 6).join(', ')}, more?] of strings and an optional object`);
    }
    let more: CouplingMore | undefined;
    if (value.length === 7) {
      const parsed = couplingMoreSchema.safeParse(value[6]);
      if (!parsed.success) this.fail(`more: ${describeZodError(parsed.error)}`);
      more = parsed.data;
    }
    const cols = value.slice(0, 6) as string[];
    const problem = rowProblem(cols[0]!, cols[1]!, cols[2]!, cols[3]!, cols[4]!, cols[5]!);
    if (problem) this.fail(problem);
    const c = couplingFromRow(this.m.name, cols, more);
    const added = this.m.table.add(c);
    if (added === 'bcId taken') this.fail(`BC record ${c.bcId} is coupled twice in mapping ${this.m.name}`);
    if (added === 'dataverseId taken') this.fail(`Dataverse row ${c.dataverseId} is coupled twice in mapping ${this.m.name}`);
    this.data.countLoadedRow();
    this.rows += 1;
  }
}
