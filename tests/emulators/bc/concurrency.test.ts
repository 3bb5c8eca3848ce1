import { describe, test, expect } from '@jest/globals';
import { call, makeModule, v2, CUSTOMER_1 } from './helpers.js';

const CORRELATION = / {2}CorrelationId: {2}[0-9a-f-]{36}\.$/;

describe('ETags and If-Match (protocols.md §2.5)', () => {
  test('PATCH without If-Match is refused exactly as BC refuses it', async () => {
    const m = makeModule();
    const r = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { body: { displayName: 'X' } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(Object.keys(r.body.error)).toEqual(['code', 'message']);
    expect(r.body.error.code).toBe('BadRequest_InvalidToken');
    expect(r.body.error.message).toMatch(
      /^Could not validate the client concurrency token required by the service\. Please provide a valid token in the client request\. {2}CorrelationId: {2}[0-9a-f-]{36}\.$/,
    );
    expect(m.data.get('customers', CUSTOMER_1)!.displayName).toBe('Adatum');
  });

  test('DELETE without If-Match is refused the same way', async () => {
    const m = makeModule();
    const r = await call(m, 'DELETE', v2(`customers(${CUSTOMER_1})`));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BadRequest_InvalidToken');
    expect(m.data.get('customers', CUSTOMER_1)).toBeDefined();
  });

  test('a stale ETag gives 409 Request_EntityChanged; the current one succeeds and changes the ETag', async () => {
    const m = makeModule();
    const first = await call(m, 'GET', v2(`customers(${CUSTOMER_1})`));
    const etag = first.body['@odata.etag'] as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
    expect(first.headers.etag).toBe(etag);
    expect(Buffer.from(etag.slice(3, -1), 'base64').toString('utf8')).toMatch(/^'\d+;\d+;00;'$/);

    const ok = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': etag }, body: { displayName: 'Adatum Corp' } });
    expect(ok.status).toBe(200);
    expect(ok.body.displayName).toBe('Adatum Corp');
    expect(ok.body['@odata.etag']).not.toBe(etag);
    expect(ok.headers.etag).toBe(ok.body['@odata.etag']);

    const stale = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': etag }, body: { displayName: 'Lost update' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('Request_EntityChanged');
    expect(stale.body.error.message).toMatch(/^Another user has already changed the record\./);
    expect(stale.body.error.message).toMatch(CORRELATION);

    const staleDelete = await call(m, 'DELETE', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': etag } });
    expect(staleDelete.status).toBe(409);
    expect(m.data.get('customers', CUSTOMER_1)!.displayName).toBe('Adatum Corp');
  });

  test('a change by a person in BC makes the client ETag stale', async () => {
    const clock = { now: Date.parse('2026-11-02T09:00:00.000Z') };
    const m = makeModule({}, clock);
    const read = await call(m, 'GET', v2(`customers(${CUSTOMER_1})`));
    clock.now += 1234;
    const edited = m.data.update('customers', CUSTOMER_1, { city: 'Atlanta' });
    expect(edited.lastModifiedDateTime).toBe('2026-11-02T09:00:01.234Z');
    expect(edited['@odata.etag']).not.toBe(read.body['@odata.etag']);
    const r = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': read.body['@odata.etag'] }, body: { city: 'Boston' } });
    expect(r.status).toBe(409);
  });

  test('If-Match: * always matches; DELETE answers 204 and the record is gone', async () => {
    const m = makeModule();
    const patched = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': '*' }, body: { city: 'Seattle' } });
    expect(patched.status).toBe(200);
    const del = await call(m, 'DELETE', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': '*' } });
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    const gone = await call(m, 'GET', v2(`customers(${CUSTOMER_1})`));
    expect(gone.status).toBe(404);
  });

  test('PATCH to an id that does not exist is 404, never an upsert', async () => {
    const m = makeModule();
    const id = '99999999-9999-4999-8999-999999999999';
    const r = await call(m, 'PATCH', v2(`customers(${id})`), { headers: { 'If-Match': '*' }, body: { displayName: 'Ghost' } });
    expect(r.status).toBe(404);
    expect(m.data.get('customers', id)).toBeUndefined();
    expect(m.data.count('customers')).toBe(2);
  });

  test('PATCH on a collection URL is BadRequest_MethodNotAllowed', async () => {
    const m = makeModule();
    const r = await call(m, 'PATCH', v2('customers'), { headers: { 'If-Match': '*' }, body: { displayName: 'All' } });
    expect(r.status).toBe(405);
    expect(r.body.error.code).toBe('BadRequest_MethodNotAllowed');
  });

  test('a PATCH that changes nothing keeps the ETag and lastModifiedDateTime', async () => {
    const clock = { now: Date.parse('2026-11-02T09:00:00.000Z') };
    const m = makeModule({}, clock);
    const before = m.data.get('customers', CUSTOMER_1)!;
    clock.now += 5000;
    const r = await call(m, 'PATCH', v2(`customers(${CUSTOMER_1})`), { headers: { 'If-Match': '*' }, body: { displayName: 'Adatum' } });
    expect(r.body['@odata.etag']).toBe(before['@odata.etag']);
    expect(r.body.lastModifiedDateTime).toBe(before.lastModifiedDateTime);
  });
});
