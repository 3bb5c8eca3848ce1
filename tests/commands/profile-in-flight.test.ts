import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setProfileLimits, skippingClock, startCli, type CliHarness } from './sync-cli-helper.js';

/**
 * The profile's `limits.dataverseParallelRequests` is a bound the service's `x-ms-dop-hint` cannot raise: a user who
 * leaves room for other integrations of the same application user keeps it for the whole run, after the first
 * answer said 52. The Dataverse emulator here processes 2 requests at once and answers 429 beyond them, while its
 * hint says 52; the profile asks for 2.
 */
const N = 4000;

describe("the profile's requests in flight against Dataverse", () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli(
      {
        seed: `scale:${N}`,
        // Each batch takes a while, so four batches sent at once would be in flight together.
        latency: { dataverse: { baseMs: 300, perOperationMs: 0, perRowMs: 0 } },
        limits: { dataverse: { concurrent: 2, dopHint: 52 } },
      },
      { clock: skippingClock() },
    );
    expect((await h.cli(['mappings', 'set', 'CUSTOMER', '--disable-field', 'owner', '--disable-field', 'ownerType'])).code).toBe(0);
    setProfileLimits(h, { dataverseParallelRequests: 2 });
  });
  afterAll(async () => h?.close());

  test('stay within the profile after the hint said 52: four write batches, never more than two at once, none refused', async () => {
    h.emu.resetLog();
    const run = await h.cli(['--json', 'full-sync', '--mapping', 'CUSTOMER']);
    expect(run.code).toBe(0);
    const dataverse = h.emu.requestLog.filter((e) => e.api === 'dataverse');
    const batches = dataverse.filter((e) => e.method === 'POST' && e.path === '$batch');
    expect(batches).toHaveLength(N / 1000);
    // Beyond two at once the emulator would have answered 429.
    expect(dataverse.filter((e) => e.status === 429)).toEqual([]);
    expect(h.emu.dataverse.count('accounts')).toBe(N);
  }, 60_000);
});
