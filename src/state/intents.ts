/**
 * Write-ahead intents (docs/design.md "Idempotent creates"): before a batch of creates leaves for Business
 * Central or Dataverse, its creates are appended to `intents.ndjson` as one line and fsynced. When the batch lands
 * and its couplings are committed, the intents are closed (one `done` line: ranges of intent numbers). An intent still open when a run starts means a
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

/** The intents one `recordRange` made: numbers `first` to `first + count - 1`. */
export interface IntentRange {
  first: number;
  count: number;
}

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
/**
 * A batch of creates, one column per field (the i-th entry of each is create i): source ids, their modified times
 * ("" none), the chosen ids ("" none), and the key fields (null none) when any create has them.
 */
const batchSchema = z
  .object({
    seq: z.number().int(),
    mapping: z.string(),
    direction: z.enum(['to-dataverse', 'from-dataverse']),
    target: z.enum(['bc', 'dataverse']),
    entitySet: z.string(),
    at: z.string(),
    sourceIds: z.array(z.string()),
    sourceModifiedAts: z.array(z.string()),
    chosenIds: z.array(z.string()),
    keys: z.array(z.record(z.string(), z.string()).nullable()).optional(),
  })
  .refine((b) => b.sourceModifiedAts.length === b.sourceIds.length && b.chosenIds.length === b.sourceIds.length && (b.keys?.length ?? b.sourceIds.length) === b.sourceIds.length, {
    message: 'the columns of a batch differ in length',
  });
/** Closed intents: numbers, or [first, last] ranges of numbers. */
const doneSchema = z.array(z.union([z.number().int(), z.tuple([z.number().int(), z.number().int()])]));
const lineSchema = z.union([z.object({ open: intentSchema }), z.object({ batch: batchSchema }), z.object({ done: doneSchema })]);

/**
 * The intents of one batch of creates (one line of the file): what they share once, and per create its source id,
 * modified time, chosen id and keys. Intent `seq + i` is the i-th create; `open[i]` says whether it is still open.
 */
interface IntentBatch {
  seq: number;
  mapping: string;
  direction: SyncDirection;
  target: SideName;
  entitySet: string;
  at: string;
  sourceIds: string[];
  /** "" for none, as in the file. */
  modifiedAts: string[];
  chosenIds: string[];
  keys: (Record<string, string> | undefined)[] | undefined;
  open: Uint8Array;
  openCount: number;
}

function intentOf(b: IntentBatch, i: number): Intent {
  return {
    seq: b.seq + i,
    mapping: b.mapping,
    direction: b.direction,
    target: b.target,
    entitySet: b.entitySet,
    sourceId: b.sourceIds[i]!,
    sourceModifiedAt: b.modifiedAts[i] || undefined,
    chosenId: b.chosenIds[i] || undefined,
    keys: b.keys?.[i],
    at: b.at,
  };
}

/**
 * The file line of a batch: `{"batch":{"seq":first,"mapping":…,"direction":…,"target":…,"entitySet":…,"at":…,
 * "sourceIds":[…],"sourceModifiedAts":[…],"chosenIds":[…],"keys":[…]?}}`; create i is intent `seq + i`. Columns,
 * so a batch of a thousand creates is four JSON.stringify calls.
 */
function batchLine(b: IntentBatch): string {
  const head = { seq: b.seq, mapping: b.mapping, direction: b.direction, target: b.target, entitySet: b.entitySet, at: b.at };
  let line = `{"batch":${JSON.stringify(head).slice(0, -1)},"sourceIds":${JSON.stringify(b.sourceIds)},"sourceModifiedAts":${JSON.stringify(b.modifiedAts)},"chosenIds":${JSON.stringify(b.chosenIds)}`;
  if (b.keys) line += `,"keys":${JSON.stringify(b.keys.map((k) => k ?? null))}`;
  return `${line}}}\n`;
}

