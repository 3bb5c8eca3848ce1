import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ApiError } from '../../../src/errors.js';
import { customerFinancialDetails, customerStatistics, itemLedgerEntries, items, salesOrders } from '../../../src/clients/bc/index.js';
import { startServices, type Services } from '../../helpers/services.js';

/**
 * The BC emulator's customer statistics (companion extension `customerStatistics`, docs/custom-api.md) and item
 * ledger (API v2.0 `itemLedgerEntries`, read-only; inventory moves only through entries), read with the real client.
 */
let s: Services;
beforeAll(async () => {
  s = await startServices({ seed: 'demo' });
});
afterAll(async () => {
  await s.close();
});

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p);
  return out;
}

describe('customerStatistics', () => {
  test('one row per customer, with the customer id; balance and sales as customerFinancialDetails; total is the sum', async () => {
    const stats = await all(s.bc.list(customerStatistics));
    const details = new Map((await all(s.bc.list(customerFinancialDetails))).map((d) => [d.id, d]));
    expect(stats).toHaveLength(s.emu.bc.list('customers').length);
    const today = new Date().toISOString().slice(0, 10);
    for (const row of stats) {
      expect(row.balance).toBe(details.get(row.id)!.balance);
      expect(row.totalSales).toBe(details.get(row.id)!.totalSalesExcludingTax);
      expect(row.overdueAmount).toBe(details.get(row.id)!.overdueAmount);
      expect(row.totalAmount).toBeCloseTo(row.balance! + row.outstandingOrders! + row.shippedNotInvoiced! + row.outstandingInvoices!, 2);
      expect(row.overdueAsOfDate).toBe(today);
      expect(row.creditLimit).toBe(s.emu.bc.get('customers', row.id)!.creditLimit);
    }
    // The demo's open orders show as outstanding orders (amount including tax, nothing shipped yet).
    const orders = await all(s.bc.list(salesOrders));
    expect(orders.length).toBeGreaterThan(0);
    const customer = orders[0]!.billToCustomerId;
    const expected = orders.filter((o) => o.billToCustomerId === customer).reduce((sum, o) => sum + o.totalAmountIncludingTax!, 0);
    expect(stats.find((r) => r.id === customer)!.outstandingOrders).toBeCloseTo(expected, 2);
    expect(stats.filter((r) => r.balance !== 0).length).toBeGreaterThan(0);
  });

  test('read-only: POST is refused', async () => {
    const error = await s.bc.create(customerStatistics, { number: 'X' }).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(405);
  });
});

describe('itemLedgerEntries', () => {
  test('a posted adjustment adds an entry and moves the item inventory, not the item timestamp; filterable by lastModifiedDateTime', async () => {
    const item = (await all(s.bc.list(items))).find((i) => i.type === 'Inventory')!;
    const before = new Date(Date.now() - 1).toISOString();
    s.emu.bc.insert('itemLedgerEntries', { itemNumber: item.number, quantity: 4 });
    s.emu.bc.insert('itemLedgerEntries', { itemNumber: item.number, quantity: -1 });
    const entries = await all(s.bc.list(itemLedgerEntries, { filter: `lastModifiedDateTime gt ${before}` }));
    expect(entries.map((e) => [e.itemNumber, e.quantity, e.entryType])).toEqual([
      [item.number, 4, 'Positive Adjmt.'],
      [item.number, -1, 'Negative Adjmt.'],
    ]);
    expect(entries[1]!.entryNumber).toBe(entries[0]!.entryNumber! + 1);
    const after = await s.bc.get(items, item.id);
    expect(after.inventory).toBe(item.inventory! + 3);
    expect(after.lastModifiedDateTime).toBe(item.lastModifiedDateTime);
  });

  test('shipping an order posts Sale entries; the API refuses writes; an unknown item is refused', async () => {
    const order = (await all(s.bc.list(salesOrders)))[0]!;
    const since = new Date(Date.now() - 1).toISOString();
    await s.bc.action(salesOrders, order.id, 'shipAndInvoice');
    const sales = await all(s.bc.list(itemLedgerEntries, { filter: `lastModifiedDateTime gt ${since}` }));
    expect(sales.length).toBeGreaterThan(0);
    for (const e of sales) expect([e.entryType, e.sourceType, e.quantity! < 0]).toEqual(['Sale', 'Customer', true]);
    const refused = await s.bc.create(itemLedgerEntries, { itemNumber: 'X', quantity: 1 }).catch((e: unknown) => e);
    expect((refused as ApiError).status).toBe(405);
    expect(() => s.emu.bc.insert('itemLedgerEntries', { itemNumber: 'NO-SUCH-ITEM', quantity: 1 })).toThrow(/Item does not exist/);
  });
});
