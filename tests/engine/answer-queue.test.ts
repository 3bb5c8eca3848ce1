import { describe, expect, test } from '@jest/globals';
import { AnswerQueue, WritePipeline, type Slice, type SliceWrite } from '../../src/engine/pipeline.js';

// The answers of write requests wait to be read while planning and encoding go on (issue 11: the slot is given back
// when the answer arrives, its bookkeeping comes later). Turns are given through an injected scheduler the test runs
// by hand, so what is read when is decided by the queue alone (no timing).

/** A scheduler run by hand: `step()` runs what was scheduled so far. */
function manual() {
  const queued: Array<() => void> = [];
  return {
    later: (run: () => void) => void queued.push(run),
    step: async () => {
      for (const run of queued.splice(0)) run();
      // Let the turns given resolve their promises.
      await new Promise((r) => setImmediate(r));
    },
  };
}

/** An answer: takes its turn (deferred when the queue has room, as the writer does), notes when it came, keeps its end. */
function answer(q: AnswerQueue, name: string, log: string[]) {
  const deferred = q.room;
  const a: { end?: () => void; deferred: boolean } = { deferred };
  void q.turn(deferred).then((end) => {
    log.push(name);
    a.end = end;
  });
  return a;
}

describe('AnswerQueue', () => {
  test('answers are read one at a time, in the order they came: the next only once the one before ended its turn', async () => {
    const s = manual();
    const q = new AnswerQueue(4, s.later);
    const log: string[] = [];
    const a = answer(q, 'a', log);
    const b = answer(q, 'b', log);
    await s.step();
    expect(log).toEqual(['a']);
    await s.step();
    // a has not ended its turn: b waits, however often the scheduler runs.
    expect(log).toEqual(['a']);
    a.end!();
    a.end!();
    await s.step();
    expect(log).toEqual(['a', 'b']);
    b.end!();
    await s.step();
    expect(q.read).toBe(2);
    expect(q.deferredCount).toBe(0);
  });

  test('while urgent work is held, up to maxDeferred answers wait (their slots given back); one arriving beyond that is read at once, ahead of them', async () => {
    const s = manual();
    const q = new AnswerQueue(2, s.later);
    const log: string[] = [];
    const planning = q.hold();
    const a = answer(q, 'a', log);
    const b = answer(q, 'b', log);
    expect([a.deferred, b.deferred]).toEqual([true, true]);
    await s.step();
    expect(log).toEqual([]);
    // No room for a third to wait: it keeps its slot and is read now, work held or not.
    expect(q.room).toBe(false);
    const c = answer(q, 'c', log);
    expect(c.deferred).toBe(false);
    await s.step();
    expect(log).toEqual(['c']);
    c.end!();
    await s.step();
    expect(log).toEqual(['c']);
    expect(q.deferredCount).toBe(2);
    // The work ends (ended twice, it counts once): the deferred ones are read, in the order they came.
    planning();
    planning();
    await s.step();
    expect(log).toEqual(['c', 'a']);
    a.end!();
    await s.step();
    expect(log).toEqual(['c', 'a', 'b']);
    b.end!();
    expect(q.peakDeferred).toBe(2);
    expect(q.readDeferred).toBe(2);
    expect(q.read).toBe(3);
  });

  test('every hold counts: deferred answers wait until the last urgent work has ended', async () => {
    const s = manual();
    const q = new AnswerQueue(16, s.later);
    const log: string[] = [];
    const planning = q.hold();
    const leaving = q.hold();
    const a = answer(q, 'a', log);
    planning();
    await s.step();
    expect(log).toEqual([]);
    leaving();
    await s.step();
    expect(log).toEqual(['a']);
    a.end!();
  });

  test('with no room at all (maxDeferred 0) every answer is read at once, work held or not', async () => {
    const s = manual();
    const q = new AnswerQueue(0, s.later);
    const log: string[] = [];
    q.hold();
    const a = answer(q, 'a', log);
    expect(a.deferred).toBe(false);
    await s.step();
    expect(log).toEqual(['a']);
    expect(q.readDeferred).toBe(0);
  });
});

describe('WritePipeline: an answered request gives its room back before its slice has landed', () => {
  const slice = (n: number): Slice => ({ plan: { mapping: 'CUSTOMER', records: [] }, writes: { dataverse: n, bc: 0 } });

  test('the next slice is handed over once the first one is answered, not once it has landed; the landing frees nothing twice', async () => {
    // One slot of 10 writes.
    const pipeline = new WritePipeline(() => ({ dataverse: { batchSize: 10, parallelRequests: 1 }, bc: { batchSize: 10, parallelRequests: 1 } }));
    const started: number[] = [];
    const land: Array<() => void> = [];
    const answer: Array<(side: 'dataverse' | 'bc', writes: number) => void> = [];
    const write: SliceWrite = (plan, writes, answered) => {
      started.push(started.length + 1);
      answer.push(answered);
      return new Promise<void>((resolve) => land.push(resolve));
    };
    const handing = pipeline.handOver([slice(10), slice(10), slice(10)], write);
    const settle = () => new Promise((r) => setImmediate(r));
    await settle();
    expect(started).toEqual([1]);
    // The first request's answer arrived: the second slice goes; called again (a write of several requests), no more.
    answer[0]!('dataverse', 10);
    answer[0]!('dataverse', 10);
    await settle();
    expect(started).toEqual([1, 2]);
    // The first slice lands (its answer recorded): its room was given already, the third still waits for the second.
    land[0]!();
    await settle();
    expect(started).toEqual([1, 2]);
    land[1]!();
    await settle();
    expect(started).toEqual([1, 2, 3]);
    land[2]!();
    const landing = await handing;
    await Promise.all(landing);
    expect(pipeline.peak.dataverse).toBe(10);
  });
});
