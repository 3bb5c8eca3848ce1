import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import { StateError } from '../errors.js';
import { fileExists, fsyncDir, isMissing, readLines, writeAll } from './files.js';
import { maskSecrets } from './mask.js';
import type { SyncDirection } from './types.js';

/**
 * The synchronization log (BC's Integration Synch. Job and Job Errors, docs/integration.md §5.7): `sync-log.ndjson` in
 * the state directory, one JSON object per line, appended with fsync:
 *   {"entry":"start",  "runId",…}   when a run starts (so a run killed halfway still shows up)
 *   {"entry":"record", "runId",…}   per failed, skipped or conflicting record, written as the run goes
 *   {"entry":"run",    "runId",…}   when the run ends, with its counts
 * Writers hold the state lock (the store's), so there is one writer at a time. When the file passes
 * `maxBytes` it is renamed to `sync-log.1.ndjson` (replacing the previous one) at the start of a run.
 */

export const SYNC_LOG_FILE = 'sync-log.ndjson';
export const SYNC_LOG_PREVIOUS_FILE = 'sync-log.1.ndjson';
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const MAX_TEXT = 2048;

/** BC's job types: a sync pass, or a coupling / uncoupling action. */
export type RunKind = 'synchronization' | 'coupling' | 'uncoupling';
export type RecordOutcome = 'failed' | 'skipped' | 'conflict';

export interface SyncCounts {
  inserted: number;
  modified: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  failed: number;
  conflicts: number;
  echoSuppressed: number;
  coupled: number;
  uncoupled: number;
}

export const COUNT_NAMES = [
  'inserted',
  'modified',
  'deleted',
  'unchanged',
  'skipped',
  'failed',
  'conflicts',
  'echoSuppressed',
  'coupled',
  'uncoupled',
] as const satisfies readonly (keyof SyncCounts)[];

export function emptyCounts(): SyncCounts {
  return { inserted: 0, modified: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0, conflicts: 0, echoSuppressed: 0, coupled: 0, uncoupled: 0 };
}

export interface RunStart {
  mapping: string;
  /** When the run began, if before this call (ISO); default now. */
  startedAt?: string;
  /** The pass; absent for coupling actions that are not a sync pass. */
  direction?: SyncDirection;
  kind?: RunKind;
  dryRun?: boolean;
}

export interface RunFinish {
  counts: Partial<SyncCounts>;
  /** HTTP requests the run sent (both APIs). */
  requests?: number;
  /** Of those, retries (throttling, transient errors). */
  retries?: number;
  /** A final message, e.g. why the run stopped. */
  message?: string;
}

export interface SyncRun {
  runId: string;
  kind: RunKind;
  mapping: string;
  direction?: SyncDirection;
  dryRun: boolean;
  startedAt: string;
  /** Absent when the run has not finished: still running, or its process was stopped. */
  finishedAt?: string;
  durationMs?: number;
  counts: SyncCounts;
  requests: number;
  retries: number;
  message?: string;
}

export interface SyncRecordEntry {
  runId: string;
  mapping: string;
  direction?: SyncDirection;
  outcome: RecordOutcome;
  bcId?: string;
  dataverseId?: string;
  error: string;
  at: string;
}

export interface LoggedRun {
  run: SyncRun;
  finished: boolean;
  records: SyncRecordEntry[];
}

export interface RunFilter {
  mapping?: string;
  /** Runs with failed, skipped or conflicting records, and runs that did not finish. */
  failedOnly?: boolean;
  /** Runs started at or after this time. */
  since?: Date | string;
  /** Called for each line that cannot be read (the log is informational: reading goes on). */
  onBadLine?: (file: string, line: number) => void;
}

const direction = z.enum(['to-dataverse', 'from-dataverse']);
const kind = z.enum(['synchronization', 'coupling', 'uncoupling']);
const count = z.number().int().nonnegative();
const countsSchema = z.object({
  inserted: count,
  modified: count,
  deleted: count,
  unchanged: count,
  skipped: count,
  failed: count,
  conflicts: count,
  echoSuppressed: count,
  coupled: count,
  uncoupled: count,
});
const startLine = z.object({
  entry: z.literal('start'),
  runId: z.string(),
  kind,
  mapping: z.string(),
  direction: direction.optional(),
  dryRun: z.boolean(),
  startedAt: z.string(),
});
const recordLine = z.object({
  entry: z.literal('record'),
  runId: z.string(),
  mapping: z.string(),
  direction: direction.optional(),
  outcome: z.enum(['failed', 'skipped', 'conflict']),
  bcId: z.string().optional(),
  dataverseId: z.string().optional(),
  error: z.string(),
  at: z.string(),
});
const runLine = z.object({
  entry: z.literal('run'),
  runId: z.string(),
  kind,
  mapping: z.string(),
  direction: direction.optional(),
  dryRun: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().nonnegative(),
  counts: countsSchema,
  requests: count,
  retries: count,
  message: z.string().optional(),
});
const logLine = z.discriminatedUnion('entry', [startLine, recordLine, runLine]);

