/**
 * The job-queue process QUOTES-PROCESS (src/app/job-queue.ts): with `--auto-process-quotes` in the profile,
 * `sync --all` processes the quotes after the mappings, reports and logs them like a mapping; without it, the
 * quotes are left alone. On the demo sandbox, as cron would run it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MappingReport } from '../../src/engine/report.js';
import { SyncLog } from '../../src/state/sync-log.js';
import { startCli, type CliHarness } from './sync-cli-helper.js';
import { prepareDemo } from './quotes-helpers.js';

describe('sync --all with --auto-process-quotes (demo sandbox)', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
    await prepareDemo(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const quotesReport = async (): Promise<MappingReport | undefined> => {
    const r = await h.cli(['--json', 'sync', '--all']);
    return (JSON.parse(r.stdout) as { mappings: MappingReport[] }).mappings.find((m) => m.mapping === 'QUOTES-PROCESS');
  };

  test('off by default: sync --all leaves the quotes alone', async () => {
    expect(await quotesReport()).toBeUndefined();
    expect(h.emu.bc.list('salesHeaders').filter((x) => x.documentType === 'Quote' && String(x.yourReference).startsWith('QUO-'))).toEqual([]);
  }, 60_000);

  test('on: sync --all processes the quotes after the mappings and logs QUOTES-PROCESS; the next run has nothing to do', async () => {
    expect((await h.cli(['setup', '--yes', '--auto-process-quotes'])).code).toBe(0);
    const first = await quotesReport();
    expect(first).toMatchObject({ mapping: 'QUOTES-PROCESS', directions: ['from-dataverse'] });
    expect(first!.counts['from-dataverse']).toMatchObject({ inserted: 3, failed: 0 });
    expect(h.emu.bc.list('salesHeaders').filter((x) => x.documentType === 'Quote' && String(x.yourReference).startsWith('QUO-'))).toHaveLength(3);
    const logged: string[] = [];
    for await (const entry of new SyncLog(h.stateDir).readRuns()) logged.push(entry.run.mapping);
    expect(logged).toContain('QUOTES-PROCESS');
    const second = await quotesReport();
    expect(second!.counts['from-dataverse']).toMatchObject({ inserted: 0, modified: 0, unchanged: 3, failed: 0 });
    // One read of the quotes, nothing written.
    expect(second!.requests).toEqual({ bc: 0, dataverse: 1 });
  }, 120_000);
});
