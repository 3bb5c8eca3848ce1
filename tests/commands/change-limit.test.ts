import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import { setupArgs, startCli, type CliHarness } from './sync-cli-helper.js';

/** The safety valve for cron: --max-changes (and the profile's limit) stops a run before it writes more. */

describe('--max-changes', () => {
  let h: CliHarness;
  let edited: Array<{ table: string; bcId: string; accountId: string }> = [];
  const PHONE = '+1 425 555 0177';

  beforeAll(async () => {
    h = await startCli();
    const full = await h.cli(['full-sync', ...DEMO_MATCH.flatMap((m) => ['--match', m])]);
    expect(full.stderr).not.toContain('error:');
    // A second incremental run settles anything the full run left for it.
    await h.cli(['sync', '--all']);
    // Twenty coupled customers and vendors edited in BC: the next run would write twenty Dataverse accounts.
    const { StateStore } = await import('../../src/state/index.js');
    const state = await StateStore.open(h.stateDir, { lock: false });
    const pairs = ['CUSTOMER', 'VENDOR'].flatMap((m) =>
      [...state.couplings(m)].map((c) => ({ table: m === 'CUSTOMER' ? 'customers' : 'vendors', bcId: c.bcId, accountId: c.dataverseId })),
    );
    await state.close();
    edited = pairs.filter((p) => h.emu.bc.get(p.table, p.bcId) && h.emu.dataverse.get('accounts', p.accountId)).slice(0, 20);
    expect(edited).toHaveLength(20);
    for (const e of edited) h.emu.bc.update(e.table, e.bcId, { phoneNumber: PHONE });
  });
  afterAll(async () => h?.close());

  const arrived = () => edited.filter((e) => h.emu.dataverse.get('accounts', e.accountId)?.telephone1 === PHONE).length;
  const dataverseWrites = () => h.emu.requestLog.filter((e) => e.api === 'dataverse' && (e.method === 'PATCH' || (e.method === 'POST' && !e.path.includes('$batch'))));

  test('sync --all --max-changes 5 on a run that would write 20: nothing written, exit 7, a message naming the flag', async () => {
    h.emu.resetLog();
    const r = await h.cli(['sync', '--all', '--max-changes', '5']);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^error: CUSTOMER: this run would write at least \d+ records, more than --max-changes 5 allows; nothing more was written\. See what would change with "bcsync sync --mapping CUSTOMER --dry-run"/m);
    expect(arrived()).toBe(0);
    expect(dataverseWrites()).toEqual([]);
  });

  test('the profile carries a default (setup --max-changes); a flag overrides it', async () => {
    const saved = await h.cli([...setupArgs(h.emu), '--max-changes', '5']);
    expect(saved.code).toBe(0);
    const stopped = await h.cli(['--json', 'sync', '--all']);
    expect(stopped.code).toBe(7);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ ok: false, error: { type: 'ChangeLimitError', exitCode: 7 } });
    expect(arrived()).toBe(0);
    const allowed = await h.cli(['sync', '--all', '--max-changes', '100']);
    // Not stopped; 4 for the demo seed's documented skipped records, which every run reports.
    expect(allowed.code).toBe(4);
    expect(arrived()).toBe(20);
  });

  test('--max-changes takes whole numbers only', async () => {
    const r = await h.cli(['sync', '--all', '--max-changes', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-changes "lots" is not a whole number; pass 0 or more, e\.g\. --max-changes 500\./);
  });
});
