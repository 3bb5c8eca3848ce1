import { describe, test, expect, afterEach } from '@jest/globals';
import { request } from 'undici';
import { createServer } from 'node:net';
import {
  startEmulatorSet,
  DEFAULT_LATENCY,
  DEFAULT_LIMITS,
  EMULATOR_CLIENT_ID,
  EMULATOR_TENANT_ID,
  type EmulatorFactories,
  type EmulatorOptions,
} from '../../../src/emulators/core/assemble.js';
import type { RunningEmulators, SeedName } from '../../../src/emulators/types.js';
import type { EmuRequest } from '../../../src/emulators/core/http-types.js';
import type { SeedData } from '../../../src/emulators/seed/types.js';
import { emulatorToken as tokenFor, memoryData, testModule } from './helpers.js';

interface Seen {
  dv: EmuRequest[];
  bc: EmuRequest[];
  seedName?: SeedName;
  dvOpts?: Parameters<EmulatorFactories['createDataverseModule']>[0];
  bcOpts?: Parameters<EmulatorFactories['createBcModule']>[0];
}

const COMPANY_ID = 'aaaaaaaa-0000-4000-8000-000000000001';
const USER_ID = 'bbbbbbbb-0000-4000-8000-000000000002';

function factories(seen: Seen): EmulatorFactories {
  const seedData: SeedData = {
    dataverse: { records: { accounts: [{ accountid: 'a1', name: 'Adatum' }] } },
    bc: { companies: [{ id: COMPANY_ID, name: 'CRONUS', displayName: 'CRONUS', records: { customers: [{ id: 'c1' }] } }] },
  };
  return {
    loadSeed: (name) => {
      seen.seedName = name;
      return seedData;
    },
    createDataverseModule: (opts) => {
      seen.dvOpts = opts;
      const data = memoryData();
      for (const r of opts.seed.records['accounts'] ?? []) data.insert('accounts', { id: r['accountid'], ...r });
      const m = testModule(
        (req) => {
          seen.dv.push(req);
          if (req.path === '$batch') return { status: 200, body: {}, operations: 10 };
          return { status: 200, body: { UserId: req.caller?.userId, value: [{}, {}] }, rows: 2 };
        },
        { unauthorized: '0x80040220' },
      );
      return { ...m, data, integrationUserId: USER_ID };
    },
    createBcModule: (opts) => {
      seen.bcOpts = opts;
      const m = testModule(
        (req) => {
          seen.bc.push(req);
          return { status: 200, body: { path: req.path } };
        },
        { unauthorized: 'Authentication_InvalidCredentials' },
      );
      return { ...m, companyId: COMPANY_ID, companyName: 'CRONUS' };
    },
  };
}

const running: RunningEmulators[] = [];
afterEach(async () => {
  for (const e of running.splice(0)) await e.close();
});

async function start(opts: EmulatorOptions = {}): Promise<{ emu: RunningEmulators; seen: Seen }> {
  const seen: Seen = { dv: [], bc: [] };
  const emu = await startEmulatorSet(opts, factories(seen));
  running.push(emu);
  return { emu, seen };
}

