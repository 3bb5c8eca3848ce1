/**
 * The emulators' answers, byte for byte, on the requests a full sync and the bench's peer send (and their error
 * cases): the $batch of upserts with a returned representation, updates with ETags, the peer's change sets of
 * creates, GETs in a batch, the paged and annotated reads after them, the rows as stored, and Business Central's
 * customer pages. The expected answers in fixtures/golden-responses.json were recorded before the emulators'
 * CPU work (batch codec, payloads, ids, dates, row storage), so that work changes no byte of what a client sees.
 * Re-record only for an intended change of behaviour: BCSYNC_RECORD_GOLDEN=1 npx jest tests/emulators/golden-responses.
 */
import { describe, test, expect } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { harness, batchBody, IDS } from './dataverse/helpers.js';
import type { BatchOp, Harness } from './dataverse/helpers.js';
import { makeModule, call, v2, pathOfLink } from './bc/helpers.js';
import type { EmuResponse } from '../../src/emulators/core/http-types.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/golden-responses.json', import.meta.url));
const RECORD = process.env['BCSYNC_RECORD_GOLDEN'] === '1';

/** A response as the listener would send it: status, headers in order, the body as text. */
function wire(res: EmuResponse | { status: number; headers: Record<string, string>; body: unknown }): { status: number; headers: Array<[string, string]>; body: string } {
  const body = res.body === undefined ? '' : typeof res.body === 'string' ? res.body : Buffer.isBuffer(res.body) ? res.body.toString('utf8') : JSON.stringify(res.body);
  return { status: res.status, headers: Object.entries(res.headers ?? {}), body };
}

const SELECT = '$select=accountid,modifiedon,_modifiedby_value';
const RETURN = { Prefer: 'return=representation', 'Content-Type': 'application/json' };

/** The id of the n-th account our "client" creates (deterministic, not from the emulator's generator). */
const idOf = (n: number): string => `a0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** What bcsync's full sync sends per customer (nulls included, currency and company bound). */
function upsertBody(n: number): Record<string, unknown> {
  return {
    customertypecode: 3,
    name: `Blue Ridge Traders ${String(n).padStart(7, '0')}`,
    address1_line1: `${n} Market Square`,
    address1_line2: n % 3 === 0 ? `Suite ${n}` : null,
    address1_postalcode: '60601',
    address1_city: 'Chicago',
    address1_country: 'US',
    address1_stateorprovince: 'IL',
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${n % 4 === 0 ? IDS.eur : IDS.usd})`,
    emailaddress1: `orders${n}@customer.example`,
    websiteurl: n % 5 === 0 ? `https://c${n}.example` : null,
    telephone1: `+1 312 555 ${String(n).padStart(4, '0')}`,
    address1_freighttermscode: null,
    paymenttermscode: null,
    creditlimit: n % 2 === 0 ? 2500 + n : 1234.5678,
    'bcbi_companyid@odata.bind': `/cdm_companies(${IDS.company})`,
  };
}

/** What the peer (dynamics-web-api executeBatch) sends per customer. */
function peerBody(n: number): Record<string, unknown> {
  return {
    name: `Summit Clinic ${n}`,
    accountnumber: `C${String(n).padStart(7, '0')}`,
    address1_line1: `${n} Oak Avenue`,
    address1_line2: '',
    address1_city: 'Dallas',
    address1_stateorprovince: 'TX',
    address1_country: 'US',
    address1_postalcode: '75201',
    telephone1: `+1 214 555 ${n}`,
    emailaddress1: `orders${n}@customer.example`,
    websiteurl: '',
  };
}

async function batch(h: Harness, items: Parameters<typeof batchBody>[0], prefer?: string, boundary = 'batch_golden'): Promise<EmuResponse> {
  const headers: Record<string, string> = { 'Content-Type': `multipart/mixed; boundary="${boundary}"` };
  if (prefer) headers['Prefer'] = prefer;
  return h.send('POST', '$batch', { body: batchBody(items, boundary), headers });
}