/** `{"done":[…]}` for sorted sequence numbers: runs of consecutive numbers as [first, last]. */
function doneLine(seqs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seqs.length; ) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j]! + 1) j++;
    parts.push(j > i ? `[${seqs[i]},${seqs[j]}]` : String(seqs[i]));
    i = j + 1;
  }
  return `{"done":[${parts.join(',')}]}\n`;
}

/** The open batches of a file, by first sequence number, in file order. */
class OpenBatches {
  readonly batches = new Map<number, IntentBatch>();
  private last: IntentBatch | undefined;

  add(b: IntentBatch): void {
    this.batches.set(b.seq, b);
    this.last = b;
  }

  /** The batch holding intent `seq`, if it is open. */
  find(seq: number): IntentBatch | undefined {
    const last = this.last;
    if (last && seq >= last.seq && seq < last.seq + last.open.length) return last;
    const direct = this.batches.get(seq);
    if (direct) return (this.last = direct);
    for (const b of this.batches.values()) if (seq >= b.seq && seq < b.seq + b.open.length) return (this.last = b);
    return undefined;
  }

  /** Closes intent `seq`; false when it was not open. */
  close(seq: number): boolean {
    const b = this.find(seq);
    const i = b ? seq - b.seq : -1;
    if (!b || b.open[i] === 0) return false;
    b.open[i] = 0;
    if (--b.openCount === 0) {
      this.batches.delete(b.seq);
      if (this.last === b) this.last = undefined;
    }
    return true;
  }

  get maxSeq(): number {
    let max = 0;
    for (const b of this.batches.values()) max = Math.max(max, b.seq + b.open.length - 1);
    return max;
  }

  copy(): OpenBatches {
    const out = new OpenBatches();
    for (const b of this.batches.values()) out.add({ ...b, open: Uint8Array.from(b.open) });
    return out;
  }

  *intents(mapping?: string): Generator<Intent> {
    for (const b of this.batches.values()) {
      if (mapping !== undefined && b.mapping !== mapping) continue;
      for (let i = 0; i < b.open.length; i++) if (b.open[i]) yield intentOf(b, i);
    }
  }
}

function parse(text: string, file: string): OpenBatches {
  const open = new OpenBatches();
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
    const d = line.data;
    if ('open' in d) {
      // One intent per line (files written before intents were recorded per batch).
      const o = d.open;
      open.add({
        seq: o.seq,
        mapping: o.mapping,
        direction: o.direction,
        target: o.target,
        entitySet: o.entitySet,
        at: o.at,
        sourceIds: [o.sourceId],
        modifiedAts: [o.sourceModifiedAt ?? ''],
        chosenIds: [o.chosenId ?? ''],
        keys: o.keys ? [o.keys] : undefined,
        open: Uint8Array.of(1),
        openCount: 1,
      });
    } else if ('batch' in d) {
      const b = d.batch;
      const n = b.sourceIds.length;
      if (n === 0) return;
      open.add({
        seq: b.seq,
        mapping: b.mapping,
        direction: b.direction,
        target: b.target,
        entitySet: b.entitySet,
        at: b.at,
        sourceIds: b.sourceIds,
        modifiedAts: b.sourceModifiedAts,
        chosenIds: b.chosenIds,
        keys: b.keys?.map((k) => k ?? undefined),
        open: new Uint8Array(n).fill(1),
        openCount: n,
      });
    } else {
      for (const done of d.done) {
        if (typeof done === 'number') open.close(done);
        else for (let seq = done[0]; seq <= done[1]; seq++) open.close(seq);
      }
    }
  });
  return open;
}

