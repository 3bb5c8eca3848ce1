import { expect, test } from '@jest/globals';
import { mapPool, Slots } from '../../src/util/pool.js';

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
