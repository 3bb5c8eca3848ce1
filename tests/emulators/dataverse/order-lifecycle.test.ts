/**
 * The Dataverse sales order life cycle as Business Central's order integration meets it: Active → Submitted →
 * Fulfilled (only through FulfillSalesOrder) or Invoiced; timeline posts; notes on an order.
 */
import { describe, test, expect } from '@jest/globals';
import { harness, json, idFromEntityId, IDS } from './helpers.js';
import type { Harness } from './helpers.js';

const RETURN = { Prefer: 'return=representation' };

async function submittedOrder(h: Harness): Promise<string> {
  const id = idFromEntityId(
    await h.send('POST', 'salesorders', {
      body: {
        name: 'Order for Contoso',
        'customerid_account@odata.bind': `/accounts(${IDS.contoso})`,
        'pricelevelid@odata.bind': `/pricelevels(${IDS.priceList})`,
        order_details: [{ 'productid@odata.bind': `/products(${IDS.product})`, quantity: 2 }],
      },
    }),
  );
  expect((await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 1, statuscode: 3 } })).status).toBe(204);
  return id;
}

const state = (h: Harness, id: string): [unknown, unknown] => {
  const row = h.module.data.get('salesorders', id)!;
  return [row['statecode'], row['statuscode']];
};

