/**
 * kill -9 during a full synchronization of every master mapping, then a plain rerun, as a user would: the
 * outcome equals a clean run's (same records by key fields on both sides, same couplings, no duplicate, no
 * open intent, exit code 0). Small here (scale:1500, 5 kill points); bench/crash.js runs 20 points on 20,000.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contents, fullSyncProcess, seededRandom, startWorld, stateSummary } from '../helpers/crash-trials.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const N = 1500;
const KILLS = 5;
const SEED = Number(process.env.BCSYNC_CRASH_SEED ?? 20261206);

describe(`SIGKILL during full-sync of scale:${N} (all master mappings), then a plain full-sync`, () => {
  let clean: { contents: Record<string, string[]>; couplings: Record<string, number>; ms: number };

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    const world = await startWorld({ seed: `scale:${N}` });
    try {
      const r = await fullSyncProcess(world);
      if (r.code !== 0) throw new Error(`the clean full-sync exited ${r.code}: ${r.stderr}`);
      const summary = await stateSummary(world.stateDir);
      clean = { contents: contents(world.emu), couplings: summary.couplings, ms: r.ms };
    } finally {
      await world.close();
    }
  }, 120_000);

  test(`${KILLS} kills at seeded random moments (seed ${SEED}): every rerun ends as the clean run did`, async () => {
    const random = seededRandom(SEED);
    const killedAt: number[] = [];
    for (let trial = 0; trial < KILLS; trial++) {
      // Anywhere from the first request to the last write of a clean run.
      const at = Math.round(200 + random() * Math.max(1, 0.7 * clean.ms - 200));
      const world = await startWorld({ seed: `scale:${N}` });
      try {
        const killed = await fullSyncProcess(world, at);
        if (killed.signal === 'SIGKILL') killedAt.push(at);
        const rerun = await fullSyncProcess(world);
        const where = `trial ${trial} (seed ${SEED}, killed at ${at} ms of ${clean.ms})`;
        expect([where, rerun.code]).toEqual([where, 0]);
        const summary = await stateSummary(world.stateDir);
        expect([where, summary.openIntents, summary.duplicateTargets]).toEqual([where, 0, []]);
        expect([where, summary.couplings]).toEqual([where, clean.couplings]);
        const now = contents(world.emu);
        for (const table of Object.keys(clean.contents)) expect([where, table, now[table]]).toEqual([where, table, clean.contents[table]]);
      } finally {
        await world.close();
      }
    }
    // The kills really landed (a kill after the end of a run is no test).
    expect(killedAt.length).toBeGreaterThanOrEqual(KILLS - 1);
  }, 600_000);
});
