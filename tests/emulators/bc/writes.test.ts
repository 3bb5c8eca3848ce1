import { describe, test, expect } from '@jest/globals';
import { loadSeed } from '../../../src/emulators/seed/index.js';
import { createBcModule, RESOURCES } from '../../../src/emulators/bc/index.js';
import { call, custom, makeModule, v2, COMPANY_ID, CUSTOMER_1, ITEM_1 } from './helpers.js';

const NEW_ID = '7b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f';

describe('creates and validation (protocols.md §2.6, §6.2)', () => {
  test('POST answers 201 with the full entity: BC picks the id, the number comes from the series, server-set fields are filled', async () => {
    const clock = { now: Date.parse('2026-11-02T09:00:00.123Z') };
    const m = makeModule({}, clock);
    const r = await call(m, 'POST', v2('customers'), { body: { displayName: 'Fabrikam', type: 'Person', country: 'us' } });
    expect(r.status).toBe(201);
    expect(r.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.headers.location).toMatch(new RegExp(`/v2\\.0/companies\\(${COMPANY_ID}\\)/customers\\(${r.body.id}\\)$`));
    expect(r.headers.etag).toBe(r.body['@odata.etag']);
    expect(r.body).toMatchObject({
      number: '30000',
      displayName: 'Fabrikam',
      type: 'Person',
      country: 'US',
      blocked: ' ',
      addressLine1: '',
      currencyId: '00000000-0000-0000-0000-000000000000',
      currencyCode: 'USD',
      balanceDue: 0,
      lastModifiedDateTime: '2026-11-02T09:00:00.123Z',
    });
    expect(r.body['@odata.context']).toMatch(/\$metadata#companies\([0-9a-f-]+\)\/customers\/\$entity$/);
    expect(m.data.get('customers', r.body.id)).toMatchObject({ displayName: 'Fabrikam' });
  });

  test('standard API: an id (or any read-only property) in a POST body is a read-only control, and nothing is created', async () => {
    const m = makeModule();
    const before = m.data.count('customers');
    const withId = await call(m, 'POST', v2('customers'), { body: { id: NEW_ID, displayName: 'Fabrikam' } });
    expect(withId.status).toBe(400);
    expect(withId.body.error.code).toBe('BadRequest_InvalidOperation');
    expect(withId.body.error.message).toMatch(/^Control 'id' is read-only {2}CorrelationId: {2}[0-9a-f-]{36}\.$/);
    const balance = await call(m, 'POST', v2('customers'), { body: { displayName: 'Fabrikam', balanceDue: 10 } });
    expect(balance.body.error.message).toMatch(/^Control 'balanceDue' is read-only/);
    const vendor = await call(m, 'POST', v2('vendors'), { body: { id: NEW_ID, displayName: 'Fabrikam' } });
    expect(vendor.body.error).toMatchObject({ code: 'BadRequest_InvalidOperation' });
    const line = await call(m, 'POST', v2('salesOrders'), { body: { customerNumber: '10000', salesOrderLines: [{ id: NEW_ID, itemId: ITEM_1, quantity: 1 }] } });
    expect(line.body.error.message).toMatch(/^Control 'id' is read-only/);
    const patch = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': '*' }, body: { id: CUSTOMER_1 } });
    expect(patch.body.error.message).toMatch(/^Control 'id' is read-only/);
    expect(m.data.count('customers')).toBe(before);
    expect(m.data.get('customers', NEW_ID)).toBeUndefined();
    expect(m.data.count('salesOrders')).toBe(0);
  });

  test('custom API: a chosen id is kept (Insert(true, true)); the same id again is Internal_EntityWithSameKeyExists', async () => {
    const m = makeModule();
    const r = await call(m, 'POST', custom('resources'), { body: { id: NEW_ID.toUpperCase(), name: 'Consultant', baseUnitOfMeasureCode: 'PCS' } });
    expect(r.status).toBe(201);
    expect(r.body.id).toBe(NEW_ID);
    expect(r.headers.location).toMatch(new RegExp(`/bcsync/integration/v1\\.0/companies\\(${COMPANY_ID}\\)/resources\\(${NEW_ID}\\)$`));
    const again = await call(m, 'POST', custom('resources'), { body: { id: NEW_ID, name: 'Consultant again' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('Internal_EntityWithSameKeyExists');
    expect(again.body.error.message).toMatch(new RegExp(`^The record in table Resource already exists\\. Identification fields and values: SystemId='\\{${NEW_ID.toUpperCase()}\\}'`));
    expect(m.data.count('resources')).toBe(1);
    expect(m.data.get('resources', NEW_ID)).toMatchObject({ name: 'Consultant' });
    const changeId = await call(m, 'PATCH', custom(`resources(${NEW_ID})`), { headers: { 'If-Match': '*' }, body: { id: CUSTOMER_1 } });
    expect(changeId.body.error.message).toMatch(/^The "id" cannot be changed\./);
  });

  test('a taken number is Internal_EntityWithSameKeyExists', async () => {
    const m = makeModule();
    const number = await call(m, 'POST', v2('customers'), { body: { number: '10000', displayName: 'Duplicate' } });
    expect(number.status).toBe(409);
    expect(number.body.error.code).toBe('Internal_EntityWithSameKeyExists');
    expect(number.body.error.message).toMatch(/No\.='10000'/);
    expect(m.data.count('customers')).toBe(2);
  });

  test('displayName is required and may not be blank', async () => {
    const m = makeModule();
    const missing = await call(m, 'POST', v2('customers'), { body: { city: 'Oslo' } });
    expect(missing.body.error).toMatchObject({ code: 'Application_DialogException' });
    expect(missing.body.error.message).toMatch(/^A "displayName" must be provided\./);
    const blank = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': '*' }, body: { displayName: '' } });
    expect(blank.body.error.message).toMatch(/^The blank "displayName" is not allowed\./);
  });

  test('enum captions are validated and listed', async () => {
    const m = makeModule();
    const r = await call(m, 'POST', v2('items'), { body: { displayName: 'Widget', type: 'Invalid Type' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('Application_EvaluateException');
    expect(r.body.error.message).toMatch(/^'Invalid Type' is not an option\. The existing options are: Inventory,Service,Non-Inventory {2}CorrelationId/);
  });

  test('text longer than the field is Application_StringExceededLength', async () => {
    const m = makeModule();
    const name = 'x'.repeat(101);
    const r = await call(m, 'POST', v2('customers'), { body: { displayName: name } });
    expect(r.body.error.code).toBe('Application_StringExceededLength');
    expect(r.body.error.message).toMatch(/^The length of the string is 101, but it must be less than or equal to 100 characters\./);
    const longNumber = await call(m, 'POST', v2('customers'), { body: { displayName: 'ok', number: 'N'.repeat(21) } });
    expect(longNumber.body.error.code).toBe('Application_StringExceededLength');
  });

  test('read-only and unknown properties, wrong types', async () => {
    const m = makeModule();
    const ro = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': '*' }, body: { lastModifiedDateTime: '2020-01-01T00:00:00Z' } });
    expect(ro.status).toBe(400);
    expect(ro.body.error.code).toBe('BadRequest_InvalidOperation');
    const unknown = await call(m, 'POST', v2('customers'), { body: { displayName: 'A', nickname: 'B' } });
    expect(unknown.body.error.message).toMatch(/^The property 'nickname' does not exist on type 'Microsoft\.NAV\.customer'\./);
    const type = await call(m, 'POST', v2('customers'), { body: { displayName: 'A', creditLimit: 'lots' } });
    expect(type.status).toBe(400);
    expect(type.body.error.code).toBe('BadRequest');
    expect(ro.body.error.message).toMatch(/^Control 'lastModifiedDateTime' is read-only/);
  });

  test('code/id pairs: either view, both must agree, LCY shows as the local currency code', async () => {
    const m = makeModule();
    const eur = await call(m, 'POST', v2('customers'), { body: { displayName: 'Euro customer', currencyCode: 'eur' } });
    expect(eur.body).toMatchObject({ currencyCode: 'EUR', currencyId: 'c0000000-0000-4000-8000-000000000001' });
    const lcy = await call(m, 'PATCH', v2(`customers(${eur.body.id})`), { headers: { 'If-Match': '*' }, body: { currencyCode: 'USD' } });
    expect(lcy.body).toMatchObject({ currencyCode: 'USD', currencyId: '00000000-0000-0000-0000-000000000000' });
    const mismatch = await call(m, 'POST', v2('customers'), {
      body: { displayName: 'X', currencyCode: 'USD', currencyId: 'c0000000-0000-4000-8000-000000000001' },
    });
    expect(mismatch.body.error.message).toMatch(/^The currency values do not match to a specific Currency\./);
    const unknown = await call(m, 'POST', v2('customers'), { body: { displayName: 'X', currencyCode: 'GBP' } });
    expect(unknown.body.error.message).toMatch(/^The "currencyCode" does not match to a Currency\./);
    const badSalesperson = await call(m, 'POST', v2('customers'), { body: { displayName: 'X', salespersonCode: 'ZZ' } });
    expect(badSalesperson.body.error.code).toBe('Internal_InvalidTableRelation');
  });

  test('renaming a customer number flows into its documents', async () => {
    const m = makeModule();
    const order = await call(m, 'POST', v2('salesOrders'), { body: { customerId: CUSTOMER_1 } });
    await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': '*' }, body: { number: 'C-ADATUM' } });
    expect(m.data.get('salesOrders', order.body.id)!.customerNumber).toBe('C-ADATUM');
  });

  test('custom API: a new item gets its unit group and base unit row; unit groups are read-only', async () => {
    const m = makeModule();
    const item = await call(m, 'POST', v2('items'), { body: { displayName: 'Lamp', baseUnitOfMeasureCode: 'PCS', unitPrice: 25 } });
    expect(item.body.number).toBe('1002');
    expect(item.body.baseUnitOfMeasureId).toBe('d0000000-0000-4000-8000-000000000001');
    const groups = await call(m, 'GET', custom(`unitGroups?$filter=sourceId eq ${item.body.id}`));
    expect(groups.body.value).toEqual([
      expect.objectContaining({ code: 'ITEM 1002 UOM GR', sourceType: 'Item', sourceNumber: '1002', description: 'Lamp' }),
    ]);
    const units = await call(m, 'GET', custom(`itemUnitsOfMeasure?$filter=itemId eq ${item.body.id}`));
    expect(units.body.value).toEqual([expect.objectContaining({ itemNumber: '1002', code: 'PCS', qtyPerUnitOfMeasure: 1 })]);
    const post = await call(m, 'POST', custom('unitGroups'), { body: { code: 'X' } });
    expect(post.status).toBe(405);
    const badUnit = await call(m, 'POST', custom('itemUnitsOfMeasure'), { body: { itemId: ITEM_1, code: 'BOX' } });
    expect(badUnit.body.error.code).toBe('Internal_InvalidTableRelation');
    const dupUnit = await call(m, 'POST', custom('itemUnitsOfMeasure'), { body: { itemNumber: '1000', code: 'PCS' } });
    expect(dupUnit.status).toBe(409);
    const noItem = await call(m, 'POST', custom('itemUnitsOfMeasure'), { body: { code: 'PCS' } });
    expect(noItem.body.error.message).toMatch(/^An "itemId" or an "itemNumber" must be provided\./);
  });

  test('custom API resources: number series, enum type, unit group', async () => {
    const m = makeModule();
    const r = await call(m, 'POST', custom('resources'), { body: { name: 'Anna', type: 'Person', baseUnitOfMeasureCode: 'PCS', unitPrice: 90 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ number: 'R0010', type: 'Person', blocked: false });
    expect(m.data.list('unitGroups').map((g) => g.code)).toContain('RESOURCE R0010 UOM GR');
    const prices = await call(m, 'POST', custom('priceListHeaders'), { body: { code: 'S00001', priceType: 'Sale', amountType: 'Price', status: 'Active' } });
    expect(prices.body).toMatchObject({ currencyCode: '', startingDate: '0001-01-01', allowUpdatingDefaults: false });
    const line = await call(m, 'POST', custom('priceListLines'), { body: { priceListCode: 'S00001', assetType: 'Item', assetNumber: '1000', unitPrice: 95 } });
    expect(line.body.lineNumber).toBe(10000);
  });

  test('data access acts as a person: it may set read-only fields and bumps lastModifiedDateTime', async () => {
    const clock = { now: Date.parse('2026-11-02T09:00:00.000Z') };
    const m = makeModule({}, clock);
    const order = await call(m, 'POST', v2('salesOrders'), { body: { customerId: CUSTOMER_1, salesOrderLines: [{ itemId: ITEM_1, quantity: 1 }] } });
    clock.now += 10;
    const released = m.data.update('salesOrders', order.body.id, { status: 'Open' });
    expect(released).toMatchObject({ status: 'Open', lastModifiedDateTime: '2026-11-02T09:00:00.010Z' });
    const inserted = m.data.insert('customers', { displayName: 'Walk-in', blocked: 'All' });
    expect(inserted.number).toBe('30000');
    const refused = await call(m, 'POST', v2('salesOrders'), { body: { customerId: inserted.id } });
    expect(refused.body.error.message).toMatch(/blocked with type All/);
    expect(() => m.data.list('accounts')).toThrow(/not a Business Central entity set/);
  });

  test('every stored resource carries id and, where tracked, lastModifiedDateTime', () => {
    for (const def of RESOURCES) {
      expect(def.fields.id).toBeDefined();
      if (def.tracksModified) expect(def.fields.lastModifiedDateTime).toMatchObject({ type: 'datetime', readOnly: true });
    }
  });
});

describe('seed loading', () => {
  test('the demo company loads; seeded balances show and move with postings', async () => {
    const seed = loadSeed('demo');
    const m = createBcModule({ now: () => Date.parse('2026-11-02T09:00:00.000Z'), tenantId: 't', environment: 'production', seed: seed.bc });
    const company = seed.bc.companies[0]!;
    expect(m.companyId).toBe(company.id);
    expect(m.companyName).toBe(company.name);
    for (const [set, records] of Object.entries(company.records)) {
      if (set === 'unitGroups' || set === 'itemUnitsOfMeasure' || set === 'resourceUnitsOfMeasure') {
        expect(m.data.count(set)).toBeGreaterThanOrEqual(records.length);
      } else {
        expect(m.data.count(set)).toBe(records.length);
      }
    }
    const seededCustomer = company.records.customers!.find((c) => (c.balanceDue as number) > 0)!;
    const details = await call(m, 'GET', `v2.0/companies(${m.companyId})/customerFinancialDetails(${seededCustomer.id as string})`);
    expect(details.body.balance).toBe(seededCustomer.balanceDue);
    const salesperson = company.records.salespeoplePurchasers![0]!;
    expect(m.data.get('salespeoplePurchasers', salesperson.id as string)!.eMail).toBe(salesperson.eMail);
  });

  test('the empty and scale seeds load; seeded codes of records the seed omits are kept as they are', () => {
    const empty = createBcModule({ now: () => 0, tenantId: 't', environment: 'production', seed: loadSeed('empty').bc });
    expect(empty.data.count('customers')).toBe(0);
    const scale = createBcModule({ now: () => 0, tenantId: 't', environment: 'production', seed: loadSeed('scale:50').bc });
    expect(scale.data.count('customers')).toBe(50);
    const seeded = createBcModule({
      now: () => 0,
      tenantId: 't',
      environment: 'production',
      seed: { companies: [{ id: COMPANY_ID, name: 'C', displayName: 'C', records: { customers: [{ id: NEW_ID, displayName: 'A', salespersonCode: 'ZZ' }] } }] },
    });
    expect(seeded.data.get('customers', NEW_ID)!.salespersonCode).toBe('ZZ');
  });

  test('a seed property the API does not have is reported with the set and record', () => {
    expect(() =>
      createBcModule({
        now: () => 0,
        tenantId: 't',
        environment: 'production',
        seed: { companies: [{ id: COMPANY_ID, name: 'C', displayName: 'C', records: { customers: [{ id: NEW_ID, displayName: 'A', nickname: 'B' }] } }] },
      }),
    ).toThrow(/customers 7b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f: 'nickname' is not a property of customers/);
  });
});
