import { describe, test, expect } from '@jest/globals';
import { call, makeModule, v2, CUSTOMER_1, CUSTOMER_2, ITEM_1, ITEM_2, type Reply } from './helpers.js';
import type { BcModule } from '../../../src/emulators/bc/index.js';

const t0 = Date.parse('2026-11-02T09:00:00.000Z');

async function createOrder(m: BcModule, customerId: string, lines: unknown[]): Promise<Reply> {
  const r = await call(m, 'POST', v2('salesOrders?$expand=salesOrderLines'), { body: { customerId, salesOrderLines: lines } });
  expect(r.status).toBe(201);
  return r;
}

describe('sales documents (protocols.md §6.2, §7.2)', () => {
  test('deep insert creates the lines in one request; line amounts and header totals are computed', async () => {
    const m = makeModule();
    // Customer 2 is tax liable: 10 % sales tax on taxable lines.
    const r = await createOrder(m, CUSTOMER_2, [
      { lineType: 'Item', lineObjectNumber: '1000', quantity: 3 },
      { itemId: ITEM_2, quantity: 5, unitPrice: 38, discountPercent: 10 },
      { lineType: 'Comment', description: 'Deliver before noon' },
    ]);
    const order = r.body;
    expect(order.number).toBe('101001');
    expect(order.status).toBe('Draft');
    expect(order.customerNumber).toBe('20000');
    expect(order.customerName).toBe('Trey Research');
    expect(order.orderDate).toBe('2026-11-02');
    expect(order.currencyCode).toBe('USD');
    const [l1, l2, l3] = order.salesOrderLines;
    expect(l1).toMatchObject({ sequence: 10000, lineType: 'Item', itemId: ITEM_1, description: 'Office Desk', unitPrice: 100, unitOfMeasureCode: 'PCS' });
    expect(l1).toMatchObject({ amountExcludingTax: 300, taxPercent: 10, totalTaxAmount: 30, amountIncludingTax: 330 });
    // 5 × 38 = 190, 10 % line discount = 19.
    expect(l2).toMatchObject({ sequence: 20000, lineObjectNumber: '1001', discountAmount: 19, amountExcludingTax: 171, totalTaxAmount: 17.1 });
    expect(l3).toMatchObject({ lineType: 'Comment', quantity: 0, amountIncludingTax: 0 });
    expect(order.totalAmountExcludingTax).toBe(471);
    expect(order.totalTaxAmount).toBe(47.1);
    expect(order.totalAmountIncludingTax).toBe(518.1);
    // Without $expand the lines are not in the response.
    const plain = await call(m, 'GET', v2(`salesOrders(${order.id})`));
    expect(plain.body.salesOrderLines).toBeUndefined();
  });

  test('a header invoice discount is spread over the lines', async () => {
    const m = makeModule();
    const r = await call(m, 'POST', v2('salesOrders?$expand=salesOrderLines'), {
      body: {
        customerId: CUSTOMER_1,
        discountAmount: 50,
        salesOrderLines: [
          { itemId: ITEM_1, quantity: 3 },
          { itemId: ITEM_2, quantity: 5 },
        ],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.totalAmountExcludingTax).toBe(450);
    const allocations = r.body.salesOrderLines.map((l: { invoiceDiscountAllocation: number }) => l.invoiceDiscountAllocation);
    expect(allocations[0] + allocations[1]).toBe(50);
    const tooMuch = await call(m, 'PATCH', v2(`salesOrders(${r.body.id})`), { headers: { 'If-Match': '*' }, body: { discountAmount: 1000 } });
    expect(tooMuch.status).toBe(400);
    const deepPatch = await call(m, 'PATCH', v2(`salesOrders(${r.body.id})`), { headers: { 'If-Match': '*' }, body: { salesOrderLines: [] } });
    expect(deepPatch.body.error.message).toMatch(/^Deep update is not supported/);
  });

  test('a line change recomputes and touches its header', async () => {
    const clock = { now: t0 };
    const m = makeModule({}, clock);
    const order = (await createOrder(m, CUSTOMER_1, [{ itemId: ITEM_1, quantity: 1 }])).body;
    const line = order.salesOrderLines[0];
    clock.now += 60_000;
    const patched = await call(m, 'PATCH', v2(`salesOrders(${order.id})/salesOrderLines(${line.id})`), {
      headers: { 'If-Match': line['@odata.etag'] },
      body: { quantity: 4 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.amountExcludingTax).toBe(400);
    const header = await call(m, 'GET', v2(`salesOrders(${order.id})`));
    expect(header.body.totalAmountIncludingTax).toBe(400);
    expect(header.body.lastModifiedDateTime).toBe('2026-11-02T09:01:00.000Z');
    expect(header.body['@odata.etag']).not.toBe(order['@odata.etag']);
    // Lines can be added through the nested URL and listed at company level by documentId.
    const added = await call(m, 'POST', v2(`salesOrders(${order.id})/salesOrderLines`), { body: { lineObjectNumber: '1001', lineType: 'Item', quantity: 1 } });
    expect(added.status).toBe(201);
    expect(added.body.sequence).toBe(20000);
    const listed = await call(m, 'GET', v2(`salesOrderLines?$filter=documentId eq ${order.id}`));
    expect(listed.body.value).toHaveLength(2);
    const unfiltered = await call(m, 'GET', v2('salesOrderLines'));
    expect(unfiltered.status).toBe(400);
    expect(unfiltered.body.error.message).toMatch(/^You must specify a document id to get the lines\./);
  });

  test('a customer is required; number and status are read-only', async () => {
    const m = makeModule();
    const none = await call(m, 'POST', v2('salesOrders'), { body: { externalDocumentNumber: 'PO-1' } });
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('Application_DialogException');
    expect(none.body.error.message).toMatch(/^A "customerNumber" or a "customerId" must be provided\./);
    const number = await call(m, 'POST', v2('salesOrders'), { body: { customerNumber: '10000', number: 'X1' } });
    expect(number.status).toBe(400);
    expect(number.body.error.code).toBe('BadRequest_InvalidOperation');
    const order = await call(m, 'POST', v2('salesOrders'), { body: { customerNumber: '10000' } });
    const status = await call(m, 'PATCH', v2(`salesOrders(${order.body.id})`), { headers: { 'If-Match': '*' }, body: { status: 'Open' } });
    expect(status.status).toBe(400);
    const mismatch = await call(m, 'POST', v2('salesOrders'), { body: { customerNumber: '10000', customerId: CUSTOMER_2 } });
    expect(mismatch.body.error.message).toMatch(/^The sell-to customer values do not match to a specific Customer\./);
  });

  test('quote: send, then makeOrder creates an order with the lines and deletes the quote', async () => {
    const m = makeModule();
    const quote = await call(m, 'POST', v2('salesQuotes'), { body: { customerNumber: '10000', salesQuoteLines: [{ itemId: ITEM_1, quantity: 2 }] } });
    expect(quote.body.number).toBe('1001');
    expect(quote.body.status).toBe('Draft');
    expect(quote.body.dueDate).toBe('2026-11-16');
    const sent = await call(m, 'POST', v2(`salesQuotes(${quote.body.id})/Microsoft.NAV.send`));
    expect(sent.status).toBe(204);
    expect(m.data.get('salesQuotes', quote.body.id)!.status).toBe('Sent');
    const made = await call(m, 'POST', v2(`salesQuotes(${quote.body.id})/Microsoft.NAV.makeOrder`));
    expect(made.status).toBe(204);
    expect(m.data.get('salesQuotes', quote.body.id)).toBeUndefined();
    expect(m.data.count('salesQuoteLines')).toBe(0);
    const orders = await call(m, 'GET', v2('salesOrders?$expand=salesOrderLines'));
    expect(orders.body.value).toHaveLength(1);
    expect(orders.body.value[0]).toMatchObject({ customerNumber: '10000', totalAmountExcludingTax: 200, status: 'Draft' });
    expect(orders.body.value[0].salesOrderLines[0]).toMatchObject({ itemId: ITEM_1, quantity: 2 });
  });

  test('quote makeInvoice creates a draft invoice', async () => {
    const m = makeModule();
    const quote = await call(m, 'POST', v2('salesQuotes'), { body: { customerNumber: '20000', salesQuoteLines: [{ itemId: ITEM_2, quantity: 1 }] } });
    await call(m, 'POST', v2(`salesQuotes(${quote.body.id})/Microsoft.NAV.makeInvoice`));
    const invoices = m.data.list('salesInvoices');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ status: 'Draft', number: '102001', totalAmountIncludingTax: 44 });
  });

  test('order shipAndInvoice posts an Open invoice with the lines, deletes the order and lowers inventory', async () => {
    const m = makeModule();
    const order = (await createOrder(m, CUSTOMER_1, [{ itemId: ITEM_1, quantity: 3 }, { lineType: 'Comment', description: 'Note' }])).body;
    const r = await call(m, 'POST', v2(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`));
    expect(r.status).toBe(204);
    expect(m.data.get('salesOrders', order.id)).toBeUndefined();
    const invoices = await call(m, 'GET', v2('salesInvoices?$expand=salesInvoiceLines'));
    expect(invoices.body.value).toHaveLength(1);
    const invoice = invoices.body.value[0];
    expect(invoice).toMatchObject({
      number: '103001',
      status: 'Open',
      orderId: order.id,
      orderNumber: order.number,
      customerNumber: '10000',
      totalAmountIncludingTax: 300,
      remainingAmount: 300,
      invoiceDate: '2026-11-02',
      dueDate: '2026-11-16',
    });
    expect(invoice.salesInvoiceLines.map((l: { lineType: string }) => l.lineType)).toEqual(['Item', 'Comment']);
    expect(m.data.get('items', ITEM_1)!.inventory).toBe(47);
    // A posted invoice cannot be changed or deleted through the API.
    const patch = await call(m, 'PATCH', v2(`salesInvoices(${invoice.id})`), { headers: { 'If-Match': '*' }, body: { externalDocumentNumber: 'X' } });
    expect(patch.status).toBe(400);
    const del = await call(m, 'DELETE', v2(`salesInvoices(${invoice.id})`), { headers: { 'If-Match': '*' } });
    expect(del.status).toBe(400);
  });

  test('partial invoicing keeps the order with the rest', async () => {
    const m = makeModule();
    const order = (await createOrder(m, CUSTOMER_1, [{ itemId: ITEM_1, quantity: 5 }])).body;
    const line = order.salesOrderLines[0];
    await call(m, 'PATCH', v2(`salesOrders(${order.id})/salesOrderLines(${line.id})`), { headers: { 'If-Match': '*' }, body: { invoiceQuantity: 2, shipQuantity: 2 } });
    await call(m, 'POST', v2(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`));
    const left = m.data.list('salesOrderLines');
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ invoicedQuantity: 2, shippedQuantity: 2, invoiceQuantity: 3 });
    expect(m.data.list('salesInvoices')[0]!.totalAmountExcludingTax).toBe(200);
  });

  test('a partly invoiced order hands the invoice its share of the invoice discount', async () => {
    const m = makeModule();
    const r = await call(m, 'POST', v2('salesOrders?$expand=salesOrderLines'), {
      body: { customerId: CUSTOMER_1, discountAmount: 100, salesOrderLines: [{ itemId: ITEM_1, quantity: 10 }] },
    });
    const line = r.body.salesOrderLines[0];
    expect(line.invoiceDiscountAllocation).toBe(100);
    await call(m, 'PATCH', v2(`salesOrderLines(${line.id})`), { headers: { 'If-Match': '*' }, body: { invoiceQuantity: 4, shipQuantity: 4 } });
    expect((await call(m, 'POST', v2(`salesOrders(${r.body.id})/Microsoft.NAV.shipAndInvoice`))).status).toBe(204);
    const invoice = m.data.list('salesInvoices')[0]!;
    expect(invoice).toMatchObject({ discountAmount: 40, totalAmountExcludingTax: 360, remainingAmount: 360 });
  });

  test('invoice post: Draft becomes Open with a posted number; posting twice is refused; unknown actions are 400', async () => {
    const m = makeModule();
    const inv = await call(m, 'POST', v2('salesInvoices'), { body: { customerNumber: '10000', salesInvoiceLines: [{ itemId: ITEM_2, quantity: 2 }] } });
    expect(inv.body).toMatchObject({ number: '102001', status: 'Draft', totalAmountIncludingTax: 80, remainingAmount: 80 });
    const post = await call(m, 'POST', v2(`salesInvoices(${inv.body.id})/Microsoft.NAV.post`));
    expect(post.status).toBe(204);
    const posted = m.data.get('salesInvoices', inv.body.id)!;
    expect(posted).toMatchObject({ id: inv.body.id, number: '103001', status: 'Open', remainingAmount: 80 });
    const again = await call(m, 'POST', v2(`salesInvoices(${inv.body.id})/Microsoft.NAV.post`));
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/draft invoice only/);
    const unknown = await call(m, 'POST', v2(`salesInvoices(${inv.body.id})/Microsoft.NAV.archive`));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('BadRequest_MethodNotImplemented');
    const empty = await call(m, 'POST', v2('salesInvoices'), { body: { customerNumber: '10000' } });
    const nothing = await call(m, 'POST', v2(`salesInvoices(${empty.body.id})/Microsoft.NAV.post`));
    expect(nothing.body.error.message).toMatch(/^There is nothing to post\./);
  });

  test('customer payment applied to an invoice: partial leaves it Open, the rest makes it Paid; financial details follow', async () => {
    const clock = { now: t0 };
    const m = makeModule({}, clock);
    const order = (await createOrder(m, CUSTOMER_1, [{ itemId: ITEM_1, quantity: 3 }])).body;
    await call(m, 'POST', v2(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`));
    const invoice = m.data.list('salesInvoices')[0]!;
    let details = await call(m, 'GET', v2(`customerFinancialDetails(${CUSTOMER_1})`));
    expect(details.body).toMatchObject({ number: '10000', balance: 300, totalSalesExcludingTax: 300, overdueAmount: 0 });

    const journals = await call(m, 'GET', v2('customerPaymentJournals'));
    const journalId = journals.body.value[0].id as string;
    const p1 = await call(m, 'POST', v2(`customerPaymentJournals(${journalId})/customerPayments`), {
      body: { appliesToInvoiceNumber: invoice.number, amount: -100 },
    });
    expect(p1.status).toBe(201);
    // The customer comes from the invoice it applies to.
    expect(p1.body).toMatchObject({ customerId: CUSTOMER_1, customerNumber: '10000', appliesToInvoiceId: invoice.id, lineNumber: 10000 });
    expect((await call(m, 'POST', v2(`journals(${journalId})/Microsoft.NAV.post`))).status).toBe(204);
    expect(m.data.get('salesInvoices', invoice.id as string)).toMatchObject({ status: 'Open', remainingAmount: 200 });
    expect(m.data.count('customerPayments')).toBe(0);

    await call(m, 'POST', v2('customerPayments'), { body: { journalId, customerNumber: '10000', appliesToInvoiceId: invoice.id, amount: 200 } });
    await call(m, 'POST', v2(`journals(${journalId})/Microsoft.NAV.post`));
    const paid = await call(m, 'GET', v2(`salesInvoices(${invoice.id})`));
    expect(paid.body).toMatchObject({ status: 'Paid', remainingAmount: 0 });
    details = await call(m, 'GET', v2(`customers(${CUSTOMER_1})/customerFinancialDetail`));
    expect(details.body).toMatchObject({ balance: 0, totalSalesExcludingTax: 300 });
    const customer = await call(m, 'GET', v2(`customers(${CUSTOMER_1})?$select=balanceDue`));
    expect(customer.body.balanceDue).toBe(0);
  });

  test('an Open invoice past its due date counts as overdue', async () => {
    const clock = { now: t0 };
    const m = makeModule({}, clock);
    const order = (await createOrder(m, CUSTOMER_1, [{ itemId: ITEM_2, quantity: 1 }])).body;
    await call(m, 'POST', v2(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`));
    clock.now = Date.parse('2026-11-17T08:00:00.000Z');
    const details = await call(m, 'GET', v2(`customerFinancialDetails?$filter=number eq '10000'`));
    expect(details.body.value[0]).toMatchObject({ balance: 40, overdueAmount: 40 });
    const write = await call(m, 'PATCH', v2(`customerFinancialDetails(${CUSTOMER_1})`), { headers: { 'If-Match': '*' }, body: { balance: 0 } });
    expect(write.status).toBe(405);
    expect(() => m.data.insert('customerFinancialDetails', { balance: 1 })).toThrow(/not allowed/);
  });

  test('cancel: an unpaid posted invoice becomes Canceled; a paid one cannot be canceled', async () => {
    const m = makeModule();
    const inv = await call(m, 'POST', v2('salesInvoices'), { body: { customerNumber: '10000', salesInvoiceLines: [{ itemId: ITEM_2, quantity: 1 }] } });
    const draftCancel = await call(m, 'POST', v2(`salesInvoices(${inv.body.id})/Microsoft.NAV.cancel`));
    expect(draftCancel.status).toBe(400);
    await call(m, 'POST', v2(`salesInvoices(${inv.body.id})/Microsoft.NAV.post`));
    expect((await call(m, 'POST', v2(`salesInvoices(${inv.body.id})/Microsoft.NAV.cancel`))).status).toBe(204);
    expect(m.data.get('salesInvoices', inv.body.id)).toMatchObject({ status: 'Canceled', remainingAmount: 0 });

    const paid = await call(m, 'POST', v2('salesInvoices'), { body: { customerNumber: '10000', salesInvoiceLines: [{ itemId: ITEM_2, quantity: 1 }] } });
    await call(m, 'POST', v2(`salesInvoices(${paid.body.id})/Microsoft.NAV.post`));
    const journalId = m.data.list('customerPaymentJournals')[0]!.id as string;
    await call(m, 'POST', v2('customerPayments'), { body: { journalId, appliesToInvoiceId: paid.body.id, amount: 40 } });
    await call(m, 'POST', v2(`journals(${journalId})/Microsoft.NAV.post`));
    expect(m.data.get('salesInvoices', paid.body.id)!.status).toBe('Paid');
    const refused = await call(m, 'POST', v2(`salesInvoices(${paid.body.id})/Microsoft.NAV.cancel`));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/fully or partially paid/);
  });
});
