import fs from 'node:fs';
import { StateError } from '../errors.js';
import type { StateData } from './data.js';
import { corruptState } from './errors.js';
import { isMissing, readLines } from './files.js';
import {
  couplingFromLine,
  describeZodError,
  makeUncoupledFailure,
  normalizeId,
  parseCoupling,
  parseJournalEntry,
  uncoupledFailureSchema,
  type JournalEntry,
} from './schema.js';
import type { Coupling, SideName, SyncDirection, UncoupledFailure } from './types.js';

/**
 * journal.ndjson: the changes since the snapshot, one JSON object per line, in batches. Each batch is the
 * changed records' final values followed by a `commit` line; a batch without its commit line (the process
 * died while appending) is ignored as a whole, so a batch is all-or-nothing. Every line has a sequence
 * number; lines up to the snapshot's `journalSeq` are already in the snapshot and are skipped, which
 * makes replay idempotent (a crash between writing the snapshot and emptying the journal is harmless).
 */

export type JournalChange =
  | { op: 'put'; coupling: Coupling }
  | { op: 'delete'; mapping: string; bcId: string }
  | { op: 'clearCouplings'; mapping: string }
  | { op: 'watermark'; mapping: string; side: SideName; at: string | null }
  | { op: 'putFailure'; failure: UncoupledFailure }
  | { op: 'deleteFailure'; mapping: string; direction: SyncDirection; sourceId: string };

/** One journal line (without the newline). Keys in a fixed order so the file reads well. */
export function journalLine(seq: number, change: JournalChange): string {
  switch (change.op) {
    case 'put':
      return `{"seq":${seq},"op":"put","coupling":${JSON.stringify(change.coupling)}}`;
    case 'putFailure':
      return `{"seq":${seq},"op":"putFailure","failure":${JSON.stringify(change.failure)}}`;
    default:
      return JSON.stringify({ seq, ...change });
  }
}

export function commitLine(seq: number, at: string, changes: number): string {
  return JSON.stringify({ seq, op: 'commit', at, changes });
}

export interface ReplayResult {
  /** Sequence number of the last committed entry read (0 when none). */
  lastSeq: number;
  /** Bytes up to the end of the last complete batch; anything after is an interrupted write. */
  goodBytes: number;
  /** Size of the file as read. */
  fileBytes: number;
  /** Batches applied (after the snapshot). */
  batches: number;
}

/** Thrown for a gap in sequence numbers: a read-only reader may have raced a compaction and retries. */
export class JournalGapError extends StateError {}

/**
 * Replays the journal into `data`, skipping entries up to `afterSeq`. A missing file is an empty journal.
 * A torn or uncommitted tail is ignored (the caller truncates it when it holds the lock); anything else
 * unreadable throws StateError naming the line.
 */
export async function replayJournal(file: string, data: StateData, afterSeq: number): Promise<ReplayResult> {
  const result: ReplayResult = { lastSeq: afterSeq, goodBytes: 0, fileBytes: 0, batches: 0 };
  let expectedSeq: number | undefined;
  let batch: { entry: JournalEntry; where: string }[] = [];
  let badLine: { number: number; problem: string } | undefined;
  try {
    for await (const line of readLines(file)) {
      result.fileBytes = line.endOffset;
      if (badLine) {
        // Something unreadable followed by more content is not a torn final write.
        if (line.text.trim() !== '') throw corruptState(file, `line ${badLine.number}`, badLine.problem);
        continue;
      }
      if (!line.terminated) break; // torn final line: the write was cut short
      let entry: JournalEntry;
      try {
        const parsed = parseJournalEntry(JSON.parse(line.text));
        if (!parsed.ok) {
          badLine = { number: line.number, problem: parsed.problem };
          continue;
        }
        entry = parsed.value;
      } catch (err) {
        badLine = { number: line.number, problem: `not valid JSON (${(err as Error).message})` };
        continue;
      }
      const where = `line ${line.number}`;
      if (expectedSeq === undefined) {
        if (entry.seq > afterSeq + 1) {
          throw new JournalGapError(
            `State journal ${file} starts at change ${entry.seq} but the snapshot ends at change ${afterSeq} ` +
              `(changes are missing; was couplings.json replaced by an older copy?); it was left untouched. ` +
              'Restore the state directory from a backup, or move it aside to start over.',
          );
        }
      } else if (entry.seq !== expectedSeq) {
        throw corruptState(file, where, `change number ${entry.seq} where ${expectedSeq} was expected`);
      }
      expectedSeq = entry.seq + 1;
      if (entry.op !== 'commit') {
        batch.push({ entry, where });
        continue;
      }
      if (entry.changes !== batch.length) {
        throw corruptState(file, where, `the batch has ${batch.length} changes but its commit line says ${entry.changes}`);
      }
      if (entry.seq > afterSeq) {
        applyBatch(file, data, batch);
        result.batches += 1;
        result.lastSeq = entry.seq;
      }
      result.goodBytes = line.endOffset;
      batch = [];
    }
  } catch (err) {
    if (isMissing(err)) return result;
    if (err instanceof StateError) throw err;
    throw new StateError(`Cannot read state journal ${file}: ${(err as Error).message}. Check its permissions.`, { cause: err });
  }
  return result;
}

function applyBatch(file: string, data: StateData, batch: { entry: JournalEntry; where: string }[]): void {
  // Changes are coalesced per record, so a coupling may briefly take a Dataverse id its old holder only
  // gives up later in the same batch; by the commit line every displaced coupling must be accounted for.
  const displaced = new Map<string, string>();
  const key = (mapping: string, bcId: string): string => `${mapping}\u0000${bcId}`;
  for (const { entry, where } of batch) {
    switch (entry.op) {
      case 'put': {
        const parsed = parseCoupling(entry.coupling);
        if (!parsed.ok) throw corruptState(file, where, parsed.problem);
        const coupling = couplingFromLine(parsed.value, data.ensure(parsed.value.mapping).name);
        displaced.delete(key(coupling.mapping, coupling.bcId));
        const gone = data.putCoupling(coupling);
        if (gone) displaced.set(key(gone.mapping, gone.bcId), where);
        break;
      }
      case 'delete':
        displaced.delete(key(entry.mapping, normalizeId(entry.bcId)));
        data.deleteCoupling(entry.mapping, normalizeId(entry.bcId));
        break;
      case 'clearCouplings':
        for (const k of [...displaced.keys()]) if (k.startsWith(`${entry.mapping}\u0000`)) displaced.delete(k);
        data.clearCouplings(entry.mapping);
        break;
      case 'watermark':
        data.setWatermark(entry.mapping, entry.side, entry.at ?? undefined);
        break;
      case 'putFailure': {
        const parsed = uncoupledFailureSchema.safeParse(entry.failure);
        if (!parsed.success) throw corruptState(file, where, describeZodError(parsed.error));
        const f = parsed.data;
        data.putFailure(makeUncoupledFailure({ ...f, mapping: data.entry(f.mapping).name, sourceId: normalizeId(f.sourceId) }));
        break;
      }
      case 'deleteFailure':
        data.deleteFailure(entry.mapping, entry.direction, normalizeId(entry.sourceId));
        break;
      case 'commit':
        break;
    }
  }
  for (const where of displaced.values()) {
    throw corruptState(file, where, 'two couplings of one mapping hold the same Dataverse id at the end of a batch');
  }
}

/** Cuts off an interrupted tail so new batches are appended after the last complete one. */
export async function truncateJournal(file: string, bytes: number): Promise<void> {
  const handle = await fs.promises.open(file, 'r+');
  try {
    await handle.truncate(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
