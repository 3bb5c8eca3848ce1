import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { StateStore, LOCK_DIR_NAME, readLockOwner } from '../../src/state/index.js';
import { buildStateModuleForChildren, seededRandom, spawnFixture, tempDir } from './helpers/state-helpers.js';

const BATCH = 200;
const COMPACT_EVERY = 5;
const KILLS = 10;
const minute = (n: number): string => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();

let built: ReturnType<typeof buildStateModuleForChildren>;
let dir: string;

beforeAll(() => {
  built = buildStateModuleForChildren();
  dir = tempDir();
});

afterAll(() => {
  built.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 at random moments', () => {
  test(`${KILLS} SIGKILLs of a process appending batches: every committed batch survives, no partial batch, lock recovered`, async () => {
    const seed = Number(process.env.STATE_CRASH_SEED ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    let previous = 0;
    const killedDuring: string[] = [];
    for (let round = 1; round <= KILLS; round++) {
      const child = spawnFixture('crash-writer.mjs', [built.moduleUrl, dir, String(BATCH), String(COMPACT_EVERY)]);
      await child.waitFor(/^ready /);
      // Let it commit a random number of batches (often across a compaction), then kill it a little later.
      const target = previous + BATCH * (1 + Math.floor(random() * 12));
      await child.waitFor(new RegExp(`^committed (\\d+)$`), 20_000);
      while (!child.lines.some((l) => l.startsWith('committed ') && Number(l.split(' ')[1]) >= target)) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 8)));
      child.proc.kill('SIGKILL');
      const exit = await child.exited;
      expect(exit.signal).toBe('SIGKILL');
      const reported = Math.max(...child.lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.split(' ')[1])));
      killedDuring.push(`${child.lines[child.lines.length - 1]}`);

      // The killed holder's lock is still there, naming a pid that is gone.
      const owner = await readLockOwner(path.join(dir, LOCK_DIR_NAME));
      expect(owner?.pid).toBe(child.proc.pid);

      // A long stale time: the lock is only recoverable at once because its pid is dead.
      const store = await StateStore.open(dir, { lock: true, lockStaleMs: 60_000 });
      try {
        const count = store.counts('CUSTOMER').couplings;
        const context = `seed ${seed}, round ${round}, reported ${reported}, found ${count}`;
        // Every batch whose commit() resolved is there; at most the one in flight besides; never part of one.
        expect({ context, ok: count === reported || count === reported + BATCH }).toEqual({ context, ok: true });
        expect(count % BATCH).toBe(0);
        expect(store.size).toBe(count);
        for (let i = 0; i < count; i++) {
          const c = store.byBcId('CUSTOMER', `bc-${i}`);
          if (c?.dataverseId !== `dv-${i}` || store.byDataverseId('CUSTOMER', `dv-${i}`) !== c) {
            throw new Error(`${context}: coupling ${i} is missing or inconsistent`);
          }
        }
        expect(store.byBcId('CUSTOMER', `bc-${count}`)).toBeUndefined();
        // The watermark moved with each batch, in the same all-or-nothing batches.
        expect(store.watermark('CUSTOMER').bc).toBe(minute(count / BATCH));
        expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
        previous = count;
      } finally {
        await store.close();
      }
    }
    // The schedule must have produced real progress across rounds (and is printed for replay on failure).
    expect({ seed, grew: previous >= KILLS * BATCH }).toEqual({ seed, grew: true });
  }, 120_000);
});
