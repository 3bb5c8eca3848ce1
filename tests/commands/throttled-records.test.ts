import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MappingReport } from '../../src/engine/report.js';
import { setProfileLimits, skippingClock, startCli, type CliHarness } from './sync-cli-helper.js';

/**
 * A write batch Dataverse keeps throttling past the profile's bound on Retry-After waits
 * (`limits.maxThrottleWaitMinutes`): its records fail for this run, the run exits 4, and the next plain `sync`
 * writes them (failed records are retried whatever the watermark says, docs/integration.md §5.6).
 */
const N = 30;

describe('records left unwritten by throttling', () => {
  let h: CliHarness;
  /** Pauses the CLI's memory policy was told of. */
  let paced = 0;
  beforeAll(async () => {
    // Waits pass at once on this clock, which the emulators share.
    h = await startCli({ seed: `scale:${N}` }, { clock: skippingClock(), memory: { servicePaced: () => paced++ } });
    const set = await h.cli(['mappings', 'set', 'CUSTOMER', '--disable-field', 'owner', '--disable-field', 'ownerType']);
    expect(set.code).toBe(0);
    // Wait at most one minute for throttling.
    setProfileLimits(h, { maxThrottleWaitMinutes: 1 });
  });
  afterAll(async () => h?.close());

  test('fail for this run with exit 4 and what to do, and are written by the next sync', async () => {
    h.emu.resetLog();
    // Dataverse requests 2 and 3 are the write batch and its retry (1 is the review's $count): 45 s, then 45 s more,
    // which would pass the minute.
    h.emu.setFaults([{ kind: '429', api: 'dataverse', requestNumbers: [2, 3], retryAfterSeconds: 45 }]);
    const first = await h.cli(['--json', 'full-sync', '--mapping', 'CUSTOMER']);
    const throttledLog = h.emu.requestLog.filter((e) => e.api === 'dataverse' && e.status === 429);
    expect(throttledLog.map((e) => [e.seq, e.method, e.path, e.retryAfterSeconds])).toEqual([
      [2, 'POST', '$batch', 45],
      [3, 'POST', '$batch', 45],
    ]);
    expect(first.code).toBe(4);
    // Each throttled answer began a pause (the one before had been waited out): the wiring told the memory policy.
    expect(paced).toBe(2);
    const report = (JSON.parse(first.stdout) as { mappings: Array<{ report: MappingReport }> }).mappings[0]!.report;
    expect(report.counts['to-dataverse']).toMatchObject({ inserted: 0, failed: N });
    expect(new Set(report.records.map((r) => r.outcome))).toEqual(new Set(['failed']));
    expect(report.records[0]!.error).toMatch(/^Dataverse kept throttling POST \$batch \(30 operations\) through every retry and wait the profile allows .*raise limits\.maxThrottleWaitMinutes/);
    expect(h.emu.dataverse.count('accounts')).toBe(0);

    h.emu.setFaults([]);
    const next = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    expect(next.code).toBe(0);
    expect(paced).toBe(2);
    const again = (JSON.parse(next.stdout) as { mappings: MappingReport[] }).mappings[0]!;
    expect(again.counts['to-dataverse']).toMatchObject({ inserted: N, failed: 0 });
    expect(h.emu.dataverse.count('accounts')).toBe(N);
  }, 60_000);
});
