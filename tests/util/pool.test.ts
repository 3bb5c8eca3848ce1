import { expect, test } from '@jest/globals';
import { mapPool, readAhead, Slots } from '../../src/util/pool.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

test('mapPool keeps at most `limit` running and the results in order', async () => {
  let running = 0;
  let peak = 0;
  const out = await mapPool([5, 4, 3, 2, 1, 0], 2, async (n) => {
    running++;
    peak = Math.max(peak, running);
    for (let i = 0; i < n; i++) await tick();
    running--;
    return n * 10;
  });
  expect(out).toEqual([50, 40, 30, 20, 10, 0]);
  expect(peak).toBe(2);
});

test('readAhead asks for the next page while the current one is being worked on', async () => {
  const events: string[] = [];
  async function* pages() {
    for (const p of [1, 2, 3]) {
      events.push(`fetch ${p}`);
      await tick();
      yield p;
    }
  }
  for await (const p of readAhead(pages())) {
    events.push(`work ${p} start`);
    await tick();
    await tick();
    events.push(`work ${p} end`);
  }
  expect(events.indexOf('fetch 2')).toBeLessThan(events.indexOf('work 1 end'));
  expect(events.indexOf('fetch 3')).toBeLessThan(events.indexOf('work 2 end'));
  expect(events.filter((e) => e.startsWith('work') && e.endsWith('end'))).toEqual(['work 1 end', 'work 2 end', 'work 3 end']);
});

test('readAhead lets the next page\'s request leave before the caller works on the current page without waiting', async () => {
  const events: string[] = [];
  async function* pages() {
    for (const p of [1, 2]) {
      // As a client: layers of generators and awaits (token, in-flight slot) before the request is written.
      for (let hop = 0; hop < 10; hop++) await Promise.resolve();
      events.push(`request ${p} sent`);
      yield p;
    }
  }
  for await (const p of readAhead(pages())) {
    // Work that never waits (planning a page): without a turn of the event loop first, request 2 would leave after it.
    events.push(`work ${p}`);
  }
  expect(events).toEqual(['request 1 sent', 'request 2 sent', 'work 1', 'work 2']);
});

test('Slots: a slot released early by its work lets the next caller in before that work ends; a second release frees nothing more', async () => {
  const slots = new Slots(() => 1);
  const events: string[] = [];
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };
  const firstDone = gate();
  const secondDone = gate();
  let releaseFirst!: () => void;
  const first = slots.run(async (release) => {
    events.push('first start');
    releaseFirst = release;
    await firstDone.opened;
    events.push('first end');
  });
  const second = slots.run(async () => {
    events.push('second start');
    await secondDone.opened;
    events.push('second end');
  });
  const third = slots.run(async () => {
    events.push('third start');
  });
  const settle = () => new Promise((r) => setImmediate(r));
  await settle();
  expect(events).toEqual(['first start']);
  // The first one's answer arrived: its slot goes to the next caller now. Released twice, it is still one slot.
  releaseFirst();
  releaseFirst();
  await settle();
  expect(events).toEqual(['first start', 'second start']);
  firstDone.open();
  await first;
  // The first one ending gives nothing back either: its slot was given already, the third still waits.
  expect(events).toEqual(['first start', 'second start', 'first end']);
  secondDone.open();
  await Promise.all([second, third]);
  expect(events).toEqual(['first start', 'second start', 'first end', 'second end', 'third start']);
});
