import { describe, test, expect } from '@jest/globals';
import { harness, json, header, batchBody, parseBatchResponse, IDS, BASE } from './helpers.js';
import type { BatchOp, Harness } from './helpers.js';

const MULTIPART = { 'Content-Type': 'multipart/mixed; boundary="batch_test"' };

async function sendBatch(h: Harness, items: Parameters<typeof batchBody>[0], prefer?: string) {
  const headers: Record<string, string> = { ...MULTIPART };
  if (prefer) headers['Prefer'] = prefer;
  return h.send('POST', '$batch', { body: batchBody(items), headers });
}

const createAccount = (name: string, extra: Record<string, unknown> = {}, contentId?: string): BatchOp => ({
  method: 'POST',
  url: '/api/data/v9.2/accounts',
  body: { name, ...extra },
  ...(contentId ? { contentId } : {}),
});

describe('Dataverse $batch', () => {
  test('1,000 creates in one change set work; the response lists 1,000 results and operations = 1000', async () => {
    const h = harness();
    const ops = Array.from({ length: 1000 }, (_, i) => createAccount(`Batch ${i}`, {}, String(i + 1)));
    const res = await sendBatch(h, [{ changeset: ops }]);
    expect(res.status).toBe(200);
    expect(res.operations).toBe(1000);
    const parts = parseBatchResponse(res);
    expect(parts).toHaveLength(1000);
    expect(parts.every((p) => p.status === 204)).toBe(true);
    expect(parts[0]!.headers['OData-EntityId']).toMatch(new RegExp(`^${BASE.replace(/[.]/g, '\\.')}/accounts\\([0-9a-f-]{36}\\)$`));
    expect(parts[0]!.headers['Location']).toBe(parts[0]!.headers['OData-EntityId']);
    expect(parts[999]!.contentId).toBe('1000');
    expect(h.module.data.count('accounts')).toBe(1002);
  });

  test('1,001 operations are refused and nothing runs', async () => {
    const h = harness();
    const ops = Array.from({ length: 1001 }, (_, i) => createAccount(`Batch ${i}`));
    const res = await sendBatch(h, [{ changeset: ops.slice(0, 500) }, ...ops.slice(500)]);
    expect(res.status).toBe(400);
    expect(json(res).error.message).toContain("'1000'");
    expect(h.module.data.count('accounts')).toBe(2);
  });

  test('a failed change set leaves no partial rows; the batch takes the failing status and holds only that part', async () => {
    const h = harness();
    const res = await sendBatch(h, [
      {
        changeset: [
          createAccount('Kept? no 1', {}, '1'),
          { method: 'POST', url: 'contacts', body: { lastname: 'Child', 'parentcustomerid_account@odata.bind': '$1' }, contentId: '2' },
          createAccount('x'.repeat(200), {}, '3'),
        ],
      },
      createAccount('Never runs'),
    ]);
    expect(res.status).toBe(400);
    const parts = parseBatchResponse(res);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.status).toBe(400);
    expect(parts[0]!.headers['REQ_ID']).toBeDefined();
    expect(JSON.parse(parts[0]!.body).error.code).toBe('0x80044331');
    expect(h.module.data.count('accounts')).toBe(2);
    expect(h.module.data.count('contacts')).toBe(1);
    expect(h.module.data.list('accounts').map((a) => a['name'])).not.toContain('Never runs');
  });

  test('Content-ID references in URLs and in @odata.bind inside a change set', async () => {
    const h = harness();
    const res = await sendBatch(h, [
      {
        changeset: [
          createAccount('Parent', {}, '1'),
          { method: 'POST', url: `${BASE}/contacts`, body: { lastname: 'Kid', 'parentcustomerid_account@odata.bind': '$1' }, contentId: '2' },
          { method: 'PATCH', url: '$1', body: { 'primarycontactid@odata.bind': '$2' }, contentId: '3' },
          { method: 'PUT', url: '$1/telephone1', body: { value: '555-1234' }, contentId: '4' },
        ],
      },
    ]);
    expect(res.status).toBe(200);
    const parent = h.module.data.list('accounts').find((a) => a['name'] === 'Parent')!;
    const kid = h.module.data.list('contacts').find((c) => c['lastname'] === 'Kid')!;
    expect(kid['_parentcustomerid_value']).toBe(parent['accountid']);
    expect(parent['_primarycontactid_value']).toBe(kid['contactid']);
    expect(parent['telephone1']).toBe('555-1234');
  });

  test('an unknown Content-ID reference fails the change set', async () => {
    const h = harness();
    const res = await sendBatch(h, [{ changeset: [createAccount('A', { 'primarycontactid@odata.bind': '$9' }, '1')] }]);
    expect(res.status).toBe(400);
    expect(JSON.parse(parseBatchResponse(res)[0]!.body).error.message).toBe("Content-ID Reference: '$9' does not exist in the batch context.");
  });

  test('outside change sets parts run in order and earlier successes stay; the batch stops at the first failure', async () => {
    const h = harness();
    const res = await sendBatch(h, [createAccount('One'), createAccount('Two', { nosuch: 1 }), createAccount('Three')]);
    expect(res.status).toBe(400);
    expect(res.operations).toBe(2);
    const names = h.module.data.list('accounts').map((a) => a['name']);
    expect(names).toContain('One');
    expect(names).not.toContain('Three');
  });

  test('Prefer: odata.continue-on-error runs every part and reports each, errors included', async () => {
    const h = harness();
    const res = await sendBatch(
      h,
      [
        createAccount('One'),
        { changeset: [createAccount('In set', {}, '1'), createAccount('Bad', { nosuch: 1 }, '2')] },
        createAccount('Three'),
        { method: 'GET', url: `accounts(${IDS.contoso})?$select=name` },
      ],
      'odata.continue-on-error',
    );
    expect(res.status).toBe(200);
    expect(header(res, 'Preference-Applied')).toBe('odata.continue-on-error');
    const parts = parseBatchResponse(res);
    expect(parts.map((p) => p.status)).toEqual([204, 400, 204, 200]);
    expect(JSON.parse(parts[3]!.body).name).toBe('Contoso Ltd');
    const names = h.module.data.list('accounts').map((a) => a['name']);
    expect(names).toEqual(expect.arrayContaining(['One', 'Three']));
    expect(names).not.toContain('In set');
    expect(res.rows).toBe(1);
  });

  test('GET inside a change set is refused', async () => {
    const h = harness();
    const res = await sendBatch(h, [{ changeset: [createAccount('A', {}, '1'), { method: 'GET', url: 'accounts', contentId: '2' }] }]);
    expect(res.status).toBe(400);
    expect(json(res).error.message).toContain('GET');
    expect(h.module.data.count('accounts')).toBe(2);
  });

  test('return=representation and upserts inside a batch', async () => {
    const h = harness();
    const id = '7b2c0000-0000-4000-8000-0000000000ff';
    const res = await sendBatch(h, [
      { method: 'PATCH', url: `accounts(${id})`, body: { name: 'Upsert in batch' }, headers: { Prefer: 'return=representation' } },
      { method: 'PATCH', url: `accounts(${IDS.contoso})`, body: { name: 'X' }, headers: { 'If-None-Match': '*' } },
    ], 'odata.continue-on-error');
    const parts = parseBatchResponse(res);
    expect(parts[0]!.status).toBe(201);
    expect(JSON.parse(parts[0]!.body).accountid).toBe(id);
    expect(parts[1]!.status).toBe(412);
  });

  test('a body that is not multipart/mixed is refused', async () => {
    const h = harness();
    const res = await h.send('POST', '$batch', { body: { requests: [] }, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
  });
});

describe('Dataverse $batch of reads, and URL lengths (docs/protocols.md §2.9, §3.1)', () => {
  const MISSING = '00000000-0000-4000-8000-00000000dead';
  /** `accounts?$select=name&$filter=In(accountid, ids)` with `pad` more GUIDs that match nothing, to lengthen the URL. */
  const readByIds = (ids: string[], pad = 0): string => {
    const padding = Array.from({ length: pad }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const values = [...ids, ...padding].map((id) => JSON.stringify(id)).join(',');
    return `accounts?$select=name&$filter=${encodeURIComponent(`Microsoft.Dynamics.CRM.In(PropertyName='accountid',PropertyValues=[${values}])`)}`;
  };
  const urlLength = (relative: string) => BASE.length + 1 + relative.length;

  test('GET parts outside change sets: each answered with its rows; the batch costs its operations and rows, and its parts are logged by method', async () => {
    const h = harness();
    const res = await sendBatch(h, [
      { method: 'GET', url: readByIds([IDS.contoso, MISSING]) },
      { method: 'GET', url: `/api/data/v9.2/${readByIds([IDS.fabrikam])}` },
    ]);
    expect(res.status).toBe(200);
    const parts = parseBatchResponse(res);
    expect(parts.map((p) => p.status)).toEqual([200, 200]);
    // Missing ids are simply absent.
    expect(parts.map((p) => (JSON.parse(p.body).value as Array<{ name: string }>).map((r) => r.name))).toEqual([['Contoso Ltd'], ['Fabrikam Inc']]);
    expect([res.operations, res.rows, res.partMethods]).toEqual([2, 2, { GET: 2 }]);

    const mixed = await sendBatch(h, [{ method: 'GET', url: readByIds([IDS.contoso]) }, { changeset: [createAccount('Written', {}, '1')] }]);
    expect(mixed.status).toBe(200);
    expect(mixed.partMethods).toEqual({ GET: 1, POST: 1 });
  });

  test('a URL over 32 KB is refused as a request of its own (414) and served as a part of a $batch; over 64 KB a part is refused too', async () => {
    const h = harness();
    const long = readByIds([IDS.contoso], 800);
    expect(urlLength(long)).toBeGreaterThan(32_768);
    expect(urlLength(long)).toBeLessThan(65_536);
    const alone = await h.send('GET', long);
    expect(alone.status).toBe(414);
    expect(json(alone).error.message).toContain('32768');
    expect(h.module.data.count('accounts')).toBe(2);

    const inBatch = await sendBatch(h, [{ method: 'GET', url: long }]);
    expect(inBatch.status).toBe(200);
    expect(JSON.parse(parseBatchResponse(inBatch)[0]!.body).value).toEqual([expect.objectContaining({ name: 'Contoso Ltd' })]);

    const tooLong = readByIds([IDS.contoso], 1600);
    expect(urlLength(tooLong)).toBeGreaterThan(65_536);
    const refused = await sendBatch(h, [{ method: 'GET', url: tooLong }], 'odata.continue-on-error');
    const [part] = parseBatchResponse(refused);
    expect(part!.status).toBe(414);
    expect(JSON.parse(part!.body).error.message).toContain('65536');
  });
});
