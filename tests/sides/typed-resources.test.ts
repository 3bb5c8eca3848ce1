/**
 * The Sides read through the clients' typed resources: an answer that lacks a property the resource requires,
 * or has it with the wrong type, fails with the resource, the record and the property named (instead of
 * syncing a record with a hole in it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BcClient } from '../../src/clients/bc/client.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { ResponseShapeError } from '../../src/errors.js';
import { BcSide } from '../../src/sides/bc-side.js';
import { DataverseSide } from '../../src/sides/dataverse-side.js';

const ID = '00000000-0000-0000-0000-0000000000c1';
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    // A customer whose number is a number, and an account without its key: both off the documented shapes.
    if (req.url!.includes('/customers')) res.end(JSON.stringify({ value: [{ id: ID, number: 10000, displayName: 'Adatum', lastModifiedDateTime: '2026-01-01T00:00:00Z' }] }));
    else res.end(JSON.stringify({ value: [{ name: 'Adatum', modifiedon: '2026-01-01T00:00:00Z' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

const tokens = { getToken: async () => 'token', invalidate: () => undefined };
const drain = async (pages: AsyncIterable<unknown[]>) => {
  for await (const page of pages) void page;
};

test('BC: a customer whose number is not a string fails with customers, the record id and "number" named', async () => {
  const client = new BcClient({ url: `${base}/v2.0/t/e/api/v2.0`, companyId: '00000000-0000-0000-0000-0000000000aa', tokens });
  const side = new BcSide(client);
  const table = { entitySet: 'customers', api: 'v2.0' as const, key: 'id', modifiedField: 'lastModifiedDateTime', filter: [] };
  const error = await drain(side.list(table)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ResponseShapeError);
  expect((error as Error).message).toMatch(new RegExp(`^customers record ${ID}: property "number" is invalid`));
  await client.close();
});

test('Dataverse: an account without its key fails with accounts and "accountid" named', async () => {
  const client = new DataverseClient({ url: `${base}/api/data/v9.2`, tokens });
  const side = new DataverseSide(client);
  const table = { entitySet: 'accounts', key: 'accountid', modifiedField: 'modifiedon', filter: [] };
  const error = await drain(side.list(table)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ResponseShapeError);
  expect((error as Error).message).toMatch(/^accounts record \(no id\): property "accountid" is missing/);
  await client.close();
});