describe('Dataverse sales order life cycle', () => {
  test('Submitted (1/3) refuses every field but its state; back to Active (0) the fields and lines change again', async () => {
    const h = harness();
    const id = await submittedOrder(h);
    expect(state(h, id)).toEqual([1, 3]);
    for (const body of [{ lastbackofficesubmit: '2026-01-15' }, { name: 'x' }, { statecode: 1, statuscode: 3, name: 'x' }]) {
      const res = await h.send('PATCH', `salesorders(${id})`, { body });
      expect(res.status).toBe(400);
      expect(json(res).error.message).toContain('is Submitted and cannot be edited');
    }
    const line = json(await h.send('GET', `salesorders(${id})/order_details?$select=quantity`)).value[0].salesorderdetailid;
    expect((await h.send('PATCH', `salesorderdetails(${line})`, { body: { quantity: 3 } })).status).toBe(400);
    // BC's legacy path: Active, write, Submitted again.
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 0, statuscode: 2 } })).status).toBe(204);
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { lastbackofficesubmit: '2026-01-15' } })).status).toBe(204);
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 1, statuscode: 3 } })).status).toBe(204);
    expect(h.module.data.get('salesorders', id)!['lastbackofficesubmit']).toBe('2026-01-15');
    expect(state(h, id)).toEqual([1, 3]);
  });

  test('Invoiced (4/100003) is set by a PATCH of state and status; Fulfilled (3) is refused on PATCH, naming the message', async () => {
    const h = harness();
    const id = await submittedOrder(h);
    const fulfil = await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 3, statuscode: 100001 } });
    expect(fulfil.status).toBe(400);
    expect(json(fulfil).error.message).toContain('FulfillSalesOrderRequest');
    expect(state(h, id)).toEqual([1, 3]);
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 4, statuscode: 100003 } })).status).toBe(204);
    expect(state(h, id)).toEqual([4, 100003]);
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { name: 'x' } })).status).toBe(400);
  });

  test('FulfillSalesOrder: Status -1 is Complete (100001), an orderclose is recorded Completed; a closed order cannot be fulfilled', async () => {
    const h = harness();
    const id = await submittedOrder(h);
    const before = h.module.data.get('salesorders', id)!['versionnumber'] as number;
    const res = await h.send('POST', 'FulfillSalesOrder', {
      body: { OrderClose: { '@odata.type': 'Microsoft.Dynamics.CRM.orderclose', subject: 'Shipped in BC', 'salesorderid@odata.bind': `/salesorders(${id})` }, Status: -1 },
    });
    expect(res.status).toBe(204);
    expect(state(h, id)).toEqual([3, 100001]);
    expect(h.module.data.get('salesorders', id)!['versionnumber'] as number).toBeGreaterThan(before);
    const closes = h.module.data.list('ordercloses');
    expect(closes.map((c) => [c['subject'], c['_salesorderid_value'], c['statecode'], c['statuscode']])).toEqual([['Shipped in BC', id, 1, 2]]);
    const again = await h.send('POST', 'FulfillSalesOrder', { body: { OrderClose: { 'salesorderid@odata.bind': `/salesorders(${id})` }, Status: 100002 } });
    expect(again.status).toBe(400);
    expect(json(again).error.message).toContain('is Fulfilled and cannot be fulfilled');
    expect(h.module.data.count('ordercloses')).toBe(1);
  });

  test('FulfillSalesOrder refuses a status of another state, a missing OrderClose or an unknown order, and leaves nothing behind', async () => {
    const h = harness();
    const id = await submittedOrder(h);
    const cases: Array<[unknown, number, string]> = [
      [{ OrderClose: { 'salesorderid@odata.bind': `/salesorders(${id})` }, Status: 100003 }, 400, 'not a valid status code'],
      [{ Status: -1 }, 400, 'needs OrderClose'],
      [{ OrderClose: { 'salesorderid@odata.bind': `/salesorders(${id})` } }, 400, 'needs Status'],
      [{ OrderClose: { 'salesorderid@odata.bind': '/salesorders(00000000-0000-0000-0000-00000000dead)' }, Status: -1 }, 404, 'Does Not Exist'],
    ];
    for (const [body, status, message] of cases) {
      const res = await h.send('POST', 'FulfillSalesOrder', { body });
      expect(res.status).toBe(status);
      expect(json(res).error.message).toContain(message);
    }
    expect((await h.send('GET', 'FulfillSalesOrder')).status).toBe(405);
    expect(state(h, id)).toEqual([1, 3]);
    expect(h.module.data.count('ordercloses')).toBe(0);
  });

  test('posts: text, source (default Manual 2), type (default Check-in 1) and the regarding order; create-only, deletable', async () => {
    const h = harness();
    const id = await submittedOrder(h);
    const post = json(await h.send('POST', 'posts', { body: { text: 'The order was released.', 'regardingobjectid_salesorder@odata.bind': `/salesorders(${id})` }, headers: RETURN }));
    expect([post['text'], post['source'], post['type'], post['_regardingobjectid_value'], post['regardingobjecttypecode']]).toEqual([
      'The order was released.',
      2,
      1,
      id,
      'salesorder',
    ]);
    expect(post['_ownerid_value']).toBeUndefined();
    expect((await h.send('PATCH', `posts(${post['postid']})`, { body: { text: 'x' } })).status).toBe(405);
    const missing = await h.send('POST', 'posts', { body: { text: 'No record' } });
    expect(missing.status).toBe(400);
    expect(json(missing).error.message).toContain("'regardingobjectid' is required");
    const tooLong = await h.send('POST', 'posts', { body: { text: 'x'.repeat(2001), 'regardingobjectid_salesorder@odata.bind': `/salesorders(${id})` } });
    expect(tooLong.status).toBe(400);
    expect((await h.send('POST', 'posts', { body: { text: 'Action hub', source: 3, type: 7, 'regardingobjectid_account@odata.bind': `/accounts(${IDS.contoso})` } })).status).toBe(204);
    expect(h.module.data.count('posts')).toBe(2);
    expect((await h.send('DELETE', `posts(${post['postid']})`)).status).toBe(204);
    expect(h.module.data.count('posts')).toBe(1);
  });

  test('notes on an order: text notes have file size 0 and type salesorder; a document has its size; the order takes them when deleted', async () => {
    const h = harness();
    const id = await submittedOrder(h);
    const note = json(
      await h.send('POST', 'annotations', { body: { subject: 'Gate code', notetext: 'Ring twice', 'objectid_salesorder@odata.bind': `/salesorders(${id})` }, headers: RETURN }),
    );
    expect([note['objecttypecode'], note['isdocument'], note['filesize']]).toEqual(['salesorder', false, 0]);
    const doc = json(
      await h.send('POST', 'annotations', {
        body: { subject: 'PO', filename: 'po.txt', documentbody: Buffer.from('hello').toString('base64'), 'objectid_salesorder@odata.bind': `/salesorders(${id})` },
        headers: RETURN,
      }),
    );
    expect([doc['isdocument'], doc['filesize']]).toEqual([true, 5]);
    // A note of a Submitted order can change: annotations are their own records.
    expect((await h.send('PATCH', `annotations(${note['annotationid']})`, { body: { notetext: 'Ring three times' } })).status).toBe(204);
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 0 } })).status).toBe(204);
    expect((await h.send('DELETE', `salesorders(${id})`)).status).toBe(204);
    expect(h.module.data.count('annotations')).toBe(0);
  });
});
