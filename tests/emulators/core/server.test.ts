import { describe, test, expect, afterEach } from '@jest/globals';
import { request } from 'undici';
import { startApiServer, type RunningApiServer, type StartApiServerOptions } from '../../../src/emulators/core/server.js';
import { RequestLog } from '../../../src/emulators/core/request-log.js';
import { createRng } from '../../../src/emulators/core/rng.js';
import { TokenRegistry } from '../../../src/emulators/token/registry.js';
import type { FaultRule } from '../../../src/emulators/types.js';
import type { EmuRequest } from '../../../src/emulators/core/http-types.js';
import { testModule, gate, until } from './helpers.js';

const AUDIENCE = 'https://org.example.test';

interface Harness {
  server: RunningApiServer;
  log: RequestLog;
  tokens: TokenRegistry;
  token: string;
  clock: { t: number };
  faults: FaultRule[];
  get(path: string, headers?: Record<string, string>): ReturnType<typeof request>;
}

const running: RunningApiServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

async function harness(overrides: Partial<StartApiServerOptions> = {}, seed = 1): Promise<Harness> {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const now = (): number => clock.t;
  const tokens = new TokenRegistry(now);
  const api = overrides.api ?? 'dataverse';
  const log = new RequestLog({ [api]: overrides.limits });
  const faults: FaultRule[] = [];
  const server = await startApiServer({
    api,
    module: testModule(() => ({ status: 200, body: { value: [] } })),
    route: (pathname, origin) =>
      pathname.startsWith('/api/data/v9.2/')
        ? { path: pathname.slice('/api/data/v9.2/'.length), baseUrl: `${origin}/api/data/v9.2`, logPath: pathname.slice('/api/data/v9.2/'.length) }
        : undefined,
    auth: { tokens, audience: AUDIENCE, userIdFor: (clientId) => `user-of-${clientId}` },
    faults: () => faults,
    rng: createRng(seed),
    log,
    now,
    requestIdHeader: 'x-ms-service-request-id',
    ...overrides,
  });
  running.push(server);
  const token = tokens.issue('app-1', AUDIENCE, 3600).accessToken;
  return {
    server,
    log,
    tokens,
    token,
    clock,
    faults,
    get: (path, headers = {}) =>
      request(`${server.origin}/api/data/v9.2/${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } }),
  };
}

describe('request handling', () => {
  test('module sees the relative path, query, headers, caller and base URL; response carries OData headers', async () => {
    let seen: EmuRequest | undefined;
    const h = await harness({
      module: testModule((req) => {
        seen = req;
        return { status: 200, body: { value: [{ a: 1 }, { a: 2 }] }, rows: 2 };
      }),
    });
    const res = await h.get("accounts?$select=name&$filter=name%20eq%20%27a%20b%27", { prefer: 'odata.maxpagesize=10' });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ value: [{ a: 1 }, { a: 2 }] });
    expect(res.headers['odata-version']).toBe('4.0');
    expect(res.headers['content-type']).toBe('application/json; odata.metadata=minimal');
    expect(res.headers['x-ms-service-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toMatchObject({
      method: 'GET',
      path: 'accounts',
      rawQuery: "$select=name&$filter=name%20eq%20%27a%20b%27",
      baseUrl: `${h.server.origin}/api/data/v9.2`,
      caller: { clientId: 'app-1', userId: 'user-of-app-1' },
    });
    expect(seen!.query.get('$filter')).toBe("name eq 'a b'");
    expect(seen!.headers['prefer']).toBe('odata.maxpagesize=10');
    expect(h.log.entries).toHaveLength(1);
    expect(h.log.entries[0]).toMatchObject({
      seq: 1,
      api: 'dataverse',
      method: 'GET',
      path: 'accounts',
      query: "$select=name&$filter=name%20eq%20%27a%20b%27",
      status: 200,
      operations: 1,
      rows: 2,
      costMs: 0,
      startedAt: h.clock.t,
    });
    expect(h.log.entries[0]!.fault).toBeUndefined();
  });

  test('POST bodies reach the module; module headers and string bodies pass through', async () => {
    const h = await harness({
      module: testModule((req) => ({
        status: 200,
        headers: { 'Content-Type': 'multipart/mixed; boundary=b1' },
        body: `echo:${req.body.toString('utf8')}`,
        operations: 3,
      })),
    });
    const res = await request(`${h.server.origin}/api/data/v9.2/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}` },
      body: 'hello',
    });
    expect(res.headers['content-type']).toBe('multipart/mixed; boundary=b1');
    expect(await res.body.text()).toBe('echo:hello');
    expect(h.log.entries[0]).toMatchObject({ method: 'POST', path: '$batch', operations: 3 });
  });

  test('an unknown base path is 404 in the API error shape; a throwing module is 500', async () => {
    const h = await harness({
      module: testModule(
        () => {
          throw new Error('boom');
        },
        { notFound: '0x8006088a', internal: '0x80040216' },
      ),
    });
    const missing = await request(`${h.server.origin}/nowhere`, { headers: { authorization: `Bearer ${h.token}` } });
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.json()).toMatchObject({ error: { code: '0x8006088a' } });
    const res = await h.get('accounts');
    expect(res.statusCode).toBe(500);
    expect(await res.body.json()).toMatchObject({ error: { code: '0x80040216', message: expect.stringContaining('boom') } });
    expect(h.log.entries.map((e) => [e.path, e.status])).toEqual([
      ['nowhere', 404],
      ['accounts', 500],
    ]);
  });

  test('secrets in a query string never reach the request log', async () => {
    const h = await harness();
    await (await h.get('accounts?client_secret=s3cret&access_token=t0ken&x=1')).body.dump();
    expect(h.log.entries[0]!.query).toBe('client_secret=***&access_token=***&x=1');
  });
});

describe('authentication', () => {
  async function expect401(res: Awaited<ReturnType<typeof request>>, reason: RegExp): Promise<void> {
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer/);
    const body = (await res.body.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('Unauthorized');
    expect(body.error.message).toMatch(reason);
  }

  test('missing, unknown, expired and wrong-audience tokens get 401 in the API shape', async () => {
    let calls = 0;
    const h = await harness({
      module: testModule(() => {
        calls++;
        return { status: 200, body: {} };
      }),
    });
    await expect401(await request(`${h.server.origin}/api/data/v9.2/accounts`), /No bearer token/);
    await expect401(await h.get('accounts', { authorization: 'Bearer not-a-token' }), /not valid/);
    const other = h.tokens.issue('app-1', 'https://api.businesscentral.dynamics.com', 3600).accessToken;
    await expect401(await h.get('accounts', { authorization: `Bearer ${other}` }), /another resource/);

    const ok = await h.get('accounts');
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    h.clock.t += 3600 * 1000; // the token's lifetime on the emulators' clock
    await expect401(await h.get('accounts'), /expired/);
    expect(calls).toBe(1);
    expect(h.log.entries.map((e) => e.status)).toEqual([401, 401, 401, 200, 401]);
  });

  test('a token one millisecond before expiry still works', async () => {
    const h = await harness();
    h.clock.t += 3600 * 1000 - 1;
    const res = await h.get('accounts');
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });
});

describe('fault injection', () => {
  test('by request number: 503/429 with Retry-After, 504 without, reset drops the connection', async () => {
    const h = await harness();
    h.faults.push(
      { kind: '503', requestNumbers: [2] },
      { kind: '429', requestNumbers: [3], retryAfterSeconds: 7 },
      { kind: '504', requestNumbers: [4] },
      { kind: 'reset', requestNumbers: [5] },
      { kind: '502', requestNumbers: [6], api: 'bc' },
    );
    const statuses: number[] = [];
    const retryAfter: (string | undefined)[] = [];
    for (let i = 1; i <= 6; i++) {
      try {
        const res = await h.get('accounts');
        statuses.push(res.statusCode);
        retryAfter.push(res.headers['retry-after'] as string | undefined);
        const body = (await res.body.json()) as { error?: { code: string } };
        if (res.statusCode === 503 || res.statusCode === 504) expect(body.error?.code).toBe('Unavailable');
        if (res.statusCode === 429) expect(body.error?.code).toBe('RateLimited');
      } catch {
        statuses.push(-1);
        retryAfter.push(undefined);
      }
    }
    expect(statuses).toEqual([200, 503, 429, 504, -1, 200]);
    expect(retryAfter).toEqual([undefined, '1', '7', undefined, undefined, undefined]);
    expect(h.log.entries.map((e) => [e.seq, e.status, e.fault])).toEqual([
      [1, 200, undefined],
      [2, 503, '503'],
      [3, 429, '429'],
      [4, 504, '504'],
      [5, 0, 'reset'],
      [6, 200, undefined],
    ]);
    const stats = h.log.stats();
    expect(stats.faults.dataverse).toBe(4);
    expect(stats.requests.dataverse).toBe(6);
  });

  test('by rate: the same seed faults the same request numbers', async () => {
    async function faultedNumbers(seed: number): Promise<number[]> {
      const h = await harness({}, seed);
      h.faults.push({ kind: '503', rate: 0.3 });
      for (let i = 0; i < 40; i++) await (await h.get('accounts')).body.dump();
      return h.log.entries.filter((e) => e.status === 503).map((e) => e.seq);
    }
    const first = await faultedNumbers(42);
    const second = await faultedNumbers(42);
    const other = await faultedNumbers(7);
    expect(first).toEqual(second);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(40);
    expect(other).not.toEqual(first);
  });

  test('slow responses are marked and still answered; rules can change while running', async () => {
    const h = await harness();
    h.faults.push({ kind: 'slow', requestNumbers: [1], slowMs: 20 });
    const res = await h.get('accounts');
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    h.faults.splice(0, h.faults.length, { kind: '502', requestNumbers: [2] });
    const res2 = await h.get('accounts');
    expect(res2.statusCode).toBe(502);
    await res2.body.dump();
    expect(h.log.entries.map((e) => e.fault)).toEqual(['slow', '502']);
  });
});

describe('service-protection limits', () => {
  test('request rate over the sliding window: 429 with Retry-After until a slot frees', async () => {
    const h = await harness({ limits: { concurrent: 52, requestsPerWindow: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      const ok = await h.get('accounts');
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
    }
    const limited = await h.get('accounts');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(await limited.body.json()).toEqual({
      error: { code: 'RateLimited', message: 'Number of requests exceeded the limit of 3 over time window of 60 seconds.' },
    });
    h.clock.t += 45_500;
    const still = await h.get('accounts');
    expect(still.statusCode).toBe(429);
    expect(still.headers['retry-after']).toBe('15');
    await still.body.dump();
    h.clock.t += 14_500;
    const again = await h.get('accounts');
    expect(again.statusCode).toBe(200);
    await again.body.dump();
    expect(h.log.entries.map((e) => e.fault ?? '-')).toEqual(['-', '-', '-', 'throttled', 'throttled', '-']);
    expect(h.log.stats().throttled.dataverse).toBe(2);
  });

  test('Dataverse: beyond the concurrent limit requests get 429 at once', async () => {
    const g = gate();
    let active = 0;
    const h = await harness({
      limits: { concurrent: 2, requestsPerWindow: 0, windowMs: 300_000 },
      module: testModule(
        async () => {
          active++;
          await g.wait;
          active--;
          return { status: 200, body: {} };
        },
        { concurrencyLimited: '0x80072326' },
      ),
    });
    const first = [h.get('accounts'), h.get('accounts')];
    await until(() => h.server.inFlight() === 2, 'two requests in flight');
    const third = await h.get('accounts');
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect(await third.body.json()).toEqual({
      error: { code: '0x80072326', message: 'Number of concurrent requests exceeded the limit of 2.' },
    });
    expect(active).toBe(2);
    g.open();
    for (const p of first) {
      const r = await p;
      expect(r.statusCode).toBe(200);
      await r.body.dump();
    }
    expect(h.server.inFlight()).toBe(0);
  });

  test('Business Central: 6 concurrent requests, none refused, at most 5 processed at once', async () => {
    const g = gate();
    let active = 0;
    let maxActive = 0;
    const h = await harness({
      api: 'bc',
      limits: { concurrent: 5, maxQueue: 95, requestsPerWindow: 6000, windowMs: 300_000 },
      module: testModule(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await g.wait;
        active--;
        return { status: 200, body: {} };
      }),
    });
    const pending = Array.from({ length: 6 }, () => h.get('companies'));
    await until(() => h.server.inFlight() === 5 && h.server.queued() === 1, '5 in flight and 1 queued');
    expect(active).toBe(5);
    g.open();
    const statuses = [];
    for (const p of pending) {
      const r = await p;
      statuses.push(r.statusCode);
      await r.body.dump();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(maxActive).toBe(5);
    expect(h.log.stats().throttled.bc).toBe(0);
  });

  test('Business Central: a full queue answers 429', async () => {
    const g = gate();
    const h = await harness({
      api: 'bc',
      limits: { concurrent: 1, maxQueue: 1, requestsPerWindow: 0, windowMs: 300_000 },
      module: testModule(async () => {
        await g.wait;
        return { status: 200, body: {} };
      }),
    });
    const pending = [h.get('companies'), h.get('companies')];
    await until(() => h.server.inFlight() === 1 && h.server.queued() === 1, 'one in flight, one queued');
    const refused = await h.get('companies');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(await refused.body.json()).toMatchObject({ error: { code: 'ConcurrencyLimited' } });
    g.open();
    for (const p of pending) {
      const r = await p;
      expect(r.statusCode).toBe(200);
      await r.body.dump();
    }
  });
});

describe('cost model and lower bound', () => {
  test('cost = base + per operation + per row, recorded per request', async () => {
    const h = await harness({
      latency: { baseMs: 5, perOperationMs: 2, perRowMs: 0.5 },
      limits: { concurrent: 2, requestsPerWindow: 0, windowMs: 300_000 },
      module: testModule((req) =>
        req.path === '$batch' ? { status: 200, body: {}, operations: 10 } : { status: 200, body: { value: [] }, rows: 8 },
      ),
    });
    await (await h.get('accounts')).body.dump();
    await (await request(`${h.server.origin}/api/data/v9.2/$batch`, { method: 'POST', headers: { authorization: `Bearer ${h.token}` }, body: 'x' })).body.dump();
    await (await h.get('accounts', { authorization: 'Bearer nope' })).body.dump();
    expect(h.log.entries.map((e) => e.costMs)).toEqual([5 + 2 + 4, 5 + 20, 0]);
    // 36 ms of work over 2 slots = 18 ms, but the single 25 ms batch cannot be split.
    expect(h.log.stats().lowerBoundMs).toEqual({ bc: 0, dataverse: 25, total: 25 });
  });
});

describe('RequestLog.stats', () => {
  const entry = (api: 'bc' | 'dataverse', costMs: number, extra: object = {}) => ({
    seq: 0,
    api,
    method: 'GET',
    path: 'x',
    query: '',
    status: 200,
    operations: 1,
    rows: 0,
    durationMs: costMs,
    costMs,
    startedAt: 0,
    ...extra,
  });

  test('lower bound per API: work over the concurrent slots, longest request, rate-limit floor; total = slower API', () => {
    const log = new RequestLog({
      dataverse: { concurrent: 52, requestsPerWindow: 6000, windowMs: 300_000 },
      bc: { concurrent: 5, maxQueue: 95, requestsPerWindow: 4, windowMs: 1000 },
    });
    for (let i = 0; i < 104; i++) {
      log.nextSeq('dataverse');
      log.markAdmitted('dataverse');
      log.add(entry('dataverse', 10));
    }
    expect(log.stats().lowerBoundMs.dataverse).toBe(20); // 1040 ms of work over 52 slots
    log.add(entry('dataverse', 120, { operations: 100 }));
    expect(log.stats().lowerBoundMs.dataverse).toBe(120); // one long batch dominates
    for (let i = 0; i < 9; i++) {
      log.markAdmitted('bc');
      log.add(entry('bc', 50));
    }
    // 9 requests at 4 per second: the 9th cannot start before 2 s; work alone is 450/5 = 90 ms.
    const stats = log.stats();
    expect(stats.lowerBoundMs).toEqual({ dataverse: 120, bc: 2000, total: 2000 });
    expect(stats.requests).toEqual({ dataverse: 105, bc: 9, token: 0 });
    expect(stats.operations.dataverse).toBe(204);
    log.reset();
    expect(log.entries).toHaveLength(0);
    expect(log.nextSeq('dataverse')).toBe(1);
    expect(log.stats().lowerBoundMs.total).toBe(0);
  });
  test('lower bound: whole rounds of requests, pages read one after another, combined execution time per window', () => {
    const log = new RequestLog({
      dataverse: { concurrent: 4, requestsPerWindow: 0, windowMs: 1000, executionMsPerWindow: 2000 },
      bc: { concurrent: 5, requestsPerWindow: 0, windowMs: 1000 },
    });
    // 5 batches of 100 ms on 4 slots: 125 ms of work per slot, but one slot runs two whole batches.
    for (let i = 0; i < 5; i++) log.add(entry('dataverse', 100, { operations: 100 }));
    expect(log.stats().lowerBoundMs.dataverse).toBe(200);
    // 4,600 ms of work with 2,000 ms per 1,000 ms window: the last 600 ms wait two windows.
    for (let i = 0; i < 41; i++) log.add(entry('dataverse', 100, { operations: 100 }));
    expect(log.stats().lowerBoundMs.dataverse).toBe(2000);
    // Three pages of a chain (30 ms each) and an unrelated first page: 90 ms in sequence, although 5 run at once.
    log.add(entry('bc', 30, { nextPageToken: 'a' }));
    log.add(entry('bc', 30, { pageToken: 'a', nextPageToken: 'b' }));
    log.add(entry('bc', 30, { nextPageToken: 'x' }));
    log.add(entry('bc', 30, { pageToken: 'b' }));
    expect(log.stats().lowerBoundMs.bc).toBe(90);
    log.reset();
    log.add(entry('bc', 30, { pageToken: 'b' }));
    expect(log.stats().lowerBoundMs.bc).toBe(30);
  });
});
