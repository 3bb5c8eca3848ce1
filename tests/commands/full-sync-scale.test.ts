import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FullSyncMappingResult } from '../../src/commands/full-sync/full-sync.js';
import { startCli, type CliHarness } from './sync-cli-helper.js';

/** `sandbox --seed scale:N` data synchronizes cleanly with a plain `full-sync` (no flags, no overrides). */
describe('full-sync on the scale seed', () => {
  const N = 120;
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli({ seed: `scale:${N}` });
  });
  afterAll(async () => h?.close());

  test('every mapping runs without a failed or skipped record, and every customer gets its account and owner', async () => {
    const r = await h.cli(['--json', 'full-sync']);
    const doc = JSON.parse(r.stdout) as { ok: boolean; mappings: FullSyncMappingResult[] };
    const bad = doc.mappings.flatMap((m) =>
      Object.entries(m.report?.counts ?? {})
        .filter(([, c]) => c.failed + c.skipped > 0)
        .map(([direction, c]) => `${m.mapping} ${direction}: ${c.failed} failed, ${c.skipped} skipped`),
    );
    expect(bad).toEqual([]);
    expect(doc.mappings.filter((m) => m.status !== 'synchronized' && m.status !== 'no-records').map((m) => `${m.mapping}: ${m.status}`)).toEqual([]);
    expect(r.code).toBe(0);
    const customer = doc.mappings.find((m) => m.mapping === 'CUSTOMER')!;
    expect(customer.report!.counts['to-dataverse'].inserted).toBe(N);
    // Each account is owned by the user its BC salesperson is coupled to (salespeople couple to users by email).
    const users = new Map(h.emu.dataverse.list('systemusers').map((u) => [String(u['systemuserid']), String(u['internalemailaddress'])]));
    const salespeople = new Map(h.emu.bc.list('salespeoplePurchasers').map((s) => [String(s['code']), String(s['eMail'])]));
    const byName = new Map(h.emu.dataverse.list('accounts').map((a) => [String(a['name']), a]));
    for (const c of h.emu.bc.list('customers')) {
      const account = byName.get(String(c['displayName']))!;
      expect(users.get(String(account['_ownerid_value']))).toBe(salespeople.get(String(c['salespersonCode'])));
    }
  });
});