function clean(text: string): string {
  const masked = maskSecrets(String(text));
  return masked.length > MAX_TEXT ? masked.slice(0, MAX_TEXT) : masked;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export class SyncLog {
  readonly file: string;
  readonly previousFile: string;
  private readonly clock: Clock;
  private readonly maxBytes: number;

  constructor(
    readonly dir: string,
    options: { clock?: Clock; maxBytes?: number } = {},
  ) {
    this.file = path.join(dir, SYNC_LOG_FILE);
    this.previousFile = path.join(dir, SYNC_LOG_PREVIOUS_FILE);
    this.clock = options.clock ?? systemClock;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Starts a run: rotates a full log, writes the start line. Call while holding the state lock. */
  async startRun(start: RunStart): Promise<SyncRunWriter> {
    try {
      if ((await fs.promises.stat(this.file)).size > this.maxBytes) {
        await fs.promises.rename(this.file, this.previousFile);
        await fsyncDir(this.dir);
      }
    } catch (err) {
      if (!isMissing(err)) throw logWriteError(this.file, err);
    }
    const run: SyncRun = {
      runId: randomUUID(),
      kind: start.kind ?? 'synchronization',
      mapping: start.mapping,
      ...(start.direction !== undefined ? { direction: start.direction } : {}),
      dryRun: start.dryRun ?? false,
      startedAt: start.startedAt ?? new Date(this.clock.now()).toISOString(),
      counts: emptyCounts(),
      requests: 0,
      retries: 0,
    };
    const writer = new SyncRunWriter(this, run);
    await this.append([
      JSON.stringify(
        withoutUndefined({
          entry: 'start',
          runId: run.runId,
          kind: run.kind,
          mapping: run.mapping,
          direction: run.direction,
          dryRun: run.dryRun,
          startedAt: run.startedAt,
        }),
      ),
    ]);
    return writer;
  }

  /** @internal Appends lines and fsyncs. */
  async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    try {
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const created = !(await fileExists(this.file));
      const handle = await fs.promises.open(this.file, 'a', 0o600);
      try {
        await writeAll(handle, Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
        await handle.datasync();
      } finally {
        await handle.close();
      }
      if (created) await fsyncDir(this.dir);
    } catch (err) {
      throw logWriteError(this.file, err);
    }
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Runs in log order (a run appears when its end line is read; runs that never finished come last),
   * each with its records. Streams: memory holds only the runs still open. A torn last line is ignored.
   */
  async *readRuns(filter: RunFilter = {}): AsyncGenerator<LoggedRun> {
    const since = filter.since === undefined ? undefined : new Date(filter.since).getTime();
    if (since !== undefined && Number.isNaN(since)) throw new TypeError(`since is not a valid time: ${String(filter.since)}`);
    const open = new Map<string, LoggedRun>();
    const keep = (r: LoggedRun): boolean => {
      if (filter.mapping !== undefined && r.run.mapping !== filter.mapping) return false;
      if (since !== undefined && !(Date.parse(r.run.startedAt) >= since)) return false;
      if (filter.failedOnly) {
        const c = r.run.counts;
        return !r.finished || c.failed + c.skipped + c.conflicts > 0 || r.records.length > 0;
      }
      return true;
    };
    for (const file of [this.previousFile, this.file]) {
      let lines: AsyncGenerator<{ text: string; number: number; terminated: boolean }>;
      try {
        await fs.promises.access(file);
        lines = readLines(file);
      } catch (err) {
        if (isMissing(err)) continue;
        throw new StateError(`Cannot read the sync log ${file}: ${(err as Error).message}. Check its permissions.`, { cause: err });
      }
      for await (const line of lines) {
        if (line.text.trim() === '') continue;
        let value: z.infer<typeof logLine>;
        try {
          const parsed = logLine.safeParse(JSON.parse(line.text));
          if (!parsed.success) throw parsed.error;
          value = parsed.data;
        } catch {
          // A torn final line is the normal trace of a killed writer; anything else is reported.
          if (line.terminated) filter.onBadLine?.(file, line.number);
          continue;
        }
        switch (value.entry) {
          case 'start': {
            const { entry: _entry, ...rest } = value;
            open.set(value.runId, {
              run: { ...rest, counts: emptyCounts(), requests: 0, retries: 0 },
              finished: false,
              records: [],
            });
            break;
          }
          case 'record': {
            const { entry: _entry, ...record } = value;
            let r = open.get(value.runId);
            if (!r) {
              // Its start line was rotated away or torn: keep the records under a minimal run.
              r = {
                run: {
                  runId: value.runId,
                  kind: 'synchronization',
                  mapping: value.mapping,
                  ...(value.direction !== undefined ? { direction: value.direction } : {}),
                  dryRun: false,
                  startedAt: value.at,
                  counts: emptyCounts(),
                  requests: 0,
                  retries: 0,
                },
                finished: false,
                records: [],
              };
              open.set(value.runId, r);
            }
            r.records.push(record);
            break;
          }
          case 'run': {
            const { entry: _entry, ...run } = value;
            const r: LoggedRun = { run, finished: true, records: open.get(value.runId)?.records ?? [] };
            open.delete(value.runId);
            if (keep(r)) yield r;
            break;
          }
        }
      }
    }
    for (const r of open.values()) if (keep(r)) yield r;
  }
}

/** Collects one run's record lines and counts; `flush()` makes them durable, `finish()` ends the run. */
export class SyncRunWriter {
  private buffered: string[] = [];
  private done = false;

  constructor(
    private readonly log: SyncLog,
    private readonly run: SyncRun,
  ) {}

  get runId(): string {
    return this.run.runId;
  }

  /** Notes a failed, skipped or conflicting record (buffered until flush/finish). */
  record(entry: { outcome: RecordOutcome; error: string; bcId?: string; dataverseId?: string; direction?: SyncDirection }): void {
    if (this.done) throw new Error(`run ${this.run.runId} is already finished`);
    const direction = entry.direction ?? this.run.direction;
    this.buffered.push(
      JSON.stringify(
        withoutUndefined({
          entry: 'record',
          runId: this.run.runId,
          mapping: this.run.mapping,
          direction,
          outcome: entry.outcome,
          bcId: entry.bcId,
          dataverseId: entry.dataverseId,
          error: clean(entry.error),
          at: new Date(this.log.now()).toISOString(),
        }),
      ),
    );
  }

  /** Appends the buffered record lines (call per write batch, so a killed run still shows its errors). */
  async flush(): Promise<void> {
    const lines = this.buffered;
    this.buffered = [];
    await this.log.append(lines);
  }

  /** Writes the buffered records and the run line. Returns the run as logged. */
  async finish(finish: RunFinish): Promise<SyncRun> {
    if (this.done) throw new Error(`run ${this.run.runId} is already finished`);
    const counts = emptyCounts();
    for (const name of COUNT_NAMES) {
      const n = finish.counts[name];
      if (n !== undefined) {
        if (!Number.isInteger(n) || n < 0) throw new TypeError(`count ${name} must be a non-negative integer, got ${n}`);
        counts[name] = n;
      }
    }
    this.done = true;
    const finishedAt = this.log.now();
    const run: SyncRun = {
      runId: this.run.runId,
      kind: this.run.kind,
      mapping: this.run.mapping,
      ...(this.run.direction !== undefined ? { direction: this.run.direction } : {}),
      dryRun: this.run.dryRun,
      startedAt: this.run.startedAt,
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: Math.max(0, finishedAt - Date.parse(this.run.startedAt)),
      counts,
      requests: finish.requests ?? 0,
      retries: finish.retries ?? 0,
      ...(finish.message !== undefined ? { message: clean(finish.message) } : {}),
    };
    const lines = this.buffered;
    this.buffered = [];
    lines.push(JSON.stringify({ entry: 'run', ...run }));
    await this.log.append(lines);
    return run;
  }
}

function logWriteError(file: string, err: unknown): StateError {
  return new StateError(`Cannot write the sync log ${file}: ${(err as Error).message}. Free disk space or fix permissions.`, {
    cause: err,
  });
}
