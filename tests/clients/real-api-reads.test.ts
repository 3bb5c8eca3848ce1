import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { EntitySetMissingError, NotFoundError } from '../../src/errors.js';
import type { TokenSource } from '../../src/clients/auth/index.js';
import { BcClient, customers, resources } from '../../src/clients/bc/index.js';
import { accounts, DataverseClient, navAccountstatistics } from '../../src/clients/dataverse/index.js';
import { header, json, startServer, type TestServer } from './helpers/server.js';

/**
 * What real services do that our first emulator did not make us handle (issue 8): read scale-out on BC GETs,
 * no delta links in BC, and a 404 on a whole entity set told apart from a missing record.
 */

const COMPANY = 'f2a5738a-44e3-ea11-bb43-000d3a2feca1';
const ID = '11111111-44e3-ea11-bb43-000d3a2feca1';
const BASE = '/v2.0/contoso/production/api/v2.0';
let server: TestServer;
const closers: Array<{ close(): Promise<void> }> = [];
const tokens: TokenSource = { getToken: async (scope) => `token-for-${scope}`, invalidate: () => undefined };

function bc(): BcClient {
  const c = new BcClient({ url: `${server.url}${BASE}`, companyId: COMPANY, tokens, clock: new ManualClock() });
  closers.push(c);
  return c;
}

function dataverse(): DataverseClient {
  const c = new DataverseClient({ url: `${server.url}/api/data/v9.2`, tokens, clock: new ManualClock() });
  closers.push(c);
  return c;
}

const row = { id: ID, number: '10000', displayName: 'Adatum', lastModifiedDateTime: '2026-01-01T00:00:00.000Z' };

beforeAll(async () => {
  server = await startServer((_q, res) => json(res, 200, {}));
});
beforeEach(() => {
  server.requests.length = 0;
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()));
  await server.close();
});

describe('Business Central reads as the docs advise', () => {
  test('every GET (lists, each page, single records) sends Data-Access-Intent: ReadOnly; writes do not', async () => {
    const next = `${server.url}${BASE}/companies(${COMPANY})/customers?$skiptoken=x`;
    server.setHandler((req, res) => {
      if (req.method === 'PATCH') return json(res, 200, row);
      if (req.url.includes(`customers(${ID})`)) return json(res, 200, row);
      return req.url.includes('skiptoken') ? json(res, 200, { value: [row] }) : json(res, 200, { value: [row], '@odata.nextLink': next });
    });
    const c = bc();
    for await (const _page of c.list(customers)) {
      // drain
    }
    await c.get(customers, ID);
    await c.update(customers, ID, { displayName: 'x' }, '*');
    expect(server.requests.map((r) => `${r.method} ${header(r, 'data-access-intent') ?? '-'}`)).toEqual([
      'GET ReadOnly',
      'GET ReadOnly',
      'GET ReadOnly',
      'PATCH -',
    ]);
  });

  test('no delta links: never asks for change tracking, and a stray @odata.deltaLink is not followed', async () => {
    server.setHandler((_q, res) => json(res, 200, { value: [row], '@odata.deltaLink': `${server.url}${BASE}/companies(${COMPANY})/customers?$deltatoken=1` }));
    const rows: unknown[] = [];
    for await (const page of bc().list(customers, { filter: 'lastModifiedDateTime gt 2026-01-01T00:00:00.000Z' })) rows.push(...page);
    expect(rows).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
    expect(header(server.requests[0]!, 'prefer') ?? '').not.toContain('track-changes');
  });
});

describe('a 404 on an entity set is not a missing record', () => {
  test('BC: a collection URL answering 404 is EntitySetMissingError naming the set and the companion extension', async () => {
    server.setHandler((_q, res) => json(res, 404, { error: { code: 'BadRequest_NotFound', message: 'No HTTP resource was found that matches the request URI.' } }));
    const error = await (async () => {
      for await (const _p of bc().list(resources, { top: 1 })) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EntitySetMissingError);
    expect((error as EntitySetMissingError).entitySet).toBe('resources');
    expect((error as Error).message.split('\n')[0]).toMatch(/^Business Central has no entity set resources .*install the bcsync companion extension/);
    expect((error as Error).message).not.toMatch(/re-couple/);
  });

  test('BC: a record URL answering 404 stays a missing record (re-couple)', async () => {
    server.setHandler((_q, res) => json(res, 404, { error: { code: 'Internal_RecordNotFound', message: 'The Customer does not exist.' } }));
    const error = await bc().get(customers, ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).not.toBeInstanceOf(EntitySetMissingError);
    expect((error as Error).message).toMatch(/re-couple/);
  });

  test('Dataverse: a 404 on a table URL is EntitySetMissingError; a missing row stays NotFoundError', async () => {
    server.setHandler((req, res) =>
      req.url.includes('nav_accountstatisticses')
        ? json(res, 404, { error: { code: '0x80060888', message: "Resource not found for the segment 'nav_accountstatisticses'." } })
        : json(res, 404, { error: { code: '0x80040217', message: 'account With Id = 1 Does Not Exist' } }),
    );
    const dv = dataverse();
    const missingTable = await (async () => {
      for await (const _p of dv.list(navAccountstatistics, { top: 1 })) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(missingTable).toBeInstanceOf(EntitySetMissingError);
    expect((missingTable as Error).message).toMatch(/^Dataverse has no table nav_accountstatisticses /);
    const missingRow = await dv.get(accounts, ID).catch((e: unknown) => e);
    expect(missingRow).toBeInstanceOf(NotFoundError);
    expect(missingRow).not.toBeInstanceOf(EntitySetMissingError);
  });
});