/** Every answer of the Dataverse sequence, the clock moving between requests as a real run's does. */
async function dataverseAnswers(): Promise<Record<string, unknown>> {
  const h = harness();
  const out: Record<string, unknown> = {};
  const step = async (name: string, res: EmuResponse | Promise<EmuResponse>): Promise<void> => {
    out[name] = wire(await res);
    h.clock.ms += 1_377;
  };

  // bcsync's full sync: upserts to chosen ids, the written columns returned; failures in the middle continue.
  const upserts: BatchOp[] = [];
  for (let n = 1; n <= 40; n++) upserts.push({ method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(n)})?${SELECT}`, body: upsertBody(n), headers: RETURN });
  upserts.splice(10, 0, { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(900)})?${SELECT}`, body: { ...upsertBody(900), nosuchcolumn: 1 }, headers: RETURN });
  upserts.splice(20, 0, { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(901)})?${SELECT}`, body: { ...upsertBody(901), name: 'x'.repeat(161) }, headers: RETURN });
  upserts.splice(25, 0, {
    method: 'PATCH',
    url: `/api/data/v9.2/accounts(${idOf(902)})?${SELECT}`,
    body: { ...upsertBody(902), 'bcbi_companyid@odata.bind': `/cdm_companies(${idOf(999)})` },
    headers: RETURN,
  });
  upserts.splice(30, 0, { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(903)})?${SELECT}`, body: { ...upsertBody(903), customertypecode: 99 }, headers: RETURN });
  upserts.push({ method: 'PATCH', url: `accounts(${idOf(41)})?${SELECT}&$expand=primarycontactid`, body: upsertBody(41), headers: RETURN });
  upserts.push({ method: 'PATCH', url: `accounts(${idOf(42)})`, body: upsertBody(42) });
  await step('client upserts (continue on error)', batch(h, upserts, 'odata.continue-on-error'));

  // The same without continue-on-error stops at the first failure.
  await step(
    'client upserts stopped at the first failure',
    batch(h, [
      { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(50)})?${SELECT}`, body: upsertBody(50), headers: RETURN },
      { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(51)})?${SELECT}`, body: { ...upsertBody(51), creditlimit: 'lots' }, headers: RETURN },
      { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(52)})?${SELECT}`, body: upsertBody(52), headers: RETURN },
    ]),
  );

  // Updates with ETags: a match, a stale one, a wildcard, a missing row.
  await step(
    'client updates with ETags',
    batch(
      h,
      [
        { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(1)})?${SELECT}`, body: { name: 'Renamed 1', address1_line2: null }, headers: { ...RETURN, 'If-Match': '*' } },
        { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(2)})?${SELECT}`, body: { telephone1: '000' }, headers: { ...RETURN, 'If-Match': 'W/"1"' } },
        { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(3)})?${SELECT}`, body: { creditlimit: null, websiteurl: 'https://x.example' }, headers: { ...RETURN, 'If-Match': '*' } },
        { method: 'PATCH', url: `/api/data/v9.2/accounts(${idOf(777)})?${SELECT}`, body: { name: 'nobody' }, headers: { ...RETURN, 'If-Match': '*' } },
        { method: 'DELETE', url: `/api/data/v9.2/accounts(${idOf(4)})` },
      ],
      'odata.continue-on-error',
    ),
  );

  // The peer: change sets of POSTs with absolute URLs and Content-IDs, no returned representation.
  const peer: BatchOp[] = [];
  for (let n = 1; n <= 30; n++) peer.push({ method: 'POST', url: 'http://127.0.0.1:5555/api/data/v9.2/accounts', body: peerBody(n), contentId: String(100000 + n) });
  await step('peer change set of creates', batch(h, [{ changeset: peer }], undefined, 'dwa_batch_1'));

  // Content-ID references, and a change set that fails half-way (rolled back), then one after it.
  await step(
    'change sets with references and a rollback',
    batch(
      h,
      [
        {
          changeset: [
            { method: 'POST', url: 'accounts', body: { name: 'Parent' }, contentId: '1' },
            { method: 'POST', url: 'contacts', body: { lastname: 'Child', 'parentcustomerid_account@odata.bind': '$1' }, contentId: '2' },
            { method: 'PATCH', url: '$1', body: { telephone1: '111' }, contentId: '3' },
          ],
        },
        {
          changeset: [
            { method: 'POST', url: 'accounts', body: { name: 'Rolled back' }, contentId: '1' },
            { method: 'POST', url: 'accounts', body: { name: 'y'.repeat(200) }, contentId: '2' },
          ],
        },
        { method: 'POST', url: 'accounts', body: { name: 'After the rollback' }, headers: RETURN },
      ],
      'odata.continue-on-error',
    ),
  );

  // Reads by id as GETs inside a batch (a second full sync), one with a bad filter.
  const ids = Array.from({ length: 12 }, (_, i) => idOf(i + 1));
  await step(
    'GETs in a batch',
    batch(h, [
      { method: 'GET', url: `accounts?$select=accountid,modifiedon,_modifiedby_value,name,creditlimit,_transactioncurrencyid_value&$filter=${encodeURIComponent(ids.map((id) => `accountid eq ${id}`).join(' or '))}` },
      { method: 'GET', url: `accounts(${idOf(5)})` },
      { method: 'GET', url: `accounts?$filter=nosuch%20eq%201` },
    ], 'odata.continue-on-error'),
  );

  // The review's read (filtered, paged), its count, an annotated read of one row and of a page.
  const filter = encodeURIComponent(
    `((statecode eq 0) and (customertypecode eq 3) and ((_bcbi_companyid_value eq ${IDS.company}) or (_bcbi_companyid_value eq null))) and ((_modifiedby_value ne ${IDS.person}) or (modifiedon lt 2026-01-15T09:30:30Z))`,
  );
  const select = 'accountid,modifiedon,_modifiedby_value,name,address1_line1,address1_line2,_transactioncurrencyid_value,creditlimit,statecode,customertypecode';
  let link: string | undefined = `accounts?$select=${select}&$filter=${filter}`;
  for (let page = 1; link && page <= 10; page++) {
    const res = await h.send('GET', link, { headers: { Prefer: 'odata.maxpagesize=7' } });
    await step(`review read page ${page}`, res);
    const next = (res.body as Record<string, unknown>)['@odata.nextLink'];
    link = typeof next === 'string' ? next.slice(next.indexOf('/api/data/v9.2/') + '/api/data/v9.2/'.length) : undefined;
  }
  await step('count', h.send('GET', `accounts/$count?$filter=${encodeURIComponent('customertypecode eq 3')}`));
  await step('annotated row', h.send('GET', `accounts(${idOf(8)})`, { headers: { Prefer: 'odata.include-annotations="*"' } }));
  await step(
    'annotated page',
    h.send('GET', `accounts?$select=name,creditlimit,_transactioncurrencyid_value,statecode,modifiedon&$orderby=name desc&$top=5`, {
      headers: { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' },
    }),
  );
  out['rows as stored'] = h.module.data.list('accounts');
  out['contacts as stored'] = h.module.data.list('contacts');
  return out;
}

