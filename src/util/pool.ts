/**
 * Runs `work` over `items` with at most `limit` running at once, in order of start; results keep the items'
 * order. Stops starting new work once `signal` is aborted.
 */
export async function mapPool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Iterates `source` one item ahead: the next item (a page) is being fetched while the caller works on the
 * current one, so reading and writing overlap.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    while (true) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      // Awaited on the next turn; a failure while the caller is busy must not count as unhandled meanwhile.
      next.catch(() => undefined);
      // One turn of the event loop before the caller works: the next page's request goes on the wire now, not once
      // the caller's work on this page (planning 20,000 records, no I/O in between) first waits for something.
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * A bound on work in flight shared by several callers (the writer's windows of one side): whoever asks first
 * runs first, and the bound is read again each time a slot frees up, so it can follow what a service recommends
 * while a run goes on. Unlike a pool per caller, a window's batches start as soon as the previous window's free
 * their slots: the pipe never empties at a page boundary.
 */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly capacity: () => number) {}

  /** Runs `work` once a slot is free; resolves to undefined without running it when `signal` is aborted by then. */
  async run<R>(work: () => Promise<R>, signal?: AbortSignal): Promise<R | undefined> {
    if (this.active >= Math.max(1, this.capacity())) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      if (signal?.aborted) return undefined;
      return await work();
    } finally {
      this.release();
    }
  }

  private release(): void {
    // A slot is handed over directly while the bound allows; a lowered bound lets the queue drain first.
    if (this.waiting.length && this.active <= Math.max(1, this.capacity())) this.waiting.shift()!();
    else this.active -= 1;
  }
}
