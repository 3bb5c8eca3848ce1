import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { request } from 'undici';
import { startEmulators, DEFAULT_LIMITS, type RunningEmulators } from '../../../src/emulators/index.js';
import { emulatorToken } from './helpers.js';

let emu: RunningEmulators;

beforeAll(async () => {
  emu = await startEmulators({ port: 0 });
});

afterAll(async () => {
  await emu.close();
});

async function getJson(url: string, bearer?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(url, { headers: bearer ? { authorization: `Bearer ${bearer}`, accept: 'application/json' } : {} });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe('startEmulators with the real Dataverse and Business Central modules', () => {
  test('Dataverse WhoAmI answers as the application user; the seed is loaded', async () => {
    const t = await emulatorToken(emu, emu.dataverse.scope);
    const who = await getJson(`${emu.dataverse.url}/WhoAmI`, t);
    expect(who.status).toBe(200);
    expect(who.body['UserId']).toBe(emu.dataverse.integrationUserId);
    expect(emu.dataverse.count('accounts')).toBeGreaterThan(0);
    const accounts = await getJson(`${emu.dataverse.url}/accounts?$select=name&$top=2`, t);
    expect(accounts.status).toBe(200);
    expect(accounts.body['value']).toHaveLength(2);
    const entry = emu.requestLog.find((e) => e.api === 'dataverse' && e.path === 'accounts');
    expect(entry).toMatchObject({ method: 'GET', query: '$select=name&$top=2', status: 200, rows: 2 });
  });

  test('Business Central lists its company and customers; the log path is relative to the API base', async () => {
    const t = await emulatorToken(emu, emu.bc.scope);
    const companies = await getJson(`${emu.bc.url}/companies`, t);
    expect(companies.status).toBe(200);
    expect((companies.body['value'] as Array<{ id: string }>).map((c) => c.id)).toContain(emu.bc.companyId);
    const customers = await getJson(`${emu.bc.url}/companies(${emu.bc.companyId})/customers?$top=3`, t);
    expect(customers.status).toBe(200);
    expect(customers.body['value']).toHaveLength(3);
    expect(emu.bc.count('customers')).toBeGreaterThanOrEqual(3);
    expect(emu.requestLog.filter((e) => e.api === 'bc').map((e) => e.path)).toEqual([
      'companies',
      `companies(${emu.bc.companyId})/customers`,
    ]);
  });

  test('each API refuses a missing token with 401 in its own error shape', async () => {
    const dv = await getJson(`${emu.dataverse.url}/accounts`);
    const bc = await getJson(`${emu.bc.url}/companies`);
    expect(dv.status).toBe(401);
    expect(bc.status).toBe(401);
    expect(dv.body).toMatchObject({ error: { code: expect.any(String), message: expect.stringContaining('bearer token') } });
    expect(bc.body).toMatchObject({ error: { code: 'Authentication_InvalidCredentials' } });
  });

  test('defaults: documented limits, no latency', () => {
    expect(emu.requestLog.every((e) => e.costMs === 0)).toBe(true);
    expect(DEFAULT_LIMITS.bc.concurrent).toBe(5);
    expect(emu.stats().lowerBoundMs.total).toBe(0);
  });
});
