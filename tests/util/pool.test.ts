import { expect, test } from '@jest/globals';
import { mapPool } from '../../src/util/pool.js';

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
