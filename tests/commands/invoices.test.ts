/**
 * Posted invoices and their payment status on the demo sandbox, through the real CLI, clients and emulators over
 * HTTP (issue 10; docs/integration.md §8.4): `invoices create --all` after posting makes every posted invoice a
 * Dataverse invoice with BC's totals, Billed (or Paid/Complete, Canceled as the ledger says), linked to the
 * Sales order its Your Reference names, on the default or currency price list, with write-in lines; a dry run
 * only reads; a second run writes nothing. Paying one invoice partly and one in full in Business Central, then
 * `sync --all`, gives Paid/Partial and Paid/Complete; `invoices sync` afterwards writes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import type { MappingReport } from '../../src/engine/report.js';
import { StateStore } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

type Row = Record<string, unknown>;

/** Posted invoices of the demo seed (fixtures/README.md) and what each shows. */
const POSTED = ['103001', '103002', '103003', '103004', '103005', '103006'];

describe('bcsync invoices (demo sandbox)', () => {
  let h: CliHarness;
  const bcInvoice = (number: string): Row => h.emu.bc.list('salesInvoices').find((i) => i.number === number)!;
  const dvInvoice = (number: string): Row | undefined => h.emu.dataverse.list('invoices').find((i) => i.invoicenumber === number);
  const dvLines = (invoice: Row): Row[] =>
    h.emu.dataverse
      .list('invoicedetails')
      .filter((l) => l._invoiceid_value === invoice.invoiceid)
      .sort((a, b) => Number(a.lineitemnumber) - Number(b.lineitemnumber));
  const json = async (args: string[]): Promise<{ code: number; reports: MappingReport[]; stderr: string }> => {
    const r = await h.cli(['--json', ...args]);
    return { code: r.code, reports: (JSON.parse(r.stdout || '{"mappings":[]}') as { mappings: MappingReport[] }).mappings, stderr: r.stderr };
  };
  const pay = (number: string, amount: number): void => {
    const journalId = String(h.emu.bc.list('customerPaymentJournals')[0]!.id);
    h.emu.bc.insert('customerPayments', { journalId, appliesToInvoiceId: bcInvoice(number).id, amount });
    h.emu.bc.act!('customerPaymentJournals', journalId, 'post');
  };

  beforeAll(async () => {
    h = await startCli();
    expect((await h.cli(['setup', '--yes', '--order-sync', 'legacy'])).code).toBe(0);
    const args = ['full-sync', '--yes'];
    for (const m of DEMO_MATCH) args.push('--match', m);
    await h.cli(args);
    // Sales & Receivables Setup: item 9000 is the write-in product (never a product of its own in Sales).
    const setup = h.emu.bc.list('salesSetup')[0]!;
    h.emu.bc.update('salesSetup', String(setup.id), { writeInProductType: 'Item', writeInProductNumber: '9000' });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  test('invoices sync before any invoice is coupled: nothing to do, not a single request', async () => {
    h.emu.resetLog();
    const r = await json(['invoices', 'sync']);
    expect(r.code).toBe(0);
    expect(r.reports.map((x) => [x.mapping, x.requests])).toEqual([
      ['POSTED-INVOICES', { bc: 0, dataverse: 0 }],
      ['INVOICE-PAYMENTS', { bc: 0, dataverse: 0 }],
    ]);
  });

  test('an invoice whose customer is not coupled is refused with the reason (exit 4); nothing is written for it', async () => {
    // Two accounts are named Litware, so the full sync left customer 120000 uncoupled; a person posts an invoice to it.
    const litware = h.emu.bc.list('customers').find((c) => c.number === '120000')!;
    const lamp = h.emu.bc.list('items').find((i) => i.number === '1012')!;
    const posted = h.emu.bc.insert('salesInvoices', { customerId: litware.id, status: 'Open', salesInvoiceLines: [{ itemId: lamp.id, quantity: 2 }] });
    h.emu.resetLog();
    const r = await h.cli(['invoices', 'create', String(posted.number)]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`invoice ${String(posted.number)}: customer 120000 Litware, Inc. is not coupled to an account; couple it`);
    expect(writesIn(h.emu)).toEqual([]);
    // Withdrawn (a person deletes it), so the demo's posted invoices are the ones below.
    h.emu.bc.remove('salesInvoices', String(posted.id));
  });

  test('an invoice that is not posted (or does not exist) is bad input: exit 2, what to give instead', async () => {
    for (const number of ['102001', '999999']) {
      const r = await h.cli(['invoices', 'create', number]);
      expect([number, r.code]).toEqual([number, 2]);
      expect(r.stderr).toContain(`No posted sales invoice "${number}" in Business Central; give the number (e.g. 103001) or id of a posted invoice, or --all.`);
    }
  });

  test('--dry-run reads only and plans every posted invoice', async () => {
    h.emu.resetLog();
    const r = await json(['invoices', 'create', '--all', '--dry-run']);
    expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
    expect(writesIn(h.emu)).toEqual([]);
    expect(r.reports[0]!.counts['to-dataverse'].inserted).toBe(POSTED.length);
    expect(h.emu.dataverse.count('invoices')).toBe(0);
    // One read of the invoices, one of their lines, the ledger-free references: all GETs, counted.
    const reads = h.emu.requestLog.filter((e) => e.api !== 'token').map((e) => `${e.api} ${e.method} ${e.path.replace(/^.*\//, '')}`);
    // The posted invoices, their lines, and once each what they refer to: orders named by Your Reference, items
    // (blocked?), shipment methods, price lists, currencies, the write-in product; salespeople and currencies for
    // the owner and currency lookups.
    expect(reads).toEqual([
      'bc GET salesInvoices',
      'bc GET salesInvoiceLines',
      'dataverse GET salesorders',
      'bc GET items',
      'bc GET shipmentMethods',
      'dataverse GET pricelevels',
      'dataverse GET transactioncurrencies',
      'bc GET salesSetup',
      'bc GET salespeoplePurchasers',
      'bc GET currencies',
    ]);
  });

  test('create --all: every posted invoice once, with BC totals, lines and status; linked, currency and write-in paths', async () => {
    h.emu.resetLog();
    const r = await json(['invoices', 'create', '--all']);
    expect([r.code, r.reports[0]!.records]).toEqual([0, []]);
    expect(r.reports[0]!.counts['to-dataverse'].inserted).toBe(POSTED.length);
    for (const number of POSTED) {
      const bc = bcInvoice(number);
      const dv = dvInvoice(number)!;
      expect([number, dv.totalamount, dv.totalamountlessfreight]).toEqual([number, bc.totalAmountIncludingTax, Number(bc.totalAmountIncludingTax) - Number(bc.totalTaxAmount)]);
      expect([number, dvLines(dv).length]).toEqual([number, h.emu.bc.list('salesInvoiceLines').filter((l) => l.documentId === bc.id).length]);
    }
    const state = (n: string): [unknown, unknown] => [dvInvoice(n)!.statecode, dvInvoice(n)!.statuscode];
    expect(state('103002')).toEqual([0, 4]); // Billed
    expect(state('103001')).toEqual([2, 100001]); // paid before it was created: Paid/Complete
    expect(state('103006')).toEqual([3, 100003]); // cancelled in BC
    // Linked to the Sales order its Your Reference names: name, order, price list, customer, owner from the order.
    const order = h.emu.dataverse.list('salesorders').find((o) => o.ordernumber === 'ORD-01001-K7M2Q8')!;
    expect(dvInvoice('103003')).toMatchObject({
      name: order.name,
      _salesorderid_value: order.salesorderid,
      _pricelevelid_value: order._pricelevelid_value,
      _opportunityid_value: order._opportunityid_value,
      _customerid_value: order._customerid_value,
      _ownerid_value: order._ownerid_value,
      totaldiscountamount: 100,
      totaltax: 0,
    });
    // Not linked: named by number, on the default price list; a write-in line for the write-in product; sales tax.
    const fourth = dvInvoice('103004')!;
    const lists = new Map(h.emu.dataverse.list('pricelevels').map((p) => [p.pricelevelid, p.name]));
    expect(fourth).toMatchObject({ name: '103004', totaltax: 81, totalamount: 891 });
    expect(lists.get(fourth._pricelevelid_value)).toBe('Business Central Default Price List');
    const [lamp, engraving] = dvLines(fourth);
    expect(lamp).toMatchObject({ lineitemnumber: 10000, quantity: 10, priceperunit: 69, tax: 69, baseamount: 690, extendedamount: 759, isproductoverridden: false });
    expect(engraving).toMatchObject({ isproductoverridden: true, productdescription: '9000 Custom brass engraving.', tax: 12, baseamount: 120, extendedamount: 132 });
    // Foreign currency: "Price List in EUR", the invoice in EUR.
    const eur = dvInvoice('103005')!;
    expect(lists.get(eur._pricelevelid_value)).toBe('Price List in EUR');
    const euro = h.emu.dataverse.list('transactioncurrencies').find((c) => c.isocurrencycode === 'EUR')!;
    expect(eur._transactioncurrencyid_value).toBe(euro.transactioncurrencyid);
    // Coupled, header and lines.
    const s = await StateStore.open(h.stateDir, { lock: false });
    try {
      expect([...s.couplings('POSTEDSALESINV-INV')].length).toBe(POSTED.length);
      expect([...s.couplings('POSTEDSALESLINE-INV')].length).toBe(h.emu.dataverse.count('invoicedetails'));
    } finally {
      await s.close();
    }
  });

  test('a second run writes nothing', async () => {
    h.emu.resetLog();
    const r = await json(['invoices', 'create', '--all']);
    expect(r.code).toBe(0);
    expect(writesIn(h.emu)).toEqual([]);
    // Reads only: the posted invoices and lines, the coupled Dataverse invoices and lines, salespeople for the owner.
    expect(h.emu.requestLog.filter((e) => e.api !== 'token').map((e) => `${e.api} ${e.method} ${e.path.replace(/^.*\//, '')}`)).toEqual([
      'bc GET salesInvoices',
      'bc GET salesInvoiceLines',
      'dataverse GET invoices',
      'dataverse GET invoicedetails',
      'bc GET salespeoplePurchasers',
    ]);
    // Four Active invoices compared; the paid and the cancelled one are no longer Active and left alone.
    expect(r.reports[0]!.counts['to-dataverse']).toMatchObject({ inserted: 0, modified: 0, unchanged: 6 });
  });

  test('pay one invoice partly and one in full in BC; sync --all: Paid/Partial and Paid/Complete; then nothing to write', async () => {
    pay('103002', 1000);
    pay('103004', 891);
    const r = await json(['sync', '--all']);
    const payments = r.reports.find((x) => x.mapping === 'INVOICE-PAYMENTS')!;
    expect(payments.counts['to-dataverse']).toMatchObject({ modified: 2, failed: 0 });
    expect([dvInvoice('103002')!.statecode, dvInvoice('103002')!.statuscode]).toEqual([2, 100002]);
    expect([dvInvoice('103004')!.statecode, dvInvoice('103004')!.statuscode]).toEqual([2, 100001]);
    h.emu.resetLog();
    const again = await json(['invoices', 'sync']);
    expect(again.code).toBe(0);
    expect(writesIn(h.emu)).toEqual([]);
    h.emu.resetLog();
    const all = await json(['sync', '--all']);
    // Nothing changed in BC since the last run: POSTED-INVOICES reads the coupled invoices (one request) and stops
    // there; INVOICE-PAYMENTS reads the ledger after its watermark (one request).
    expect(all.reports.filter((x) => ['POSTED-INVOICES', 'INVOICE-PAYMENTS'].includes(x.mapping)).map((x) => [x.mapping, x.requests])).toEqual([
      ['POSTED-INVOICES', { bc: 1, dataverse: 0 }],
      ['INVOICE-PAYMENTS', { bc: 1, dataverse: 0 }],
    ]);
    expect(writesIn(h.emu)).toEqual([]);
    // One read of the detailed ledger after the watermark: nothing new. (CUSTOMER-STATISTICS reads the customer
    // ledger entries changed since its own stored time, once.)
    expect(h.emu.requestLog.filter((e) => e.path.endsWith('detailedCustLedgerEntries'))).toHaveLength(1);
    expect(h.emu.requestLog.filter((e) => e.path.endsWith('/customerLedgerEntries'))).toHaveLength(1);
  });

  test('a posted invoice whose item was blocked since: refused with the item named, exit 4; the others untouched', async () => {
    const relecloud = h.emu.bc.list('customers').find((c) => c.number === '50000')!;
    const desk = h.emu.bc.list('items').find((i) => i.number === '1003')!;
    const posted = h.emu.bc.insert('salesInvoices', { customerId: relecloud.id, status: 'Open', salesInvoiceLines: [{ itemId: desk.id, quantity: 1 }] });
    h.emu.bc.update('items', String(desk.id), { blocked: true });
    h.emu.resetLog();
    const r = await h.cli(['invoices', 'create', String(posted.number)]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`invoice ${String(posted.number)} has lines of blocked item 1003 ATLAS Round Table; unblock them in Business Central`);
    expect(writesIn(h.emu)).toEqual([]);
    h.emu.bc.update('items', String(desk.id), { blocked: false });
    expect((await h.cli(['invoices', 'create', String(posted.number)])).code).toBe(0);
    expect(dvInvoice(String(posted.number))).toMatchObject({ statecode: 0, statuscode: 4, totalamount: posted.totalAmountIncludingTax });
  });

  test('the rest paid: Paid/Partial becomes Paid/Complete (set back to Active first)', async () => {
    pay('103002', 2447);
    h.emu.resetLog();
    const r = await json(['invoices', 'sync']);
    expect(r.code).toBe(0);
    expect([dvInvoice('103002')!.statecode, dvInvoice('103002')!.statuscode]).toEqual([2, 100001]);
    // Paid → Active/Billed, then Paid/Complete: two writes of that invoice.
    expect(writesIn(h.emu)).toHaveLength(2);
  });

  test('stats --all sets the payment status too (BC\'s statistics job does both), besides the account statistics', async () => {
    const open = POSTED.map(bcInvoice).find((i) => i.status === 'Open' && dvInvoice(String(i.number)) && Number(i.remainingAmount) > 1)!;
    const number = String(open.number);
    pay(number, 1);
    const r = await h.cli(['--json', 'stats', '--all']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout) as { accounts: Array<{ customerNumber: string; result: string }>; invoicePayments: { modified: number; failed: number } };
    expect(out.invoicePayments).toMatchObject({ modified: 1, failed: 0 });
    expect([dvInvoice(number)!.statecode, dvInvoice(number)!.statuscode]).toEqual([2, 100002]);
    // The payment moved the customer's ledger: its statistics are updated in the same run.
    expect(out.accounts.map((a) => a.customerNumber)).toContain(String(open.customerNumber));
    h.emu.resetLog();
    const again = await h.cli(['--json', 'stats', '--all']);
    expect((JSON.parse(again.stdout) as { invoicePayments: { modified: number } }).invoicePayments.modified).toBe(0);
    expect(writesIn(h.emu)).toEqual([]);
  });
});
