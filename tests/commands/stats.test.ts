/**
 * `bcsync stats` on the demo sandbox, through the real CLI, clients and emulators over HTTP (issue 10, account
 * statistics; docs/integration.md §8.5): first upload creates and links a nav_accountstatistics row per coupled
 * account with BC's figures; a rerun without ledger changes writes nothing; a posted invoice updates only its
 * customer; the account link is no echo for the next CUSTOMER sync; dry runs only read; bad input exits 2.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { BcClient } from '../../src/clients/bc/client.js';
import { salesInvoices } from '../../src/clients/bc/index.js';
import type { MappingReport } from '../../src/engine/report.js';
import type { AccountStatistics } from '../../src/processes/statistics/statistics.js';
import { StateStore } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

const BASE = ['SALESPEOPLE', 'CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT', 'CUSTOMER'];

async function customerCouplings(h: CliHarness): Promise<Array<{ bcId: string; dataverseId: string }>> {
  const state = await StateStore.open(h.stateDir, { lock: false });
  try {
    return [...state.couplings('CUSTOMER')].map((c) => ({ bcId: c.bcId, dataverseId: c.dataverseId }));
  } finally {
    await state.close();
  }
}

describe('bcsync stats (demo sandbox)', () => {
  let h: CliHarness;
  let couplings: Array<{ bcId: string; dataverseId: string }>;
  beforeAll(async () => {
    h = await startCli();
    const args = ['full-sync', '--match', 'CUSTOMER=name'];
    for (const m of BASE) args.push('--mapping', m);
    const r = await h.cli(args);
    expect(r.code).toBe(0);
    couplings = await customerCouplings(h);
  });
  afterAll(async () => h?.close());

  const stats = async (...args: string[]): Promise<AccountStatistics[]> => {
    const r = await h.cli(['--json', 'stats', ...args]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    return (JSON.parse(r.stdout) as { accounts: AccountStatistics[] }).accounts;
  };

  test('bad input: a clear first line and exit 2, nothing read or written', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['stats'], /^error: Missing --customer X or --all/],
      [['stats', '--all', '--customer', '10000'], /^error: --customer and --all cannot be combined/],
      [['stats', '--customer', 'NO-SUCH-CUSTOMER'], /^error: Customer "NO-SUCH-CUSTOMER" does not exist in Business Central/],
    ];
    for (const [args, message] of cases) {
      h.emu.resetLog();
      const r = await h.cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(writesIn(h.emu)).toEqual([]);
    }
  });

  test('--dry-run only reads and plans an insert for every coupled account', async () => {
    h.emu.resetLog();
    const r = await h.cli(['--json', 'stats', '--all', '--dry-run']);
    expect(r.code).toBe(0);
    const planned = JSON.parse(r.stdout) as { dryRun: boolean; accounts: AccountStatistics[] };
    expect(planned.dryRun).toBe(true);
    expect(planned.accounts).toHaveLength(couplings.length);
    expect(new Set(planned.accounts.map((a) => a.result))).toEqual(new Set(['inserted']));
    expect(h.emu.requestLog.filter((e) => e.api !== 'token' && e.method !== 'GET')).toEqual([]);
    expect(h.emu.dataverse.list('nav_accountstatisticses')).toEqual([]);
  });

  test('--all: every coupled account gets a linked statistics row with the BC customer\'s balance and total sales', async () => {
    h.emu.resetLog();
    const accounts = await stats('--all');
    expect(accounts).toHaveLength(couplings.length);
    expect(couplings.length).toBeGreaterThan(5);
    let nonZero = 0;
    for (const c of couplings) {
      const a = accounts.find((x) => x.accountid === c.dataverseId)!;
      expect(a.result).toBe('inserted');
      const account = h.emu.dataverse.get('accounts', c.dataverseId)!;
      expect(account._nav_accountstatisticsid_value).toBe(a.statisticsId);
      const row = h.emu.dataverse.get('nav_accountstatisticses', a.statisticsId!)!;
      const financial = h.emu.bc.get('customerFinancialDetails', c.bcId)!;
      const figures = h.emu.bc.get('customerStatistics', c.bcId)!;
      expect(a.customerNumber).toBe(financial.number);
      expect(row.nav_customerno).toBe(financial.number);
      expect(row.nav_balancelcy).toBe(financial.balance);
      expect(row.nav_totalsaleslcy).toBe(financial.totalSalesExcludingTax);
      expect(row.nav_outstandingorderslcy).toBe(figures.outstandingOrders);
      expect(row.nav_totallcy).toBe(figures.totalAmount);
      expect(row.nav_creditlimitlcy).toBe(figures.creditLimit);
      expect(row.nav_overdueamountsasof).toBe(figures.overdueAsOfDate);
      if (row.nav_balancelcy !== 0 || row.nav_totalsaleslcy !== 0) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(0);
    // Requests: creates in one $batch, figures in one, account links in one.
    expect(writesIn(h.emu).filter((w) => w.endsWith('$batch'))).toHaveLength(3);
  });

  test('a second run with no ledger change writes nothing; the link is no echo for the CUSTOMER mapping', async () => {
    h.emu.resetLog();
    expect(await stats('--all')).toEqual([]);
    expect(writesIn(h.emu)).toEqual([]);
    const r = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    expect(r.code).toBe(0);
    const [report] = (JSON.parse(r.stdout) as { mappings: MappingReport[] }).mappings;
    for (const d of report!.directions) expect(report!.counts[d]).toMatchObject({ inserted: 0, modified: 0, failed: 0, conflicts: 0 });
    expect(writesIn(h.emu)).toEqual([]);
  });

  test('a posted invoice (a ledger change) updates only its customer\'s statistics', async () => {
    const target = couplings.find((c) => h.emu.bc.get('customers', c.bcId)!.blocked === ' ')!;
    const customer = h.emu.bc.get('customers', target.bcId)!;
    const item = h.emu.bc.list('items').find((i) => i.type === 'Inventory' && i.blocked === false)!;
    const draft = h.emu.bc.insert('salesInvoices', {
      customerNumber: customer.number,
      salesInvoiceLines: [{ lineType: 'Item', lineObjectNumber: item.number, quantity: 2, unitPrice: 150 }],
    });
    const tokens = new ClientCredentialsTokenProvider({ tokenUrl: h.emu.tokenUrl, ...h.emu.credentials });
    const bc = new BcClient({ url: h.emu.bc.url, companyId: h.emu.bc.companyId, tokens });
    await bc.action(salesInvoices, String(draft.id), 'post');
    await Promise.all([bc.close(), tokens.close()]);

    h.emu.resetLog();
    const accounts = await stats('--all');
    expect(accounts.map((a) => [a.accountid, a.result])).toEqual([[target.dataverseId, 'modified']]);
    const row = h.emu.dataverse.get('nav_accountstatisticses', accounts[0]!.statisticsId!)!;
    expect(row.nav_balancelcy).toBe(h.emu.bc.get('customerFinancialDetails', target.bcId)!.balance);
    expect(row.nav_totalsaleslcy).toBe(h.emu.bc.get('customerFinancialDetails', target.bcId)!.totalSalesExcludingTax);
    expect(writesIn(h.emu)).toHaveLength(1);

    h.emu.resetLog();
    expect(await stats('--all')).toEqual([]);
    expect(writesIn(h.emu)).toEqual([]);
  });

  test('an account a person changed since CUSTOMER last ran is linked only after the mapping took the change', async () => {
    const c = couplings[2]!;
    // A person unlinks the statistics and renames the account: a change CUSTOMER has not synchronized yet.
    h.emu.dataverse.update('accounts', c.dataverseId, { 'nav_accountstatisticsid@odata.bind': null, name: 'Renamed in Sales' });
    h.emu.resetLog();
    const [deferred] = await stats('--customer', c.bcId);
    expect(deferred).toMatchObject({ accountid: c.dataverseId, result: 'unchanged' });
    expect(deferred!.message).toMatch(/has not synchronized yet/);
    expect(writesIn(h.emu)).toEqual([]);
    expect(h.emu.dataverse.get('accounts', c.dataverseId)!._nav_accountstatisticsid_value).toBeNull();

    const sync = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    expect(sync.code).toBe(0);
    expect(h.emu.bc.get('customers', c.bcId)!.displayName).toBe('Renamed in Sales');
    const [linked] = await stats('--customer', c.bcId);
    expect(linked).toMatchObject({ result: 'modified', statisticsId: deferred!.statisticsId });
    expect(linked!.message).toBeUndefined();
    expect(h.emu.dataverse.get('accounts', c.dataverseId)!._nav_accountstatisticsid_value).toBe(deferred!.statisticsId);
    expect(h.emu.dataverse.get('nav_accountstatisticses', deferred!.statisticsId!)!.nav_name).toBe('Renamed in Sales');
  });

  test('--customer updates one customer by number; a deleted account fails it with exit 4', async () => {
    const [first, second] = couplings;
    const number = String(h.emu.bc.get('customers', first!.bcId)!.number);
    const one = await stats('--customer', number);
    expect(one.map((a) => [a.customerNumber, a.result])).toEqual([[number, 'unchanged']]);

    h.emu.dataverse.remove('accounts', second!.dataverseId);
    const r = await h.cli(['--json', 'stats', '--customer', second!.bcId]);
    expect(r.code).toBe(4);
    const [failed] = (JSON.parse(r.stdout) as { accounts: AccountStatistics[] }).accounts;
    expect(failed).toMatchObject({ accountid: second!.dataverseId, statisticsId: null, result: 'failed' });
    expect(failed!.message).toMatch(/no longer exists in Dataverse/);
  });
});
