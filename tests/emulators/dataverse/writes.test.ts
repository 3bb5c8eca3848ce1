import { describe, test, expect } from '@jest/globals';
import { harness, json, header, idFromEntityId, IDS, BASE } from './helpers.js';

const RETURN = { Prefer: 'return=representation' };

describe('Dataverse create (POST)', () => {
  test('204 with OData-EntityId, server-set columns from the clock and the caller', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'Adatum', telephone1: '555-0199' } });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    const id = idFromEntityId(res);
    expect(header(res, 'OData-EntityId')).toBe(`${BASE}/accounts(${id})`);
    const row = h.module.data.get('accounts', id)!;
    expect(row['createdon']).toBe('2026-01-15T09:30:00Z');
    expect(row['modifiedon']).toBe('2026-01-15T09:30:00Z');
    expect(row['_createdby_value']).toBe(h.module.integrationUserId);
    expect(row['_modifiedby_value']).toBe(h.module.integrationUserId);
    expect(row['_ownerid_value']).toBe(h.module.integrationUserId);
    expect(row['statecode']).toBe(0);
    expect(row['statuscode']).toBe(1);
    expect(row['_transactioncurrencyid_value']).toBe(IDS.usd);
  });

  test('return=representation gives 201 with @odata.context, @odata.etag = versionnumber and an ETag header', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts?$select=name,versionnumber', { body: { name: 'Adatum' }, headers: RETURN });
    expect(res.status).toBe(201);
    const body = json(res);
    expect(body['@odata.context']).toBe(`${BASE}/$metadata#accounts(name,versionnumber)/$entity`);
    expect(body['@odata.etag']).toBe(`W/"${body['versionnumber']}"`);
    expect(header(res, 'ETag')).toBe(body['@odata.etag']);
    expect(header(res, 'OData-EntityId')).toBeUndefined();
    expect(header(res, 'Preference-Applied')).toBe('return=representation');
    expect(Object.keys(body).sort()).toEqual(['@odata.context', '@odata.etag', 'accountid', 'name', 'versionnumber']);
  });

  test('versionnumber is one global counter that grows with every write', async () => {
    const h = harness();
    const a = json(await h.send('POST', 'accounts', { body: { name: 'A' }, headers: RETURN }));
    const c = json(await h.send('POST', 'contacts', { body: { lastname: 'B' }, headers: RETURN }));
    const a2 = json(await h.send('PATCH', `accounts(${a['accountid']})`, { body: { name: 'A2' }, headers: RETURN }));
    expect(c['versionnumber']).toBe(a['versionnumber'] + 1);
    expect(a2['versionnumber']).toBe(c['versionnumber'] + 1);
  });

  test('modifiedon has no fractional seconds and follows the injected clock', async () => {
    const h = harness();
    const id = idFromEntityId(await h.send('POST', 'accounts', { body: { name: 'A' } }));
    h.clock.ms += 65_999;
    await h.send('PATCH', `accounts(${id})`, { body: { name: 'B' } });
    const row = h.module.data.get('accounts', id)!;
    expect(row['createdon']).toBe('2026-01-15T09:30:00Z');
    expect(row['modifiedon']).toBe('2026-01-15T09:31:06Z');
  });

  test('a client-chosen primary key is accepted; the same id again is 412 duplicate', async () => {
    const h = harness();
    const id = '5a1e6c10-0000-4000-8000-000000000001';
    const res = await h.send('POST', 'accounts', { body: { accountid: id, name: 'Chosen' } });
    expect(res.status).toBe(204);
    expect(idFromEntityId(res)).toBe(id);
    const again = await h.send('POST', 'accounts', { body: { accountid: id.toUpperCase(), name: 'Again' } });
    expect(again.status).toBe(412);
    expect(json(again).error.code).toBe('0x80040237');
  });

  test('an unknown column is 400 0x80048d19 naming the property and the entity', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'A', nosuchcolumn: 1 } });
    expect(res.status).toBe(400);
    const err = json(res).error;
    expect(err.code).toBe('0x80048d19');
    expect(err.message).toContain("The property 'nosuchcolumn' does not exist on type 'Microsoft.Dynamics.CRM.account'");
    expect(h.module.data.count('accounts')).toBe(2);
  });

  test('an unknown navigation property in @odata.bind is 400 0x80048d19', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'A', 'nosuchnav@odata.bind': `/contacts(${IDS.alice})` } });
    expect(res.status).toBe(400);
    expect(json(res).error.code).toBe('0x80048d19');
    expect(json(res).error.message).toContain("'nosuchnav'");
  });

  test('writing a _x_value lookup property directly is refused', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'A', _primarycontactid_value: IDS.alice } });
    expect(res.status).toBe(400);
    expect(json(res).error.message).toContain('Use Navigation properties');
  });

  test('a too-long string is 400 0x80044331 with the maximum length', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'x'.repeat(161) } });
    expect(res.status).toBe(400);
    expect(json(res).error.code).toBe('0x80044331');
    expect(json(res).error.message).toContain("maximum allowed length of '160'");
    expect((await h.send('POST', 'accounts', { body: { name: 'x'.repeat(160) } })).status).toBe(204);
    const product = await h.send('POST', 'products', {
      body: {
        name: 'p'.repeat(101),
        productnumber: 'P-1',
        quantitydecimal: 2,
        'defaultuomscheduleid@odata.bind': `/uomschedules(${IDS.schedule})`,
        'defaultuomid@odata.bind': `/uoms(${IDS.pcs})`,
      },
    });
    expect(product.status).toBe(400);
    expect(json(product).error.message).toContain("maximum allowed length of '100'");
  });

  test('a missing required column is 400', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { telephone1: '1' } });
    expect(res.status).toBe(400);
    expect(json(res).error.message).toContain("'name' is required");
  });

  test('a wrong JSON type is 400 naming the expected Edm type', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'A', creditonhold: 'yes' } });
    expect(res.status).toBe(400);
    expect(json(res).error.message).toContain('Edm.Boolean');
  });

  test('an option-set value outside the option set is 400 0x80044331', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'A', paymenttermscode: 99 } });
    expect(res.status).toBe(400);
    expect(json(res).error.code).toBe('0x80044331');
    expect((await h.send('POST', 'accounts', { body: { name: 'A', paymenttermscode: 3 } })).status).toBe(204);
  });

  test('@odata.bind: leading slash optional, absolute URL accepted, lookup read back as _x_value', async () => {
    const h = harness();
    for (const ref of [`/contacts(${IDS.alice})`, `contacts(${IDS.alice})`, `${BASE}/contacts(${IDS.alice})`, `/contacts(contactid=${IDS.alice})`]) {
      const res = await h.send('POST', 'accounts', { body: { name: 'A', 'primarycontactid@odata.bind': ref }, headers: RETURN });
      expect(res.status).toBe(201);
      expect(json(res)['_primarycontactid_value']).toBe(IDS.alice);
    }
  });

  test('a lookup to a missing row is 404 0x80040217 "... With Id = ... Does Not Exist"', async () => {
    const h = harness();
    const missing = '00000000-0000-0000-0000-00000000dead';
    const res = await h.send('POST', 'accounts', { body: { name: 'A', 'primarycontactid@odata.bind': `/contacts(${missing})` } });
    expect(res.status).toBe(404);
    expect(json(res).error).toEqual({ code: '0x80040217', message: `contact With Id = ${missing} Does Not Exist` });
  });

  test('a lookup to the wrong table is refused', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'A', 'primarycontactid@odata.bind': `/accounts(${IDS.fabrikam})` } });
    expect(res.status).toBe(400);
  });

  test('polymorphic lookups: customerid_account / customerid_contact, parentcustomerid_account, ownerid to a team', async () => {
    const h = harness();
    const opp = json(
      await h.send('POST', 'opportunities?$select=_customerid_value', {
        body: { name: 'Deal', 'customerid_contact@odata.bind': `/contacts(${IDS.alice})` },
        headers: { Prefer: 'return=representation,odata.include-annotations="*"' },
      }),
    );
    expect(opp['_customerid_value']).toBe(IDS.alice);
    expect(opp['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('contact');
    expect(opp['_customerid_value@OData.Community.Display.V1.FormattedValue']).toBe('Alice Adams');
    const team = json(await h.send('POST', 'teams', { body: { name: 'BCI - CRONUS' }, headers: RETURN }));
    const contact = json(
      await h.send('POST', 'contacts', {
        body: { lastname: 'Bo', 'parentcustomerid_account@odata.bind': `/accounts(${IDS.contoso})`, 'ownerid@odata.bind': `/teams(${team['teamid']})` },
        headers: RETURN,
      }),
    );
    expect(contact['_parentcustomerid_value']).toBe(IDS.contoso);
    expect(contact['_ownerid_value']).toBe(team['teamid']);
    expect(contact['_owningteam_value']).toBe(team['teamid']);
    expect(contact['_owninguser_value']).toBeNull();
    expect(contact['fullname']).toBe('Bo');
  });

  test('bcbi_companyid binds to cdm_companies on account, product and the documents', async () => {
    const h = harness();
    const acc = json(
      await h.send('POST', 'accounts', { body: { name: 'A', 'bcbi_companyid@odata.bind': `/cdm_companies(${IDS.company})` }, headers: RETURN }),
    );
    expect(acc['_bcbi_companyid_value']).toBe(IDS.company);
    const filtered = json(
      await h.send('GET', `accounts?$select=name&$filter=${encodeURIComponent(`_bcbi_companyid_value eq ${IDS.company} or _bcbi_companyid_value eq null`)}`),
    );
    expect(filtered.value.map((r: { name: string }) => r.name).sort()).toEqual(['A', 'Contoso Ltd', 'Fabrikam Inc']);
  });

  test('nav_accountstatisticses rows link from account.nav_accountstatisticsid', async () => {
    const h = harness();
    const stats = idFromEntityId(await h.send('POST', 'nav_accountstatisticses', { body: { nav_name: 'Contoso', nav_balancelcy: 1 } }));
    const res = await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { 'nav_accountstatisticsid@odata.bind': `/nav_accountstatisticses(${stats})` } });
    expect(res.status).toBe(204);
    expect(h.module.data.get('accounts', IDS.contoso)!['_nav_accountstatisticsid_value']).toBe(stats);
  });

  test('deep insert through a single-valued navigation property creates the related row', async () => {
    const h = harness();
    const res = await h.send('POST', 'accounts', { body: { name: 'Deep', primarycontactid: { firstname: 'Dee', lastname: 'P' } }, headers: RETURN });
    expect(res.status).toBe(201);
    const contactId = json(res)['_primarycontactid_value'];
    expect(h.module.data.get('contacts', contactId)!['fullname']).toBe('Dee P');
  });
  test('currencies: the ISO code is unique, the base currency keeps rate 1, other rates drive exchangerate and _base amounts', async () => {
    const h = harness();
    const dup = await h.send('POST', 'transactioncurrencies', { body: { isocurrencycode: 'eur', currencyname: 'Euro 2', currencysymbol: 'E', exchangerate: 1 } });
    expect(dup.status).toBe(400);
    expect(json(dup).error.message).toContain(IDS.eur);
    expect((await h.send('PATCH', `transactioncurrencies(${IDS.usd})`, { body: { exchangerate: 2 } })).status).toBe(400);
    expect((await h.send('PATCH', `transactioncurrencies(${IDS.usd})`, { body: { exchangerate: 1 } })).status).toBe(204);
    const acc = json(
      await h.send('POST', 'accounts', {
        body: { name: 'Euro customer', creditlimit: 100, 'transactioncurrencyid@odata.bind': `/transactioncurrencies(${IDS.eur})` },
        headers: RETURN,
      }),
    );
    expect(acc['exchangerate']).toBe(0.5);
    expect(acc['creditlimit_base']).toBe(200);
  });
});

