import { describe, expect, test } from '@jest/globals';
import { call, custom, makeModule, v2, CUSTOMER_1, ITEM_1, ITEM_2 } from './helpers.js';

/**
 * An order's life in Business Central as a person lives it (docs/integration.md §8.1): the custom API's Sales Header
 * view of the v2.0 order (same id), release, a shipment posted on its own, then the invoice of what was shipped;
 * the fully invoiced order is deleted and a posted invoice carries its id and number.
 */
describe('Sales Header view and order posting', () => {
  test('a v2.0 order is a salesHeaders row with the same id: status, codes, addresses and amounts as the table stores them', async () => {
    const clock = { now: Date.parse('2026-11-02T09:00:00.000Z') };
    const m = makeModule({}, clock);
    const created = await call(m, 'POST', v2('salesOrders'), {
      body: { customerId: CUSTOMER_1, requestedDeliveryDate: '2026-11-20', shipToCity: 'Seattle', salesOrderLines: [{ itemId: ITEM_1, quantity: 2 }] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const header = await call(m, 'GET', custom(`salesHeaders(${id})`));
    expect(header.body).toMatchObject({
      id,
      documentType: 'Order',
      number: created.body.number,
      status: 'Open',
      currencyCode: '',
      paymentTermsCode: '14 DAYS',
      shipToCity: 'Seattle',
      billToName: 'Adatum',
      requestedDeliveryDate: '2026-11-20',
      amount: 200,
      amountIncludingVAT: 200,
      completelyShipped: false,
      lastShipmentDate: '0001-01-01',
      lastModifiedDateTime: created.body.lastModifiedDateTime,
    });
    // Release through the custom API: the v2.0 order shows it as "Open" (its entity buffer's word for Released).
    clock.now += 1000;
    expect((await call(m, 'POST', custom(`salesHeaders(${id})/Microsoft.NAV.release`))).status).toBe(204);
    const released = (await call(m, 'GET', custom(`salesHeaders(${id})`))).body;
    expect(released.status).toBe('Released');
    expect((await call(m, 'GET', v2(`salesOrders(${id})`))).body).toMatchObject({ status: 'Open', lastModifiedDateTime: released.lastModifiedDateTime });
    const filtered = await call(m, 'GET', custom(`salesHeaders?$filter=documentType eq 'Order' and status eq 'Released'`));
    expect(filtered.body.value.map((r: { id: string }) => r.id)).toEqual([id]);
  });

  test('a person ships, then invoices: Last Shipment Date, Completely Shipped, a posted invoice, the order deleted', async () => {
    const clock = { now: Date.parse('2026-11-02T09:00:00.000Z') };
    const m = makeModule({}, clock);
    const created = await call(m, 'POST', v2('salesOrders'), { body: { customerId: CUSTOMER_1, salesOrderLines: [{ itemId: ITEM_1, quantity: 2 }, { itemId: ITEM_2, quantity: 1 }] } });
    const id = created.body.id as string;
    m.data.act!('salesHeaders', id, 'release');
    clock.now = Date.parse('2026-11-04T10:00:00.000Z');
    m.data.act!('salesOrders', id, 'ship');
    expect(m.data.get('salesHeaders', id)).toMatchObject({ status: 'Released', lastShipmentDate: '2026-11-04', completelyShipped: true });
    expect(m.data.get('items', ITEM_1)).toMatchObject({ inventory: 48 });
    expect(m.data.list('salesInvoices')).toHaveLength(0);
    expect(() => m.data.act!('salesOrders', id, 'ship')).toThrow(/nothing to post/);
    clock.now = Date.parse('2026-11-05T10:00:00.000Z');
    m.data.act!('salesOrders', id, 'invoice');
    const [invoice] = m.data.list('salesInvoices');
    expect(invoice).toMatchObject({ status: 'Open', orderId: id, orderNumber: created.body.number, totalAmountExcludingTax: 240, invoiceDate: '2026-11-05' });
    expect(m.data.get('salesOrders', id)).toBeUndefined();
    expect(m.data.get('salesHeaders', id)).toBeUndefined();
    // Stock left once, with the shipment.
    expect(m.data.get('items', ITEM_1)).toMatchObject({ inventory: 48 });
  });

  test('shipAndInvoice (the API action) still ships and invoices in one posting', async () => {
    const m = makeModule();
    const created = await call(m, 'POST', v2('salesOrders'), { body: { customerId: CUSTOMER_1, salesOrderLines: [{ itemId: ITEM_1, quantity: 3 }] } });
    const posted = await call(m, 'POST', v2(`salesOrders(${created.body.id})/Microsoft.NAV.shipAndInvoice`));
    expect(posted.status).toBe(204);
    expect(m.data.get('salesOrders', created.body.id)).toBeUndefined();
    expect(m.data.list('salesInvoices')).toEqual([expect.objectContaining({ orderId: created.body.id, totalAmountExcludingTax: 300 })]);
    expect(m.data.get('items', ITEM_1)).toMatchObject({ inventory: 47 });
  });
});
