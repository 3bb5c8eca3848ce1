import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { openSession } from '../../src/app/session.js';
import { createDeps } from '../../src/deps.js';
import { BufferIo } from '../../src/io/io.js';
import { EXECUTION_BUDGET_MS, MIN_EXECUTION_MS_PER_CREATE, PACED_PARALLEL } from '../../src/sides/dataverse-side.js';
import { startCli, type CliHarness } from '../commands/sync-cli-helper.js';

/**
 * The session's wiring: a run Dataverse's execution budget will pace narrows its Dataverse side and tells the CLI's
 * memory policy (V8 collects sooner), as a Retry-After pause does (tests/commands/throttled-records.test.ts).
 */
describe('a session over a profile', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli({ seed: 'empty' });
  });
  afterAll(async () => h?.close());

  test('tells the memory policy once a run is found to be one the execution budget will pace, and narrows the side', async () => {
    let paced = 0;
    const io = new BufferIo({ BCSYNC_CLIENT_SECRET: h.emu.credentials.clientSecret }, false);
    const deps = createDeps({ io, memory: { servicePaced: () => paced++ } }, { home: h.home }, new AbortController().signal);
    const session = await openSession(deps, 'test');
    try {
      const side = session.ctx.dataverse;
      side.expectCreates!(Math.floor(EXECUTION_BUDGET_MS / MIN_EXECUTION_MS_PER_CREATE));
      expect(paced).toBe(0);
      expect(side.sendingNow!()).toBeGreaterThan(PACED_PARALLEL);
      side.expectCreates!(1_000_000);
      expect(paced).toBe(1);
      expect(side.sendingNow!()).toBe(PACED_PARALLEL);
    } finally {
      await session.close();
      await deps.close();
    }
  });
});
