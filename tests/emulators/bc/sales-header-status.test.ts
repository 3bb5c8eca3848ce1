import { describe, expect, test } from '@jest/globals';
import { call, custom, makeModule, v2, CUSTOMER_1, ITEM_1, ITEM_2 } from './helpers.js';

/**
 * The custom salesHeaders page and the v2.0 order page are one Sales Header record: the header row follows the
 * order, release/reopen show on both, a released order's lines are locked, a prepayment due keeps it from being
 * released, and posting archives the order with its lines.
 */
describe('salesHeaders over a v2.0 order', () => {
  test('release validation, status on both pages, lines locked while released, prepayment, archive on posting', async () => {
    const m = makeModule();
    const order = (await call(m, 'POST', v2('salesOrders?$expand=salesOrderLines'), { body: { customerId: CUSTOMER_1, salesOrderLines: [{ itemId: ITEM_1, quantity: 2 }] } })).body;
    const header = await call(m, 'GET', custom(`salesHeaders(${order.id})`));
    expect(header.body).toMatchObject({ documentType: 'Order', number: order.number, status: 'Open', docNoOccurrence: 1, completelyShipped: false, prepaymentPercent: 0 });
    expect(header.body.lastModifiedDateTime).toBe(order.lastModifiedDateTime);

    // An order without lines has nothing to release.
    const empty = (await call(m, 'POST', v2('salesOrders'), { body: { customerId: CUSTOMER_1 } })).body;
    const refused = await call(m, 'POST', custom(`salesHeaders(${empty.id})/Microsoft.NAV.release`));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('There is nothing to release');

    expect((await call(m, 'POST', custom(`salesHeaders(${order.id})/Microsoft.NAV.release`))).status).toBe(204);
    expect((await call(m, 'GET', v2(`salesOrders(${order.id})`))).body.status).toBe('Open');
    const line = order.salesOrderLines[0];
    const locked = await call(m, 'PATCH', v2(`salesOrders(${order.id})/salesOrderLines(${line.id})`), { headers: { 'If-Match': '*' }, body: { quantity: 3 } });
    expect(locked.status).toBe(400);
    expect(locked.body.error.message).toContain("Status must be equal to 'Open'");
    const added = await call(m, 'POST', v2(`salesOrders(${order.id})/salesOrderLines`), { body: { itemId: ITEM_2, quantity: 1 } });
    expect(added.status).toBe(400);

    // Reopen, set a prepayment: releasing now leaves it Pending Prepayment.
    await call(m, 'POST', custom(`salesHeaders(${order.id})/Microsoft.NAV.reopen`));
    expect((await call(m, 'GET', v2(`salesOrders(${order.id})`))).body.status).toBe('Draft');
    expect((await call(m, 'PATCH', v2(`salesOrders(${order.id})/salesOrderLines(${line.id})`), { headers: { 'If-Match': '*' }, body: { quantity: 3 } })).status).toBe(200);
    await call(m, 'PATCH', custom(`salesHeaders(${order.id})`), { headers: { 'If-Match': '*' }, body: { prepaymentPercent: 30 } });
    await call(m, 'POST', custom(`salesHeaders(${order.id})/Microsoft.NAV.release`));
    expect((await call(m, 'GET', custom(`salesHeaders(${order.id})`))).body.status).toBe('Pending Prepayment');
    await call(m, 'POST', custom(`salesHeaders(${order.id})/Microsoft.NAV.reopen`));
    await call(m, 'PATCH', custom(`salesHeaders(${order.id})`), { headers: { 'If-Match': '*' }, body: { prepaymentPercent: 0 } });
    await call(m, 'POST', custom(`salesHeaders(${order.id})/Microsoft.NAV.release`));

    // Posting the whole order archives it (Invoice flag, shipped quantities) and deletes it with its header row.
    expect((await call(m, 'POST', v2(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`))).status).toBe(204);
    expect((await call(m, 'GET', custom(`salesHeaders(${order.id})`))).status).toBe(404);
    const archives = (await call(m, 'GET', custom(`salesHeaderArchives?$filter=number eq '${order.number}'`))).body.value;
    expect(archives).toHaveLength(1);
    expect(archives[0]).toMatchObject({ documentType: 'Order', docNoOccurrence: 1, versionNumber: 1, invoice: true, shipmentDate: '2026-11-02' });
    const lines = (await call(m, 'GET', custom(`salesLineArchives?$filter=documentNumber eq '${order.number}'`))).body.value;
    expect(lines).toEqual([expect.objectContaining({ lineNumber: 10000, lineType: 'Item', quantity: 3, quantityShipped: 3, quantityInvoiced: 3, amount: 300 })]);
  });
});
