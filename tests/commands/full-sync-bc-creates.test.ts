import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FullSyncMappingResult } from '../../src/commands/full-sync/full-sync.js';
import { startCli, type CliHarness } from './sync-cli-helper.js';

/**
 * Business Central's standard API refuses a chosen `id` on POST (a read-only control): records that exist only
 * in Dataverse are still created in Business Central by a plain full-sync, with the ids BC gives them.
 */
describe('full-sync creates Business Central records through the standard API', () => {
  let h: CliHarness;
  const accounts = ['Fabrikam Outdoor', 'Tailspin Toys', 'Wide World Importers'];
  const vendors = ['Northwind Supplies', 'Proseware Parts'];
  beforeAll(async () => {
    h = await startCli({ seed: 'empty' });
    const owner = h.emu.dataverse.list('systemusers').find((u) => u['islicensed'] === true && u['isintegrationuser'] !== true)!;
    const account = (name: string, type: number) =>
      h.emu.dataverse.insert('accounts', { name, customertypecode: type, address1_city: 'Oslo', _ownerid_value: owner['systemuserid'] });
    const created = accounts.map((n) => account(n, 3));
    for (const n of vendors) account(n, 11);
    h.emu.dataverse.insert('contacts', {
      firstname: 'Ada',
      lastname: 'Lovelace',
      emailaddress1: 'ada@fabrikam.example',
      _parentcustomerid_value: created[0]!['accountid'],
      _ownerid_value: owner['systemuserid'],
    });
  });
  afterAll(async () => h?.close());

  test('salespeople, customers, vendors and contacts are created in BC without an error and coupled to their Dataverse rows', async () => {
    h.emu.resetLog();
    const r = await h.cli(['--json', 'full-sync']);
    const doc = JSON.parse(r.stdout) as { mappings: FullSyncMappingResult[] };
    const failures = doc.mappings.flatMap((m) =>
      Object.entries(m.report?.counts ?? {})
        .filter(([, c]) => c.failed + c.skipped > 0)
        .map(([direction, c]) => `${m.mapping} ${direction}: ${c.failed} failed, ${c.skipped} skipped ${JSON.stringify(m.report!.records.slice(0, 2))}`),
    );
    expect(failures).toEqual([]);
    expect(r.code).toBe(0);
    const inserted = (name: string) => doc.mappings.find((m) => m.mapping === name)!.report!.counts['from-dataverse'].inserted;
    expect([inserted('CUSTOMER'), inserted('VENDOR'), inserted('CONTACT')]).toEqual([accounts.length, vendors.length, 1]);
    expect(inserted('SALESPEOPLE')).toBe(h.emu.bc.count('salespeoplePurchasers'));
    expect(h.emu.bc.list('customers').map((c) => c['displayName']).sort()).toEqual([...accounts].sort());
    expect(h.emu.bc.list('vendors').map((c) => c['displayName']).sort()).toEqual([...vendors].sort());
    expect(h.emu.bc.list('contacts').filter((c) => c['type'] === 'Person').map((c) => c['displayName'])).toEqual(['Ada Lovelace']);
    expect(h.emu.requestLog.filter((e) => e.api === 'bc' && e.status >= 400)).toEqual([]);

    // Coupled: a rerun creates nothing more on either side.
    const again = JSON.parse((await h.cli(['--json', 'full-sync'])).stdout) as { mappings: FullSyncMappingResult[] };
    for (const name of ['CUSTOMER', 'VENDOR', 'CONTACT']) {
      const counts = again.mappings.find((m) => m.mapping === name)!.report!.counts;
      expect([name, counts['from-dataverse'].inserted, counts['to-dataverse'].inserted]).toEqual([name, 0, 0]);
    }
    expect(h.emu.bc.count('customers')).toBe(accounts.length);
    expect(h.emu.dataverse.count('accounts')).toBe(accounts.length + vendors.length);
  });
});
