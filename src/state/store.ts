import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { StateError } from '../errors.js';
import { StateData, failureKey, type MappingState } from './data.js';
import { CouplingConflictError, CouplingNotFoundError } from './errors.js';
import { SPILL_SUFFIX } from './coupling-table.js';
import { ByteSink, fileExists, fsyncDir, readdirOrNothing, removeStaleTempFiles, writeAll } from './files.js';
import { commitLine, journalLine, JournalGapError, replayJournal, truncateJournal, type JournalChange } from './journal.js';
import { StateLock } from './lock.js';
import { maskSecrets } from './mask.js';
import { isIsoTime, makeCoupling, makeUncoupledFailure, normalizeId, STATE_SCHEMA_VERSION, withChanges } from './schema.js';
import {
  loadMappingFile,
  MappingFileMissingError,
  readSnapshot,
  removeUnreferencedFiles,
  writeSnapshot,
  type MappingView,
  type SnapshotView,
} from './snapshot.js';
import type {
  CoupleInput,
  CoupleOptions,
  CoupleResult,
  Coupling,
  CouplingLookup,
  CouplingPatch,
  FailedRecord,
  FailureOutcome,
  JsonValue,
  MappingCounts,
  RecordIds,
  SideName,
  SyncDirection,
  UncoupledFailure,
  Watermarks,
} from './types.js';

export const SNAPSHOT_FILE = 'couplings.json';
export const JOURNAL_FILE = 'journal.ndjson';
/** Error texts are kept at BC's "Error Message" length. */
export const MAX_ERROR_MESSAGE = 2048;
const DEFAULT_AUTO_COMPACT_BYTES = 64 * 1024 * 1024;
const CLOSE_COMPACT_MIN_BYTES = 1024 * 1024;
const READ_ONLY_ATTEMPTS = 5;
const DEFAULT_RESIDENT_EXTRA_BYTES = 4 * 1024 * 1024;

export interface StateStoreOptions {
  /** Take the state lock (every command that changes state). `false` opens read-only (`log`, `mappings show`). */
  lock: boolean;
  clock?: Clock;
  /** A lock not refreshed for this long is taken over (default 30 s; minimum 2 s). Dead holders are recovered at once. */
  lockStaleMs?: number;
  /** Shown to a process refused by our lock, e.g. "sync --all". */
  command?: string;
  /** Journal size at which `commit()` also compacts (default 64 MiB, or the snapshot's size if larger). */
  autoCompactBytes?: number;
  /**
   * Bytes of couplings' `extra` values (merge bases, flags) a mapping keeps in memory (default 4 MiB); beyond them a
   * writable store writes them to a scratch file and reads them back when asked for. Read-only opens keep all.
   */
  residentExtraBytes?: number;
}

/**
 * Records changed since the last commit, by key; their current values are written at commit. Changed couplings
 * are marked in their tables' rows instead (coupling-table.ts `markChanged`: no key per change). Order within a
 * batch does not matter for the result, except that a mapping's clear replays before its couplings.
 */
class Pending {
  clears = new Set<string>();
  watermarks = new Map<string, Set<SideName>>();
  failures = new Map<string, Map<string, { direction: SyncDirection; sourceId: string }>>();

  get size(): number {
    let n = this.clears.size;
    for (const s of this.watermarks.values()) n += s.size;
    for (const s of this.failures.values()) n += s.size;
    return n;
  }
}

interface PreparedBatch {
  /** The batch's lines in chunks of about 1 MB (a batch of millions of changes stays below V8's string limit). */
  chunks: Buffer[];
  bytes: number;
  lastSeq: number;
  changes: number;
}

/** Reads a mapping's couplings file the first time the mapping is used. */
function loaderFor(dir: string) {
  return (data: StateData, m: MappingState): void => loadMappingFile(dir, data, m);
}

/** Scratch files of spilled `extra` values a killed process may have left (where unlinking an open file is refused). */
async function removeSpillFiles(dir: string): Promise<void> {
  for (const name of await readdirOrNothing(dir)) {
    if (name.endsWith(SPILL_SUFFIX)) await fs.promises.rm(path.join(dir, name), { force: true });
  }
}

function requireText(value: string, what: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
}

function requireIso(value: string | undefined, what: string): void {
  if (value !== undefined && !isIsoTime(value)) throw new TypeError(`${what} must be an ISO 8601 date-time, got ${JSON.stringify(value)}`);
}

/** The later of two ISO times (the stored one when equal): last-synced versions only move forward. */
function later(current: string | undefined, next: string | undefined): string | undefined {
  if (next === undefined) return current;
  if (current === undefined) return next;
  return Date.parse(next) > Date.parse(current) ? next : current;
}

function mergeExtra(
  current: Readonly<Record<string, JsonValue>> | undefined,
  patch: Record<string, JsonValue | undefined> | undefined,
): Readonly<Record<string, JsonValue>> | undefined {
  if (patch === undefined) return current;
  const next: Record<string, JsonValue> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  return Object.keys(next).length > 0 ? next : undefined;
}

/** Ends the point-in-time views of a snapshot (written or not): tables stop keeping rows for it. */
function releaseView(view: SnapshotView): void {
  for (const m of view.mappings) m.rows?.release();
}

function cleanMessage(message: string): string {
  const masked = maskSecrets(String(message));
  return masked.length > MAX_ERROR_MESSAGE ? masked.slice(0, MAX_ERROR_MESSAGE) : masked;
}