describe('Dataverse update, upsert and delete', () => {
  test('PATCH updates, bumps version and modifiedon, sets _modifiedby_value to the caller', async () => {
    const h = harness();
    const before = h.module.data.get('accounts', IDS.contoso)!;
    h.clock.ms += 60_000;
    const res = await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { telephone1: '555-0111' } });
    expect(res.status).toBe(204);
    expect(header(res, 'OData-EntityId')).toBe(`${BASE}/accounts(${IDS.contoso})`);
    const after = h.module.data.get('accounts', IDS.contoso)!;
    expect(after['telephone1']).toBe('555-0111');
    expect(after['name']).toBe('Contoso Ltd');
    expect(after['versionnumber']).toBeGreaterThan(before['versionnumber'] as number);
    expect(after['modifiedon']).toBe('2026-01-15T09:31:00Z');
    expect(after['_modifiedby_value']).toBe(h.module.integrationUserId);
    expect(before['_modifiedby_value']).not.toBe(h.module.integrationUserId);
  });

  test('PATCH without headers is an upsert: creates with the URL id (201 with representation), then updates (200)', async () => {
    const h = harness();
    const id = '7b2c0000-0000-4000-8000-0000000000aa';
    const created = await h.send('PATCH', `accounts(${id})`, { body: { name: 'Upserted' }, headers: RETURN });
    expect(created.status).toBe(201);
    expect(json(created)['accountid']).toBe(id);
    const updated = await h.send('PATCH', `accounts(accountid=${id})`, { body: { name: 'Upserted 2' }, headers: RETURN });
    expect(updated.status).toBe(200);
    expect(json(updated)['name']).toBe('Upserted 2');
    const plain = await h.send('PATCH', `accounts(${id})`, { body: { name: 'Upserted 3' } });
    expect(plain.status).toBe(204);
    expect(h.module.data.get('accounts', id)!['name']).toBe('Upserted 3');
  });

  test('If-Match: * updates only: a missing row is 404 and nothing is created', async () => {
    const h = harness();
    const id = '7b2c0000-0000-4000-8000-0000000000ab';
    const res = await h.send('PATCH', `accounts(${id})`, { body: { name: 'X' }, headers: { 'If-Match': '*' } });
    expect(res.status).toBe(404);
    expect(json(res).error.message).toBe(`account With Id = ${id} Does Not Exist`);
    expect(h.module.data.get('accounts', id)).toBeUndefined();
    expect((await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { name: 'Y' }, headers: { 'If-Match': '*' } })).status).toBe(204);
  });

  test('If-None-Match: * creates only: an existing row is 412 "A record with matching key values already exists."', async () => {
    const h = harness();
    const res = await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { name: 'X' }, headers: { 'If-None-Match': '*' } });
    expect(res.status).toBe(412);
    expect(json(res).error.message).toBe('A record with matching key values already exists.');
    expect(h.module.data.get('accounts', IDS.contoso)!['name']).toBe('Contoso Ltd');
    const id = '7b2c0000-0000-4000-8000-0000000000ac';
    expect((await h.send('PATCH', `accounts(${id})`, { body: { name: 'New' }, headers: { 'If-None-Match': '*' } })).status).toBe(204);
    expect(h.module.data.get('accounts', id)!['name']).toBe('New');
  });

  test('If-None-Match: null (sent by clients to defeat caching) is not a precondition', async () => {
    const h = harness();
    const res = await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { name: 'X' }, headers: { 'If-None-Match': 'null' } });
    expect(res.status).toBe(204);
  });

  test('a stale If-Match ETag is 412 0x80060882; the current one succeeds', async () => {
    const h = harness();
    const read = await h.send('GET', `accounts(${IDS.contoso})?$select=name`);
    const etag = header(read, 'ETag')!;
    expect(json(read)['@odata.etag']).toBe(etag);
    expect((await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { name: 'First' }, headers: { 'If-Match': etag } })).status).toBe(204);
    const stale = await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { name: 'Second' }, headers: { 'If-Match': etag } });
    expect(stale.status).toBe(412);
    expect(json(stale).error).toEqual({
      code: '0x80060882',
      message: "The version of the existing record doesn't match the RowVersion property provided.",
    });
    expect(h.module.data.get('accounts', IDS.contoso)!['name']).toBe('First');
    const staleDelete = await h.send('DELETE', `accounts(${IDS.contoso})`, { headers: { 'If-Match': etag } });
    expect(staleDelete.status).toBe(412);
  });

  test('DELETE is 204, then 404; deleting a contact clears lookups that pointed at it', async () => {
    const h = harness();
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { 'primarycontactid@odata.bind': `/contacts(${IDS.alice})` } });
    const res = await h.send('DELETE', `contacts(${IDS.alice})`);
    expect(res.status).toBe(204);
    expect(h.module.data.get('contacts', IDS.alice)).toBeUndefined();
    expect(h.module.data.get('accounts', IDS.contoso)!['_primarycontactid_value']).toBeNull();
    const again = await h.send('DELETE', `contacts(${IDS.alice})`);
    expect(again.status).toBe(404);
    expect(json(again).error.code).toBe('0x80040217');
  });

  test('GET by key: bare GUID and key=GUID forms, 404 when missing, 304 for a matching If-None-Match', async () => {
    const h = harness();
    const a = await h.send('GET', `accounts(${IDS.contoso})`);
    const b = await h.send('GET', `accounts(accountid=${IDS.contoso})`);
    expect(a.status).toBe(200);
    expect(json(a)['name']).toBe('Contoso Ltd');
    expect(json(b)['accountid']).toBe(IDS.contoso);
    expect(json(a)['@odata.context']).toBe(`${BASE}/$metadata#accounts/$entity`);
    expect((await h.send('GET', 'accounts(00000000-0000-0000-0000-000000000999)')).status).toBe(404);
    const notModified = await h.send('GET', `accounts(${IDS.contoso})`, { headers: { 'If-None-Match': header(a, 'ETag')! } });
    expect(notModified.status).toBe(304);
    expect((await h.send('GET', `accounts(name='Contoso Ltd')`)).status).toBe(400);
  });

  test('single property: GET value, PUT value, DELETE clears', async () => {
    const h = harness();
    expect(json(await h.send('GET', `accounts(${IDS.contoso})/telephone1`))['value']).toBe('555-0100');
    expect((await h.send('PUT', `accounts(${IDS.contoso})/telephone1`, { body: { value: '555-0999' } })).status).toBe(204);
    expect(h.module.data.get('accounts', IDS.contoso)!['telephone1']).toBe('555-0999');
    expect((await h.send('DELETE', `accounts(${IDS.contoso})/telephone1`)).status).toBe(204);
    expect(h.module.data.get('accounts', IDS.contoso)!['telephone1']).toBeNull();
  });

  test('disassociate a single-valued navigation with DELETE .../$ref and with a null bind', async () => {
    const h = harness();
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { 'primarycontactid@odata.bind': `/contacts(${IDS.alice})` } });
    expect((await h.send('DELETE', `accounts(${IDS.contoso})/primarycontactid/$ref`)).status).toBe(204);
    expect(h.module.data.get('accounts', IDS.contoso)!['_primarycontactid_value']).toBeNull();
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { 'primarycontactid@odata.bind': `/contacts(${IDS.alice})` } });
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { 'primarycontactid@odata.bind': null } });
    expect(h.module.data.get('accounts', IDS.contoso)!['_primarycontactid_value']).toBeNull();
  });

  test('unknown entity sets are 404 0x8006088a "Resource not found for the segment"', async () => {
    const h = harness();
    const res = await h.send('GET', 'Account');
    expect(res.status).toBe(404);
    expect(json(res).error).toEqual({ code: '0x8006088a', message: "Resource not found for the segment 'Account'." });
  });
});

