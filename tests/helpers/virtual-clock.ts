import type { Clock } from '../../src/clock.js';

/**
 * A clock shared by the emulators and the clients whose time moves only when every actor of the test waits on
 * it: then it jumps to the earliest wake-up and wakes everything due at that instant. Unlike a clock whose every
 * sleep moves time (ManualClock, skippingClock), waits that overlap in time overlap here too, so fifty requests
 * each told "Retry-After: 300" wait 300 s together, not 15,000 s one after another, and a request that executes
 * for 3 s of modelled cost (the emulators' `sleep` option) lets others throttle meanwhile. Nothing sleeps for real.
 *
 * Whether every actor waits is the test's to say (`idle`): the clock cannot see a request on the loopback wire.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly due: Array<{ at: number; resolve: () => void }> = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => this.due.push({ at: this.current + ms, resolve }));
  }

  /** Sleeps not yet due. */
  get sleeping(): number {
    return this.due.length;
  }

  /**
   * Awaits `work`, moving time to the next wake-up whenever `idle()` holds between two turns of the event loop
   * (so a request in flight over loopback, or its answer on the way back, holds time still).
   */
  async run<T>(work: Promise<T>, idle: () => boolean): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    while (!settled) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!settled && this.due.length > 0 && idle()) this.advance();
    }
    return watched;
  }

  private advance(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.due) if (d.at < next) next = d.at;
    this.current = next;
    // Everything due at this instant wakes together, in the order it went to sleep.
    const wake: Array<() => void> = [];
    for (let i = 0; i < this.due.length; ) {
      if (this.due[i]!.at === next) wake.push(this.due.splice(i, 1)[0]!.resolve);
      else i += 1;
    }
    for (const w of wake) w();
  }
}
