import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { request } from 'undici';
import { startApiServer, type RunningApiServer } from '../../../src/emulators/core/server.js';
import { RequestLog } from '../../../src/emulators/core/request-log.js';
import { createRng } from '../../../src/emulators/core/rng.js';
import { createTokenEndpoint } from '../../../src/emulators/token/endpoint.js';
import { TokenRegistry, normalizeAudience } from '../../../src/emulators/token/registry.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const CLIENT = '22222222-2222-4222-8222-222222222222';
const SECRET = 'top~secret.value_123';
const ORG = 'http://org.example.test:8080';
const BC = 'https://api.businesscentral.dynamics.com';

const clock = { t: Date.UTC(2026, 2, 1, 12, 0, 0) };
const tokens = new TokenRegistry(() => clock.t);
const log = new RequestLog();
let lifetime = 3599;
let server: RunningApiServer;

beforeAll(async () => {
  server = await startApiServer({
    api: 'token',
    module: createTokenEndpoint({
      tenantId: TENANT,
      clients: [{ clientId: CLIENT, clientSecret: SECRET }],
      resources: () => [ORG, BC],
      tokens,
      lifetimeSeconds: () => lifetime,
      now: () => clock.t,
    }),
    route: (pathname, origin) => ({ path: pathname.slice(1), baseUrl: origin, logPath: pathname.slice(1) }),
    faults: () => [],
    rng: createRng(1),
    log,
    now: () => clock.t,
    requestIdHeader: 'x-ms-request-id',
    odata: false,
  });
});

afterAll(async () => {
  await server.close();
});

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function post(form: Record<string, string>, opts: { tenant?: string; headers?: Record<string, string>; method?: 'POST' | 'GET' } = {}): Promise<TokenAnswer> {
  const res = await request(`${server.origin}/${opts.tenant ?? TENANT}/oauth2/v2.0/token`, {
    method: opts.method ?? 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
    body: opts.method === 'GET' ? undefined : new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

const good = { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: `${BC}/.default` };

function expectEntraError(a: TokenAnswer, status: number, error: string, code: number): void {
  expect(a.status).toBe(status);
  expect(a.body['error']).toBe(error);
  expect(a.body['error_codes']).toEqual([code]);
  expect(String(a.body['error_description'])).toMatch(new RegExp(`^AADSTS${code}: `));
  expect(a.body['timestamp']).toBe('2026-03-01 12:00:00Z');
  expect(a.body['trace_id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(a.body['correlation_id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(JSON.stringify(a.body)).not.toContain(SECRET);
}

describe('token endpoint: success', () => {
  test.each([
    ['BC scope', `${BC}/.default`, BC],
    ['Dataverse scope', `${ORG}/.default`, ORG],
    ['Dataverse scope with the double slash the docs use', `${ORG}//.default`, ORG],
  ])('%s', async (_name, scope, audience) => {
    const a = await post({ ...good, scope });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
    const token = String(a.body['access_token']);
    expect(tokens.check(`Bearer ${token}`, audience)).toEqual({ ok: true, clientId: CLIENT });
    expect(tokens.check(`Bearer ${token}`, audience === BC ? ORG : BC)).toEqual({ ok: false, reason: 'audience' });
  });

  test('tokens are distinct, expire after the configured lifetime on the emulators clock', async () => {
    lifetime = 60;
    try {
      const a = await post(good);
      const b = await post(good);
      expect(a.body['expires_in']).toBe(60);
      expect(a.body['access_token']).not.toBe(b.body['access_token']);
      const header = `Bearer ${String(a.body['access_token'])}`;
      clock.t += 59_999;
      expect(tokens.check(header, BC).ok).toBe(true);
      clock.t += 1;
      expect(tokens.check(header, BC)).toEqual({ ok: false, reason: 'expired' });
    } finally {
      clock.t = Date.UTC(2026, 2, 1, 12, 0, 0);
      lifetime = 3599;
    }
  });

  test('client_secret_basic is accepted too', async () => {
    const basic = Buffer.from(`${CLIENT}:${encodeURIComponent(SECRET)}`).toString('base64');
    const a = await post({ grant_type: 'client_credentials', scope: `${BC}/.default` }, { headers: { authorization: `Basic ${basic}` } });
    expect(a.status).toBe(200);
  });
});

describe('token endpoint: errors in Entra shape', () => {
  test('unknown tenant', async () => {
    expectEntraError(await post(good, { tenant: '99999999-9999-4999-8999-999999999999' }), 400, 'invalid_request', 90002);
  });
  test('unknown client', async () => {
    expectEntraError(await post({ ...good, client_id: '33333333-3333-4333-8333-333333333333' }), 400, 'unauthorized_client', 700016);
  });
  test('wrong secret', async () => {
    expectEntraError(await post({ ...good, client_secret: 'wrong' }), 401, 'invalid_client', 7000215);
  });
  test('missing secret', async () => {
    const { client_secret: _omit, ...rest } = good;
    expectEntraError(await post(rest), 401, 'invalid_client', 7000216);
  });
  test('scope without /.default', async () => {
    expectEntraError(await post({ ...good, scope: `${BC}/Financials.ReadWrite.All` }), 400, 'invalid_scope', 70011);
  });
  test('scope naming an unknown resource', async () => {
    expectEntraError(await post({ ...good, scope: 'https://graph.microsoft.com/.default' }), 400, 'invalid_scope', 70011);
  });
  test('missing scope', async () => {
    const { scope: _omit, ...rest } = good;
    expectEntraError(await post(rest), 400, 'invalid_request', 900144);
  });
  test('wrong grant type', async () => {
    expectEntraError(await post({ ...good, grant_type: 'password' }), 400, 'unsupported_grant_type', 70003);
  });
  test('a JSON body is not read (no grant_type found)', async () => {
    expectEntraError(await post(good, { headers: { 'content-type': 'application/json' } }), 400, 'invalid_request', 900144);
  });
  test('GET is refused', async () => {
    expectEntraError(await post(good, { method: 'GET' }), 400, 'invalid_request', 900561);
  });
});

describe('request log of the token endpoint', () => {
  test('records requests without secrets', () => {
    expect(log.entries.length).toBeGreaterThan(10);
    expect(log.entries.every((e) => e.api === 'token' && e.path === `${e.path.split('/')[0]}/oauth2/v2.0/token`)).toBe(true);
    expect(JSON.stringify(log.entries)).not.toContain(SECRET);
  });
});

describe('normalizeAudience', () => {
  test('ignores case and trailing slashes', () => {
    expect(normalizeAudience('https://Org.crm.dynamics.com//')).toBe('https://org.crm.dynamics.com');
  });
});