/** Business Central's customer pages as bcsync and the peer read them. */
async function businessCentralAnswers(): Promise<Record<string, unknown>> {
  const customers = Array.from({ length: 23 }, (_, i) => ({
    id: `f1000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    number: String(30000 + i * 10),
    displayName: `Customer ${i + 1}`,
    addressLine1: `${i + 1} Main Street`,
    city: i % 2 === 0 ? 'Chicago' : 'Seattle',
    country: 'US',
    email: `c${i + 1}@example.com`,
    creditLimit: i * 100,
    blocked: i === 5 ? 'All' : ' ',
  }));
  const module = makeModule({ customers });
  const out: Record<string, unknown> = {};
  const select = 'id,lastModifiedDateTime,number,displayName,addressLine1,addressLine2,postalCode,city,country,state,currencyCode,email,website,phoneNumber,shipmentMethodId,paymentTermsId,creditLimit,blocked';
  let link: string | undefined = v2(`customers?$select=${select}&$filter=${encodeURIComponent("blocked eq ' '")}`);
  for (let page = 1; link && page <= 10; page++) {
    const res = await call(module, 'GET', link, { headers: { Prefer: 'odata.maxpagesize=10' } });
    out[`client page ${page}`] = wire(res);
    const next = (res.body as Record<string, unknown>)['@odata.nextLink'];
    link = typeof next === 'string' ? pathOfLink(next) : undefined;
  }
  out['count'] = wire(await call(module, 'GET', v2(`customers/$count?$filter=${encodeURIComponent("blocked eq ' '")}`)));
  out['peer page'] = wire(await call(module, 'GET', v2('customers?$select=id,number,displayName,addressLine1,addressLine2,city,state,country,postalCode,phoneNumber,email,website')));
  out['whole customers'] = wire(await call(module, 'GET', v2('customers?$top=3')));
  out['computed property selected'] = wire(await call(module, 'GET', v2('customers?$select=balanceDue,number,website,displayName&$top=4')));
  out['items selected'] = wire(await call(module, 'GET', v2('items?$select=number,displayName,unitPrice,inventory')));
  return out;
}

describe('emulator answers stay byte for byte what they were', () => {
  test('Dataverse batches, reads and stored rows; Business Central customer pages', async () => {
    const actual = { dataverse: await dataverseAnswers(), businessCentral: await businessCentralAnswers() };
    const text = `${JSON.stringify(actual, null, 1)}\n`;
    if (RECORD) writeFileSync(FIXTURE, text);
    const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as typeof actual;
    for (const [api, answers] of Object.entries(expected)) {
      for (const [name, answer] of Object.entries(answers)) {
        expect([api, name, (actual as Record<string, Record<string, unknown>>)[api]![name]]).toEqual([api, name, answer]);
      }
    }
    expect(Object.keys(actual.dataverse)).toEqual(Object.keys(expected.dataverse));
    expect(text).toBe(readFileSync(FIXTURE, 'utf8'));
  });
});
