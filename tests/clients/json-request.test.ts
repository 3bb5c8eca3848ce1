import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { ManualClock } from '../../src/clock.js';
import { BcsyncError, ConfigError, ResponseShapeError } from '../../src/errors.js';
import { HttpTransport, JsonRequester, checkLimit, listArguments, type AuthHook } from '../../src/clients/http/index.js';
import type { ErrorAnswer } from '../../src/clients/service-error.js';
import { header, json, startServer, type Handler, type TestServer } from './helpers/server.js';

let server: TestServer;
let transport: HttpTransport;
const mapped: Array<{ answer: ErrorAnswer; action: string }> = [];

const auth: AuthHook = {
  authorization: () => Promise.resolve('Bearer test-token'),
  invalidate: () => undefined,
};

function requester(): JsonRequester {
  return new JsonRequester({
    transport,
    auth,
    headers: { Accept: 'application/json', 'OData-Version': '4.0' },
    toError: (answer, action) => {
      mapped.push({ answer, action });
      return new BcsyncError(`mapped ${answer.status} for ${action}`);
    },
  });
}

const empty: Handler = (_req, res) => json(res, 200, { value: [] });

beforeAll(async () => {
  server = await startServer(empty);
  transport = new HttpTransport({ api: 'dataverse', baseUrl: server.url, clock: new ManualClock() });
});

beforeEach(() => {
  server.requests.length = 0;
  mapped.length = 0;
  server.setHandler(empty);
});

afterAll(async () => {
  await transport.close();
  await server.close();
});

describe('JsonRequester.exchange', () => {
  test('sends the API headers, the request headers over them, an object body as JSON, and the Authorization of the auth hook', async () => {
    const res = await requester().exchange({
      method: 'POST',
      url: `${server.url}/accounts`,
      kind: 'create',
      headers: { 'OData-Version': '4.01', Prefer: 'return=representation' },
      body: { name: 'Fabrikam' },
    });
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/accounts');
    expect(header(sent, 'Accept')).toBe('application/json');
    expect(header(sent, 'OData-Version')).toBe('4.01');
    expect(header(sent, 'Prefer')).toBe('return=representation');
    expect(header(sent, 'Content-Type')).toBe('application/json');
    expect(header(sent, 'Authorization')).toBe('Bearer test-token');
    expect(JSON.parse(sent.body)).toEqual({ name: 'Fabrikam' });
  });

  test('a string body goes as it is, with its own Content-Type; an error status comes back without mapping', async () => {
    server.setHandler((_req, res) => json(res, 400, { error: { code: 'x', message: 'bad' } }));
    const res = await requester().exchange({
      method: 'POST',
      url: `${server.url}/$batch`,
      kind: 'batch',
      headers: { 'Content-Type': 'multipart/mixed; boundary=b1' },
      body: '--b1--',
    });
    expect(res.status).toBe(400);
    expect(mapped).toHaveLength(0);
    const sent = server.requests[0]!;
    expect(header(sent, 'Content-Type')).toBe('multipart/mixed; boundary=b1');
    expect(sent.body).toBe('--b1--');
  });

  test('without a body no Content-Type is sent', async () => {
    await requester().exchange({ method: 'GET', url: `${server.url}/accounts`, kind: 'read' });
    expect(header(server.requests[0]!, 'Content-Type')).toBeUndefined();
    expect(server.requests[0]!.body).toBe('');
  });
});

describe('JsonRequester.send', () => {
  test('an error status throws what the API error mapper makes of the parsed answer and the action', async () => {
    server.setHandler((_req, res) => json(res, 404, { error: { code: '0x80040217', message: 'Does Not Exist' } }));
    await expect(requester().send({ method: 'GET', url: `${server.url}/accounts(1)`, kind: 'read' }, 'GET accounts(1)')).rejects.toThrow(
      'mapped 404 for GET accounts(1)',
    );
    expect(mapped).toHaveLength(1);
    expect(mapped[0]?.action).toBe('GET accounts(1)');
    expect(mapped[0]?.answer.status).toBe(404);
    expect(mapped[0]?.answer.body).toEqual({ error: { code: '0x80040217', message: 'Does Not Exist' } });
  });
});

