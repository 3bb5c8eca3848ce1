import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { request, type Dispatcher } from 'undici';
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

describe('lower bound of a paged read', () => {
  test('pages follow one another: each links to the token it continued, and the chain is a floor of the BC bound', async () => {
    const paged = await startEmulators({ seed: 'demo', latency: { bc: { baseMs: 5, perOperationMs: 0, perRowMs: 0 } } });
    try {
      const res = await request(paged.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: paged.credentials.clientId, client_secret: paged.credentials.clientSecret, scope: paged.bc.scope }).toString(),
      });
      const t = ((await res.body.json()) as { access_token: string }).access_token;
      paged.resetLog();
      let url: string | undefined = `${paged.bc.url}/companies(${paged.bc.companyId})/customers?$select=number`;
      let pages = 0;
      while (url) {
        const page: Dispatcher.ResponseData = await request(url, { headers: { authorization: `Bearer ${t}`, accept: 'application/json', prefer: 'odata.maxpagesize=2' } });
        url = ((await page.body.json()) as { '@odata.nextLink'?: string })['@odata.nextLink'];
        pages += 1;
      }
      expect(pages).toBeGreaterThan(2);
      const log = paged.requestLog;
      expect(log[0]?.pageToken).toBeUndefined();
      for (let i = 1; i < log.length; i++) expect(log[i]?.pageToken).toBe(log[i - 1]?.nextPageToken);
      expect(log[log.length - 1]?.nextPageToken).toBeUndefined();
      // Five requests could run at once, but a page is asked for only after the one before it.
      const chain = log.reduce((n, e) => n + e.costMs, 0);
      expect(paged.stats().lowerBoundMs.bc).toBe(chain);
    } finally {
      await paged.close();
    }
  });
});

