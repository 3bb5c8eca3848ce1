import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { TransportError } from '../../src/errors.js';
import { HttpTransport, type AuthHook, type RequestEvent } from '../../src/clients/http/index.js';
import { header, json, startServer, type Handler, type TestServer } from './helpers/server.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

let server: TestServer;
const transports: HttpTransport[] = [];

function transport(options: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}): HttpTransport {
  const t = new HttpTransport({ api: 'dataverse', baseUrl: server.url, clock: new ManualClock(), ...options });
  transports.push(t);
  return t;
}

/** Answers with `plan[n]` for the n-th request (0-based), the last entry afterwards. */
function sequence(plan: Handler[]): Handler {
  let n = 0;
  return (req, res, raw) => {
    const h = plan[Math.min(n, plan.length - 1)] as Handler;
    n += 1;
    return h(req, res, raw);
  };
}

const ok: Handler = (_req, res) => json(res, 200, { value: [] });
const reset: Handler = (_req, _res, raw) => {
  raw.socket.destroy();
};

beforeAll(async () => {
  server = await startServer(ok);
});

beforeEach(() => {
  server.requests.length = 0;
  server.setHandler(ok);
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await server.close();
});

describe('Retry-After and backoff', () => {
  test('429 with Retry-After: 2 waits 2000 ms on the injected clock, then succeeds', async () => {
    server.setHandler(
      sequence([(_q, res) => json(res, 429, { error: { code: '0x80072322', message: 'Number of requests exceeded' } }, { 'Retry-After': '2' }), ok]),
    );
    const clock = new ManualClock();
    const t = transport({ clock });
    const res = await t.request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(clock.sleeps).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
    const stats = t.stats();
    expect(stats).toMatchObject({ requests: 2, retries: 1, throttled: 1, waitedMs: 2000 });
    expect(stats.byStatusClass['4xx']).toBe(1);
    expect(stats.byStatusClass['2xx']).toBe(1);
  });

  test('Retry-After as an HTTP-date is waited out in full, never earlier', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 400));
    const at = new Date(Date.UTC(2026, 0, 1, 12, 0, 5)).toUTCString();
    server.setHandler(sequence([(_q, res) => json(res, 503, {}, { 'Retry-After': at }), ok]));
    const t = transport({ clock });
    await t.request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(clock.sleeps).toEqual([4600]);
  });

  test('a 429 for a create is retried too: the service refused it before doing any work', async () => {
    server.setHandler(sequence([(_q, res) => json(res, 429, {}, { 'Retry-After': '1' }), (_q, res) => json(res, 201, { id: 'x' })]));
    const clock = new ManualClock();
    const res = await transport({ clock }).request({ method: 'POST', path: 'accounts', kind: 'create', body: { name: 'a' } });
    expect(res.status).toBe(201);
    expect(server.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([1000]);
  });

  test('without Retry-After: exponential backoff with full jitter, capped', async () => {
    server.setHandler((_q, res) => json(res, 503, {}));
    const clock = new ManualClock();
    const t = transport({ clock, random: () => 1, retry: { backoffBaseMs: 500, backoffCapMs: 2000, maxRetries: 4 } });
    const res = await t.request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(5);
    expect(clock.sleeps).toEqual([500, 1000, 2000, 2000]);
  });

  test('jitter draws below the ceiling', async () => {
    server.setHandler(sequence([(_q, res) => json(res, 503, {}), ok]));
    const clock = new ManualClock();
    await transport({ clock, random: () => 0.25, retry: { backoffBaseMs: 800 } }).request({ method: 'GET', path: 'x', kind: 'read' });
    expect(clock.sleeps).toEqual([200]);
  });

  test('a Retry-After beyond the configured maximum is not waited: the answer comes back', async () => {
    server.setHandler((_q, res) => json(res, 429, {}, { 'Retry-After': '3600' }));
    const clock = new ManualClock();
    const res = await transport({ clock, retry: { maxRetryAfterMs: 60_000 } }).request({ method: 'GET', path: 'x', kind: 'read' });
    expect(res.status).toBe(429);
    expect(clock.sleeps).toEqual([]);
  });

  test('a 502 on a create is not repeated (the gateway may have forwarded it)', async () => {
    server.setHandler((_q, res) => json(res, 502, {}));
    const res = await transport().request({ method: 'POST', path: 'accounts', kind: 'create', body: {} });
    expect(res.status).toBe(502);
    expect(server.requests).toHaveLength(1);
  });

  test('other 4xx answers are final', async () => {
    server.setHandler((_q, res) => json(res, 400, { error: { code: 'x', message: 'bad' } }));
    const res = await transport().request({ method: 'GET', path: 'x', kind: 'read' });
    expect(res.status).toBe(400);
    expect(server.requests).toHaveLength(1);
  });
});

