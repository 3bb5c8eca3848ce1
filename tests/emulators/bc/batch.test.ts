import { describe, test, expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { call, makeModule, v2, COMPANY_ID, CUSTOMER_1 } from './helpers.js';

const customersUrl = `companies(${COMPANY_ID})/customers`;

function createOps(n: number, offset = 0): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${offset + i}`,
    method: 'POST',
    url: customersUrl,
    headers: { 'Content-Type': 'application/json' },
    body: { displayName: `Batch customer ${offset + i}` },
  }));
}

describe('JSON $batch (protocols.md §3.2)', () => {
  test('250 creates go in exactly 3 batches of at most 100, each answered per operation with the ids echoed', async () => {
    const m = makeModule();
    const before = m.data.count('customers');
    const sizes = [100, 100, 50];
    let offset = 0;
    let batches = 0;
    for (const size of sizes) {
      const r = await call(m, 'POST', 'v2.0/$batch', { body: { requests: createOps(size, offset) } });
      batches++;
      expect(r.status).toBe(200);
      expect(r.operations).toBe(size);
      const responses = r.body.responses as Array<{ id: string; status: number; body: { id: string; number: string } }>;
      expect(responses).toHaveLength(size);
      expect(responses.map((x) => x.id)).toEqual(Array.from({ length: size }, (_, i) => `c${offset + i}`));
      expect(responses.every((x) => x.status === 201)).toBe(true);
      offset += size;
    }
    expect(batches).toBe(3);
    expect(m.data.count('customers')).toBe(before + 250);
    // Number series continue after the seeded 10000 and 20000.
    const numbers = m.data.list('customers').map((c) => c.number as string);
    expect(numbers).toContain('30000');
    expect(numbers).toContain(String(20000 + 250 * 10000));
  });

  test('101 operations are refused as BC refuses them', async () => {
    const m = makeModule();
    const r = await call(m, 'POST', 'v2.0/$batch', { body: { requests: createOps(101) } });
    expect(r.status).toBe(400);
    expect(r.operations).toBe(101);
    expect(r.body.error.code).toBe('Unknown');
    expect(r.body.error.message).toMatch(
      /^The current batch message contains too many parts\. A maximum number of '100' query operations and change sets are allowed in a batch message\. {2}CorrelationId: {2}[0-9a-f-]{36}\.$/,
    );
    expect(m.data.count('customers')).toBe(2);
  });

  test('by default processing stops at the first failing operation; the batch itself answers 200', async () => {
    const m = makeModule();
    const requests = [...createOps(2), { id: 'bad', method: 'POST', url: customersUrl, body: { displayName: '' } }, ...createOps(2, 10)];
    const r = await call(m, 'POST', 'v2.0/$batch', { body: { requests } });
    expect(r.status).toBe(200);
    const responses = r.body.responses as Array<{ id: string; status: number; body: { error?: { code: string } } }>;
    expect(responses.map((x) => [x.id, x.status])).toEqual([
      ['c0', 201],
      ['c1', 201],
      ['bad', 400],
    ]);
    expect(responses[2]!.body.error!.code).toBe('Application_DialogException');
    expect(m.data.count('customers')).toBe(4);
  });

  test('Prefer: odata.continue-on-error runs every operation', async () => {
    const m = makeModule();
    const requests = [...createOps(1), { id: 'bad', method: 'POST', url: customersUrl, body: { displayName: '' } }, ...createOps(2, 10)];
    const r = await call(m, 'POST', 'v2.0/$batch', { headers: { Prefer: 'odata.continue-on-error' }, body: { requests } });
    const statuses = (r.body.responses as Array<{ status: number }>).map((x) => x.status);
    expect(statuses).toEqual([201, 400, 201, 201]);
    expect(m.data.count('customers')).toBe(5);
  });

  test('Isolation: snapshot rolls back the operations that succeeded before a failure', async () => {
    const m = makeModule();
    const original = m.data.get('customers', CUSTOMER_1)!;
    const requests = [
      ...createOps(3),
      { id: 'patch', method: 'PATCH', url: `${customersUrl}(${CUSTOMER_1})`, headers: { 'If-Match': '*' }, body: { displayName: 'Renamed' } },
      { id: 'bad', method: 'POST', url: customersUrl, body: { displayName: 'x', blocked: 'Sometimes' } },
    ];
    const r = await call(m, 'POST', 'v2.0/$batch', { headers: { Isolation: 'snapshot' }, body: { requests } });
    expect(r.status).toBe(200);
    const responses = r.body.responses as Array<{ status: number; body: { error?: { code: string; message: string } } }>;
    // The earlier responses still show success; their effects are gone.
    expect(responses.map((x) => x.status)).toEqual([201, 201, 201, 200, 400]);
    expect(responses[4]!.body.error!.code).toBe('Application_EvaluateException');
    expect(m.data.count('customers')).toBe(2);
    const after = m.data.get('customers', CUSTOMER_1)!;
    expect(after.displayName).toBe('Adatum');
    expect(after['@odata.etag']).toBe(original['@odata.etag']);
    // Number series roll back with the transaction: the next customer still gets 30000.
    const next = await call(m, 'POST', v2('customers'), { body: { displayName: 'After rollback' } });
    expect(next.body.number).toBe('30000');
  });

  test('without Isolation the operations before a failure stay', async () => {
    const m = makeModule();
    const requests = [...createOps(3), { id: 'bad', method: 'POST', url: customersUrl, body: { displayName: 'x', blocked: 'Sometimes' } }];
    await call(m, 'POST', 'v2.0/$batch', { body: { requests } });
    expect(m.data.count('customers')).toBe(5);
  });

  test('dependsOn: an operation whose dependency failed is not run (424)', async () => {
    const m = makeModule();
    // A chosen id lets a later operation address the new record: the custom API accepts one (Insert(true, true)).
    const id = randomUUID();
    const agentsUrl = `companies(${COMPANY_ID})/shippingAgents`;
    const requests = [
      { id: 'a', method: 'POST', url: agentsUrl, body: { id, code: 'A' } },
      { id: 'b', method: 'PATCH', url: `${agentsUrl}(${id})`, headers: { 'If-Match': '*' }, body: { name: 'A2' }, dependsOn: ['a'] },
      { id: 'c', method: 'POST', url: agentsUrl, body: { code: '' } },
      { id: 'd', method: 'POST', url: agentsUrl, body: { code: 'D' }, dependsOn: ['c'] },
      { id: 'e', method: 'GET', url: `${agentsUrl}(${id})?$select=name` },
    ];
    const r = await call(m, 'POST', 'bcsync/integration/v1.0/$batch', { headers: { Prefer: 'odata.continue-on-error' }, body: { requests } });
    const responses = r.body.responses as Array<{ id: string; status: number; body: Record<string, unknown> }>;
    expect(responses.map((x) => [x.id, x.status])).toEqual([
      ['a', 201],
      ['b', 200],
      ['c', 400],
      ['d', 424],
      ['e', 200],
    ]);
    expect(responses[4]!.body.name).toBe('A2');
    expect(r.rows).toBe(1 + 1 + 1);
  });

  test('a dependsOn that names no earlier request refuses the batch', async () => {
    const m = makeModule();
    const requests = [{ id: 'a', method: 'POST', url: customersUrl, body: { displayName: 'A' }, dependsOn: ['z'] }];
    const r = await call(m, 'POST', 'v2.0/$batch', { body: { requests } });
    expect(r.status).toBe(400);
    expect(m.data.count('customers')).toBe(2);
  });

  test('inner answers carry headers, ETags and BC error bodies; absolute URLs work too', async () => {
    const m = makeModule();
    const requests = [
      { id: '1', method: 'GET', url: `http://127.0.0.1:7048/v2.0/tenant-1/production/api/v2.0/${customersUrl}(${CUSTOMER_1})` },
      { id: '2', method: 'PATCH', url: `${customersUrl}(${CUSTOMER_1})`, body: { displayName: 'No token' } },
    ];
    const r = await call(m, 'POST', 'v2.0/$batch', { headers: { Prefer: 'odata.continue-on-error' }, body: { requests } });
    const [get, patch] = r.body.responses as Array<{ status: number; headers: Record<string, string>; body: Record<string, any> }>;
    expect(get!.status).toBe(200);
    expect(get!.headers['content-type']).toBe('application/json; odata.metadata=minimal');
    expect(get!.headers.etag).toBe(get!.body['@odata.etag']);
    expect(patch!.status).toBe(400);
    expect(patch!.body.error.code).toBe('BadRequest_InvalidToken');
  });

  test('the custom API has its own $batch with URLs relative to its root', async () => {
    const m = makeModule();
    const requests = [
      { id: '1', method: 'POST', url: `companies(${COMPANY_ID})/shippingAgents`, body: { code: 'dhl', name: 'DHL Express' } },
      { id: '2', method: 'GET', url: `companies(${COMPANY_ID})/shippingAgents` },
    ];
    const r = await call(m, 'POST', 'bcsync/integration/v1.0/$batch', { body: { requests } });
    const responses = r.body.responses as Array<{ status: number; body: Record<string, any> }>;
    expect(responses[0]!.status).toBe(201);
    expect(responses[0]!.body.code).toBe('DHL');
    expect(responses[1]!.body.value).toHaveLength(1);
  });
});
