import { describe, test, expect } from '@jest/globals';
import { harness, json, header, testSeed, IDS, BASE } from './helpers.js';
import type { Harness } from './helpers.js';

function withAccounts(n: number): ReturnType<typeof testSeed> {
  const seed = testSeed();
  const accounts = seed.records['accounts']!;
  for (let i = 0; i < n; i++) {
    const hex = i.toString(16).padStart(12, '0');
    accounts.push({ accountid: `10000000-0000-4000-8000-${hex}`, name: `Account ${String(i).padStart(5, '0')}`, numberofemployees: i % 100 });
  }
  return seed;
}

/** Follows @odata.nextLink the way a client does; returns the pages. */
async function readAll(h: Harness, first: string, headers: Record<string, string>): Promise<Array<Record<string, any>>> {
  const pages: Array<Record<string, any>> = [];
  let next: string | undefined = first;
  while (next) {
    const res = await h.send('GET', next, { headers });
    expect(res.status).toBe(200);
    const body = json(res);
    pages.push(body);
    const link = body['@odata.nextLink'] as string | undefined;
    next = link ? link.slice(BASE.length + 1) : undefined;
  }
  return pages;
}

describe('Dataverse paging', () => {
  test('12,345 rows at odata.maxpagesize=5000 take exactly 3 pages with no row repeated or missed', async () => {
    const h = harness(withAccounts(12_343));
    const pages = await readAll(h, 'accounts?$select=name', { Prefer: 'odata.maxpagesize=5000' });
    expect(pages.map((p) => p['value'].length)).toEqual([5000, 5000, 2345]);
    const ids = new Set(pages.flatMap((p) => p['value'].map((r: { accountid: string }) => r.accountid)));
    expect(ids.size).toBe(12_345);
    expect(pages[2]!['@odata.nextLink']).toBeUndefined();
    const link = pages[0]!['@odata.nextLink'] as string;
    expect(link.startsWith(`${BASE}/accounts?`)).toBe(true);
    const token = new URL(link).searchParams.get('$skiptoken')!;
    expect(token).toMatch(/^<cookie pagenumber="2" pagingcookie="[^"]+" istracking="False" \/>$/);
    expect(new URL(link).searchParams.get('$select')).toBe('name');
  });

  test('the default page size is 5,000 and Preference-Applied echoes maxpagesize', async () => {
    const h = harness(withAccounts(5_001));
    const first = await h.send('GET', 'accounts?$select=name');
    expect(json(first)['value']).toHaveLength(5000);
    expect(json(first)['@odata.nextLink']).toBeDefined();
    expect(header(first, 'Preference-Applied')).toBeUndefined();
    const small = await h.send('GET', 'accounts?$select=name', { headers: { Prefer: 'odata.maxpagesize=10' } });
    expect(json(small)['value']).toHaveLength(10);
    expect(header(small, 'Preference-Applied')).toBe('odata.maxpagesize=10');
  });

  test('odata.maxpagesize above 5,000 is refused', async () => {
    const h = harness();
    const res = await h.send('GET', 'accounts', { headers: { Prefer: 'odata.maxpagesize=5001' } });
    expect(res.status).toBe(400);
    expect(json(res).error.message).toContain('5000');
  });

  test('rows inserted between pages do not make the next page skip or repeat rows already served', async () => {
    const h = harness(withAccounts(30));
    const first = json(await h.send('GET', 'accounts?$select=name&$orderby=name', { headers: { Prefer: 'odata.maxpagesize=10' } }));
    h.module.data.insert('accounts', { name: 'AAA first by name' });
    const link = (first['@odata.nextLink'] as string).slice(BASE.length + 1);
    const second = json(await h.send('GET', link, { headers: { Prefer: 'odata.maxpagesize=10' } }));
    const names = [...first['value'], ...second['value']].map((r: { name: string }) => r.name);
    expect(new Set(names).size).toBe(20);
    expect(second['value'][0].name).toBe('Account 00010');
  });

  test('$top limits rows without paging; $top is ignored under odata.maxpagesize', async () => {
    const h = harness(withAccounts(20));
    const top = json(await h.send('GET', 'accounts?$select=name&$top=5'));
    expect(top['value']).toHaveLength(5);
    expect(top['@odata.nextLink']).toBeUndefined();
    const pages = await readAll(h, 'accounts?$select=name&$top=5', { Prefer: 'odata.maxpagesize=10' });
    expect(pages.map((p) => p['value'].length)).toEqual([10, 10, 2]);
  });

  test('$count=true gives @odata.count capped at 5,000; /$count answers text', async () => {
    const h = harness(withAccounts(6_000));
    const counted = json(await h.send('GET', `accounts?$select=name&$count=true&$filter=${encodeURIComponent('numberofemployees lt 10')}`));
    expect(counted['@odata.count']).toBe(600);
    const capped = json(await h.send('GET', 'accounts?$select=name&$count=true', { headers: { Prefer: 'odata.maxpagesize=1' } }));
    expect(capped['@odata.count']).toBe(5000);
    const plain = await h.send('GET', 'accounts/$count');
    expect(plain.body).toBe('5000');
    expect(header(plain, 'Content-Type')).toBe('text/plain');
    expect((await h.send('GET', 'contacts/$count')).body).toBe('1');
  });

  test('$skip is refused', async () => {
    const h = harness();
    const res = await h.send('GET', 'accounts?$skip=10');
    expect(res.status).toBe(400);
    expect(json(res).error.message).toContain('$skip');
  });

  test('a tampered $skiptoken is refused', async () => {
    const h = harness();
    const res = await h.send('GET', `accounts?$skiptoken=${encodeURIComponent('<cookie nonsense />')}`);
    expect(res.status).toBe(400);
  });
});

