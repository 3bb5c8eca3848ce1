/**
 * A counting semaphore: bounds the requests one API has in flight. Both services meter concurrency per user
 * (Dataverse answers 429 beyond 52, Business Central queues beyond 5), so exceeding it only costs time.
 */
export class Semaphore {
  private active = 0;
  private peak = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Semaphore limit must be a positive integer, got ${String(limit)}`);
    }
  }

  /** Resolves once a slot is free; the caller must call `release()` exactly once afterwards. */
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.take();
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    // The releasing caller handed its slot over to us (active was not decremented), see release().
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      next();
      return;
    }
    this.active -= 1;
  }

  get inFlight(): number {
    return this.active;
  }

  get peakInFlight(): number {
    return this.peak;
  }

  resetPeak(): void {
    this.peak = this.active;
  }

  private take(): void {
    this.active += 1;
    if (this.active > this.peak) this.peak = this.active;
  }
}
