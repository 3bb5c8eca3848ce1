import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { collectSoonerOncePaced, PACED_HEAP_GROWING_PERCENT } from '../../src/app/memory-policy.js';

const built = pathToFileURL(path.resolve('dist/app/memory-policy.js')).href;

/**
 * A program whose live data stays ~40 MB (the last four batches of 100,000 objects) while it allocates ~300 MB, as
 * a run does between writes; prints the largest heap V8 reserved. With `paced`, the CLI's policy is told a service
 * paces the run first, as the wiring does when a Retry-After starts a pause.
 */
function peakHeapMb(paced: boolean): { heap: number; youngGeneration: number } {
  const program = `
    import v8 from 'node:v8';
    if (${paced}) { const { collectSoonerOncePaced } = await import(${JSON.stringify(built)}); collectSoonerOncePaced().servicePaced(); }
    const keep = []; let peak = 0; let young = 0;
    for (let round = 0; round < 30; round++) {
      const batch = [];
      for (let i = 0; i < 100000; i++) batch.push({ a: 'x' + i, b: i, c: [i, i + 1] });
      keep.push(batch); if (keep.length > 4) keep.shift();
      peak = Math.max(peak, process.memoryUsage().heapTotal);
      young = Math.max(young, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
    }
    process.stdout.write(JSON.stringify({ heap: Math.round(peak / 1048576), youngGeneration: Math.round(young / 1048576) }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout) as { heap: number; youngGeneration: number };
}

describe('the CLI memory policy once a service paces the run', () => {
  test('sets how far the heap may grow once, however many pauses follow', () => {
    const set: string[] = [];
    const policy = collectSoonerOncePaced((flags) => set.push(flags));
    expect(set).toEqual([]);
    policy.servicePaced();
    policy.servicePaced();
    policy.servicePaced();
    expect(set).toEqual([`--heap-growing-percent=${PACED_HEAP_GROWING_PERCENT}`, '--semi-space-growth-factor=1']);
  });

  test('still takes effect when set after start-up on this Node version: the heap V8 reserves stays far smaller, its young generation too', () => {
    // A Node whose V8 stopped reading the flags after start-up gives the same figures twice.
    const without = peakHeapMb(false);
    const withPolicy = peakHeapMb(true);
    expect(without.heap).toBeGreaterThan(100);
    expect(withPolicy.heap).toBeLessThan(without.heap * 0.7);
    // The young generation grows to 32 MB (two 16 MB semi-spaces) without; it stays at its first few MB with.
    expect(without.youngGeneration).toBeGreaterThanOrEqual(16);
    expect(withPolicy.youngGeneration).toBeLessThanOrEqual(4);
  }, 30_000);
});
