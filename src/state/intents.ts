/**
 * Write-ahead intents (docs/design.md "Idempotent creates"): before a batch of creates leaves for Business
 * Central or Dataverse, one line per create is appended to `intents.ndjson` and fsynced. When the batch lands
 * and its couplings are committed, the intents are closed. An intent still open when a run starts means a
 * create whose outcome nobody saw (kill -9, connection reset, timeout): the engine resolves it before planning,
 * by the id it chose (Dataverse, the companion extension's pages) or by looking the record up (standard BC API).
 *
 * The file lives in the state directory under the state lock, mode 0600. Closing is written without fsync: a
 * close lost to a crash only means the intent is resolved once more, which finds the coupling already made.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StateError } from '../errors.js';
import { isMissing } from './files.js';
import type { SideName, SyncDirection } from './types.js';

export const INTENTS_FILE = 'intents.ndjson';

export interface Intent {
  /** Unique within the file. */
  seq: number;
  mapping: string;
  direction: SyncDirection;
  /** The side the record is created on. */
  target: SideName;
  /** Where it is created (entity set or table) and whether that endpoint accepted our chosen id. */
  entitySet: string;
  /** Id of the source record on the other side. */
  sourceId: string;
  /** Modified-on of the source record as planned (stored on the coupling when the intent resolves). */
  sourceModifiedAt?: string;
  /** The id we chose for the new record, when the target accepts one; resolution reads it back by this id. */
  chosenId?: string;
  /** Key fields sent with the create, for targets that assign their own id (found again by these). */
  keys?: Record<string, string>;
  /** When the intent was recorded (ISO); a record found by its keys must be modified at or after it. */
  at: string;
}

export type NewIntent = Omit<Intent, 'seq' | 'at'>;

const intentSchema = z.object({
  seq: z.number().int(),
  mapping: z.string(),
  direction: z.enum(['to-dataverse', 'from-dataverse']),
  target: z.enum(['bc', 'dataverse']),
  entitySet: z.string(),
  sourceId: z.string(),
  sourceModifiedAt: z.string().optional(),
  chosenId: z.string().optional(),
  keys: z.record(z.string(), z.string()).optional(),
  at: z.string(),
});
const lineSchema = z.union([z.object({ open: intentSchema }), z.object({ done: z.array(z.number().int()) })]);

function parse(text: string, file: string): Map<number, Intent> {
  const open = new Map<number, Intent>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      // A torn last line is what a crash in the middle of an append leaves: that intent's write never left.
      if (i >= lines.length - 2) return;
      throw new StateError(`${file} line ${i + 1} is not JSON; move the file away to continue (open intents in it would not be resolved).`);
    }
    const line = lineSchema.safeParse(json);
    if (!line.success) throw new StateError(`${file} line ${i + 1} is not an intent; move the file away to continue (open intents in it would not be resolved).`);
    if ('open' in line.data) open.set(line.data.open.seq, line.data.open);
    else for (const seq of line.data.done) open.delete(seq);
  });
  return open;
}

/** The open intents of a state directory, read without the lock (for `status` and the like). */
export async function readOpenIntents(stateDir: string): Promise<Intent[]> {
  const file = path.join(stateDir, INTENTS_FILE);
  try {
    return [...parse(await fs.readFile(file, 'utf8'), file).values()];
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/**
 * The intent journal of one run. `IntentJournal.inMemory()` keeps intents in memory only (dry runs and tests
 * that do not crash); `IntentJournal.open(dir)` appends them to the state directory's file. Open it only
 * while holding the state lock.
 */
export class IntentJournal {
  private readonly openIntents: Map<number, Intent>;
  private nextSeq: number;
  private writes: Promise<void> = Promise.resolve();
  /** Bytes appended since the file was last rewritten with the open intents only. */
  private appended = 0;
  /**
   * Past this many appended bytes the file is rewritten with the open intents only: a full sync of a million
   * records opens and closes a million intents, ~250 MB of lines nobody will read, if the file is left to grow.
   */
  rewriteAfterBytes = 16 * 1024 * 1024;

  private constructor(
    private readonly file: string | undefined,
    open: Map<number, Intent>,
    private readonly clock: () => number,
  ) {
    this.openIntents = open;
    this.nextSeq = Math.max(0, ...open.keys()) + 1;
  }

  static inMemory(clock: () => number = Date.now): IntentJournal {
    return new IntentJournal(undefined, new Map(), clock);
  }

  static async open(stateDir: string, clock: () => number = Date.now): Promise<IntentJournal> {
    const file = path.join(stateDir, INTENTS_FILE);
    let open = new Map<number, Intent>();
    try {
      open = parse(await fs.readFile(file, 'utf8'), file);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
    const journal = new IntentJournal(file, open, clock);
    // Start every run from a file that holds only what is open (closed intents are history nobody reads).
    await journal.rewrite();
    return journal;
  }

  /** An in-memory copy holding the same open intents (a dry run resolves them without touching the file). */
  detached(): IntentJournal {
    return new IntentJournal(undefined, new Map(this.openIntents), this.clock);
  }

  /** Open intents, of one mapping or of all. */
  open(mapping?: string): Intent[] {
    const all = [...this.openIntents.values()];
    return mapping === undefined ? all : all.filter((i) => i.mapping === mapping);
  }

  /** Records intents and makes them durable before returning: only then may the writes leave. */
  async record(intents: readonly NewIntent[]): Promise<Intent[]> {
    const at = new Date(this.clock()).toISOString();
    const made = intents.map((i) => ({ ...i, seq: this.nextSeq++, at }));
    for (const i of made) this.openIntents.set(i.seq, i);
    if (this.file && made.length) {
      const text = made.map((i) => JSON.stringify({ open: i })).join('\n') + '\n';
      await this.append(text, true);
    }
    return made;
  }

  /** Closes intents whose outcome is known and recorded in the couplings (or known not to have happened). */
  async close(intents: readonly Intent[]): Promise<void> {
    const seqs = intents.map((i) => i.seq).filter((seq) => this.openIntents.delete(seq));
    if (this.file && seqs.length) await this.append(JSON.stringify({ done: seqs }) + '\n', false);
    if (this.file && this.appended > this.rewriteAfterBytes) await this.rewrite();
  }

  /** Rewrites the file with the open intents only (at the start of a run and when the run is done). */
  async rewrite(): Promise<void> {
    if (!this.file) return;
    this.appended = 0;
    const text = [...this.openIntents.values()].map((i) => JSON.stringify({ open: i }) + '\n').join('');
    const file = this.file;
    await this.queue(async () => {
      const temp = `${file}.tmp-${process.pid}`;
      const handle = await fs.open(temp, 'w', 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, file);
    });
  }

  private append(text: string, durable: boolean): Promise<void> {
    const file = this.file!;
    this.appended += text.length;
    return this.queue(async () => {
      const handle = await fs.open(file, 'a', 0o600);
      try {
        await handle.appendFile(text);
        if (durable) await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  private queue(task: () => Promise<void>): Promise<void> {
    const next = this.writes.then(task);
    this.writes = next.catch(() => undefined);
    return next;
  }
}
