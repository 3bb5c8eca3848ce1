/**
 * The customer ledger the BC emulator keeps as posting writes it (docs/integration.md §8.4, §12): posting an invoice
 * opens an invoice entry; a payment applied partially, then fully, lowers its remaining amount through
 * "Application" detailed entries; cancelling a posted invoice applies a corrective credit memo. Read through the
 * custom API, with entry numbers that only grow.
 */
import { describe, expect, test } from '@jest/globals';
import { call, custom, makeModule, v2, CUSTOMER_1, ITEM_1 } from './helpers.js';

interface Entry {
  entryNumber: number;
  documentType: string;
  documentNumber: string;
  customerNumber: string;
  amount: number;
  remainingAmount: number;
  open: boolean;
}
interface Detailed {
  entryNumber: number;
  custLedgerEntryNumber: number;
  entryType: string;
  documentType: string;
  documentNumber: string;
  amount: number;
}

describe('customer ledger entries (custom API)', () => {
  test('post, pay 100 then 200 as a person, cancel another: entries and detailed entries in entry-number order', async () => {
    const m = makeModule();
    const order = await call(m, 'POST', v2('salesOrders'), { body: { customerId: CUSTOMER_1, salesOrderLines: [{ itemId: ITEM_1, quantity: 3 }] } });
    await call(m, 'POST', v2(`salesOrders(${order.body.id})/Microsoft.NAV.shipAndInvoice`));
    const invoice = m.data.list('salesInvoices')[0]!;
    const ledger = async (): Promise<Entry[]> => (await call(m, 'GET', custom('customerLedgerEntries'))).body.value as Entry[];
    const detailed = async (query = ''): Promise<Detailed[]> => (await call(m, 'GET', custom(`detailedCustLedgerEntries${query}`))).body.value as Detailed[];
    expect(await ledger()).toEqual([
      expect.objectContaining({ entryNumber: 1, documentType: 'Invoice', documentNumber: invoice.number, customerNumber: '10000', amount: 300, remainingAmount: 300, open: true }),
    ]);
    expect(await detailed()).toEqual([expect.objectContaining({ entryNumber: 1, custLedgerEntryNumber: 1, entryType: 'Initial Entry', amount: 300 })]);

    const journalId = m.data.list('customerPaymentJournals')[0]!.id as string;
    m.data.insert('customerPayments', { journalId, appliesToInvoiceId: invoice.id, amount: 100 });
    m.data.act!('customerPaymentJournals', journalId, 'post');
    expect((await ledger()).find((e) => e.documentType === 'Invoice')).toMatchObject({ remainingAmount: 200, open: true });
    m.data.insert('customerPayments', { journalId, appliesToInvoiceId: invoice.id, amount: 200 });
    m.data.act!('customerPaymentJournals', journalId, 'post');
    const entries = await ledger();
    expect(entries.map((e) => [e.entryNumber, e.documentType, e.amount, e.remainingAmount, e.open])).toEqual([
      [1, 'Invoice', 300, 0, false],
      [2, 'Payment', -100, 0, false],
      [3, 'Payment', -200, 0, false],
    ]);
    // Only what came after a watermark: the second payment's entries and its application to the invoice.
    const after = await detailed('?$filter=entryNumber gt 4');
    expect(after.map((d) => [d.entryNumber, d.custLedgerEntryNumber, d.entryType, d.documentType, d.amount])).toEqual([
      [5, 3, 'Initial Entry', 'Payment', -200],
      [6, 1, 'Application', 'Invoice', -200],
      [7, 3, 'Application', 'Payment', 200],
    ]);
    expect(m.data.get('salesInvoices', invoice.id as string)).toMatchObject({ status: 'Paid', remainingAmount: 0 });

    const draft = await call(m, 'POST', v2('salesInvoices'), { body: { customerId: CUSTOMER_1, salesInvoiceLines: [{ itemId: ITEM_1, quantity: 1 }] } });
    await call(m, 'POST', v2(`salesInvoices(${draft.body.id})/Microsoft.NAV.post`));
    m.data.act!('salesInvoices', draft.body.id as string, 'cancel');
    const cancelled = (await ledger()).filter((e) => e.entryNumber > 3);
    expect(cancelled.map((e) => [e.documentType, e.amount, e.remainingAmount, e.open])).toEqual([
      ['Invoice', 100, 0, false],
      ['Credit Memo', -100, 0, false],
    ]);
    // The page is read-only, as in Business Central.
    expect((await call(m, 'POST', custom('detailedCustLedgerEntries'), { body: { amount: 1 } })).status).toBe(405);
  });
});