describe('Dataverse state rules', () => {
  const order = (extra: Record<string, unknown> = {}) => ({
    name: 'SO',
    'customerid_account@odata.bind': `/accounts(${IDS.contoso})`,
    'pricelevelid@odata.bind': `/pricelevels(${IDS.priceList})`,
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${IDS.usd})`,
    ...extra,
  });

  test('statecode on create of salesorder, quote, invoice and lead is 400; without it they start in the first state', async () => {
    const h = harness();
    for (const [set, body] of [
      ['salesorders', order({ statecode: 1 })],
      ['quotes', order({ statecode: 0 })],
      ['invoices', order({ statecode: 0 })],
      ['leads', { subject: 'Lead', statecode: 0 }],
    ] as const) {
      const res = await h.send('POST', set, { body });
      expect(res.status).toBe(400);
      expect(json(res).error.message).toContain('statecode is not valid on create');
    }
    expect(h.module.data.count('salesorders')).toBe(0);
    const created = json(await h.send('POST', 'salesorders', { body: order(), headers: RETURN }));
    expect(created['statecode']).toBe(0);
    expect(created['statuscode']).toBe(1);
    expect(created['ordernumber']).toMatch(/^ORD-\d{5}-[0-9A-F]{6}$/);
  });

  test('a Submitted order is read-only until it is set back to Active; Fulfilled needs its own message', async () => {
    const h = harness();
    const id = idFromEntityId(await h.send('POST', 'salesorders', { body: order() }));
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 1, statuscode: 3 } })).status).toBe(204);
    const locked = await h.send('PATCH', `salesorders(${id})`, { body: { name: 'changed' } });
    expect(locked.status).toBe(400);
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 0 } })).status).toBe(204);
    expect(h.module.data.get('salesorders', id)!['statuscode']).toBe(1);
    expect((await h.send('PATCH', `salesorders(${id})`, { body: { name: 'changed' } })).status).toBe(204);
    const fulfil = await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 3 } });
    expect(fulfil.status).toBe(400);
    expect(json(fulfil).error.message).toContain('FulfillSalesOrder');
    const mismatch = await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 1, statuscode: 1 } });
    expect(mismatch.status).toBe(400);
    expect(json(mismatch).error.message).toContain('is not a valid status code for state code');
  });

  test('products start Active unless the create sets the state; quantitydecimal and the unit group are required', async () => {
    const h = harness();
    const base = {
      name: 'Gadget',
      productnumber: 'G-1',
      quantitydecimal: 2,
      'defaultuomscheduleid@odata.bind': `/uomschedules(${IDS.schedule})`,
      'defaultuomid@odata.bind': `/uoms(${IDS.pcs})`,
    };
    const active = json(await h.send('POST', 'products', { body: base, headers: RETURN }));
    expect([active['statecode'], active['statuscode']]).toEqual([0, 1]);
    const draft = json(await h.send('POST', 'products', { body: { ...base, productnumber: 'G-2', statecode: 2 }, headers: RETURN }));
    expect([draft['statecode'], draft['statuscode']]).toEqual([2, 0]);
    for (const missing of ['quantitydecimal', 'defaultuomscheduleid@odata.bind', 'defaultuomid@odata.bind', 'productnumber']) {
      const body: Record<string, unknown> = { ...base, productnumber: 'G-3' };
      delete body[missing];
      expect((await h.send('POST', 'products', { body })).status).toBe(400);
    }
    const wrongUnit = await h.send('POST', 'products', { body: { ...base, productnumber: 'G-4', 'defaultuomid@odata.bind': `/uoms(${IDS.otherUnit})` } });
    expect(wrongUnit.status).toBe(400);
    const priceListOnCreate = await h.send('POST', 'products', { body: { ...base, productnumber: 'G-5', 'pricelevelid@odata.bind': `/pricelevels(${IDS.priceList})` } });
    expect(priceListOnCreate.status).toBe(400);
    expect((await h.send('PATCH', `products(${active['productid']})`, { body: { 'pricelevelid@odata.bind': `/pricelevels(${IDS.priceList})` } })).status).toBe(204);
  });

  test('a new unit group comes with its base unit; duplicate product + unit in a price list is 0x80043b08', async () => {
    const h = harness();
    const group = json(await h.send('POST', 'uomschedules', { body: { name: 'ITEM 1000 UOM GR', baseuomname: 'PCS' }, headers: RETURN }));
    const units = json(await h.send('GET', `uoms?$filter=${encodeURIComponent(`_uomscheduleid_value eq ${group['uomscheduleid']}`)}`)).value;
    expect(units).toHaveLength(1);
    expect(units[0]).toMatchObject({ name: 'PCS', quantity: 1, isschedulebaseuom: true, _baseuom_value: units[0].uomid });
    const box = json(await h.send('POST', 'uoms', { body: { name: 'BOX', quantity: 6, 'uomscheduleid@odata.bind': `/uomschedules(${group['uomscheduleid']})` }, headers: RETURN }));
    expect(box['_baseuom_value']).toBe(units[0].uomid);
    const dup = await h.send('POST', 'productpricelevels', {
      body: {
        'pricelevelid@odata.bind': `/pricelevels(${IDS.priceList})`,
        'productid@odata.bind': `/products(${IDS.product})`,
        'uomid@odata.bind': `/uoms(${IDS.pcs})`,
        amount: 3,
      },
    });
    expect(dup.status).toBe(400);
    expect(json(dup).error.code).toBe('0x80043b08');
  });

  test('order totals are recalculated from the lines (list price from the price list, discounts, tax, freight)', async () => {
    const h = harness();
    const created = await h.send('POST', 'salesorders', {
      body: order({
        freightamount: 5,
        order_details: [
          { 'productid@odata.bind': `/products(${IDS.product})`, 'uomid@odata.bind': `/uoms(${IDS.pcs})`, quantity: 2 },
          { isproductoverridden: true, productdescription: 'Installation', quantity: 1, priceperunit: 40, manualdiscountamount: 10, tax: 3 },
        ],
      }),
    });
    expect(created.status).toBe(204);
    const id = idFromEntityId(created);
    const so = json(await h.send('GET', `salesorders(${id})?$expand=order_details($select=priceperunit,baseamount,extendedamount;$orderby=sequencenumber)`));
    expect(so['order_details'].map((l: Record<string, number>) => [l['priceperunit'], l['baseamount'], l['extendedamount']])).toEqual([
      [12.5, 25, 25],
      [40, 40, 33],
    ]);
    expect(so['totallineitemamount']).toBe(55);
    expect(so['totaltax']).toBe(3);
    expect(so['totalamountlessfreight']).toBe(55);
    expect(so['totalamount']).toBe(63);
    const lineId = json(await h.send('GET', `salesorders(${id})/order_details?$select=quantity&$filter=quantity eq 2`)).value[0].salesorderdetailid;
    await h.send('PATCH', `salesorderdetails(${lineId})`, { body: { quantity: 4 } });
    expect(h.module.data.get('salesorders', id)!['totalamount']).toBe(88);
    await h.send('DELETE', `salesorderdetails(${lineId})`);
    expect(h.module.data.get('salesorders', id)!['totalamount']).toBe(38);
    await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 1, statuscode: 3 } });
    const locked = await h.send('POST', 'salesorderdetails', {
      body: { 'salesorderid@odata.bind': `/salesorders(${id})`, isproductoverridden: true, productdescription: 'Late', quantity: 1 },
    });
    expect(locked.status).toBe(400);
    await h.send('PATCH', `salesorders(${id})`, { body: { statecode: 0 } });
    expect((await h.send('DELETE', `salesorders(${id})`)).status).toBe(204);
    expect(h.module.data.count('salesorderdetails')).toBe(0);
  });

  test('a failing deep insert leaves neither the header nor earlier lines', async () => {
    const h = harness();
    const res = await h.send('POST', 'salesorders', {
      body: order({
        order_details: [
          { 'productid@odata.bind': `/products(${IDS.product})`, quantity: 1 },
          { 'productid@odata.bind': `/products(${IDS.product})`, quantity: 1, nosuch: 1 },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(h.module.data.count('salesorders')).toBe(0);
    expect(h.module.data.count('salesorderdetails')).toBe(0);
  });

  test('posts cannot be updated; annotations record their object type', async () => {
    const h = harness();
    const post = idFromEntityId(await h.send('POST', 'posts', { body: { text: 'Order released', source: 1, 'regardingobjectid_account@odata.bind': `/accounts(${IDS.contoso})` } }));
    expect((await h.send('PATCH', `posts(${post})`, { body: { text: 'x' } })).status).toBe(405);
    const note = json(
      await h.send('POST', 'annotations', { body: { subject: 'S', notetext: 'T', 'objectid_account@odata.bind': `/accounts(${IDS.contoso})` }, headers: RETURN }),
    );
    expect(note['objecttypecode']).toBe('account');
    expect(note['isdocument']).toBe(false);
    await h.send('DELETE', `accounts(${IDS.contoso})`);
    expect(h.module.data.count('annotations')).toBe(0);
    expect(h.module.data.count('posts')).toBe(0);
  });
});

describe('rows with alike lookups', () => {
  test('one row changing where its lookup points leaves the others as they were', async () => {
    const h = harness();
    const ids: string[] = [];
    for (const lastname of ['One', 'Two', 'Three']) {
      const res = await h.send('POST', 'contacts', { body: { lastname, 'parentcustomerid_account@odata.bind': `/accounts(${IDS.contoso})` } });
      ids.push(idFromEntityId(res));
    }
    const res = await h.send('PATCH', `contacts(${ids[1]})`, { body: { 'parentcustomerid_contact@odata.bind': `/contacts(${IDS.alice})` }, headers: { 'If-Match': '*' } });
    expect(res.status).toBe(204);
    const read = async (id: string) =>
      json(await h.send('GET', `contacts(${id})?$select=_parentcustomerid_value`, { headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' } }));
    const [one, two, three] = [await read(ids[0]!), await read(ids[1]!), await read(ids[2]!)];
    expect(two['_parentcustomerid_value']).toBe(IDS.alice);
    expect(two['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('contact');
    for (const other of [one, three]) {
      expect(other['_parentcustomerid_value']).toBe(IDS.contoso);
      expect(other['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
    }
  });
});