async function get(url: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }> {
  const res = await request(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('startEmulators wiring', () => {
  test('URLs, scopes, credentials and module options', async () => {
    const { emu, seen } = await start();
    const origin = (u: string): string => new URL(u).origin;
    expect(emu.credentials.tenantId).toBe(EMULATOR_TENANT_ID);
    expect(emu.credentials.clientId).toBe(EMULATOR_CLIENT_ID);
    expect(emu.credentials.clientSecret.length).toBeGreaterThanOrEqual(32);
    expect(emu.tokenUrl).toBe(`${emu.authority}/${EMULATOR_TENANT_ID}/oauth2/v2.0/token`);
    expect(emu.dataverse.url).toBe(`${emu.dataverse.orgUrl}/api/data/v9.2`);
    expect(emu.dataverse.scope).toBe(`${emu.dataverse.orgUrl}/.default`);
    expect(emu.bc.url).toBe(`${origin(emu.bc.url)}/v2.0/${EMULATOR_TENANT_ID}/production/api/v2.0`);
    expect(emu.bc.customUrl).toBe(`${origin(emu.bc.url)}/v2.0/${EMULATOR_TENANT_ID}/production/api/bcsync/integration/v1.0`);
    expect(emu.bc.scope).toBe('https://api.businesscentral.dynamics.com/.default');
    expect(new Set([emu.authority, emu.dataverse.orgUrl, origin(emu.bc.url)]).size).toBe(3);
    expect(emu.bc).toMatchObject({ tenantId: EMULATOR_TENANT_ID, environment: 'production', companyId: COMPANY_ID, companyName: 'CRONUS' });
    expect(emu.dataverse.integrationUserId).toBe(USER_ID);
    expect(seen.seedName).toBe('demo');
    expect(seen.dvOpts).toMatchObject({ orgUrl: emu.dataverse.orgUrl, applicationClientId: EMULATOR_CLIENT_ID });
    expect(seen.bcOpts).toMatchObject({ tenantId: EMULATOR_TENANT_ID, environment: 'production' });
  });

  test('the secret is random per start unless given; given credentials are used', async () => {
    const a = await start();
    const b = await start();
    expect(a.emu.credentials.clientSecret).not.toBe(b.emu.credentials.clientSecret);
    const c = await start({ credentials: { clientSecret: 'fixed-secret', clientId: 'CCCCCCCC-0000-4000-8000-000000000003' }, environment: 'sandbox', seed: 'empty' });
    expect(c.emu.credentials).toMatchObject({ clientSecret: 'fixed-secret', clientId: 'cccccccc-0000-4000-8000-000000000003' });
    expect(c.emu.bc.url).toContain('/sandbox/api/v2.0');
    expect(c.seen.seedName).toBe('empty');
    await tokenFor(c.emu, c.emu.bc.scope);
  });

  test('tokens are per audience; each API answers 401 in its own shape', async () => {
    const { emu, seen } = await start();
    const dvToken = await tokenFor(emu, emu.dataverse.scope);
    const bcToken = await tokenFor(emu, emu.bc.scope);
    const whoAmI = await get(`${emu.dataverse.url}/WhoAmI`, dvToken);
    expect(whoAmI.status).toBe(200);
    expect(whoAmI.body).toMatchObject({ UserId: USER_ID });
    expect(whoAmI.headers['x-ms-service-request-id']).toBeDefined();
    expect(seen.dv[0]).toMatchObject({ path: 'WhoAmI', baseUrl: emu.dataverse.url, caller: { clientId: EMULATOR_CLIENT_ID, userId: USER_ID } });

    const wrongForBc = await get(`${emu.bc.url}/companies`, dvToken);
    expect(wrongForBc.status).toBe(401);
    expect(wrongForBc.body).toMatchObject({ error: { code: 'Authentication_InvalidCredentials' } });
    const wrongForDv = await get(`${emu.dataverse.url}/accounts`, bcToken);
    expect(wrongForDv.status).toBe(401);
    expect(wrongForDv.body).toMatchObject({ error: { code: '0x80040220' } });
    const ok = await get(`${emu.bc.url}/companies`, bcToken);
    expect(ok.status).toBe(200);
    expect(ok.headers['request-id']).toBeDefined();
  });

  test('BC paths: module path relative to .../api/, log path relative to the API base; tenant-less form; wrong tenant is 404', async () => {
    const { emu, seen } = await start();
    const token = await tokenFor(emu, emu.bc.scope);
    await get(`${emu.bc.url}/companies(${COMPANY_ID})/customers?$top=1`, token);
    await get(`${emu.bc.customUrl}/companies(${COMPANY_ID})/unitGroups`, token);
    await get(`${emu.bc.url}/$batch`, token);
    const origin = new URL(emu.bc.url).origin;
    await get(`${origin}/v2.0/production/api/v2.0/companies`, token);
    const wrongTenant = await get(`${origin}/v2.0/99999999-9999-4999-8999-999999999999/production/api/v2.0/companies`, token);
    const wrongEnv = await get(`${origin}/v2.0/${EMULATOR_TENANT_ID}/nosuchenv/api/v2.0/companies`, token);
    expect(wrongTenant.status).toBe(404);
    expect(wrongEnv.status).toBe(404);
    expect(seen.bc.map((r) => [r.path, r.baseUrl])).toEqual([
      [`v2.0/companies(${COMPANY_ID})/customers`, `${origin}/v2.0/${EMULATOR_TENANT_ID}/production/api`],
      [`bcsync/integration/v1.0/companies(${COMPANY_ID})/unitGroups`, `${origin}/v2.0/${EMULATOR_TENANT_ID}/production/api`],
      ['v2.0/$batch', `${origin}/v2.0/${EMULATOR_TENANT_ID}/production/api`],
      ['v2.0/companies', `${origin}/v2.0/production/api`],
    ]);
    const bcLog = emu.requestLog.filter((e) => e.api === 'bc');
    expect(bcLog.map((e) => [e.seq, e.path, e.query, e.status])).toEqual([
      [1, `companies(${COMPANY_ID})/customers`, '$top=1', 200],
      [2, `bcsync/integration/v1.0/companies(${COMPANY_ID})/unitGroups`, '', 200],
      [3, '$batch', '', 200],
      [4, 'companies', '', 200],
      [5, `v2.0/99999999-9999-4999-8999-999999999999/production/api/v2.0/companies`, '', 404],
      [6, `v2.0/${EMULATOR_TENANT_ID}/nosuchenv/api/v2.0/companies`, '', 404],
    ]);
  });

  test('data access is delegated to the modules', async () => {
    const { emu } = await start();
    expect(emu.dataverse.count('accounts')).toBe(1);
    expect(emu.dataverse.get('accounts', 'a1')).toMatchObject({ name: 'Adatum' });
    emu.dataverse.update('accounts', 'a1', { name: 'Adatum Corp' });
    expect(emu.dataverse.list('accounts')).toEqual([{ id: 'a1', accountid: 'a1', name: 'Adatum Corp' }]);
    emu.bc.insert('customers', { id: 'c9' });
    expect(emu.bc.count('customers')).toBe(1);
    emu.bc.remove('customers', 'c9');
    expect(emu.bc.count('customers')).toBe(0);
  });

  test('stats, resetLog and setFaults; request numbers restart after reset', async () => {
    const { emu } = await start({ faults: [{ kind: '503', api: 'dataverse', requestNumbers: [2] }] });
    const token = await tokenFor(emu, emu.dataverse.scope);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(`${emu.dataverse.url}/accounts`, token)).status);
    expect(statuses).toEqual([200, 503, 200]);
    const stats = emu.stats();
    expect(stats.requests).toEqual({ token: 1, dataverse: 3, bc: 0 });
    expect(stats.faults).toEqual({ token: 0, dataverse: 1, bc: 0 });
    expect(stats.lowerBoundMs).toEqual({ bc: 0, dataverse: 0, total: 0 });
    const log = emu.requestLog;
    emu.resetLog();
    expect(emu.requestLog).toBe(log);
    expect(emu.requestLog).toHaveLength(0);
    emu.setFaults([{ kind: '429', api: 'dataverse', requestNumbers: [1], retryAfterSeconds: 2 }]);
    const throttled = await get(`${emu.dataverse.url}/accounts`, token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('2');
    expect(emu.requestLog.map((e) => [e.seq, e.fault])).toEqual([[1, '429']]);
  });

  test('the same randomSeed faults the same request numbers on every start', async () => {
    async function run(randomSeed: number): Promise<number[]> {
      const { emu } = await start({ randomSeed, faults: [{ kind: '502', api: 'dataverse', rate: 0.25 }] });
      const token = await tokenFor(emu, emu.dataverse.scope);
      for (let i = 0; i < 30; i++) await get(`${emu.dataverse.url}/accounts`, token);
      const faulted = emu.requestLog.filter((e) => e.fault === '502').map((e) => e.seq);
      await emu.close();
      return faulted;
    }
    const a = await run(2024);
    const b = await run(2024);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(0);
  });

  test('default: documented limits on, no latency; latency entries switch on the realistic model', async () => {
    expect(DEFAULT_LIMITS.dataverse).toEqual({ concurrent: 52, requestsPerWindow: 6000, windowMs: 300_000, executionMsPerWindow: 1_200_000 });
    expect(DEFAULT_LIMITS.bc).toEqual({ concurrent: 5, maxQueue: 95, requestsPerWindow: 6000, windowMs: 300_000 });
    expect(DEFAULT_LATENCY.dataverse).toEqual({ baseMs: 25, perOperationMs: 3, perRowMs: 0.02 });
    expect(DEFAULT_LATENCY.bc).toEqual({ baseMs: 40, perOperationMs: 8, perRowMs: 0.05 });

    const plain = await start({ limits: { dataverse: { requestsPerWindow: 2 } } });
    const t1 = await tokenFor(plain.emu, plain.emu.dataverse.scope);
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await get(`${plain.emu.dataverse.url}/accounts`, t1)).status);
    expect(s).toEqual([200, 200, 429]);
    expect(plain.emu.requestLog.every((e) => e.costMs === 0)).toBe(true);

    const timed = await start({ latency: { dataverse: { baseMs: 1 } }, limits: false });
    const t2 = await tokenFor(timed.emu, timed.emu.dataverse.scope);
    await get(`${timed.emu.dataverse.url}/accounts`, t2);
    const batch = await request(`${timed.emu.dataverse.url}/$batch`, { method: 'POST', headers: { authorization: `Bearer ${t2}` }, body: 'x' });
    await batch.body.dump();
    const dvCosts = timed.emu.requestLog.filter((e) => e.api === 'dataverse').map((e) => e.costMs);
    expect(dvCosts).toEqual([1 + 3 + 2 * 0.02, 1 + 3 * 10]);
    // limits:false means no concurrency cap, so the bound is the longest single request.
    expect(timed.emu.stats().lowerBoundMs).toEqual({ bc: 0, dataverse: 31, total: 31 });
  });

  test('a fixed port puts token, Dataverse and BC on port, port+1, port+2', async () => {
    const port = await freePortRun();
    const { emu } = await start({ port });
    expect(new URL(emu.authority).port).toBe(String(port));
    expect(new URL(emu.dataverse.orgUrl).port).toBe(String(port + 1));
    expect(new URL(emu.bc.url).port).toBe(String(port + 2));
  });

  test('close() is idempotent and frees the ports', async () => {
    const { emu } = await start();
    const url = emu.dataverse.url;
    await emu.close();
    await emu.close();
    await expect(request(url)).rejects.toThrow();
  });
});

/** A port p with p, p+1, p+2 free right now. */
async function freePortRun(): Promise<number> {
  const tryListen = (p: number): Promise<ReturnType<typeof createServer> | undefined> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen(p, '127.0.0.1', () => resolve(s));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await tryListen(0);
    if (!first) continue;
    const port = (first.address() as { port: number }).port;
    const others = [await tryListen(port + 1), await tryListen(port + 2)];
    const all = [first, ...others];
    await Promise.all(all.map((s) => (s ? new Promise((r) => s.close(r)) : Promise.resolve())));
    if (others.every(Boolean) && port + 2 < 65536) return port;
  }
  throw new Error('no run of three free ports found');
}
