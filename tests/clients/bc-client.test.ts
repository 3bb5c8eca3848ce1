import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { ApiError, ConfigError, ConflictError, NotFoundError, ResponseShapeError } from '../../src/errors.js';
import type { TokenSource } from '../../src/clients/auth/index.js';
import {
  BcClient,
  customers,
  items,
  salesOrderLines,
  salesOrders,
  shippingAgents,
  unitGroups,
  under,
  type BcOperation,
} from '../../src/clients/bc/index.js';
import { header, json, startServer, type RecordedRequest, type TestServer } from './helpers/server.js';

const COMPANY = 'f2a5738a-44e3-ea11-bb43-000d3a2feca1';
const ID = '11111111-44e3-ea11-bb43-000d3a2feca1';
const BASE = '/v2.0/contoso/production/api/v2.0';
let server: TestServer;
const clients: BcClient[] = [];
const tokens: TokenSource = { getToken: async (scope) => `token-for-${scope}`, invalidate: () => undefined };

function client(options: { maxPageSize?: number; batchSize?: number; companyId?: string | undefined } = {}): BcClient {
  const c = new BcClient({
    url: `${server.url}${BASE}`,
    companyId: 'companyId' in options ? options.companyId : COMPANY,
    tokens,
    clock: new ManualClock(),
    ...(options.maxPageSize !== undefined ? { maxPageSize: options.maxPageSize } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  clients.push(c);
  return c;
}

const customer = (n: number): Record<string, unknown> => ({
  '@odata.etag': `W/"JzE5OzEyMzQ1Njc4OTAxMjM0NTY3ODkwMTswMDsn"`,
  id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
  number: String(10000 + n),
  displayName: `Customer ${n}`,
  lastModifiedDateTime: '2024-06-01T10:00:00.603Z',
});

beforeAll(async () => {
  server = await startServer((_q, res) => json(res, 200, {}));
});
beforeEach(() => {
  server.requests.length = 0;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('reads', () => {
  test('company-scoped list with Prefer maxpagesize on every page and the BC scope token', async () => {
    const next = `${server.url}${BASE}/companies(${COMPANY})/customers?$skiptoken=abc`;
    server.setHandler((req, res) =>
      req.url.includes('skiptoken') ? json(res, 200, { value: [customer(2)] }) : json(res, 200, { value: [customer(1)], '@odata.nextLink': next }),
    );
    const numbers: string[] = [];
    for await (const page of client({ maxPageSize: 1 }).list(customers)) numbers.push(...page.map((c) => c.number ?? ''));
    expect(numbers).toEqual(['10001', '10002']);
    expect(server.requests.map((r) => r.url)).toEqual([`${BASE}/companies(${COMPANY})/customers`, `${BASE}/companies(${COMPANY})/customers?$skiptoken=abc`]);
    expect(server.requests.map((r) => header(r, 'prefer'))).toEqual(['odata.maxpagesize=1', 'odata.maxpagesize=1']);
    expect(header(server.requests[0] as RecordedRequest, 'authorization')).toBe('Bearer token-for-https://api.businesscentral.dynamics.com/.default');
  });

  test('$select always includes id; nested line paths; custom API base for custom resources', async () => {
    server.setHandler((_q, res) => json(res, 200, { value: [] }));
    const c = client();
    for await (const _p of c.list(customers, { select: ['displayName'], filter: 'lastModifiedDateTime gt 2024-06-01T10:00:00.603Z' })) {
      // drain
    }
    for await (const _p of c.list(under(salesOrders, ID, salesOrderLines))) {
      // drain
    }
    for await (const _p of c.list(unitGroups)) {
      // drain
    }
    expect(server.requests.map((r) => decodeURIComponent(r.url))).toEqual([
      `${BASE}/companies(${COMPANY})/customers?$select=id,displayName&$filter=lastModifiedDateTime gt 2024-06-01T10:00:00.603Z`,
      `${BASE}/companies(${COMPANY})/salesOrders(${ID})/salesOrderLines`,
      `/v2.0/contoso/production/api/bcsync/integration/v1.0/companies(${COMPANY})/unitGroups`,
    ]);
  });

  test('limits over the maximum are refused before sending; a company is required', () => {
    expect(() => client({ maxPageSize: 20_001 })).toThrow(/set maxPageSize to a whole number from 1 to 20,000/);
    expect(() => client({ batchSize: 101 })).toThrow(/set batchSize to a whole number from 1 to 100/);
    expect(() => client({ companyId: undefined }).list(customers)).toThrow(ConfigError);
    expect(server.requests).toHaveLength(0);
  });

  test('companies() lists without a company; unknown properties pass; missing ones are named', async () => {
    server.setHandler((_q, res) =>
      json(res, 200, { value: [{ id: COMPANY, name: 'CRONUS USA', displayName: 'CRONUS USA, Inc.', systemVersion: '24.0', newFeatureFlag: true }] }),
    );
    const companies = await client({ companyId: undefined }).companies();
    expect(companies[0]).toMatchObject({ id: COMPANY, name: 'CRONUS USA', newFeatureFlag: true });
    expect(server.requests[0]?.url).toBe(`${BASE}/companies`);

    server.setHandler((_q, res) => json(res, 200, { id: ID, number: '10000', lastModifiedDateTime: '2024-06-01T10:00:00.000Z' }));
    const err = await client().get(customers, ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect(err).toMatchObject({ resource: 'customers', recordId: ID, property: 'displayName' });
  });
});

describe('writes', () => {
  test('create posts the body and returns the record BC made; only the custom API is sent a chosen id', async () => {
    server.setHandler((req, res) => json(res, 201, { ...customer(5), ...(JSON.parse(req.body) as object) }));
    const created = await client().create(customers, { displayName: 'Adatum' });
    expect(created).toMatchObject({ id: customer(5).id, displayName: 'Adatum' });
    expect(server.requests[0]?.method).toBe('POST');
    expect(header(server.requests[0] as RecordedRequest, 'content-type')).toBe('application/json');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ displayName: 'Adatum' });

    // The standard API refuses `id` (a read-only control): the client fails before sending, with what to do.
    await expect(client().create(customers, { id: ID, displayName: 'Adatum' })).rejects.toThrow(/^POST customers: the standard Business Central API v2\.0 assigns the id itself/);
    await expect(client().batch([{ kind: 'create', target: customers, body: { id: ID, displayName: 'A' } }])).rejects.toThrow(/assigns the id itself/);
    expect(server.requests).toHaveLength(1);

    const agent = await client().create(shippingAgents, { id: ID, code: 'DHL' });
    expect(agent.id).toBe(ID);
    expect(server.requests[1]?.url).toContain('/bcsync/integration/v1.0/');
    expect(JSON.parse(server.requests[1]!.body)).toEqual({ id: ID, code: 'DHL' });
  });

  test('a custom-API create with our own id whose answer was lost is repeated, then read back', async () => {
    let posts = 0;
    server.setHandler((req, res, raw) => {
      if (req.method === 'GET') {
        json(res, 200, { ...customer(1), id: ID, code: 'DHL', name: '' });
        return;
      }
      posts += 1;
      if (posts === 1) {
        raw.socket.destroy();
        return;
      }
      json(res, 409, { error: { code: 'Internal_EntityWithSameKeyExists', message: 'The record in table Shipping Agent already exists.  CorrelationId:  x.' } });
    });
    const created = await client().create(shippingAgents, { id: ID, code: 'DHL' });
    expect(created.id).toBe(ID);
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);

    // A create without our own id is never repeated.
    server.requests.length = 0;
    posts = 0;
    await expect(client().create(customers, { displayName: 'A' })).rejects.toThrow(/outcome is unknown/);
    expect(server.requests.map((r) => r.method)).toEqual(['POST']);
  });

  test('update and delete always send If-Match; an empty etag is refused before sending', async () => {
    server.setHandler((req, res) => {
      if (req.method === 'DELETE') {
        res.writeHead(204);
        res.end();
      } else json(res, 200, customer(1));
    });
    const c = client();
    await c.update(customers, ID, { displayName: 'X' }, 'W/"abc"');
    await c.delete(customers, ID, '*');
    expect(server.requests.map((r) => [r.method, r.url, header(r, 'if-match')])).toEqual([
      ['PATCH', `${BASE}/companies(${COMPANY})/customers(${ID})`, 'W/"abc"'],
      ['DELETE', `${BASE}/companies(${COMPANY})/customers(${ID})`, '*'],
    ]);
    server.requests.length = 0;
    await expect(c.update(customers, ID, {}, '')).rejects.toThrow(/needs an If-Match value/);
    await expect(c.delete(customers, ID, ' ')).rejects.toThrow(/needs an If-Match value/);
    expect(server.requests).toHaveLength(0);
  });

  test('bound actions post to Microsoft.NAV.<name>', async () => {
    server.setHandler((_q, res) => {
      res.writeHead(204);
      res.end();
    });
    await client().action(salesOrders, ID, 'shipAndInvoice');
    await client().action(salesOrders, ID, 'Microsoft.NAV.shipAndInvoice');
    expect(server.requests.map((r) => r.url)).toEqual([
      `${BASE}/companies(${COMPANY})/salesOrders(${ID})/Microsoft.NAV.shipAndInvoice`,
      `${BASE}/companies(${COMPANY})/salesOrders(${ID})/Microsoft.NAV.shipAndInvoice`,
    ]);
    await expect(client().action(salesOrders, ID, 'ship/../x')).rejects.toThrow(/not a bound action name/);
  });

  test('BC error bodies become typed errors; the CorrelationId becomes the request id', async () => {
    const bcError = (status: number, code: string, message: string) => () =>
      server.setHandler((_q, res) => json(res, status, { error: { code, message: `${message}  CorrelationId:  0b4f0a3c-1b2d-4c5e-8f90-123456789abc.` } }));
    bcError(409, 'Request_EntityChanged', 'Another user has already changed the record.')();
    const conflict = await client().update(customers, ID, {}, 'W/"old"').catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ status: 409, serviceCode: 'Request_EntityChanged', requestId: '0b4f0a3c-1b2d-4c5e-8f90-123456789abc', api: 'bc' });

    bcError(400, 'BadRequest_InvalidToken', 'Could not validate the client concurrency token required by the service.')();
    const noEtag = await client().update(customers, ID, {}, '*').catch((e: unknown) => e);
    expect(noEtag).toBeInstanceOf(ApiError);
    expect((noEtag as Error).message).toMatch(/without a valid If-Match .*send the record's @odata.etag/);

    bcError(404, 'Internal_RecordNotFound', 'The Customer does not exist.')();
    await expect(client().get(customers, ID)).rejects.toBeInstanceOf(NotFoundError);

    bcError(413, 'Unknown', 'The page size is too large.')();
    await expect(client().get(customers, ID)).rejects.toThrow(/lower the page size \(at most 20,000\)/);
  });
});

describe('JSON $batch', () => {
  /** Echoes every request of a JSON batch as success. */
  const echo = (req: RecordedRequest, res: Parameters<Parameters<typeof server.setHandler>[0]>[1]): void => {
    const body = JSON.parse(req.body) as { requests: Array<{ id: string; method: string; body?: Record<string, unknown> }> };
    json(res, 200, {
      responses: body.requests.map((r, i) => ({
        id: r.id,
        status: r.method === 'POST' ? 201 : 200,
        headers: { 'content-type': 'application/json' },
        body: { ...customer(i), ...r.body },
      })),
    });
  };

  test('250 creates are exactly 3 batches of at most 100, with relative URLs', async () => {
    server.setHandler(echo);
    const ops: BcOperation[] = Array.from({ length: 250 }, (_, i) => ({ kind: 'create', target: customers, body: { displayName: `C${i}` } }));
    const results = await client().batch(ops);
    expect(results).toHaveLength(250);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requests.map((r) => [r.method, r.url])).toEqual(Array.from({ length: 3 }, () => ['POST', `${BASE}/$batch`]));
    const sizes = server.requests.map((r) => (JSON.parse(r.body) as { requests: unknown[] }).requests.length);
    expect(sizes).toEqual([100, 100, 50]);
    const first = (JSON.parse(server.requests[0]?.body ?? '') as { requests: Array<Record<string, unknown>> }).requests[0];
    expect(first).toEqual({
      id: '1',
      method: 'POST',
      url: `companies(${COMPANY})/customers`,
      headers: { 'Content-Type': 'application/json' },
      body: { displayName: 'C0' },
    });
    expect(header(server.requests[0] as RecordedRequest, 'accept')).toBe('application/json');
    expect(results[249]?.body).toMatchObject({ displayName: 'C249' });
  });

  test('atomic batches send Isolation: snapshot and mark earlier successes rolled back on failure', async () => {
    server.setHandler((_q, res) =>
      json(res, 200, {
        responses: [
          { id: '1', status: 201, headers: {}, body: customer(1) },
          { id: '2', status: 409, headers: {}, body: { error: { code: 'Request_EntityChanged', message: 'Another user has already changed the record.' } } },
        ],
      }),
    );
    const results = await client().batch(
      [
        { kind: 'create', target: customers, body: { displayName: 'A' } },
        { kind: 'update', target: items, id: ID, body: { displayName: 'B' }, etag: 'W/"x"' },
      ],
      { atomic: true },
    );
    expect(header(server.requests[0] as RecordedRequest, 'isolation')).toBe('snapshot');
    expect(results.map((r) => [r.ok, r.outcome])).toEqual([
      [false, 'rolled-back'],
      [false, 'failed'],
    ]);
    expect(results[1]?.error).toBeInstanceOf(ConflictError);
    const ops = (JSON.parse(server.requests[0]?.body ?? '') as { requests: Array<{ headers?: Record<string, string> }> }).requests;
    expect(ops[1]?.headers?.['If-Match']).toBe('W/"x"');
  });

  test('standard and custom API operations go to their own $batch endpoints', async () => {
    server.setHandler(echo);
    const results = await client().batch(
      [
        { kind: 'create', target: customers, body: { displayName: 'A' } },
        { kind: 'create', target: unitGroups, body: { code: 'ITEM 1 UOM GR' } },
      ],
      { continueOnError: true },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(server.requests.map((r) => r.url).sort()).toEqual(['/v2.0/contoso/production/api/bcsync/integration/v1.0/$batch', `${BASE}/$batch`]);
    expect(server.requests.every((r) => header(r, 'prefer') === 'odata.continue-on-error')).toBe(true);
    await expect(
      client().batch([
        { kind: 'create', target: customers, body: {} },
        { kind: 'create', target: unitGroups, body: {} },
      ], { atomic: true }),
    ).rejects.toThrow(/cannot mix standard API v2.0 and custom API operations/);
  });

  test('an over-size batch answer from the service is a typed error', async () => {
    server.setHandler((_q, res) =>
      json(res, 400, {
        error: {
          code: 'Unknown',
          message: "The current batch message contains too many parts. A maximum number of '100' query operations and change sets are allowed in a batch message. CorrelationId: 0b4f0a3c-1b2d-4c5e-8f90-123456789abc.",
        },
      }),
    );
    const err = await client().batch([{ kind: 'get', target: customers, id: ID }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ serviceCode: 'Unknown', requestId: '0b4f0a3c-1b2d-4c5e-8f90-123456789abc' });
  });
});
