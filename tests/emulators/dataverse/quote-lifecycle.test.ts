/**
 * The Dataverse quote life cycle Business Central's quote processing meets: Draft → Active (PATCH), Won and
 * Closed only through WinQuote / CloseQuote, and ReviseQuote closing a quote as Revised and returning a Draft
 * copy with the same number, revision + 1 and the same lines.
 */
import { describe, test, expect } from '@jest/globals';
import { harness, json, idFromEntityId, IDS } from './helpers.js';
import type { Harness } from './helpers.js';

async function activeQuote(h: Harness): Promise<string> {
  const id = idFromEntityId(
    await h.send('POST', 'quotes', {
      body: {
        name: 'Quote for Contoso',
        'customerid_account@odata.bind': `/accounts(${IDS.contoso})`,
        'pricelevelid@odata.bind': `/pricelevels(${IDS.priceList})`,
        effectiveto: '2027-01-31',
        quote_details: [
          { 'productid@odata.bind': `/products(${IDS.product})`, quantity: 2 },
          { isproductoverridden: true, productdescription: 'Installation', quantity: 1, priceperunit: 80 },
        ],
      },
    }),
  );
  expect((await h.send('PATCH', `quotes(${id})`, { body: { statecode: 1, statuscode: 2 } })).status).toBe(204);
  return id;
}

const row = (h: Harness, id: string) => h.module.data.get('quotes', id)!;

describe('Dataverse quote life cycle', () => {
  test('Won and Closed are refused on PATCH, naming the message', async () => {
    const h = harness();
    const id = await activeQuote(h);
    const win = await h.send('PATCH', `quotes(${id})`, { body: { statecode: 2, statuscode: 4 } });
    expect(win.status).toBe(400);
    expect(json(win).error.message).toContain('WinQuoteRequest');
    const close = await h.send('PATCH', `quotes(${id})`, { body: { statecode: 3, statuscode: 5 } });
    expect(json(close).error.message).toContain('CloseQuoteRequest');
    expect([row(h, id)['statecode'], row(h, id)['statuscode']]).toEqual([1, 2]);
  });

  test('WinQuote: Status -1 is Won (4), a quoteclose is recorded Completed; a won quote cannot be won or closed again', async () => {
    const h = harness();
    const id = await activeQuote(h);
    const res = await h.send('POST', 'WinQuote', { body: { QuoteClose: { subject: 'Won', 'quoteid@odata.bind': `/quotes(${id})` }, Status: -1 } });
    expect(res.status).toBe(204);
    expect([row(h, id)['statecode'], row(h, id)['statuscode']]).toEqual([2, 4]);
    expect(h.module.data.list('quotecloses').map((c) => [c['subject'], c['_quoteid_value'], c['statecode']])).toEqual([['Won', id, 1]]);
    const again = await h.send('POST', 'CloseQuote', { body: { QuoteClose: { 'quoteid@odata.bind': `/quotes(${id})` }, Status: 5 } });
    expect(again.status).toBe(400);
    expect(json(again).error.message).toContain('only an Active quote can be closed');
    expect(h.module.data.count('quotecloses')).toBe(1);
  });

  test('CloseQuote takes a Closed status only (Lost 5, Canceled 6, Revised 7)', async () => {
    const h = harness();
    const id = await activeQuote(h);
    const wrong = await h.send('POST', 'CloseQuote', { body: { QuoteClose: { 'quoteid@odata.bind': `/quotes(${id})` }, Status: 4 } });
    expect(wrong.status).toBe(400);
    expect((await h.send('POST', 'CloseQuote', { body: { QuoteClose: { 'quoteid@odata.bind': `/quotes(${id})` }, Status: 6 } })).status).toBe(204);
    expect([row(h, id)['statecode'], row(h, id)['statuscode']]).toEqual([3, 6]);
  });

  test('ReviseQuote: the old revision is Closed/Revised; the new one is a Draft copy with the same number, revision + 1 and its lines', async () => {
    const h = harness();
    const id = await activeQuote(h);
    const res = await h.send('POST', 'ReviseQuote', { body: { QuoteId: id, ColumnSet: { AllColumns: true } } });
    expect(res.status).toBe(200);
    const revised = json(res);
    expect(revised['@odata.context']).toContain('$metadata#quotes/$entity');
    expect(revised).toMatchObject({ quotenumber: row(h, id)['quotenumber'], revisionnumber: 1, statecode: 0, statuscode: 1, name: 'Quote for Contoso', effectiveto: '2027-01-31' });
    expect(revised.quoteid).not.toBe(id);
    expect([row(h, id)['statecode'], row(h, id)['statuscode']]).toEqual([3, 7]);
    const lines = (quote: string) =>
      h.module.data
        .list('quotedetails')
        .filter((l) => l['_quoteid_value'] === quote)
        .map((l) => [l['sequencenumber'], l['productdescription'] ?? null, l['quantity'], l['priceperunit']]);
    expect(lines(revised.quoteid)).toEqual(lines(id));
    expect(row(h, revised.quoteid)['totalamount']).toBe(row(h, id)['totalamount']);
    // The Draft revision is editable; the Revised one is not revised twice.
    expect((await h.send('PATCH', `quotes(${String(revised.quoteid)})`, { body: { name: 'Quote for Contoso, rev. 1' } })).status).toBe(204);
    const twice = await h.send('POST', 'ReviseQuote', { body: { QuoteId: id, ColumnSet: { AllColumns: true } } });
    expect(twice.status).toBe(400);
    expect(json(twice).error.message).toContain('cannot be revised');
  });
});