describe('sustained throttling: Retry-After paces, it does not count as a failure', () => {
  const throttled = (seconds: number): Handler => (_q, res) =>
    json(res, 429, { error: { code: '0x80072321', message: 'Combined execution time of incoming requests exceeded limit' } }, { 'Retry-After': String(seconds) });

  /** Turns of the event loop until `done()` holds (a request reaching the server, a wait beginning). */
  async function until(done: () => boolean): Promise<void> {
    for (let i = 0; i < 10_000 && !done(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(done()).toBe(true);
  }

  test('a request throttled eight times in a row (more than maxRetries) waits each Retry-After out and succeeds', async () => {
    server.setHandler(sequence([...Array.from({ length: 8 }, () => throttled(60)), ok]));
    const clock = new ManualClock();
    const pauses: number[] = [];
    const t = transport({ clock, retry: { maxRetries: 5 }, onPaused: (waitMs) => pauses.push(waitMs) });
    const res = await t.request({ method: 'POST', path: '$batch', kind: 'batch', body: 'parts' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(9);
    // Each throttled answer came after the pause before had ended: eight pauses began.
    expect(pauses).toEqual(Array.from({ length: 8 }, () => 60_000));
    expect(clock.sleeps).toEqual(Array.from({ length: 8 }, () => 60_000));
    expect(t.stats()).toMatchObject({ requests: 9, throttled: 8, retries: 8, waitedMs: 480_000, throttleGaveUp: 0 });
  });

  test('the Retry-After waits of one request are bounded by maxThrottleWaitMs: past it the throttled answer comes back', async () => {
    server.setHandler(throttled(600));
    const clock = new ManualClock();
    const t = transport({ clock, retry: { maxThrottleWaitMs: 30 * 60_000 } });
    const res = await t.request({ method: 'POST', path: '$batch', kind: 'batch', body: 'parts' });
    // 3 x 600 s fill the 30 minutes; a fourth wait would pass them.
    expect(res.status).toBe(429);
    expect(res.attempts).toBe(4);
    expect(clock.sleeps).toEqual([600_000, 600_000, 600_000]);
    expect(t.stats()).toMatchObject({ throttled: 4, retries: 3, throttleGaveUp: 1 });
  });

  test('transient failures keep their small cap: a 503 without Retry-After is retried maxRetries times', async () => {
    server.setHandler((_q, res) => json(res, 503, {}));
    const clock = new ManualClock();
    const res = await transport({ clock, random: () => 0, retry: { maxRetries: 2 } }).request({ method: 'GET', path: 'x', kind: 'read' });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(3);
  });

  test('a 429 pauses every request of the transport until its Retry-After (the limits are per user), and halves the requests in flight', async () => {
    const clock = new VirtualClock();
    const seenAt: number[] = [];
    server.setHandler(
      sequence([
        (q, res, raw) => {
          seenAt.push(clock.now());
          return throttled(5)(q, res, raw);
        },
        (q, res, raw) => {
          seenAt.push(clock.now());
          return ok(q, res, raw);
        },
      ]),
    );
    const pauses: number[] = [];
    const t = transport({ clock, onPaused: (waitMs) => pauses.push(waitMs) });
    const start = clock.now();
    const first = t.request({ method: 'GET', path: 'a', kind: 'read' });
    await until(() => clock.sleeping === 1);
    // Sent while the first waits out its Retry-After: it waits too, without being sent.
    const second = t.request({ method: 'GET', path: 'b', kind: 'read' });
    await until(() => clock.sleeping === 2);
    expect(server.requests).toHaveLength(1);
    const answers = await clock.run(Promise.all([first, second]), () => true);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(seenAt).toEqual([start, start + 5000, start + 5000]);
    expect(t.stats()).toMatchObject({ requests: 3, throttled: 1, lowestInFlightLimit: 26 });
    // The pause was announced once, with its length (what the wiring's memory policy listens to).
    expect(pauses).toEqual([5000]);
  });

  test('a request cancelled while the transport is paused stops waiting and is not sent', async () => {
    const clock = new VirtualClock();
    server.setHandler(sequence([throttled(300), ok]));
    const t = transport({ clock });
    const first = t.request({ method: 'GET', path: 'a', kind: 'read' });
    await until(() => clock.sleeping === 1);
    const controller = new AbortController();
    const second = t.request({ method: 'GET', path: 'b', kind: 'read', signal: controller.signal });
    await until(() => clock.sleeping === 2);
    controller.abort();
    await expect(second).rejects.toThrow(/was cancelled/);
    expect(server.requests).toHaveLength(1);
    await clock.run(first, () => true);
    expect(server.requests.map((r) => r.url)).toEqual(['/a', '/a']);
  });

  test('throttled answers of one instant halve the bound once; it comes back one request per inFlightRecoveryMs', async () => {
    const clock = new VirtualClock();
    server.setHandler(sequence([throttled(2), throttled(2), throttled(2), ok]));
    const t = transport({ clock, maxInFlight: 8, retry: { inFlightRecoveryMs: 250 } });
    const requests = Promise.all(Array.from({ length: 3 }, (_, i) => t.request({ method: 'GET', path: `r${i}`, kind: 'read' })));
    await until(() => clock.sleeping === 3);
    expect(t.stats().inFlightLimit).toBe(4);
    await clock.run(requests, () => true);
    expect(t.stats()).toMatchObject({ requests: 6, throttled: 3, lowestInFlightLimit: 4, inFlightLimit: 4 });
    await clock.run(clock.sleep(750), () => true);
    expect(t.stats().inFlightLimit).toBe(7);
    await clock.run(clock.sleep(10_000), () => true);
    expect(t.stats().inFlightLimit).toBe(8);
  });
});

describe('lost answers', () => {
  test('a create whose connection is reset is never retried blindly: TransportError says the outcome is unknown', async () => {
    server.setHandler(sequence([reset, ok]));
    const t = transport();
    const attempt = t.request({ method: 'POST', path: 'accounts', kind: 'create', body: { name: 'x' } });
    await expect(attempt).rejects.toBeInstanceOf(TransportError);
    await expect(attempt).rejects.toThrow(/outcome is unknown/);
    expect(server.requests).toHaveLength(1);
    expect(t.stats().networkErrors).toBe(1);
  });

  test('an idempotent GET is retried after a reset', async () => {
    server.setHandler(sequence([reset, ok]));
    const clock = new ManualClock();
    const t = transport({ clock });
    const res = await t.request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(t.stats().retries).toBe(1);
    expect(clock.sleeps).toHaveLength(1);
  });

  test('PATCH with If-Match counts as idempotent; PATCH upsert when marked so', async () => {
    server.setHandler(sequence([reset, (_q, res) => { res.writeHead(204); res.end(); }]));
    const res = await transport().request({ method: 'PATCH', path: 'accounts(1)', kind: 'update', headers: { 'If-Match': '*' }, body: {} });
    expect(res.status).toBe(204);
    expect(server.requests).toHaveLength(2);
  });

  test('a batch is not repeated unless marked idempotent', async () => {
    server.setHandler(sequence([reset, ok]));
    await expect(transport().request({ method: 'POST', path: '$batch', kind: 'batch', body: 'x' })).rejects.toThrow(/outcome is unknown/);
    server.requests.length = 0;
    server.setHandler(sequence([reset, ok]));
    const res = await transport().request({ method: 'POST', path: '$batch', kind: 'batch', body: 'x', idempotent: true });
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  test('a timed-out GET is retried; a timed-out create is not', async () => {
    let calls = 0;
    server.setHandler((_q, res) => {
      calls += 1;
      if (calls === 1) return; // never answer the first one
      json(res, 200, { value: [] });
    });
    const res = await transport({ timeoutMs: 150 }).request({ method: 'GET', path: 'slow', kind: 'read' });
    expect(res.status).toBe(200);
    expect(calls).toBe(2);

    calls = 0;
    const create = transport({ timeoutMs: 150 }).request({ method: 'POST', path: 'slow', kind: 'create', body: {} });
    await expect(create).rejects.toThrow(/no answer within 150 ms.*outcome is unknown/);
    expect(calls).toBe(1);
  });

  test('a refused connection (nothing sent) is retried even for a create, then fails with what to check', async () => {
    const closed = await startServer(ok);
    const url = closed.url;
    await closed.close();
    const events: RequestEvent[] = [];
    const t = transport({ baseUrl: url, retry: { maxRetries: 2 }, onRequest: (e) => events.push(e) });
    await expect(t.request({ method: 'POST', path: 'accounts', kind: 'create', body: {} })).rejects.toThrow(/failed after 3 attempts.*Check the network and the service URL/);
    expect(events.map((e) => e.next)).toEqual(['retry', 'retry', 'throw']);
  });

  test('a cancelled request is not retried', async () => {
    server.setHandler(() => undefined);
    const controller = new AbortController();
    const pending = transport().request({ method: 'GET', path: 'x', kind: 'read', signal: controller.signal });
    // Cancel once the server holds the request (a fixed delay is too short on a busy machine).
    const arrived = async () => {
      while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    };
    await arrived();
    controller.abort();
    await expect(pending).rejects.toThrow(/was cancelled/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('bounds and counters', () => {
  test('never more requests in flight than the bound', async () => {
    server.setHandler((_q, res) => {
      setTimeout(() => json(res, 200, { value: [] }), 25);
    });
    const t = transport({ maxInFlight: 3 });
    await Promise.all(Array.from({ length: 12 }, () => t.request({ method: 'GET', path: 'x', kind: 'read' })));
    expect(server.requests).toHaveLength(12);
    expect(server.maxConcurrent).toBeLessThanOrEqual(3);
    expect(t.stats().peakInFlight).toBe(3);
    expect(t.inFlight).toBe(0);
  });

  test('defaults follow the documented limits: Dataverse 52, Business Central 5', () => {
    expect(transport({ api: 'dataverse' }).maxInFlight).toBe(52);
    expect(transport({ api: 'bc' }).maxInFlight).toBe(5);
  });

  test('stats count by kind and status class, and reset', async () => {
    server.setHandler(sequence([ok, (_q, res) => json(res, 404, {}), ok]));
    const t = transport();
    await t.request({ method: 'GET', path: 'a', kind: 'read' });
    await t.request({ method: 'GET', path: 'b', kind: 'read' });
    await t.request({ method: 'POST', path: 'c', kind: 'create', body: {} });
    expect(t.stats()).toMatchObject({ requests: 3, retries: 0, byKind: { read: 2, create: 1 }, byStatusClass: { '2xx': 2, '4xx': 1 } });
    t.resetStats();
    expect(t.stats()).toMatchObject({ requests: 0, byKind: { read: 0 }, byStatusClass: { '2xx': 0 } });
  });
});

describe('authentication hook', () => {
  function hook(tokens: string[]): AuthHook & { invalidated: string[] } {
    let i = 0;
    const invalidated: string[] = [];
    return {
      invalidated,
      authorization: async () => `Bearer ${tokens[Math.min(i, tokens.length - 1)]}`,
      invalidate: (value) => {
        invalidated.push(value);
        i += 1;
      },
    };
  }

  test('a 401 invalidates the token once and retries with a fresh one', async () => {
    server.setHandler((req, res) => (header(req, 'authorization') === 'Bearer old' ? json(res, 401, {}) : ok(req, res, undefined as never)));
    const auth = hook(['old', 'new']);
    const t = transport({ auth });
    const res = await t.request({ method: 'GET', path: 'x', kind: 'read' });
    expect(res.status).toBe(200);
    expect(auth.invalidated).toEqual(['Bearer old']);
    expect(server.requests.map((r) => header(r, 'authorization'))).toEqual(['Bearer old', 'Bearer new']);
    expect(t.stats().reauthentications).toBe(1);
  });

  test('a second 401 is returned, not retried again', async () => {
    server.setHandler((_q, res) => json(res, 401, {}));
    const auth = hook(['a', 'b', 'c']);
    const res = await transport({ auth }).request({ method: 'GET', path: 'x', kind: 'read' });
    expect(res.status).toBe(401);
    expect(server.requests).toHaveLength(2);
    expect(auth.invalidated).toHaveLength(1);
  });
});

describe('verbose dump', () => {
  test('masks Authorization, form secrets, tokens in bodies and registered secrets', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    server.setHandler((_q, res) => json(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: jwt }));
    const events: RequestEvent[] = [];
    const t = transport({ api: 'token', onRequest: (e) => events.push(e), secrets: ['s3cr3t-value'] });
    await t.request({
      method: 'POST',
      path: 'tenant/oauth2/v2.0/token',
      kind: 'token',
      auth: { authorization: async () => `Bearer ${jwt}`, invalidate: () => undefined },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=abc&client_secret=s3cr3t-value&scope=https%3A%2F%2Fx%2F.default',
    });
    expect(events).toHaveLength(1);
    const dump = JSON.stringify(events);
    expect(dump).not.toContain('s3cr3t-value');
    expect(dump).not.toContain(jwt);
    const event = events[0] as RequestEvent;
    expect(event.requestHeaders['Authorization']).toBe('Bearer ***');
    expect(event.requestBody).toContain('client_secret=***');
    expect(event.requestBody).toContain('client_id=abc');
    expect(event.responseBody).toContain('"access_token":"***"');
    expect(event.status).toBe(200);
  });

  test('paging cursors stay visible in dumped URLs', async () => {
    const events: RequestEvent[] = [];
    await transport({ onRequest: (e) => events.push(e) }).request({ method: 'GET', path: 'accounts?$skiptoken=abc&access_token=zzz', kind: 'read' });
    expect(events[0]?.url).toContain('skiptoken=abc');
    expect(events[0]?.url).not.toContain('zzz');
  });
});

describe('response bodies', () => {
  test('a large body is read as text as it arrives: every character whole, even one split between two pieces', async () => {
    // 3-byte characters in 7-byte pieces: most pieces end inside a character.
    const names = Array.from({ length: 100_000 }, (_, i) => `Café € ${i} ${'ü'.repeat(i % 7)}`);
    const bytes = Buffer.from(JSON.stringify({ value: names.map((name) => ({ name })) }), 'utf8');
    // Beyond what is kept as bytes (2 MB), and not a whole number of the 256 KB pieces it is decoded in.
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(bytes.length % (256 * 1024)).not.toBe(0);
    server.setHandler(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let at = 0; at < bytes.length; at += 7 * 16_384) {
        // Written apart, so the client reads many pieces.
        res.write(bytes.subarray(at, Math.min(bytes.length, at + 7 * 16_384)));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const res = await transport().request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(res.bodyBytes).toBe(bytes.length);
    expect(res.text()).toBe(bytes.toString('utf8'));
    expect((res.json() as { value: Array<{ name: string }> }).value.map((r) => r.name)).toEqual(names);
    // Again: the staging buffer given back after the first body is reused, and holds nothing of it.
    const again = await transport().request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(again.text()).toBe(bytes.toString('utf8'));
  });

  test('a large body cut off half-way fails the request; the next large body is whole', async () => {
    const bytes = Buffer.from(JSON.stringify({ value: 'x'.repeat(3 * 1024 * 1024) }));
    server.setHandler(
      sequence([
        (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) });
          res.write(bytes.subarray(0, 2.5 * 1024 * 1024), () => res.destroy());
        },
        (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(bytes);
        },
      ]),
    );
    const t = transport({ retry: { maxRetries: 0 } });
    await expect(t.request({ method: 'POST', path: 'accounts', kind: 'create', body: {} })).rejects.toThrow(TransportError);
    const res = await t.request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(res.text()).toBe(bytes.toString('utf8'));
  });

  test('a small body and an empty one', async () => {
    server.setHandler((_req, res) => json(res, 200, { name: 'Ærø' }));
    const small = await transport().request({ method: 'GET', path: 'accounts', kind: 'read' });
    expect(small.json()).toEqual({ name: 'Ærø' });
    expect(small.bodyBytes).toBe(Buffer.byteLength('{"name":"Ærø"}'));
    server.setHandler((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const empty = await transport().request({ method: 'DELETE', path: 'accounts(1)', kind: 'delete' });
    expect(empty.bodyBytes).toBe(0);
    expect(empty.text()).toBe('');
    expect(empty.json()).toBeUndefined();
  });
});
