/**
 * The write pipeline of a run (issue 11): slot-gated, not window-gated. A window's plan is handed to the writer
 * a batch's worth at a time (a slice), each slice as soon as the side it writes to has fewer writes in flight than
 * its slots hold, so batches of later windows enter while earlier windows' last batches are still out. The next
 * window is read and planned while this one hands over. Memory follows the records in flight, not the windows:
 * at most every slot's batch, one window handing over and one being planned, whatever the number of records.
 */
import type { RecordPlan, SyncPlan } from './plan.js';
import { WRITE_ACTIONS } from './plan.js';

export type WriteSide = 'bc' | 'dataverse';

/** Writes of one side a slice holds, and the side's batch size and slots. */
export interface SideLimits {
  batchSize: number;
  parallelRequests: number;
  /** The side sends fewer than it may (the service paces the run): its slots are fewer than its limits say. */
  narrowed?: boolean;
}

function writesOf(record: RecordPlan): { dataverse: number; bc: number } {
  return {
    dataverse: record.toDataverse && WRITE_ACTIONS.has(record.toDataverse.action) ? 1 : 0,
    bc: record.toBc && WRITE_ACTIONS.has(record.toBc.action) ? 1 : 0,
  };
}

/** A part of a window's plan: its records and the writes each side gets from them. */
export interface Slice {
  plan: SyncPlan;
  writes: Record<WriteSide, number>;
}

/**
 * Cuts a window's records, as they are planned, where each side's writes so far fill whole batches, so the slices'
 * batches are exactly the window's (the request count does not change): a one-way window gives a slice per batch;
 * a window writing both ways is cut only where both sides' batches end together (else it stays whole).
 */
export class Slicer {
  private records: RecordPlan[] = [];
  private writes = { dataverse: 0, bc: 0 };

  constructor(
    private readonly mapping: string,
    private readonly batchSize: Record<WriteSide, number>,
  ) {}

  /** The slices completed by these records (the rest waits for the next records or `flush`). */
  add(records: readonly RecordPlan[]): Slice[] {
    const done: Slice[] = [];
    for (const record of records) {
      this.records.push(record);
      const w = writesOf(record);
      this.writes.dataverse += w.dataverse;
      this.writes.bc += w.bc;
      const some = this.writes.dataverse + this.writes.bc > 0;
      if (some && this.writes.dataverse % this.batchSize.dataverse === 0 && this.writes.bc % this.batchSize.bc === 0) done.push(this.take());
    }
    return done;
  }

  /** The records left at the end of the window, as a last slice. */
  flush(): Slice[] {
    return this.records.length ? [this.take()] : [];
  }

  private take(): Slice {
    const slice: Slice = { plan: { mapping: this.mapping, records: this.records }, writes: this.writes };
    this.records = [];
    this.writes = { dataverse: 0, bc: 0 };
    return slice;
  }
}

/**
 * Writes a slice: its plan, its number of writes and what to call when a request's answer has arrived (that side's
 * writes of it no longer occupy the slots, though their bookkeeping may still wait); resolves once it has landed.
 */
export type SliceWrite = (plan: SyncPlan, writes: number, answered: (side: WriteSide, writes: number) => void) => Promise<void>;

/** Where a window stands in the hand-over order: it hands over once the window before it has. */
export interface Turn {
  previous: Promise<void>;
  done: (failed?: unknown) => void;
}

/**
 * Hands slices to the writer within each side's slots (`limits`, read again each time: Dataverse's recommended
 * parallelism can change during a run) and keeps the windows in order. A failure of a write stops every hand-over;
 * a window that fails before writing (a read, the change limit) stops the windows after it, never those before.
 */
export class WritePipeline {
  private readonly inFlight: Record<WriteSide, number> = { dataverse: 0, bc: 0 };
  private readonly waiting: Array<() => void> = [];
  private lastTurn: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** The most writes in flight at once so far, per side (for tests and the bench). */
  readonly peak: Record<WriteSide, number> = { dataverse: 0, bc: 0 };

  constructor(
    private readonly limits: () => Record<WriteSide, SideLimits>,
    private readonly signal?: AbortSignal,
  ) {}

  /** Whether a write failed or the run was interrupted: nothing more is handed over. */
  get stopped(): boolean {
    return this.failure !== undefined || Boolean(this.signal?.aborted);
  }

  /** Reserves a window's place in the hand-over order, before it is read. */
  takeTurn(): Turn {
    const previous = this.lastTurn;
    let done!: (failed?: unknown) => void;
    // A window that failed before handing over fails its turn: the windows after it hand over nothing.
    const turn = new Promise<void>((resolve, reject) => (done = (failed) => (failed === undefined ? resolve() : reject(failed))));
    turn.catch(() => undefined);
    this.lastTurn = previous.then(() => turn);
    this.lastTurn.catch(() => undefined);
    return { previous, done };
  }

