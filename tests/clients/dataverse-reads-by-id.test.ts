/**
 * Reads by id against the emulated Dataverse over HTTP (docs/protocols.md §2.9, §3.1): a URL over 32 KB is refused
 * as a request of its own and taken inside a `$batch`; `listByIds` sends as few requests as those limits allow and
 * answers exactly what reads of 100 ids each answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ApiError } from '../../src/errors.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { accounts } from '../../src/clients/dataverse/index.js';
import { idFilterChunks, inFilter } from '../../src/clients/odata/literals.js';
import { startServices, type Services } from '../helpers/services.js';

const N = 3_000;
const guid = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const ids = Array.from({ length: N }, (_, i) => guid('acc0000a', i));
/** Ids no row has: a read by id leaves them out. */
const missing = Array.from({ length: 50 }, (_, i) => guid('dead0000', i));

let s: Services;
const extra: DataverseClient[] = [];
function client(options: { maxPageSize?: number; batchSize?: number }): DataverseClient {
  const c = new DataverseClient({ url: s.emu.dataverse.url, tokens: s.tokens, ...options });
  extra.push(c);
  return c;
}

beforeAll(async () => {
  // A small cost model, to read a batch's cost off the request log (it sleeps milliseconds).
  s = await startServices({ seed: 'empty', latency: { dataverse: { baseMs: 1, perOperationMs: 1, perRowMs: 0.001 } } });
  for (const [i, id] of ids.entries()) s.emu.dataverse.insert('accounts', { accountid: id, name: `Account ${i}` });
});
beforeEach(() => s.emu.resetLog());
afterAll(async () => {
  await Promise.all(extra.map((c) => c.close()));
  await s?.close();
});

const names = (rows: Array<Record<string, unknown>>) => rows.map((r) => `${String(r.accountid)} ${String(r.name)}`).sort();
const log = () => s.emu.requestLog.filter((e) => e.api === 'dataverse').map((e) => ({ method: e.method, path: e.path, status: e.status, partMethods: e.partMethods }));

describe('Dataverse URL lengths over HTTP', () => {
  test('a GET whose URL is over 32 KB is refused with 414; the same read as a part of a $batch is answered', async () => {
    const filter = inFilter('accountid', ids.slice(0, 900));
    const url = `${s.emu.dataverse.url}/accounts?$select=name&$filter=${encodeURIComponent(filter)}`;
    expect(url.length).toBeGreaterThan(32_768);
    expect(url.length).toBeLessThan(65_536 - 2_048);
    const plain = async () => {
      for await (const page of s.dataverse.list(accounts, { select: ['name'], filter })) void page;
    };
    await expect(plain()).rejects.toThrow(ApiError);
    await expect(plain()).rejects.toMatchObject({ status: 414 });

    s.emu.resetLog();
    const rows = await s.dataverse.listByIds('accounts', 'accountid', ids.slice(0, 900), { select: ['name'] });
    expect(rows).toHaveLength(900);
    expect(log()).toEqual([{ method: 'POST', path: '$batch', status: 200, partMethods: { GET: 1 } }]);
  });
});

describe('listByIds', () => {
  test('3,050 ids (50 missing): the rows of 31 reads of 100 ids, from one $batch of 3 GETs', async () => {
    const wanted = [...ids, ...missing];
    const perHundred: Array<Record<string, unknown>> = [];
    for (const filter of idFilterChunks('accountid', wanted, { maxPerChunk: 100 })) {
      for await (const page of s.dataverse.list(accounts, { select: ['name'], filter })) perHundred.push(...(page as Array<Record<string, unknown>>));
    }
    expect(perHundred).toHaveLength(N);

    s.emu.resetLog();
    const rows = await s.dataverse.listByIds('accounts', 'accountid', wanted, { select: ['name'] });
    expect(names(rows as Array<Record<string, unknown>>)).toEqual(names(perHundred));
    // ~43 URL characters per id, 62 KB per GET: 1,400-odd ids a GET.
    expect(log()).toEqual([{ method: 'POST', path: '$batch', status: 200, partMethods: { GET: 3 } }]);
    const batch = s.emu.requestLog.find((e) => e.path === '$batch')!;
    expect([batch.operations, batch.rows]).toEqual([3, N]);
    // One request, costing what its three reads cost together in the latency model, less two requests' base cost.
    expect(batch.costMs).toBeCloseTo(1 + 3 * 1 + N * 0.001, 6);
  });

  test('a few ids are one plain GET; none is no request', async () => {
    const rows = await s.dataverse.listByIds('accounts', 'accountid', [ids[7]!.toUpperCase(), missing[0]!, ids[7]!], { select: ['name'] });
    expect(names(rows as Array<Record<string, unknown>>)).toEqual([`${ids[7]} Account 7`]);
    expect(await s.dataverse.listByIds('accounts', 'accountid', [], { select: ['name'] })).toEqual([]);
    expect(log()).toEqual([{ method: 'GET', path: 'accounts', status: 200, partMethods: undefined }]);
  });

  test('each GET asks for at most a page of ids; more GETs than fit in one batch go in several', async () => {
    const small = client({ maxPageSize: 500 });
    const rows = await small.listByIds('accounts', 'accountid', ids, { select: ['name'] });
    expect(rows).toHaveLength(N);
    expect(log()).toEqual([{ method: 'POST', path: '$batch', status: 200, partMethods: { GET: 6 } }]);

    s.emu.resetLog();
    const narrow = client({ maxPageSize: 500, batchSize: 4 });
    expect(names((await narrow.listByIds('accounts', 'accountid', ids, { select: ['name'] }, undefined, { parallel: 2 })) as Array<Record<string, unknown>>)).toEqual(
      names(rows as Array<Record<string, unknown>>),
    );
    expect(log().map((e) => e.partMethods)).toEqual([{ GET: 4 }, { GET: 2 }]);
  });
});