/** The open intents of a state directory, read without the lock (for `status` and the like). */
export async function readOpenIntents(stateDir: string): Promise<Intent[]> {
  const file = path.join(stateDir, INTENTS_FILE);
  try {
    return [...parse(await fs.readFile(file, 'utf8'), file).intents()];
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/**
 * The intent journal of one run. `IntentJournal.inMemory()` keeps intents in memory only (dry runs and tests
 * that do not crash); `IntentJournal.open(dir)` appends them to the state directory's file. Open it only
 * while holding the state lock. A batch of creates is one line and one entry in memory (its ids by reference),
 * not an object per create.
 */
export class IntentJournal {
  private readonly openIntents: OpenBatches;
  private nextSeq: number;
  private writes: Promise<void> = Promise.resolve();
  /** Lines waiting for the write in progress to finish (see append). */
  private pendingAppend: PendingAppend | undefined;
  /** Appends and rewrites done on the file so far (what group commit saves is visible in tests). */
  fileWrites = 0;
  /** Bytes appended since the file was last rewritten with the open intents only. */
  private appended = 0;
  /**
   * Past this many appended bytes the file is rewritten with the open intents only: a full sync of a million
   * records opens and closes a million intents, ~100 MB of lines nobody will read, if the file is left to grow.
   */
  rewriteAfterBytes = 16 * 1024 * 1024;

  private constructor(
    private readonly file: string | undefined,
    open: OpenBatches,
    private readonly clock: () => number,
  ) {
    this.openIntents = open;
    this.nextSeq = open.maxSeq + 1;
  }

  static inMemory(clock: () => number = Date.now): IntentJournal {
    return new IntentJournal(undefined, new OpenBatches(), clock);
  }

  static async open(stateDir: string, clock: () => number = Date.now): Promise<IntentJournal> {
    const file = path.join(stateDir, INTENTS_FILE);
    let open = new OpenBatches();
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
    const copy = new IntentJournal(undefined, this.openIntents.copy(), this.clock);
    copy.nextSeq = this.nextSeq;
    return copy;
  }

  /** Open intents, of one mapping or of all. */
  open(mapping?: string): Intent[] {
    return [...this.openIntents.intents(mapping)];
  }

  /**
   * Records intents and makes them durable before returning: only then may the writes leave. Intents of one
   * mapping, direction, target and entity set (a batch of creates) are one line; others get a line each group.
   */
  async record(intents: readonly NewIntent[]): Promise<Intent[]> {
    if (intents.length === 0) return [];
    const made: Intent[] = new Array<Intent>(intents.length);
    const text = this.add(intents, made);
    if (this.file) await this.append(text, true);
    return made;
  }

  /**
   * As `record`, without an `Intent` object per create: the intents made are numbers `first` to `first + count - 1`
   * (a writer keeps two numbers for a batch of a thousand creates while it is out, not a thousand objects).
   */
  async recordRange(intents: readonly NewIntent[]): Promise<IntentRange> {
    const first = this.nextSeq;
    if (intents.length === 0) return { first, count: 0 };
    const text = this.add(intents);
    if (this.file) await this.append(text, true);
    return { first, count: intents.length };
  }

  /** The intents of `range` still open (a batch whose answer was lost, to resolve). */
  openIn(range: IntentRange): Intent[] {
    const open: Intent[] = [];
    for (let seq = range.first; seq < range.first + range.count; seq++) {
      const b = this.openIntents.find(seq);
      if (b && b.open[seq - b.seq]) open.push(intentOf(b, seq - b.seq));
    }
    return open;
  }

  /** Closes the intents of `range` (see `close`). */
  async closeRange(range: IntentRange): Promise<void> {
    const seqs: number[] = [];
    for (let seq = range.first; seq < range.first + range.count; seq++) if (this.openIntents.close(seq)) seqs.push(seq);
    await this.closed(seqs);
  }

  /** The intents as open batches (one per group of the same mapping, direction, target and entity set), and their lines. */
  private add(intents: readonly NewIntent[], made?: Intent[]): string {
    const at = new Date(this.clock()).toISOString();
    let text = '';
    for (let start = 0; start < intents.length; ) {
      const first = intents[start]!;
      let end = start + 1;
      while (end < intents.length && sameGroup(first, intents[end]!)) end++;
      const n = end - start;
      const b: IntentBatch = {
        seq: this.nextSeq,
        mapping: first.mapping,
        direction: first.direction,
        target: first.target,
        entitySet: first.entitySet,
        at,
        sourceIds: new Array<string>(n),
        modifiedAts: new Array<string>(n),
        chosenIds: new Array<string>(n),
        keys: undefined,
        open: new Uint8Array(n).fill(1),
        openCount: n,
      };
      this.nextSeq += n;
      for (let i = 0; i < n; i++) {
        const x = intents[start + i]!;
        b.sourceIds[i] = x.sourceId;
        b.modifiedAts[i] = x.sourceModifiedAt ?? '';
        b.chosenIds[i] = x.chosenId ?? '';
        if (x.keys !== undefined) (b.keys ??= new Array<Record<string, string> | undefined>(n))[i] = x.keys;
        if (made) made[start + i] = intentOf(b, i);
      }
      this.openIntents.add(b);
      if (this.file) text += batchLine(b);
      start = end;
    }
    return text;
  }

  /** Closes intents whose outcome is known and recorded in the couplings (or known not to have happened). */
  async close(intents: readonly Intent[]): Promise<void> {
    const seqs: number[] = [];
    for (const i of intents) if (this.openIntents.close(i.seq)) seqs.push(i.seq);
    await this.closed(seqs.sort((a, b) => a - b));
  }

  /** Appends the `done` line of intents just closed (ascending numbers). */
  private async closed(seqs: number[]): Promise<void> {
    if (this.file && seqs.length) await this.append(doneLine(seqs), false);
    if (this.file && this.appended > this.rewriteAfterBytes) await this.rewrite();
  }

  /** Rewrites the file with the open intents only (at the start of a run and when the run is done). */
  async rewrite(): Promise<void> {
    if (!this.file) return;
    this.appended = 0;
    let text = '';
    for (const b of this.openIntents.batches.values()) {
      if (b.openCount === b.open.length) text += batchLine(b);
      // Partly closed (a batch whose answer was lost, resolved in part): its open intents one line each.
      else for (let i = 0; i < b.open.length; i++) if (b.open[i]) text += `${JSON.stringify({ open: intentOf(b, i) })}\n`;
    }
    const file = this.file;
    // Lines appended after this point must follow the rewrite, not join a write queued before it.
    this.pendingAppend = undefined;
    await this.queue(async () => {
      this.fileWrites++;
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

  /**
   * Group commit: lines appended while an earlier write is on its way join one pending write, so up to 52
   * batches leaving at once share one fsync instead of waiting for 52 in a row. Each caller's promise is that
   * write's, so a batch still leaves only once its intents are durable.
   */
  private append(text: string, durable: boolean): Promise<void> {
    const file = this.file!;
    this.appended += text.length;
    const joining = this.pendingAppend;
    if (joining) {
      joining.text += text;
      joining.durable ||= durable;
      return joining.done;
    }
    const group: PendingAppend = { text, durable, done: Promise.resolve() };
    this.pendingAppend = group;
    group.done = this.queue(async () => {
      // From here on, new lines go to the next write.
      if (this.pendingAppend === group) this.pendingAppend = undefined;
      this.fileWrites++;
      const handle = await fs.open(file, 'a', 0o600);
      try {
        await handle.appendFile(group.text);
        if (group.durable) await handle.sync();
      } finally {
        await handle.close();
      }
    });
    return group.done;
  }

  private queue(task: () => Promise<void>): Promise<void> {
    const next = this.writes.then(task);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

interface PendingAppend {
  text: string;
  durable: boolean;
  done: Promise<void>;
}

function sameGroup(a: NewIntent, b: NewIntent): boolean {
  return a.mapping === b.mapping && a.direction === b.direction && a.target === b.target && a.entitySet === b.entitySet;
}