interface CommitWaiter {
  resolve: (changes: number) => void;
  reject: (error: unknown) => void;
}

/** Commits waiting for one journal batch; `absorbed` once a compaction or close took their changes instead. */
interface CommitGroup {
  waiters: CommitWaiter[];
  absorbed: boolean;
}

/** Answers each waiting commit once (the batch's change count, or the error that left it unwritten). */
function settleWith(waiters: CommitWaiter[]): { resolve: (changes: number) => void; reject: (error: unknown) => void } {
  return {
    resolve: (changes) => {
      for (const waiter of waiters.splice(0)) waiter.resolve(changes);
    },
    reject: (error) => {
      for (const waiter of waiters.splice(0)) waiter.reject(error);
    },
  };
}

/**
 * Couplings, watermarks and failure bookkeeping of one profile, kept in memory (Maps, O(1) lookups) and
 * made durable as a snapshot plus an append-only journal. Changes are in memory until `commit()`, which
 * appends them as one all-or-nothing batch and fsyncs: the per-batch durability point. See README.md.
 */
export class StateStore implements CouplingLookup {
  private pending = new Pending();
  private queue: Promise<void> = Promise.resolve();
  private journalHandle: fs.promises.FileHandle | undefined;
  private journalWritten: number;
  private journalQueued = 0;
  /** The group commit not started yet (`commit`): the commits waiting for it. */
  private group: CommitGroup | undefined;
  /**
   * Journal bytes written or queued since the last snapshot view was taken: what the next compaction would drop.
   * Compaction is decided on this, not on the file's size, so commits made while a compaction is still queued
   * (a pipelined writer) do not each queue another one: one compaction per `max(autoCompactBytes, snapshot)` of journal.
   */
  private journalSinceView: number;
  private compactionsWritten = 0;
  private broken: StateError | undefined;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly data: StateData,
    private readonly clock: Clock,
    private readonly lock: StateLock | undefined,
    private nextSeq: number,
    private snapshotBytes: number,
    journalBytes: number,
    private readonly autoCompactBytes: number,
  ) {
    this.journalWritten = journalBytes;
    this.journalSinceView = journalBytes;
  }

  get snapshotFile(): string {
    return path.join(this.dir, SNAPSHOT_FILE);
  }

  get journalFile(): string {
    return path.join(this.dir, JOURNAL_FILE);
  }

  get readOnly(): boolean {
    return this.lock === undefined;
  }

  /** Total couplings over all mappings. */
  get size(): number {
    return this.data.size;
  }

  /** Bytes in the snapshot and the journal (for figures and tests). */
  get fileSizes(): { snapshot: number; journal: number } {
    return { snapshot: this.snapshotBytes, journal: this.journalWritten };
  }

  /** Snapshots written by this store since it was opened (for tests and figures). */
  get compactions(): number {
    return this.compactionsWritten;
  }

  /** Changes made since the last `commit()`. */
  get pendingChanges(): number {
    return this.pending.size + this.data.changedCouplings;
  }

  // ------------------------------------------------------------------------------------------------
  // Opening and closing
  // ------------------------------------------------------------------------------------------------

  /**
   * Opens the state in `dir`. A writable open (`lock: true`) creates the directory, takes the lock, cuts
   * off an interrupted journal tail and removes leftovers of a killed compaction. Corrupt, newer or locked
   * state throws StateError and leaves every file as it was.
   */
  static async open(dir: string, options: StateStoreOptions): Promise<StateStore> {
    const clock = options.clock ?? systemClock;
    const autoCompact = options.autoCompactBytes ?? DEFAULT_AUTO_COMPACT_BYTES;
    const snapshotFile = path.join(dir, SNAPSHOT_FILE);
    const journalFile = path.join(dir, JOURNAL_FILE);

    if (!options.lock) {
      // A writer may compact while we read (new snapshot, emptied journal): a gap in sequence numbers
      // tells us, and reading again gives a consistent view.
      for (let attempt = 1; ; attempt++) {
        const data = new StateData(loaderFor(dir));
        try {
          const snap = await readSnapshot(snapshotFile, data);
          const replay = await replayJournal(journalFile, data, snap?.header.journalSeq ?? 0);
          data.forgetChanges();
          // Every mapping now (a writer's compaction could remove the files this snapshot names later on),
          // except those the journal has cleared since.
          for (const name of [...data.mappings.keys()]) data.mapping(name);
          return new StateStore(dir, data, clock, undefined, replay.lastSeq + 1, snap?.bytes ?? 0, replay.fileBytes, autoCompact);
        } catch (err) {
          const raced = err instanceof JournalGapError || err instanceof MappingFileMissingError;
          if (!raced || attempt >= READ_ONLY_ATTEMPTS) throw err;
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
    }

    try {
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StateError(`Cannot create the state directory ${dir}: ${(err as Error).message}. Check the path and its permissions.`, {
        cause: err,
      });
    }
    const lock = await StateLock.acquire(dir, {
      clock,
      ...(options.lockStaleMs !== undefined ? { staleMs: options.lockStaleMs } : {}),
      ...(options.command !== undefined ? { command: options.command } : {}),
    });
    let handle: fs.promises.FileHandle | undefined;
    try {
      await removeSpillFiles(dir);
      const data = new StateData(loaderFor(dir), { dir, residentBytes: options.residentExtraBytes ?? DEFAULT_RESIDENT_EXTRA_BYTES });
      const snap = await readSnapshot(snapshotFile, data);
      const afterSeq = snap?.header.journalSeq ?? 0;
      const replay = await replayJournal(journalFile, data, afterSeq);
      // What the journal replayed is already on disk: nothing of it is pending.
      data.forgetChanges();
      // Everything is readable; only now repair what a killed process left behind.
      let journalBytes = replay.fileBytes;
      if (replay.batches === 0 && replay.fileBytes > 0) {
        // Only batches the snapshot already holds (killed between snapshot and journal reset), or a torn tail.
        await truncateJournal(journalFile, 0);
        journalBytes = 0;
      } else if (replay.fileBytes > replay.goodBytes) {
        await truncateJournal(journalFile, replay.goodBytes);
        journalBytes = replay.goodBytes;
      }
      await removeStaleTempFiles(snapshotFile);
      await removeUnreferencedFiles(dir, [...data.mappings.values()].flatMap((m) => (m.file !== undefined ? [m.file] : [])));
      const created = !(await fileExists(journalFile));
      handle = await fs.promises.open(journalFile, 'a', 0o600);
      if (created) await fsyncDir(dir);
      const store = new StateStore(dir, data, clock, lock, replay.lastSeq + 1, snap?.bytes ?? 0, journalBytes, autoCompact);
      store.journalHandle = handle;
      // A fresh state gets its snapshot at once, so the file that carries the schema version always exists;
      // an older schema is rewritten in this one before anything else is written.
      if (!snap || snap.header.schemaVersion !== STATE_SCHEMA_VERSION) await store.compact();
      return store;
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await lock.release().catch(() => undefined);
      if (err instanceof StateError) throw err;
      throw new StateError(`Cannot open the state in ${dir}: ${(err as Error).message}. Check the directory and its permissions.`, {
        cause: err,
      });
    }
  }

  /**
   * Commits pending changes, compacts when the journal has grown (more than 1 MiB and a quarter of the
   * snapshot), closes the journal and releases the lock. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.lock && !this.broken && !this.lock.isLost) {
        await this.writeNow(() => (this.journalWorthCompacting() ? this.takeView(this.nextSeq - 1) : undefined));
      }
      await this.queue;
    } finally {
      this.closed = true;
      // After the last compaction, which reads spilled extra values back.
      this.data.dispose();
      await this.journalHandle?.close().catch(() => undefined);
      this.journalHandle = undefined;
      await this.lock?.release();
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Reading
  // ------------------------------------------------------------------------------------------------

  byBcId(mapping: string, bcId: string): Coupling | undefined {
    return this.data.mapping(mapping)?.byBcId(bcId);
  }

  byDataverseId(mapping: string, dataverseId: string): Coupling | undefined {
    return this.data.mapping(mapping)?.byDataverseId(dataverseId);
  }

  /** Either id (bcId wins when both are given and coupled). */
  find(mapping: string, ids: RecordIds): Coupling | undefined {
    return (
      (ids.bcId !== undefined ? this.byBcId(mapping, ids.bcId) : undefined) ??
      (ids.dataverseId !== undefined ? this.byDataverseId(mapping, ids.dataverseId) : undefined)
    );
  }

  /**
   * The couplings of one mapping, live (Map iteration: changes made while iterating are seen; a coupling
   * replaced during iteration is visited once, with whichever value it had when reached).
   */
  couplings(mapping: string): IterableIterator<Coupling> {
    const m = this.data.mapping(mapping);
    return m ? m.table.values() : new Map<string, Coupling>().values();
  }

  /**
   * A sync's marks on couplings it has planned (by BC id; see CouplingTable.markHandled). In memory only, never
   * committed; `clearHandled` when a sync of the mapping starts. False when `bcId` is not coupled.
   */
  markHandled(mapping: string, bcId: string): boolean {
    const t = this.data.mapping(mapping)?.table;
    const row = t ? t.find(0, bcId) : -1;
    if (row < 0) return false;
    t!.markHandled(row);
    return true;
  }

  isHandled(mapping: string, bcId: string): boolean {
    const t = this.data.mapping(mapping)?.table;
    const row = t ? t.find(0, bcId) : -1;
    return row >= 0 && t!.isHandled(row);
  }

  clearHandled(mapping: string): void {
    const m = this.data.mappings.get(mapping);
    // Couplings not read yet carry no marks.
    if (m?.loaded) m.table.clearHandled();
  }

  /**
   * What a mapping's couplings take in memory: bytes of its typed columns, id tables and extra arena (the
   * bulk of it; capacity included), how many ids and times are kept as strings beside them, and the extra values
   * kept in the scratch file and read back from it.
   */
  couplingMemory(mapping: string): { couplings: number; rows: number; bytes: number; strings: number; spilledBytes: number; spillReadBytes: number } {
    const t = this.data.mapping(mapping)?.table;
    return {
      couplings: t?.size ?? 0,
      rows: t?.length ?? 0,
      bytes: t?.columnBytes ?? 0,
      strings: t?.strings ?? 0,
      spilledBytes: t?.spilledBytes ?? 0,
      spillReadBytes: t?.spillReadBytes ?? 0,
    };
  }

  /**
   * Room for `count` more couplings of `mapping` in memory, made at once (a full sync that knows from its review how
   * many records it couples): the table's columns and id tables are not grown step by step while the run couples,
   * each step a copy made while the old columns stay until collected (at 1,000,000: 49 MB beside 74 MB).
   */
  reserveCouplings(mapping: string, count: number): void {
    if (!(Number.isSafeInteger(count) && count > 0)) return;
    const t = this.data.ensure(mapping).table;
    t.reserve(t.length + count);
  }

  /** Mappings that have couplings, watermarks or failures. */
  mappings(): string[] {
    return [...this.data.mappings.keys()];
  }

  watermark(mapping: string): Watermarks {
    return { ...this.data.mappings.get(mapping)?.watermarks };
  }

  counts(mapping: string): MappingCounts {
    const counts: MappingCounts = { couplings: 0, failed: 0, skipped: 0, uncoupledFailures: 0 };
    const m = this.data.mapping(mapping);
    if (!m) return counts;
    counts.couplings = m.table.size;
    for (const row of m.table.troubled) {
      const c = m.table.get(row);
      if (c.skipped) counts.skipped += 1;
      else if (c.lastResultToDataverse === 'failure' || c.lastResultToBc === 'failure') counts.failed += 1;
    }
    for (const f of m.uncoupledFailures.values()) {
      counts.uncoupledFailures += 1;
      if (f.skipped) counts.skipped += 1;
      else counts.failed += 1;
    }
    return counts;
  }

  /** Failed or skipped records, coupled or not, of one mapping or all (the "synchronization errors" list). */
  failures(mapping?: string): FailedRecord[] {
    const out: FailedRecord[] = [];
    const names = mapping !== undefined ? [mapping] : this.mappings();
    for (const name of names) {
      const m = this.data.mapping(name);
      if (!m) continue;
      for (const row of m.table.troubled) {
        const c = m.table.get(row);
        for (const direction of ['to-dataverse', 'from-dataverse'] as const) {
          const result = direction === 'to-dataverse' ? c.lastResultToDataverse : c.lastResultToBc;
          if (result !== 'failure') continue;
          const error = direction === 'to-dataverse' ? c.lastErrorToDataverse : c.lastErrorToBc;
          out.push({
            mapping: name,
            direction,
            bcId: c.bcId,
            dataverseId: c.dataverseId,
            coupled: true,
            skipped: c.skipped,
            failureCount: c.failureCount,
            message: error?.message ?? '',
            at: error?.at ?? c.coupledAt,
          });
        }
      }
      for (const f of m.uncoupledFailures.values()) {
        out.push({
          mapping: name,
          direction: f.direction,
          bcId: f.direction === 'to-dataverse' ? f.sourceId : undefined,
          dataverseId: f.direction === 'from-dataverse' ? f.sourceId : undefined,
          coupled: false,
          skipped: f.skipped,
          failureCount: f.failureCount,
          message: f.lastError.message,
          at: f.lastError.at,
        });
      }
    }
    return out;
  }

  /** Records the next run of `direction` must retry whatever the watermark says (docs/integration.md §5.6). */
  failedNotSkipped(mapping: string, direction: SyncDirection): FailedRecord[] {
    return this.failures(mapping).filter((f) => f.direction === direction && !f.skipped);
  }

  uncoupledFailure(mapping: string, direction: SyncDirection, sourceId: string): UncoupledFailure | undefined {
    return this.data.mappings.get(mapping)?.uncoupledFailures.get(failureKey(direction, normalizeId(sourceId)));
  }

  // ------------------------------------------------------------------------------------------------
  // Changing (in memory until commit)
  // ------------------------------------------------------------------------------------------------

  /**
   * Couples two records. The same pair again is a no-op (`existed`). A record already coupled to another
   * record of this mapping is refused with CouplingConflictError unless `replace: true`.
   */
  couple(input: CoupleInput, options: CoupleOptions = {}): CoupleResult {
    this.assertWritable();
    requireText(input.mapping, 'mapping');
    requireText(input.bcId, 'bcId');
    requireText(input.dataverseId, 'dataverseId');
    requireIso(input.bcModifiedAt, 'bcModifiedAt');
    requireIso(input.dataverseModifiedAt, 'dataverseModifiedAt');
    const bcId = normalizeId(input.bcId);
    const dataverseId = normalizeId(input.dataverseId);
    const m = this.data.ensure(input.mapping);
    const bcRow = m.table.find(0, bcId);
    const dvRow = m.table.find(1, dataverseId);
    if (bcRow >= 0 && bcRow === dvRow) return { coupling: m.table.get(bcRow), existed: true, replaced: [] };

    const conflicts: Coupling[] = [];
    if (bcRow >= 0) conflicts.push(m.table.get(bcRow));
    if (dvRow >= 0) conflicts.push(m.table.get(dvRow));
    if (conflicts.length > 0 && !options.replace) throw new CouplingConflictError(m.name, bcId, dataverseId, conflicts);
    for (const c of conflicts) {
      this.data.deleteCoupling(m.name, c.bcId);
    }
    const coupling = makeCoupling({
      mapping: m.name,
      bcId,
      dataverseId,
      coupledAt: this.nowIso(),
      bcModifiedAt: input.bcModifiedAt,
      dataverseModifiedAt: input.dataverseModifiedAt,
      lastResultToDataverse: input.syncedDirection === 'to-dataverse' ? 'success' : undefined,
      lastResultToBc: input.syncedDirection === 'from-dataverse' ? 'success' : undefined,
      extra: input.extra,
    });
    // Both ids are free now (found free, or their couplings just removed): no second lookup.
    this.data.addCoupling(coupling);
    // Coupled now: a failed insert of either record has evidently been resolved.
    this.dropFailure(m.name, 'to-dataverse', bcId);
    this.dropFailure(m.name, 'from-dataverse', dataverseId);
    return { coupling, existed: false, replaced: conflicts };
  }

  /** Removes the coupling of a record (never the records). Returns what was removed. */
  uncouple(mapping: string, ids: RecordIds): Coupling | undefined {
    this.assertWritable();
    const c = this.find(mapping, ids);
    if (!c) return undefined;
    this.data.deleteCoupling(c.mapping, c.bcId);
    return c;
  }

  /** Removes every coupling of a mapping (one journal line, whatever the count). Returns how many. */
  uncoupleAll(mapping: string): number {
    this.assertWritable();
    const n = this.data.clearCouplings(mapping);
    if (n === 0) return 0;
    // Earlier changes of this mapping's couplings are void; later ones replay after the clear.
    this.pending.clears.add(mapping);
    return n;
  }

  /**
   * Changes a coupling. Last-synced modified times only move forward; setting a direction's result to
   * success clears that direction's error; `extra` is merged key by key.
   */
  update(mapping: string, bcId: string, patch: CouplingPatch): Coupling {
    this.assertWritable();
    requireIso(patch.bcModifiedAt, 'bcModifiedAt');
    requireIso(patch.dataverseModifiedAt, 'dataverseModifiedAt');
    if (patch.failureCount !== undefined && !(Number.isInteger(patch.failureCount) && patch.failureCount >= 0)) {
      throw new TypeError('failureCount must be a non-negative integer');
    }
    const c = this.byBcId(mapping, bcId);
    if (!c) throw new CouplingNotFoundError(mapping, { bcId });
    const toDv = patch.lastResultToDataverse ?? c.lastResultToDataverse;
    const toBc = patch.lastResultToBc ?? c.lastResultToBc;
    const next = withChanges(c, {
      bcModifiedAt: later(c.bcModifiedAt, patch.bcModifiedAt),
      dataverseModifiedAt: later(c.dataverseModifiedAt, patch.dataverseModifiedAt),
      lastResultToDataverse: toDv,
      lastResultToBc: toBc,
      lastErrorToDataverse: toDv === 'success' ? undefined : c.lastErrorToDataverse,
      lastErrorToBc: toBc === 'success' ? undefined : c.lastErrorToBc,
      skipped: patch.skipped ?? c.skipped,
      failureCount: patch.failureCount ?? c.failureCount,
      extra: mergeExtra(c.extra, patch.extra),
    });
    this.data.putCoupling(next);
    return next;
  }

  /**
   * A successful write in `direction`: records the modified times both sides had right after it (echo
   * suppression compares against them), clears that direction's error and the skipped flag.
   */
  markSuccess(
    mapping: string,
    bcId: string,
    direction: SyncDirection,
    versions: { bcModifiedAt?: string; dataverseModifiedAt?: string } = {},
  ): Coupling {
    this.assertWritable();
    requireIso(versions.bcModifiedAt, 'bcModifiedAt');
    requireIso(versions.dataverseModifiedAt, 'dataverseModifiedAt');
    const c = this.byBcId(mapping, bcId);
    if (!c) throw new CouplingNotFoundError(mapping, { bcId });
    const toDv = direction === 'to-dataverse';
    const otherFailing = toDv ? c.lastResultToBc === 'failure' : c.lastResultToDataverse === 'failure';
    const next = toDv
      ? withChanges(c, {
          bcModifiedAt: later(c.bcModifiedAt, versions.bcModifiedAt),
          dataverseModifiedAt: later(c.dataverseModifiedAt, versions.dataverseModifiedAt),
          lastResultToDataverse: 'success',
          lastErrorToDataverse: undefined,
          skipped: false,
          failureCount: otherFailing ? c.failureCount : 0,
        })
      : withChanges(c, {
          bcModifiedAt: later(c.bcModifiedAt, versions.bcModifiedAt),
          dataverseModifiedAt: later(c.dataverseModifiedAt, versions.dataverseModifiedAt),
          lastResultToBc: 'success',
          lastErrorToBc: undefined,
          skipped: false,
          failureCount: otherFailing ? c.failureCount : 0,
        });
    this.data.putCoupling(next);
    return next;
  }

  /**
   * A failed attempt in `direction` (docs/integration.md §5.6). Recorded on the coupling when the record is coupled,
   * otherwise as an uncoupled failure of the source record (a BC id for to-dataverse, a Dataverse id for
   * from-dataverse). Auto-skip: when the previous attempt in this direction also failed with the identical
   * message, the record is marked skipped and `skipped: true` tells the caller to count it as Skipped.
   * Pass messages without request ids or times, or identical failures never compare equal.
   */
  markFailure(mapping: string, ids: RecordIds, direction: SyncDirection, message: string, options: { transient?: boolean } = {}): FailureOutcome {
    this.assertWritable();
    requireText(mapping, 'mapping');
    const text = cleanMessage(message);
    const error = { message: text, at: this.nowIso() };
    const c = this.find(mapping, ids);
    if (c) {
      const toDv = direction === 'to-dataverse';
      const previousResult = toDv ? c.lastResultToDataverse : c.lastResultToBc;
      const previousError = toDv ? c.lastErrorToDataverse : c.lastErrorToBc;
      // Throttling, outages, resets and concurrent edits say nothing about the record: never a reason to skip it.
      const skipNow = !options.transient && previousResult === 'failure' && previousError?.message === text;
      const next = toDv
        ? withChanges(c, { lastResultToDataverse: 'failure', lastErrorToDataverse: error, skipped: c.skipped || skipNow, failureCount: c.failureCount + 1 })
        : withChanges(c, { lastResultToBc: 'failure', lastErrorToBc: error, skipped: c.skipped || skipNow, failureCount: c.failureCount + 1 });
      this.data.putCoupling(next);
      return { skipped: next.skipped, coupled: true, failureCount: next.failureCount };
    }
    const rawSource = direction === 'to-dataverse' ? ids.bcId : ids.dataverseId;
    if (rawSource === undefined || rawSource === '') {
      throw new TypeError(
        `markFailure(${direction}) of an uncoupled record needs its ${direction === 'to-dataverse' ? 'bcId' : 'dataverseId'}`,
      );
    }
    const sourceId = normalizeId(rawSource);
    const m = this.data.entry(mapping);
    const previous = m.uncoupledFailures.get(failureKey(direction, sourceId));
    const skipNow = !options.transient && previous !== undefined && previous.lastError.message === text;
    const f = makeUncoupledFailure({
      mapping: m.name,
      direction,
      sourceId,
      skipped: (previous?.skipped ?? false) || skipNow,
      failureCount: (previous?.failureCount ?? 0) + 1,
      lastError: error,
      firstFailedAt: previous?.firstFailedAt ?? error.at,
    });
    this.data.putFailure(f);
    this.touchFailure(m.name, direction, sourceId);
    return { skipped: f.skipped, coupled: false, failureCount: f.failureCount };
  }

  /** Forgets the failure of an uncoupled record (it left the mapping's filter, or was deleted). */
  forgetFailure(mapping: string, direction: SyncDirection, sourceId: string): boolean {
    this.assertWritable();
    return this.dropFailure(mapping, direction, normalizeId(sourceId));
  }

  /**
   * Clears the skipped flag (`sync --retry-skipped`, BC's Retry / Retry All): of the given records, or of
   * every record of the mapping, or of every mapping. The records stay failed, so the next run retries them.
   * Returns how many records were cleared.
   */
  clearSkipped(mapping?: string, ids?: readonly RecordIds[]): number {
    this.assertWritable();
    let cleared = 0;
    const unskipCoupling = (c: Coupling | undefined): void => {
      if (!c?.skipped) return;
      const next = withChanges(c, { skipped: false });
      this.data.putCoupling(next);
      cleared += 1;
    };
    const unskipFailure = (f: UncoupledFailure | undefined): void => {
      if (!f?.skipped) return;
      this.data.putFailure(makeUncoupledFailure({ ...f, skipped: false }));
      this.touchFailure(f.mapping, f.direction, f.sourceId);
      cleared += 1;
    };
    const names = mapping !== undefined ? [mapping] : this.mappings();
    for (const name of names) {
      const m = this.data.mapping(name);
      if (!m) continue;
      if (ids) {
        for (const id of ids) {
          const bcId = id.bcId !== undefined ? normalizeId(id.bcId) : undefined;
          const dvId = id.dataverseId !== undefined ? normalizeId(id.dataverseId) : undefined;
          unskipCoupling((bcId !== undefined ? m.byBcId(bcId) : undefined) ?? (dvId !== undefined ? m.byDataverseId(dvId) : undefined));
          if (bcId !== undefined) unskipFailure(m.uncoupledFailures.get(failureKey('to-dataverse', bcId)));
          if (dvId !== undefined) unskipFailure(m.uncoupledFailures.get(failureKey('from-dataverse', dvId)));
        }
      } else {
        for (const row of [...m.table.troubled]) unskipCoupling(m.table.get(row));
        for (const f of [...m.uncoupledFailures.values()]) unskipFailure(f);
      }
    }
    return cleared;
  }

  /** Moves a watermark forward; an older or equal time is ignored. Returns whether it moved. */
  setWatermark(mapping: string, side: SideName, at: string): boolean {
    this.assertWritable();
    requireText(mapping, 'mapping');
    requireIso(at, 'watermark');
    const m = this.data.entry(mapping);
    const current = m.watermarks[side];
    if (current !== undefined && Date.parse(at) <= Date.parse(current)) return false;
    this.data.setWatermark(m.name, side, at);
    this.touchWatermark(m.name, side);
    return true;
  }

  /** Forgets watermarks (full sync from scratch, `mappings reset`): the next run reads everything. */
  clearWatermarks(mapping: string, side?: SideName): void {
    this.assertWritable();
    const m = this.data.mapping(mapping);
    if (!m) return;
    for (const s of side !== undefined ? [side] : (['bc', 'dataverse'] as const)) {
      if (m.watermarks[s] === undefined) continue;
      this.data.setWatermark(m.name, s, undefined);
      this.touchWatermark(m.name, s);
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Durability
  // ------------------------------------------------------------------------------------------------

  /**
   * Appends the changes made so far as one batch and fsyncs: when this resolves they survive a crash;
   * changes not committed are lost on a crash by design. Compacts when the journal has grown large.
   * Returns the number of changed records written (0 when nothing was pending).
   */
  async commit(): Promise<number> {
    this.assertWritable();
    // Group commit: changes made while a batch is being written wait for the next one, which takes every change
    // made until it starts. One batch and one fsync for all of them, and their lines are made then: a batch of
    // bytes held per commit queued ~1 MB each behind a slow fsync (35 of them at once in a full sync of 1,000,000).
    return new Promise<number>((resolve, reject) => {
      let group = this.group;
      if (!group) {
        const next: CommitGroup = { waiters: [], absorbed: false };
        this.group = group = next;
        this.enqueue(() => this.writeGroup(next)).catch((error: unknown) => {
          // The queue refused the task (the journal broke before it ran): its commits fail with that.
          if (this.group === next) this.group = undefined;
          if (!next.absorbed) settleWith(next.waiters).reject(error);
        });
      }
      group.waiters.push({ resolve, reject });
    });
  }

  /** A group commit's turn: every change made so far, as one batch, for the commits waiting for it. */
  private async writeGroup(group: CommitGroup): Promise<void> {
    if (this.group === group) this.group = undefined;
    // A compaction or close called meanwhile took these changes into its own batch and answers these commits.
    if (group.absorbed) return;
    const settle = settleWith(group.waiters);
    try {
      const batch = this.takeBatch();
      const view = batch && this.journalSinceView > Math.max(this.autoCompactBytes, this.snapshotBytes) ? this.takeView(batch.lastSeq) : undefined;
      try {
        if (batch) await this.appendBatch(batch);
        settle.resolve(batch?.changes ?? 0);
        // The batch is durable; a failed compaction loses nothing and is tried again (and reported) by close().
        if (view) await this.writeCompaction(view).catch(() => undefined);
      } finally {
        if (view) releaseView(view);
      }
    } catch (error) {
      settle.reject(error);
    }
  }

  /** The commits of the group not started yet: the caller's batch, taken at once, takes their changes and answers them. */
  private absorbGroup(): CommitWaiter[] {
    const group = this.group;
    if (!group) return [];
    group.absorbed = true;
    this.group = undefined;
    return group.waiters;
  }

  /**
   * Drops the changes not committed yet, so `close()` writes nothing of them (a dry run plans against the
   * state in memory and must leave the files as they were). The in-memory view keeps them until the process ends.
   */
  discardPending(): void {
    this.pending = new Pending();
    this.data.forgetChanges();
  }

  /**
   * Compacts now when `close()` would (the journal holds more than 1 MiB and a quarter of the snapshot), so a
   * caller that is about to wait on the network (a sync between its passes) writes the snapshot meanwhile and the
   * close has little left to do. Changes may go on while it is written. Resolves true when it compacted.
   */
  async compactIfWorthIt(): Promise<boolean> {
    this.assertWritable();
    if (!this.journalWorthCompacting()) return false;
    await this.compact();
    return true;
  }

  private journalWorthCompacting(): boolean {
    return this.journalSinceView > Math.max(CLOSE_COMPACT_MIN_BYTES, this.snapshotBytes / 4);
  }

  /** Commits, writes a new snapshot and empties the journal. */
  async compact(): Promise<void> {
    this.assertWritable();
    // Taken now: the snapshot holds the couplings as they are at this call.
    await this.writeNow((batch) => this.takeView(batch ? batch.lastSeq : this.nextSeq - 1));
  }

  /**
   * Every change so far as one batch, taken at this call (it answers the commits waiting, whose changes it takes),
   * then the snapshot of `viewFor`'s view when it gives one (`compact`, `close`).
   */
  private async writeNow(viewFor: (batch: PreparedBatch | undefined) => SnapshotView | undefined): Promise<void> {
    const settle = settleWith(this.absorbGroup());
    const batch = this.takeBatch();
    const view = viewFor(batch);
    await this.enqueue(async () => {
      if (batch) await this.appendBatch(batch);
      settle.resolve(batch?.changes ?? 0);
      if (view) await this.writeCompaction(view);
    })
      .catch((error: unknown) => {
        settle.reject(error);
        throw error;
      })
      .finally(() => view && releaseView(view));
  }

  // ------------------------------------------------------------------------------------------------
  // Internals
  // ------------------------------------------------------------------------------------------------

  private lastNow = Number.NaN;
  private lastNowIso = '';

  /** toISOString is slow enough to show at a million couplings; the time repeats within a millisecond. */
  private nowIso(): string {
    const now = this.clock.now();
    if (now !== this.lastNow) {
      this.lastNow = now;
      this.lastNowIso = new Date(now).toISOString();
    }
    return this.lastNowIso;
  }

  private assertWritable(): void {
    if (this.closed) throw new StateError(`The state in ${this.dir} is closed; open it again to use it.`);
    if (!this.lock) {
      throw new StateError(`The state in ${this.dir} was opened read-only; open it with the lock to change it.`);
    }
    if (this.broken) throw this.broken;
    this.lock.assertHeld();
  }

  private touchWatermark(mapping: string, side: SideName): void {
    let set = this.pending.watermarks.get(mapping);
    if (!set) {
      set = new Set();
      this.pending.watermarks.set(mapping, set);
    }
    set.add(side);
  }

  private touchFailure(mapping: string, direction: SyncDirection, sourceId: string): void {
    let map = this.pending.failures.get(mapping);
    if (!map) {
      map = new Map();
      this.pending.failures.set(mapping, map);
    }
    map.set(failureKey(direction, sourceId), { direction, sourceId });
  }

  private dropFailure(mapping: string, direction: SyncDirection, sourceId: string): boolean {
    if (!this.data.deleteFailure(mapping, direction, sourceId)) return false;
    this.touchFailure(mapping, direction, sourceId);
    return true;
  }

  /**
   * Serializes the pending changes now (synchronously), so the batch holds exactly the state at the time
   * of the call, even if the caller keeps changing records while the write is under way. A changed coupling's
   * line is written from its table's columns straight into the batch's bytes (no object, no JSON.stringify).
   */
  private takeBatch(): PreparedBatch | undefined {
    const pending = this.pending;
    this.pending = new Pending();
    let seq = this.nextSeq;
    const out = new ByteSink();
    const line = (change: JournalChange): void => out.text(`${journalLine(seq++, change)}\n`);
    for (const mapping of pending.clears) line({ op: 'clearCouplings', mapping });
    // The couplings changed since the last batch, marked in their tables (a cleared mapping's old table is gone).
    for (const m of this.data.mappings.values()) {
      if (!m.loaded) continue;
      for (const row of m.table.takeChanged()) m.table.writeChangedLine(row, seq++, out);
    }
    for (const [mapping, sides] of pending.watermarks) {
      const m = this.data.mapping(mapping);
      for (const side of sides) line({ op: 'watermark', mapping, side, at: m?.watermarks[side] ?? null });
    }
    for (const [mapping, refs] of pending.failures) {
      const m = this.data.mapping(mapping);
      for (const [key, ref] of refs) {
        const f = m?.uncoupledFailures.get(key);
        line(f ? { op: 'putFailure', failure: f } : { op: 'deleteFailure', mapping, direction: ref.direction, sourceId: ref.sourceId });
      }
    }
    const changes = seq - this.nextSeq;
    if (changes === 0) return undefined;
    out.text(`${commitLine(seq, this.nowIso(), changes)}\n`);
    const bytes = out.length;
    this.nextSeq = seq + 1;
    this.journalQueued += bytes;
    this.journalSinceView += bytes;
    return { chunks: out.take(), bytes, lastSeq: seq, changes };
  }

  /**
   * A point-in-time view for a snapshot. Coupling objects are never changed in place, so references suffice.
   * Mappings not loaded, or loaded and unchanged since their file was written, keep their file.
   */
  private takeView(journalSeq: number): SnapshotView {
    const mappings: MappingView[] = [];
    const failures: UncoupledFailure[] = [];
    const watermarks: Record<string, Watermarks> = {};
    for (const m of this.data.mappings.values()) {
      if (!m.loaded) {
        mappings.push({ name: m.name, file: m.file, count: m.fileCount });
      } else if (!m.dirty && m.file !== undefined) {
        mappings.push({ name: m.name, file: m.file, count: m.table.size });
      } else if (m.table.size > 0) {
        // Rows changed while the file is written are kept as they were now (coupling-table.ts TableCapture).
        const rows = m.table.capture();
        mappings.push({ name: m.name, rows, count: rows.count });
      }
      // Written by this compaction; set again if it fails, or by any change made meanwhile.
      m.dirty = false;
      for (const f of m.uncoupledFailures.values()) failures.push(f);
      if (m.watermarks.bc !== undefined || m.watermarks.dataverse !== undefined) watermarks[m.name] = { ...m.watermarks };
    }
    this.journalSinceView = 0;
    return { savedAt: this.nowIso(), journalSeq, watermarks, mappings, failures };
  }

  /** Runs journal work one task at a time, in call order. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.broken) throw this.broken;
      await task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendBatch(batch: PreparedBatch): Promise<void> {
    const handle = this.journalHandle;
    if (!handle) throw new StateError(`The state journal ${this.journalFile} is not open.`);
    this.lock?.assertHeld();
    this.journalQueued -= batch.bytes;
    const before = this.journalWritten;
    try {
      for (const chunk of batch.chunks) await writeAll(handle, chunk);
      await handle.datasync();
      this.journalWritten += batch.bytes;
    } catch (err) {
      // Leave no half batch behind; and stop: later batches must not follow a missing one.
      await handle.truncate(before).catch(() => undefined);
      this.broken = new StateError(
        `Could not write the state journal ${this.journalFile}: ${(err as Error).message}; the last batch of changes is not saved. ` +
          'Free disk space or fix permissions, then run again (the next run matches written records up again).',
        { cause: err },
      );
      throw this.broken;
    }
  }

  /** Snapshot first, journal reset second: a crash in between replays batches the snapshot holds, harmlessly. */
  private async writeCompaction(view: SnapshotView): Promise<void> {
    const handle = this.journalHandle;
    if (!handle) throw new StateError(`The state journal ${this.journalFile} is not open.`);
    this.lock?.assertHeld();
    try {
      const written = await writeSnapshot(this.snapshotFile, view);
      this.snapshotBytes = written.bytes;
      for (const m of this.data.mappings.values()) {
        const f = written.files.get(m.name);
        if (f) {
          m.file = f.file;
          if (m.loaded) m.fileCount = f.count;
        } else if (m.loaded && m.table.size === 0) {
          m.file = undefined;
          m.fileCount = 0;
        }
      }
      await handle.truncate(0);
      await handle.datasync();
      this.journalWritten = 0;
      this.compactionsWritten += 1;
      await removeUnreferencedFiles(this.dir, [...written.files.values()].map((f) => f.file)).catch(() => undefined);
    } catch (err) {
      for (const m of view.mappings) if (m.rows) this.data.mappings.get(m.name)!.dirty = true;
      // Not compacted: the whole journal counts again, so the next commit or close() tries again.
      this.journalSinceView = this.journalWritten + this.journalQueued;
      // The journal still holds every batch, so the state on disk is complete; report and carry on.
      throw new StateError(
        `Could not write the state snapshot ${this.snapshotFile}: ${(err as Error).message}. ` +
          'Nothing is lost (the journal holds the changes); free disk space or fix permissions.',
        { cause: err },
      );
    }
  }
}