describe('JsonRequester.rows', () => {
  test('follows nextLinks (relative ones against the service root) with the same headers, turning each row', async () => {
    server.setHandler((req, res) => {
      if (req.url.startsWith('/api/items?page=2')) json(res, 200, { value: [{ n: 3 }] });
      else json(res, 200, { value: [{ n: 1 }, { n: 2 }], '@odata.nextLink': 'items?page=2' });
    });
    const pages: number[][] = [];
    const read = { url: `${server.url}/api/items`, headers: { Prefer: 'odata.maxpagesize=2' }, serviceRoot: `${server.url}/api`, action: 'GET items', resource: 'items' };
    for await (const page of requester().rows(read, (row) => (row as { n: number }).n * 10)) pages.push(page);
    expect(pages).toEqual([[10, 20], [30]]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/items', '/api/items?page=2']);
    expect(server.requests.map((r) => header(r, 'Prefer'))).toEqual(['odata.maxpagesize=2', 'odata.maxpagesize=2']);
  });

  test('an answer that is not a collection is a ResponseShapeError naming the resource', async () => {
    server.setHandler((_req, res) => json(res, 200, { rows: [] }));
    const read = { url: `${server.url}/items`, headers: {}, serviceRoot: server.url, action: 'GET items', resource: 'items' };
    const consume = async (): Promise<void> => {
      for await (const page of requester().rows(read, (row) => row)) expect(page).toBeUndefined();
    };
    const error = await consume().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect((error as Error).message).toContain('items');
  });

  test('a failing page goes through the error mapper with the read action', async () => {
    server.setHandler((_req, res) => json(res, 400, { error: { code: 'BadRequest', message: 'bad filter' } }));
    const read = { url: `${server.url}/items`, headers: {}, serviceRoot: server.url, action: 'GET items', resource: 'items' };
    const consume = async (): Promise<void> => {
      for await (const page of requester().rows(read, (row) => row)) expect(page).toBeUndefined();
    };
    await expect(consume()).rejects.toThrow('mapped 400 for GET items');
    expect(mapped.map((m) => m.action)).toEqual(['GET items']);
    expect(server.requests).toHaveLength(1);
  });
});

describe('checkLimit and listArguments', () => {
  test('checkLimit accepts whole numbers from 1 to the maximum and names the setting otherwise', () => {
    expect(checkLimit('Dataverse page size', 'maxPageSize', 5000, 5000)).toBe(5000);
    expect(checkLimit('Dataverse page size', 'maxPageSize', 1, 5000)).toBe(1);
    expect(() => checkLimit('Dataverse page size', 'maxPageSize', 5001, 5000)).toThrow(ConfigError);
    expect(() => checkLimit('Dataverse page size', 'maxPageSize', 0, 5000)).toThrow('set maxPageSize to a whole number from 1 to 5,000');
    expect(() => checkLimit('Dataverse page size', 'maxPageSize', 2.5, 5000)).toThrow(ConfigError);
  });

  test('listArguments tells a schema from options', () => {
    const schema = z.looseObject({ id: z.string() });
    expect(listArguments(schema, { maxPageSize: 3 })).toEqual({ schema, options: { maxPageSize: 3 } });
    expect(listArguments({ maxPageSize: 7 }, undefined)).toEqual({ schema: undefined, options: { maxPageSize: 7 } });
    expect(listArguments(undefined, undefined)).toEqual({ schema: undefined, options: undefined });
  });
});

describe('JsonRequester.collection', () => {
  test("the next page's request is on the wire, on the same keep-alive connection, before the reader works on this page", async () => {
    const pages = 4;
    const own = await startServer(empty);
    const connections = new Set<unknown>();
    own.setHandler((req, res, raw) => {
      connections.add(raw.socket);
      const n = Number(new URL(req.url, own.url).searchParams.get('page') ?? '1');
      const rows = Array.from({ length: 2000 }, (_, i) => ({ id: `${n}-${i}`, name: 'x'.repeat(200) }));
      json(res, 200, { value: rows, ...(n < pages ? { '@odata.nextLink': `${own.url}/accounts?page=${n + 1}` } : {}) });
    });
    const own_transport = new HttpTransport({ api: 'dataverse', baseUrl: own.url, clock: new ManualClock() });
    const reader = new JsonRequester({ transport: own_transport, auth, headers: { Accept: 'application/json' }, toError: (a) => new BcsyncError(`status ${a.status}`) });
    try {
      const seenWhenWorking: number[] = [];
      for await (const page of reader.collection({ url: `${own.url}/accounts?page=1`, headers: {}, serviceRoot: own.url, action: 'GET accounts', resource: 'accounts' })) {
        // What the server had received when the reader starts on this page (work that never waits, as planning).
        seenWhenWorking.push(own.requests.length);
        expect(page.value).toHaveLength(2000);
      }
      expect(seenWhenWorking).toEqual([2, 3, 4, 4]);
      expect(connections.size).toBe(1);
    } finally {
      await own_transport.close();
      await own.close();
    }
  });
});
