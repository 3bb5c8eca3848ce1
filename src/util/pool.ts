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
 * Each value of `source` mapped. Not an async generator: a suspended one keeps the value it took last (and the
 * one it made of it) referenced until the next has arrived: for pages, a page or two of megabytes for every
 * layer that maps one.
 */
export function mapEach<T, R>(source: AsyncIterable<T>, map: (value: T) => R): AsyncIterable<R> {
  return {
    [Symbol.asyncIterator]: () => {
      const values = source[Symbol.asyncIterator]();
      return {
        next: async (): Promise<IteratorResult<R>> => {
          const result = await values.next();
          return result.done ? { done: true, value: undefined } : { done: false, value: map(result.value) };
        },
        return: async (): Promise<IteratorResult<R>> => {
          await values.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** The pages of `source` with each item mapped (see `mapEach`). */
export function mapPages<T, R>(source: AsyncIterable<readonly T[]>, map: (item: T) => R): AsyncIterable<R[]> {
  return mapEach(source, (page) => page.map(map));
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

  /**
   * Runs `work` once a slot is free; resolves to undefined without running it when `signal` is aborted by then.
   * The slot is given back when `work` ends, or earlier when it calls `release` (a write whose answer has arrived
   * no longer occupies the service, whatever is left to do with the answer); calling it again does nothing.
   */
  async run<R>(work: (release: () => void) => Promise<R>, signal?: AbortSignal): Promise<R | undefined> {
    if (this.active >= Math.max(1, this.capacity())) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.release();
    };
    try {
      if (signal?.aborted) return undefined;
      return await work(release);
    } finally {
      release();
    }
  }

  private release(): void {
    // A slot is handed over directly while the bound allows; a lowered bound lets the queue drain first.
    if (this.waiting.length && this.active <= Math.max(1, this.capacity())) this.waiting.shift()!();
    else this.active -= 1;
  }
}
