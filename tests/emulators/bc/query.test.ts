import { describe, test, expect } from '@jest/globals';
import { call, makeModule, v2, custom, COMPANY_ID, CUSTOMER_1, CUSTOMER_2, ITEM_1 } from './helpers.js';

describe('reads (protocols.md §2.2, §2.3, §7.2)', () => {
  test('lastModifiedDateTime gt is strict, with millisecond precision', async () => {
    const clock = { now: Date.parse('2026-11-02T09:00:00.000Z') };
    const m = makeModule({}, clock);
    clock.now = Date.parse('2026-11-02T10:00:00.250Z');
    m.data.update('customers', CUSTOMER_2, { city: 'Chicago' });
    const watermark = '2026-11-02T10:00:00.250Z';
    const atMark = await call(m, 'GET', v2(`customers?$filter=lastModifiedDateTime gt ${watermark}`));
    expect(atMark.status).toBe(200);
    expect(atMark.body.value).toEqual([]);
    const justBefore = await call(m, 'GET', v2('customers?$filter=lastModifiedDateTime gt 2026-11-02T10:00:00.249Z'));
    expect(justBefore.body.value.map((c: { id: string }) => c.id)).toEqual([CUSTOMER_2]);
    expect(justBefore.body.value[0].lastModifiedDateTime).toBe(watermark);
  });

  test('a filter on an unknown property is a 400 naming it', async () => {
    const m = makeModule();
    const r = await call(m, 'GET', v2("customers?$filter=name eq 'Adatum'"));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BadRequest_NotFound');
    expect(r.body.error.message).toMatch(/^Could not find a property named 'name' on type 'Microsoft\.NAV\.customer'\./);
  });

  test('OR across two different fields is refused; OR on one field works', async () => {
    const m = makeModule();
    const refused = await call(m, 'GET', v2("customers?$filter=number eq '10000' or displayName eq 'Trey Research'"));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/The 'OR' operator is not supported on distinct fields/);
    const ok = await call(m, 'GET', v2("customers?$filter=number eq '10000' or number eq '20000'"));
    expect(ok.status).toBe(200);
    expect(ok.body.value).toHaveLength(2);
  });

  test('enums filter by caption, GUIDs bare, and $select returns only what was asked (plus the ETag)', async () => {
    const m = makeModule();
    const r = await call(m, 'GET', v2(`customers?$filter=blocked eq ' ' and id eq ${CUSTOMER_2}&$select=number,displayName`));
    expect(r.body['@odata.context']).toMatch(/\$metadata#companies\([0-9a-f-]+\)\/customers\(number,displayName\)$/);
    expect(r.body.value).toEqual([{ '@odata.etag': expect.any(String), number: '20000', displayName: 'Trey Research' }]);
  });

  test('$select of an unknown property and unknown query options are refused', async () => {
    const m = makeModule();
    expect((await call(m, 'GET', v2('customers?$select=nickname'))).status).toBe(400);
    expect((await call(m, 'GET', v2('customers?$search=adatum'))).status).toBe(400);
    expect((await call(m, 'GET', v2('customers?$expand=salesOrders'))).status).toBe(400);
  });

  test('$orderby and $top', async () => {
    const m = makeModule();
    const r = await call(m, 'GET', v2('customers?$orderby=displayName desc&$top=1&$select=displayName'));
    expect(r.body.value.map((c: { displayName: string }) => c.displayName)).toEqual(['Trey Research']);
    expect(r.body['@odata.nextLink']).toBeUndefined();
  });

  test('$expand of single-valued navigation properties', async () => {
    const m = makeModule();
    const r = await call(m, 'GET', v2(`customers(${CUSTOMER_1})?$expand=paymentTerm,currency,customerFinancialDetail`));
    expect(r.status).toBe(200);
    expect(r.body.paymentTerm.code).toBe('14 DAYS');
    expect(r.body.currency).toBeNull();
    expect(r.body.customerFinancialDetail).toMatchObject({ id: CUSTOMER_1, number: '10000', balance: 0 });
    const items = await call(m, 'GET', v2(`items(${ITEM_1})?$expand=unitOfMeasure($select=code)`));
    expect(items.body.unitOfMeasure).toEqual({ '@odata.etag': expect.any(String), code: 'PCS' });
  });

  test('entity sets by ?company=<id> and by company name; companies are listed and read-only', async () => {
    const m = makeModule();
    const byId = await call(m, 'GET', `v2.0/customers?company=${COMPANY_ID}`);
    expect(byId.body.value).toHaveLength(2);
    const byName = await call(m, 'GET', `v2.0/customers?company=${encodeURIComponent('Test Company')}`);
    expect(byName.body.value).toHaveLength(2);
    const noCompany = await call(m, 'GET', 'v2.0/customers');
    expect(noCompany.status).toBe(400);
    expect(noCompany.body.error.code).toBe('Internal_CompanyNotFound');
    const companies = await call(m, 'GET', 'v2.0/companies');
    expect(companies.body.value).toEqual([expect.objectContaining({ id: COMPANY_ID, name: 'Test Company', displayName: 'Test Company' })]);
    expect(m.companyId).toBe(COMPANY_ID);
    const post = await call(m, 'POST', 'v2.0/companies', { body: { name: 'New' } });
    expect(post.status).toBe(405);
    expect(post.body.error.code).toBe('BadRequest_MethodNotAllowed');
  });

  test('unknown entity sets and the custom API split: v2.0 has no resources, the custom API has no customers', async () => {
    const m = makeModule();
    const r1 = await call(m, 'GET', v2('resources'));
    expect(r1.status).toBe(404);
    expect(r1.body.error.code).toBe('BadRequest_ResourceNotFound');
    expect((await call(m, 'GET', custom('customers'))).status).toBe(404);
    expect((await call(m, 'GET', custom('unitGroups'))).status).toBe(200);
    expect((await call(m, 'GET', 'v2.0/companies(00000000-0000-4000-8000-000000000000)/customers')).status).toBe(404);
  });

  test('a GET of an unknown id is 404 Internal_RecordNotFound; a malformed key is 400', async () => {
    const m = makeModule();
    const missing = await call(m, 'GET', v2('customers(12345678-1234-4234-8234-123456789012)'));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('Internal_RecordNotFound');
    const malformed = await call(m, 'GET', v2("customers('10000')"));
    expect(malformed.status).toBe(400);
  });

  test('$count as a path segment answers a plain number', async () => {
    const m = makeModule();
    const r = await call(m, 'GET', v2("customers/$count?$filter=number eq '20000'"));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toBe('1');
  });

  test('$metadata describes the entity sets of each API root', async () => {
    const m = makeModule();
    const std = await call(m, 'GET', 'v2.0/$metadata');
    expect(std.status).toBe(200);
    expect(std.headers['content-type']).toBe('application/xml');
    expect(std.body).toContain('<EntitySet Name="customers" EntityType="Microsoft.NAV.customer" />');
    expect(std.body).toContain('<Property Name="displayName" Type="Edm.String" MaxLength="100" />');
    expect(std.body).not.toContain('EntitySet Name="unitGroups"');
    const own = await call(m, 'GET', 'bcsync/integration/v1.0/$metadata');
    expect(own.body).toContain('<EntitySet Name="unitGroups" EntityType="Microsoft.NAV.unitGroup" />');
  });
});
