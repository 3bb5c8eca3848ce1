/**
 * The handlers of every emulated service in a process run one per turn of the event loop, in the order their
 * requests came. The real services answer on many servers at once; here Business Central and Dataverse share one
 * thread, and a burst of twenty 1,000-operation `$batch` requests handled back to back (~40 ms each) held up every
 * timer and socket of the process for most of a second: a Business Central page whose modelled time was up waited
 * for Dataverse's work before it was sent, and its bytes went out only between those handlers. Between two handlers
 * the event loop now runs the timers that came due and the I/O that is ready, so an answer leaves when the cost
 * model says (what a request costs and when it is answered are unchanged).
 */
export class HandlerTurns {
  private readonly waiting: Array<() => void> = [];
  private taken = false;

  /** Resolves when it is this handler's turn, with the function that ends the turn (once, however often called). */
  take(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        let open = true;
        resolve(() => {
          if (!open) return;
          open = false;
          const next = this.waiting.shift();
          // The next handler runs after what is queued on the event loop now (due timers, ready I/O, immediates).
          if (next) setImmediate(next);
          else this.taken = false;
        });
      };
      if (this.taken) this.waiting.push(grant);
      else {
        this.taken = true;
        grant();
      }
    });
  }

  /** Handlers waiting for their turn (for tests). */
  get queued(): number {
    return this.waiting.length;
  }
}

/** The turns shared by every emulated service of this process (they share its one thread). */
export const handlerTurns = new HandlerTurns();
