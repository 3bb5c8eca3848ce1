/**
 * A counting semaphore: bounds the requests one API has in flight. Both services meter concurrency per user
 * (Dataverse answers 429 beyond 52, Business Central queues beyond 5), so exceeding it only costs time. The bound
 * can be lowered and raised while running (the transport does so while a service throttles it); lowering it never
 * interrupts what is in flight, it only holds the next callers back.
 */
export class Semaphore {
  private active = 0;
  private peak = 0;
  private current: number;
  private lowest: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Semaphore limit must be a positive integer, got ${String(capacity)}`);
    }
    this.current = capacity;
    this.lowest = capacity;
  }

  /** Slots callers may hold now, 1 to capacity. */
  get limit(): number {
    return this.current;
  }

  /** The lowest limit since the last resetPeak. */
  get lowestLimit(): number {
    return this.lowest;
  }

  /** Sets the slots callers may hold (clamped to 1..capacity); raising it lets waiting callers in at once. */
  setLimit(limit: number): void {
    this.current = Math.max(1, Math.min(this.capacity, Math.floor(limit)));
    if (this.current < this.lowest) this.lowest = this.current;
    this.admitWaiting();
  }

  /** Resolves once a slot is free; the caller must call `release()` exactly once afterwards. */
  async acquire(): Promise<void> {
    if (this.active < this.current && this.waiting.length === 0) {
      this.take();
      return;
    }
    // The slot is taken on our behalf when we are let in (admitWaiting), so no later caller can overtake.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.active -= 1;
    this.admitWaiting();
  }

  get inFlight(): number {
    return this.active;
  }

  /** Callers waiting for a slot. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  get peakInFlight(): number {
    return this.peak;
  }

  resetPeak(): void {
    this.peak = this.active;
    this.lowest = this.current;
  }

  private admitWaiting(): void {
    while (this.active < this.current && this.waiting.length > 0) {
      this.take();
      this.waiting.shift()!();
    }
  }

  private take(): void {
    this.active += 1;
    if (this.active > this.peak) this.peak = this.active;
  }
}
