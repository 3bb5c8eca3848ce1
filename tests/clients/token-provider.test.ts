import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { AuthError } from '../../src/errors.js';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/index.js';
import { HttpTransport } from '../../src/clients/http/index.js';
import { json, startServer, type Handler, type TestServer } from './helpers/server.js';

const SECRET = 'very-secret-value-123';
let server: TestServer;
let issued = 0;

/** A token endpoint that issues tok-1, tok-2, ... with the given lifetime, after a short delay. */
function issuing(lifetimeSeconds: number): Handler {
  return (req, res) => {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_secret') !== SECRET) {
      json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      return;
    }
    issued += 1;
    const token = `tok-${issued}-${form.get('scope')}`;
    setTimeout(() => json(res, 200, { token_type: 'Bearer', expires_in: lifetimeSeconds, ext_expires_in: lifetimeSeconds, access_token: token }), 10);
  };
}

function provider(clock: ManualClock, extra: { clientSecret?: string } = {}): ClientCredentialsTokenProvider {
  return new ClientCredentialsTokenProvider({
    authority: server.url,
    tenantId: 'contoso.onmicrosoft.com',
    clientId: '11111111-2222-3333-4444-555555555555',
    clientSecret: extra.clientSecret ?? SECRET,
    clock,
    transport: new HttpTransport({ api: 'token', clock }),
  });
}

beforeAll(async () => {
  server = await startServer(issuing(3600));
});
beforeEach(() => {
  issued = 0;
  server.requests.length = 0;
  server.setHandler(issuing(3600));
});
afterAll(async () => {
  await server.close();
});

describe('ClientCredentialsTokenProvider', () => {
  test('sends the documented client credentials form to {authority}/{tenant}/oauth2/v2.0/token', async () => {
    const p = provider(new ManualClock());
    expect(await p.getToken('https://org.crm.dynamics.com/.default')).toBe('tok-1-https://org.crm.dynamics.com/.default');
    const req = server.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: '11111111-2222-3333-4444-555555555555',
      client_secret: SECRET,
      scope: 'https://org.crm.dynamics.com/.default',
    });
  });

  test('N concurrent callers share one token request; after expiry exactly one more', async () => {
    const clock = new ManualClock();
    const p = provider(clock);
    const first = await Promise.all(Array.from({ length: 25 }, () => p.getToken('scope-a')));
    expect(new Set(first)).toEqual(new Set(['tok-1-scope-a']));
    expect(server.requests).toHaveLength(1);

    clock.advance(60_000);
    await Promise.all(Array.from({ length: 25 }, () => p.getToken('scope-a')));
    expect(server.requests).toHaveLength(1); // still cached

    clock.advance(3600_000);
    const second = await Promise.all(Array.from({ length: 25 }, () => p.getToken('scope-a')));
    expect(new Set(second)).toEqual(new Set(['tok-2-scope-a']));
    expect(server.requests).toHaveLength(2);
    expect(p.requestsMade).toBe(2);
  });

  test('refreshes before expiry: 10% early for short tokens, at most 5 minutes early', async () => {
    server.setHandler(issuing(100));
    const clock = new ManualClock();
    const p = provider(clock);
    await p.getToken('s');
    clock.advance(89_000);
    await p.getToken('s');
    expect(server.requests).toHaveLength(1);
    clock.advance(1_000); // 90 s of 100 s: inside the 10% margin
    expect(await p.getToken('s')).toBe('tok-2-s');
    expect(server.requests).toHaveLength(2);

    server.setHandler(issuing(3600));
    const clock2 = new ManualClock();
    const p2 = provider(clock2);
    await p2.getToken('t');
    clock2.advance(3600_000 - 300_000 - 1);
    await p2.getToken('t');
    expect(server.requests).toHaveLength(3);
    clock2.advance(1);
    await p2.getToken('t');
    expect(server.requests).toHaveLength(4);
  });

  test('tokens are cached per scope', async () => {
    const p = provider(new ManualClock());
    const [a, b] = await Promise.all([p.getToken('scope-a'), p.getToken('scope-b')]);
    expect(a).toContain('scope-a');
    expect(b).toContain('scope-b');
    await p.getToken('scope-a');
    expect(server.requests).toHaveLength(2);
  });

  test('invalidate drops only the token that was refused', async () => {
    const p = provider(new ManualClock());
    const t1 = await p.getToken('s');
    p.invalidate('s', 'some-other-token');
    expect(await p.getToken('s')).toBe(t1);
    p.invalidate('s', t1);
    expect(await p.getToken('s')).not.toBe(t1);
    expect(server.requests).toHaveLength(2);
  });

  test('a wrong secret gives AuthError naming the client secret, without the secret', async () => {
    const p = provider(new ManualClock(), { clientSecret: 'wrong-secret-999' });
    const error = await p.getToken('s').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    const message = (error as AuthError).message;
    expect(message).toMatch(/^Sign-in refused \(AADSTS7000215\): check the client secret/);
    expect(message).not.toContain('wrong-secret-999');
    expect((error as AuthError).details).toMatchObject({ status: 401, serviceCode: 'AADSTS7000215' });
  });

  test.each([
    ['AADSTS700016: Application with identifier was not found in the directory', 400, 'unauthorized_client', /check the client id \(11111111-2222-3333-4444-555555555555/],
    ["AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found.", 400, 'invalid_request', /check the tenant id \(contoso\.onmicrosoft\.com/],
    ['AADSTS70011: The provided value for the input parameter scope is not valid.', 400, 'invalid_scope', /check the service URL the scope was built from \(https:\/\/x\/\.default/],
    ['', 400, 'invalid_client', /check the client id and the client secret/],
  ])('Entra error %s names the setting to check', async (description, status, error, expected) => {
    server.setHandler((_q, res) =>
      json(res, status, { error, error_description: `${description}\r\nTrace ID: 1\r\nCorrelation ID: abc-123\r\nTimestamp: x`, correlation_id: 'abc-123' }),
    );
    const err = await provider(new ManualClock()).getToken('https://x/.default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).message).toMatch(expected);
    expect((err as AuthError).message).not.toContain(SECRET);
    expect((err as AuthError).message).not.toContain('\n');
    expect((err as AuthError).details.requestId).toBe('abc-123');
  });

  test('an early refresh that fails in transit keeps the still-valid token', async () => {
    const clock = new ManualClock();
    const p = provider(clock);
    const t1 = await p.getToken('s');
    clock.advance(3600_000 - 60_000); // inside the refresh margin, not expired
    server.setHandler((_q, res) => json(res, 503, {}));
    expect(await p.getToken('s')).toBe(t1);
  });

  test('configuration errors name the missing setting', () => {
    expect(() => new ClientCredentialsTokenProvider({ clientId: 'a', clientSecret: 'b' })).toThrow(/set the tenant id/);
    expect(() => new ClientCredentialsTokenProvider({ tenantId: 't', clientId: '', clientSecret: 'b' })).toThrow(/set the client id/);
    expect(() => new ClientCredentialsTokenProvider({ tenantId: 't', clientId: 'a', clientSecret: '' })).toThrow(/set the client secret/);
    expect(new ClientCredentialsTokenProvider({ tenantId: 't1', clientId: 'a', clientSecret: 'b' }).tokenUrl).toBe(
      'https://login.microsoftonline.com/t1/oauth2/v2.0/token',
    );
  });
});
