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
 * Cuts a window's plan where each side's writes so far fill whole batches, so the slices' batches are exactly the
 * window's (the request count does not change): a one-way window gives a slice per batch; a window writing both
 * ways is cut only where both sides' batches end together (else it stays whole). Takes the records out of `plan`
 * as it goes, so a slice handed over is held by its writer alone.
 */
export function* slices(plan: SyncPlan, batchSize: Record<WriteSide, number>): Generator<Slice, void, undefined> {
  const records = plan.records;
  plan.records = [];
  let start = 0;
  const writes = { dataverse: 0, bc: 0 };
  for (let i = 0; i < records.length; i++) {
    const w = writesOf(records[i]!);
    writes.dataverse += w.dataverse;
    writes.bc += w.bc;
    const some = writes.dataverse + writes.bc > 0;
    const whole = writes.dataverse % batchSize.dataverse === 0 && writes.bc % batchSize.bc === 0;
    if ((some && whole) || i === records.length - 1) {
      const part = records.slice(start, i + 1);
      // Cut out of the window's array: the records handed over are no longer held here.
      records.fill(undefined as unknown as RecordPlan, start, i + 1);
      start = i + 1;
      yield { plan: { mapping: plan.mapping, records: part }, writes: { ...writes } };
      writes.dataverse = 0;
      writes.bc = 0;
    }
  }
}

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
  async handOver(parts: Iterable<Slice>, write: (plan: SyncPlan, writes: number) => Promise<void>): Promise<Array<Promise<void>>> {
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

  private start(slice: Slice, write: (plan: SyncPlan, writes: number) => Promise<void>): Promise<void> {
    for (const side of ['dataverse', 'bc'] as const) {
      this.inFlight[side] += slice.writes[side];
      this.peak[side] = Math.max(this.peak[side], this.inFlight[side]);
    }
    const landed = write(slice.plan, slice.writes.dataverse + slice.writes.bc);
    const free = () => {
      for (const side of ['dataverse', 'bc'] as const) this.inFlight[side] -= slice.writes[side];
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
}
