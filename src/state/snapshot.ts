import fs from 'node:fs';
import { StateError } from '../errors.js';
import { type StateData } from './data.js';
import { corruptState } from './errors.js';
import { isMissing, readLines, writeFileAtomicStream, type Line } from './files.js';
import {
  couplingFromLine,
  describeZodError,
  makeUncoupledFailure,
  normalizeId,
  parseCoupling,
  snapshotDocumentSchema,
  snapshotHeaderSchema,
  STATE_FORMAT,
  STATE_SCHEMA_VERSION,
  uncoupledFailureSchema,
  versionProbeSchema,
  type SnapshotHeader,
} from './schema.js';
import type { Coupling, UncoupledFailure, Watermarks } from './types.js';

/**
 * couplings.json: one JSON document, laid out one coupling per line so it streams, diffs and greps:
 *
 *   {"format":"bcsync-state","schemaVersion":1,"savedAt":"…","journalSeq":42,"watermarks":{…},
 *   "couplings":[
 *   {"mapping":"CUSTOMER","bcId":"…","dataverseId":"…",…},
 *   {"mapping":"CUSTOMER",…}
 *   ],
 *   "uncoupledFailures":[
 *   ]}
 *
 * A file a person re-formatted (e.g. pretty-printed) is still read, as a whole document, up to a size limit.
 */

export const COUPLINGS_SECTION = '"couplings":[';
export const FAILURES_SECTION = '"uncoupledFailures":[';
const WHOLE_DOCUMENT_LIMIT = 256 * 1024 * 1024;

export interface SnapshotView {
  savedAt: string;
  journalSeq: number;
  watermarks: Record<string, Watermarks>;
  couplings: Coupling[];
  failures: UncoupledFailure[];
}

export interface LoadedSnapshot {
  header: SnapshotHeader;
  bytes: number;
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
  const parsed = snapshotHeaderSchema.safeParse(value);
  if (!parsed.success) throw corruptState(file, where, describeZodError(parsed.error));
  return parsed.data;
}

function loadCoupling(data: StateData, file: string, value: unknown, where: string): void {
  const parsed = parseCoupling(value);
  if (!parsed.ok) throw corruptState(file, where, parsed.problem);
  const m = data.ensure(parsed.value.mapping);
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
  data.putFailure(makeUncoupledFailure({ ...f, mapping: data.ensure(f.mapping).name, sourceId: normalizeId(f.sourceId) }));
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
    await readSections(file, data, lines);
    return { header, bytes: size };
  } finally {
    // Closes the file, also when an error stopped reading early.
    await lines.return(undefined);
  }
}

async function readSections(file: string, data: StateData, lines: AsyncGenerator<Line>): Promise<void> {

  type Section = 'start' | 'couplings' | 'between' | 'failures' | 'done';
  let section: Section = 'start';
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
  const doc = snapshotDocumentSchema.safeParse(value);
  if (!doc.success) throw corruptState(file, 'document', describeZodError(doc.error));
  loadWatermarks(data, header);
  doc.data.couplings.forEach((c, i) => loadCoupling(data, file, c, `couplings[${i}]`));
  doc.data.uncoupledFailures.forEach((f, i) => loadFailure(data, file, f, `uncoupledFailures[${i}]`));
  return { header, bytes: size };
}

/** The snapshot's text in chunks of about 1 MB (never one huge string). */
export function* snapshotChunks(view: SnapshotView): Generator<string> {
  const header: SnapshotHeader = {
    format: STATE_FORMAT,
    schemaVersion: STATE_SCHEMA_VERSION,
    savedAt: view.savedAt,
    journalSeq: view.journalSeq,
    watermarks: view.watermarks,
  };
  const CHUNK = 1 << 20;
  let out = `${JSON.stringify(header).slice(0, -1)},\n${COUPLINGS_SECTION}\n`;
  for (let i = 0; i < view.couplings.length; i++) {
    out += JSON.stringify(view.couplings[i]) + (i < view.couplings.length - 1 ? ',\n' : '\n');
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  out += `],\n${FAILURES_SECTION}\n`;
  for (let i = 0; i < view.failures.length; i++) {
    out += JSON.stringify(view.failures[i]) + (i < view.failures.length - 1 ? ',\n' : '\n');
    if (out.length >= CHUNK) {
      yield out;
      out = '';
    }
  }
  yield `${out}]}\n`;
}

export function writeSnapshot(file: string, view: SnapshotView): Promise<number> {
  return writeFileAtomicStream(file, snapshotChunks(view));
}