describe('Dataverse query options', () => {
  test('$select returns the key and the selected columns only, with the columns in @odata.context', async () => {
    const h = harness();
    const body = json(await h.send('GET', 'accounts?$select=name,_primarycontactid_value'));
    expect(body['@odata.context']).toBe(`${BASE}/$metadata#accounts(name,_primarycontactid_value)`);
    for (const row of body['value']) expect(Object.keys(row).sort()).toEqual(['@odata.etag', '_primarycontactid_value', 'accountid', 'name']);
  });

  test('unknown properties in $select, $filter and $orderby are 400 naming the type', async () => {
    const h = harness();
    for (const q of ['$select=Name', `$filter=${encodeURIComponent("nosuch eq 'x'")}`, '$orderby=nosuch desc', '$select=primarycontactid']) {
      const res = await h.send('GET', `accounts?${q}`);
      expect(res.status).toBe(400);
      expect(json(res).error.message).toMatch(/^Could not find a property named '\w+' on type 'Microsoft\.Dynamics\.CRM\.account'\.$/);
    }
  });

  test('$filter: comparison, logical operators, parentheses, string functions, null, GUID and date-time literals', async () => {
    const h = harness();
    await h.send('POST', 'accounts', { body: { name: "O'Brien Supplies", customertypecode: 3, creditlimit: 5000 } });
    h.clock.ms += 3_600_000;
    await h.send('POST', 'accounts', { body: { name: 'Late Corp', customertypecode: 11 } });
    const names = async (filter: string): Promise<string[]> => {
      const res = await h.send('GET', `accounts?$select=name&$filter=${encodeURIComponent(filter)}`);
      expect(res.status).toBe(200);
      return json(res)['value'].map((r: { name: string }) => r.name).sort();
    };
    expect(await names("name eq 'contoso ltd'")).toEqual(['Contoso Ltd']);
    expect(await names("contains(name,'corp') or startswith(name,'o''b')")).toEqual(['Late Corp', "O'Brien Supplies"]);
    expect(await names('(customertypecode eq 3 or customertypecode eq 11) and statecode eq 0 and not (creditlimit gt 1000)')).toEqual([
      'Contoso Ltd',
      'Fabrikam Inc',
      'Late Corp',
    ]);
    expect(await names('creditlimit ne null')).toEqual(["O'Brien Supplies"]);
    expect(await names(`_primarycontactid_value eq null and accountid eq ${IDS.fabrikam.toUpperCase()}`)).toEqual(['Fabrikam Inc']);
    expect(await names('createdon gt 2026-01-15T09:45:00Z')).toEqual(['Late Corp']);
    expect(await names("endswith(name,'ltd')")).toEqual(['Contoso Ltd']);
    const contacts = json(await h.send('GET', `contacts?$select=fullname&$filter=${encodeURIComponent(`_parentcustomerid_value eq ${IDS.contoso}`)}`));
    expect(contacts['value']).toHaveLength(1);
    const syntax = await h.send('GET', `accounts?$filter=${encodeURIComponent("name eq 'x")}`);
    expect(syntax.status).toBe(400);
  });

  test('$filter through a single-valued navigation property', async () => {
    const h = harness();
    const res = await h.send('GET', `contacts?$select=fullname&$filter=${encodeURIComponent("parentcustomerid_account/name eq 'Contoso Ltd'")}`);
    expect(res.status).toBe(200);
    expect(json(res)['value']).toHaveLength(1);
  });

  test('$orderby with several columns and directions', async () => {
    const h = harness();
    await h.send('POST', 'accounts', { body: { name: 'Beta', customertypecode: 3 } });
    const rows = json(await h.send('GET', 'accounts?$select=name,customertypecode&$orderby=customertypecode desc,name asc'))['value'];
    expect(rows.map((r: { name: string }) => r.name)).toEqual(['Fabrikam Inc', 'Beta', 'Contoso Ltd']);
  });

  test('$expand of single-valued lookups and of document lines', async () => {
    const h = harness();
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { 'primarycontactid@odata.bind': `/contacts(${IDS.alice})` } });
    const acc = json(await h.send('GET', `accounts(${IDS.contoso})?$select=name&$expand=primarycontactid($select=fullname),ownerid`));
    expect(acc['primarycontactid']).toMatchObject({ contactid: IDS.alice, fullname: 'Alice Adams' });
    expect(acc['ownerid']['@odata.type']).toBe('#Microsoft.Dynamics.CRM.systemuser');
    expect(acc['@odata.context']).toBe(`${BASE}/$metadata#accounts(name,primarycontactid(fullname),ownerid())/$entity`);
    const so = await h.send('POST', 'salesorders', {
      body: {
        'customerid_account@odata.bind': `/accounts(${IDS.contoso})`,
        order_details: [
          { isproductoverridden: true, productdescription: 'A', quantity: 1, priceperunit: 1 },
          { isproductoverridden: true, productdescription: 'B', quantity: 2, priceperunit: 1 },
        ],
      },
    });
    expect(so.status).toBe(204);
    const list = json(
      await h.send('GET', `salesorders?$select=name&$expand=${encodeURIComponent("order_details($select=productdescription;$filter=quantity gt 1),customerid_account($select=name),customerid_contact")}`),
    );
    expect(list['value'][0]['order_details']).toEqual([expect.objectContaining({ productdescription: 'B' })]);
    expect(list['value'][0]['customerid_account']['name']).toBe('Contoso Ltd');
    expect(list['value'][0]['customerid_contact']).toBeNull();
    expect((await h.send('GET', 'accounts?$expand=nosuchnav')).status).toBe(400);
  });

  test('formatted values and lookup annotations with odata.include-annotations', async () => {
    const h = harness();
    const res = await h.send('GET', `accounts(${IDS.contoso})?$select=customertypecode,_transactioncurrencyid_value,creditonhold`, {
      headers: { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' },
    });
    const body = json(res);
    expect(body['customertypecode@OData.Community.Display.V1.FormattedValue']).toBe('Customer');
    expect(body['_transactioncurrencyid_value@OData.Community.Display.V1.FormattedValue']).toBe('US Dollar');
    expect(body['creditonhold@OData.Community.Display.V1.FormattedValue']).toBe('No');
    expect(body['_transactioncurrencyid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBeUndefined();
  });

  test('nav collection GET and POST under a parent', async () => {
    const h = harness();
    const so = await h.send('POST', 'salesorders', { body: { 'customerid_account@odata.bind': `/accounts(${IDS.contoso})` } });
    const id = /\(([^)]+)\)$/.exec(header(so, 'OData-EntityId')!)![1]!;
    const line = await h.send('POST', `salesorders(${id})/order_details`, { body: { isproductoverridden: true, productdescription: 'X', quantity: 3, priceperunit: 2 } });
    expect(line.status).toBe(204);
    const lines = json(await h.send('GET', `salesorders(${id})/order_details?$select=quantity`));
    expect(lines['value']).toEqual([expect.objectContaining({ quantity: 3 })]);
    expect(h.module.data.get('salesorders', id)!['totalamount']).toBe(6);
  });
});

describe('Dataverse WhoAmI', () => {
  test('answers the caller, its business unit and the organization', async () => {
    const h = harness();
    const body = json(await h.send('GET', 'WhoAmI'));
    expect(body['UserId']).toBe(h.module.integrationUserId);
    expect(body['@odata.context']).toBe(`${BASE}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`);
    const org = json(await h.send('GET', 'organizations?$select=name,_basecurrencyid_value'))['value'][0];
    expect(body['OrganizationId']).toBe(org['organizationid']);
    expect(org['_basecurrencyid_value']).toBe(IDS.usd);
    const user = json(await h.send('GET', `systemusers(${body['UserId']})?$select=_businessunitid_value`));
    expect(body['BusinessUnitId']).toBe(user['_businessunitid_value']);
  });
});