  /**
   * Hands over every slice, each once the sides it writes to have room; resolves when the last one has been
   * handed over (not landed) with the promises of their landing. Stops handing over once the pipeline stopped.
   */
  async handOver(parts: Iterable<Slice>, write: SliceWrite): Promise<Array<Promise<void>>> {
    const landing: Array<Promise<void>> = [];
    for (const slice of parts) {
      // Every slice that fits starts in this same turn: no other window's planning runs in between.
      if (!this.fits(slice.writes) && !(await this.room(slice.writes))) break;
      landing.push(this.start(slice, write));
    }
    return landing;
  }

  /** Records a failure (the first one is kept) and wakes every hand-over waiting for room, so they stop. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake();
  }

  private start(slice: Slice, write: SliceWrite): Promise<void> {
    for (const side of ['dataverse', 'bc'] as const) {
      this.inFlight[side] += slice.writes[side];
      this.peak[side] = Math.max(this.peak[side], this.inFlight[side]);
    }
    /** Writes of the slice still counted in flight. */
    const left = { ...slice.writes };
    // A request answered gives its writes' room back at once; the rest of the slice's, once it has landed.
    const answered = (side: WriteSide, writes: number) => {
      const n = Math.min(writes, left[side]);
      if (n <= 0) return;
      left[side] -= n;
      this.inFlight[side] -= n;
      this.wake();
    };
    const landed = write(slice.plan, slice.writes.dataverse + slice.writes.bc, answered);
    const free = () => {
      for (const side of ['dataverse', 'bc'] as const) {
        this.inFlight[side] -= left[side];
        left[side] = 0;
      }
      this.wake();
    };
    // A failure is recorded before the slots it frees wake anyone: nothing is handed over after it.
    landed.then(free, (error: unknown) => {
      this.failure ??= { error };
      free();
    });
    return landed;
  }

  /** Whether every side the slice writes to has fewer writes in flight than its slots hold (and nothing stopped). */
  private fits(writes: Record<WriteSide, number>): boolean {
    if (this.stopped) return false;
    const limits = this.limits();
    return (['dataverse', 'bc'] as const).every(
      (side) => writes[side] === 0 || this.inFlight[side] === 0 || this.inFlight[side] < limits[side].parallelRequests * limits[side].batchSize,
    );
  }

  /** Waits until the slice fits; false once stopped. */
  private async room(writes: Record<WriteSide, number>): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      if (this.fits(writes)) return true;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /**
   * The batches a window writing to these sides need have planned ahead: as many as the widest of them has slots
   * while they are narrowed (the service paces the run); no bound while any of them sends at full width.
   */
  planAhead(sides: ReadonlySet<WriteSide>): number {
    const limits = this.limits();
    let width = 0;
    for (const side of sides) {
      if (!limits[side].narrowed) return Infinity;
      width = Math.max(width, limits[side].parallelRequests);
    }
    return width;
  }
}

/**
 * A window's hand-over: its slices are queued as the window is planned and handed over in the window's turn, as
 * the slots allow, while the planning goes on. Its first batch leaves once a batch's worth is planned, not once
 * the whole page is.
 */
export class WindowHandOver {
  private readonly queue: Slice[] = [];
  private wake?: () => void;
  private ended = false;
  /** Handing over is done (every slice handed over, or it stopped). */
  private settled = false;
  private readonly shrinking: Array<() => void> = [];
  /** The sides its slices write to. */
  private readonly sides = new Set<WriteSide>();
  /** The landing of every slice handed over. */
  readonly landing: Array<Promise<void>> = [];
  /** Resolves once every slice has been handed over (not landed); rejects when a window before this one failed. */
  readonly finished: Promise<void>;

  constructor(
    private readonly pipeline: WritePipeline,
    /** Resolves once the windows before this one have handed theirs over. */
    readonly started: Promise<void>,
    private readonly write: SliceWrite,
  ) {
    started.catch(() => undefined);
    this.finished = this.run();
    this.finished.catch(() => undefined);
  }

  push(slices: readonly Slice[]): void {
    if (!slices.length) return;
    for (const slice of slices) for (const side of ['dataverse', 'bc'] as const) if (slice.writes[side] > 0) this.sides.add(side);
    this.queue.push(...slices);
    this.wake?.();
  }

