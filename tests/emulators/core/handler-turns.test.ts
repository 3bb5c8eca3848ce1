import { describe, expect, test } from '@jest/globals';
import { HandlerTurns } from '../../../src/emulators/core/handler-turns.js';

// The emulated services of a process share its one thread: their handlers take turns of the event loop, so a burst
// of Dataverse batches does not hold up a Business Central answer whose modelled time is up (bench wall times).

describe('HandlerTurns', () => {
  test('one handler at a time, in the order they asked; a turn ended twice ends once', async () => {
    const turns = new HandlerTurns();
    const order: string[] = [];
    const first = await turns.take();
    const second = turns.take().then((end) => {
      order.push('second');
      return end;
    });
    const third = turns.take().then((end) => {
      order.push('third');
      return end;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    expect(turns.queued).toBe(2);
    first();
    first();
    const endSecond = await second;
    await new Promise((resolve) => setImmediate(resolve));
    // The second has not ended its turn: the third waits.
    expect(order).toEqual(['second']);
    endSecond();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    // Free again: the next one gets its turn at once.
    (await turns.take())();
  });

  test('the next handler runs a turn of the event loop later: what was queued on it meanwhile runs first', async () => {
    const turns = new HandlerTurns();
    const order: string[] = [];
    const first = turns.take();
    const second = turns.take();
    const endFirst = await first;
    order.push('first handler');
    // What the first handler's work made ready (an answer to send, I/O): queued on the event loop.
    setImmediate(() => order.push('queued by the first'));
    endFirst();
    const endSecond = await second;
    order.push('second handler');
    endSecond();
    expect(order).toEqual(['first handler', 'queued by the first', 'second handler']);
  });
});
