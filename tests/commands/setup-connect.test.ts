import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connectProfile, resolveClientSecret, secretSourceOf, type ConnectableProfile } from '../../src/app/connect.js';
import { customers } from '../../src/clients/bc/index.js';
import { startEmulators, type RunningEmulators } from '../../src/emulators/index.js';
import { AuthError, ConfigError } from '../../src/errors.js';
import { testDeps, tmpHome } from './setup-helpers.js';

/** connectProfile: the one way commands get clients for a profile. */

let emu: RunningEmulators;

beforeAll(async () => {
  emu = await startEmulators({ seed: 'demo' });
});

afterAll(async () => {
  await emu.close();
});

function profileFor(auth: Partial<ConnectableProfile['auth']> = {}): ConnectableProfile {
  return {
    name: 'usa',
    bc: { apiUrl: emu.bc.url, companyId: emu.bc.companyId },
    dataverse: { url: emu.dataverse.orgUrl },
    auth: { tenantId: emu.credentials.tenantId, authority: emu.authority, clientId: emu.credentials.clientId, clientSecretEnv: 'SYNC_SECRET', ...auth },
  };
}

describe('client secret', () => {
  test('from the named environment variable; a missing one is a ConfigError naming it', () => {
    expect(resolveClientSecret(profileFor(), { SYNC_SECRET: 'abc' })).toBe('abc');
    expect(() => resolveClientSecret(profileFor(), {})).toThrow(ConfigError);
    expect(() => resolveClientSecret(profileFor(), { SYNC_SECRET: '' })).toThrow(
      'Environment variable SYNC_SECRET is not set: export the client secret of the app registration in SYNC_SECRET (profile "usa" reads it from there)',
    );
    expect(() => resolveClientSecret(profileFor({ clientSecretEnv: undefined }), {})).toThrow('Environment variable BCSYNC_CLIENT_SECRET is not set');
  });

  test('an opted-in stored secret is used as it is', () => {
    const p = profileFor({ clientSecretEnv: undefined, clientSecret: 'stored' });
    expect(resolveClientSecret(p, { SYNC_SECRET: 'env' })).toBe('stored');
    expect(secretSourceOf(p.auth, {})).toEqual({ kind: 'profile' });
    expect(secretSourceOf(profileFor().auth, { SYNC_SECRET: 'x' })).toEqual({ kind: 'env', variable: 'SYNC_SECRET', set: true });
  });
});

describe('connectProfile', () => {
  test('BC client scoped to the company, Dataverse client on the Web API, one token per resource', async () => {
    const { deps } = testDeps(tmpHome('connect'), { env: { SYNC_SECRET: emu.credentials.clientSecret } });
    const events: string[] = [];
    const conn = connectProfile(deps, profileFor(), { onRequest: (e) => events.push(`${e.api} ${e.method} ${e.status}`) });
    try {
      expect(conn.bc.companyId).toBe(emu.bc.companyId);
      expect(conn.dataverse.url).toBe(emu.dataverse.url);
      const first = [];
      for await (const page of conn.bc.list(customers, { select: ['number'] })) first.push(...page);
      expect(first.length).toBe(emu.bc.count('customers'));
      await conn.dataverse.whoAmI();
      await conn.dataverse.whoAmI();
      expect(conn.tokens.requestsMade).toBe(2);
      expect(events).toEqual(['token POST 200', 'bc GET 200', 'token POST 200', 'dataverse GET 200', 'dataverse GET 200']);
    } finally {
      await conn.close();
      await conn.close();
    }
  });

  test('--verbose dumps every request, masked; without it nothing is dumped', async () => {
    const secret = emu.credentials.clientSecret;
    const verbose = testDeps(tmpHome('connect'), { env: { SYNC_SECRET: secret }, verbose: true });
    const conn = connectProfile(verbose.deps, profileFor());
    await conn.dataverse.whoAmI();
    await conn.close();
    const { stderr } = await verbose.text();
    expect(stderr).toContain(`[token] POST ${emu.tokenUrl} 200`);
    expect(stderr).toContain('client_secret=***');
    expect(stderr).toContain(`[dataverse] GET ${emu.dataverse.url}/WhoAmI 200`);
    expect(stderr).toContain('Authorization: Bearer ***');
    expect(stderr).not.toContain(secret);

    expect(conn.dataverse.transport.describesRequests).toBe(true);

    const quiet = testDeps(tmpHome('connect'), { env: { SYNC_SECRET: secret } });
    const conn2 = connectProfile(quiet.deps, profileFor());
    await conn2.dataverse.whoAmI();
    await conn2.close();
    expect((await quiet.text()).stderr).toBe('');
    // Without --verbose (and no listener) no request hook is installed, so no body is ever masked or re-read.
    expect(conn2.dataverse.transport.describesRequests).toBe(false);
    expect(conn2.bc.transport.describesRequests).toBe(false);
  });

  test('a refused secret names where it came from', async () => {
    const { deps } = testDeps(tmpHome('connect'), { env: { SYNC_SECRET: 'wrong-secret' } });
    const conn = connectProfile(deps, profileFor());
    try {
      const error = await conn.bc.companies().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).message).toMatch(/^The client secret was refused \(AADSTS7000215\): check the client secret in environment variable SYNC_SECRET/);
      expect((error as AuthError).details.serviceCode).toBe('AADSTS7000215');
    } finally {
      await conn.close();
    }
    // A wrong client id is another setting: the provider's own advice stays.
    const other = connectProfile(deps, profileFor({ clientId: '11111111-2222-3333-4444-555555555555' }), { clientSecret: emu.credentials.clientSecret });
    try {
      await expect(other.dataverse.whoAmI()).rejects.toThrow(/check the client id/);
    } finally {
      await other.close();
    }
  });
});
