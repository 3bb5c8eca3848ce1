/**
 * A BC page's rows become records without a copy per row (issue 11: the copy of every row of a 20,000-row page was
 * time between the page's arrival and the next page's request): the record's fields are the row as answered,
 * annotations included, read by name.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BcClient } from '../../src/clients/bc/client.js';
import { BcSide } from '../../src/sides/bc-side.js';

const ID = '5CA1E001-0000-4000-8000-000000000001';
const ETAG = 'W/"JzU7NzAwMDc7MDA7Jw=="';
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ value: [{ '@odata.etag': ETAG, id: ID, number: 'C0000001', displayName: 'Adatum', lastModifiedDateTime: '2026-01-01T00:00:00Z' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

const tokens = { getToken: async () => 'token', invalidate: () => undefined };

test('BC: a listed record keeps the row as answered for its fields (the ETag too, no copy without it); id, ETag and time are read from it', async () => {
  const client = new BcClient({ url: `${base}/v2.0/t/e/api/v2.0`, companyId: '00000000-0000-0000-0000-0000000000aa', tokens });
  const side = new BcSide(client);
  const table = { entitySet: 'customers', api: 'v2.0' as const, key: 'id', modifiedField: 'lastModifiedDateTime', filter: [] };
  const records = [];
  for await (const page of side.list(table)) records.push(...page);
  expect(records).toHaveLength(1);
  const [rec] = records;
  expect(rec!.id).toBe(ID.toLowerCase());
  expect(rec!.etag).toBe(ETAG);
  expect(rec!.modifiedAt).toBe('2026-01-01T00:00:00Z');
  expect(rec!.fields).toEqual({ '@odata.etag': ETAG, id: ID, number: 'C0000001', displayName: 'Adatum', lastModifiedDateTime: '2026-01-01T00:00:00Z' });
  // By id, the same.
  const [byId] = await side.get(table, [ID.toLowerCase()]);
  expect(byId!.fields['@odata.etag']).toBe(ETAG);
  await client.close();
});