  /** No more slices: `finished` resolves once the queued ones are handed over. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /**
   * Resolves once no more of its slices wait to be handed over than `WritePipeline.planAhead` allows, or handing over
   * is done (or stopped). The next window is read and planned then. Through a narrow pipe (a run the service paces)
   * a window's 20 batches drain slowly, and a second window planned behind them held ~20 MB at 20,000 records a
   * page; now a run holds about the pipe's width of planned batches waiting. At full width nothing changes: the next
   * window is read as this one begins handing over, so the pipe never empties at a page boundary.
   */
  async fewLeft(): Promise<void> {
    while (!this.settled && this.queue.length > this.pipeline.planAhead(this.sides)) await new Promise<void>((resolve) => this.shrinking.push(resolve));
  }

  private shrunk(): void {
    for (const resolve of this.shrinking.splice(0)) resolve();
  }

  private async run(): Promise<void> {
    try {
      await this.started;
      for (;;) {
        const slice = this.queue.shift();
        if (slice) {
          this.shrunk();
          this.landing.push(...(await this.pipeline.handOver([slice], this.write)));
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.settled = true;
      this.shrunk();
    }
  }
}

/**
 * Answers that may wait to be read, their requests' slots given back: 16 batches' worth. What it costs: while 16 wait,
 * 16 more batches can be out, so a run holds up to 52 + 16 batches' records (~1 KB each while in flight: ids, times,
 * merge base, request paths) and 16 answers' bytes (~600 bytes a write), ~25 MB at 1,000 writes a batch; measured
 * at 100,000 customers, peak RSS 460-510 MB instead of 425-465. Lower it to trade wall time for memory.
 */
export const MAX_DEFERRED_ANSWERS = 16;

/**
 * The answers of write requests, read one at a time when the writer has time. Reading an answer (decoding it,
 * coupling, the journal) is client CPU that only the end of the run waits for, while planning a window and encoding
 * its batches is what the next requests wait for. So while such work is on (`hold`), an answer that arrives waits
 * (`deferred`), its request's slot given back so the next batch can leave, up to `maxDeferred` of them; an answer
 * arriving when that many wait keeps its slot and is read at once, as every answer was before. Deferred answers are
 * read, in the order they came, once no urgent work is held.
 *
 * Nothing of crash safety changes: an answer waiting here is an answer not yet recorded, as one still on the wire;
 * its creates' write-ahead intents stay open until the couplings it makes are durable, so a crash meanwhile leaves
 * intents the next run resolves. Answers of different batches write different records, so the order in which they
 * are read changes no outcome.
 */
export class AnswerQueue {
  /** Answers read at once (they keep their slots until read). */
  private readonly prompt: Array<() => void> = [];
  /** Answers waiting until no urgent work is held, in the order they came. */
  private readonly deferred: Array<() => void> = [];
  private holds = 0;
  private reading = false;
  private scheduled = false;
  /** Answers read so far, and how many of them had waited (for tests and the bench). */
  read = 0;
  readDeferred = 0;
  /** The most answers deferred at once (for tests and the bench). */
  peakDeferred = 0;

  constructor(
    readonly maxDeferred: number,
    /** Where a turn is given: after what is queued on the event loop (I/O included), so urgent work goes first. */
    private readonly later: (run: () => void) => void = (run) => void setImmediate(run),
  ) {}

  /** Whether an answer arriving now may wait, its slot given back. */
  get room(): boolean {
    return this.deferred.length < this.maxDeferred;
  }

  /** Answers deferred now. */
  get deferredCount(): number {
    return this.deferred.length;
  }

  /** Urgent work begins; the function returned ends it (once, whatever number of calls). */
  hold(): () => void {
    this.holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.holds--;
      this.pump();
    };
  }

  /**
   * An answer has arrived (`deferred`: it took the room `room` offered): resolves when it is its turn to be read,
   * with the function to call once it is read (the next turn comes after it). Every turn given must be ended.
   */
  turn(deferred: boolean): Promise<() => void> {
    return new Promise<() => void>((resolve) => {
      const start = () => {
        let open = true;
        resolve(() => {
          if (!open) return;
          open = false;
          this.reading = false;
          this.pump();
        });
      };
      if (deferred) {
        this.deferred.push(start);
        this.peakDeferred = Math.max(this.peakDeferred, this.deferred.length);
      } else this.prompt.push(start);
      this.pump();
    });
  }

  private ready(): boolean {
    return !this.reading && (this.prompt.length > 0 || (this.holds === 0 && this.deferred.length > 0));
  }

  private pump(): void {
    if (this.scheduled || !this.ready()) return;
    this.scheduled = true;
    this.later(() => {
      this.scheduled = false;
      if (!this.ready()) return;
      this.reading = true;
      this.read++;
      const next = this.prompt.shift();
      if (next) return next();
      this.readDeferred++;
      this.deferred.shift()!();
    });
  }
}
