import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { ManualClock } from '../../src/clock.js';
import { ApiError, AuthError, ConfigError, ConflictError, NotFoundError, ResponseShapeError, ThrottledError } from '../../src/errors.js';
import type { TokenSource } from '../../src/clients/auth/index.js';
import { DataverseClient, accounts, type DataverseOperation } from '../../src/clients/dataverse/index.js';
import { header, json, startServer, type Handler, type RecordedRequest, type TestServer } from './helpers/server.js';

const ID = 'd6f193fc-ce85-e611-80d8-00155d2a68de';
let server: TestServer;
const clients: DataverseClient[] = [];

const tokens: TokenSource & { invalidated: number } = {
  invalidated: 0,
  getToken: async () => 'test-token',
  invalidate() {
    this.invalidated += 1;
  },
};

function client(options: { maxPageSize?: number; batchSize?: number } = {}): DataverseClient {
  const c = new DataverseClient({ url: `${server.url}/api/data/v9.2`, tokens, clock: new ManualClock(), ...options });
  clients.push(c);
  return c;
}

function path(req: RecordedRequest): string {
  return decodeURIComponent(req.url);
}

beforeAll(async () => {
  server = await startServer((_q, res) => json(res, 200, {}));
});
beforeEach(() => {
  server.requests.length = 0;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('reads', () => {
  test('list sends OData headers, Prefer maxpagesize on every page, and follows nextLink verbatim', async () => {
    const next = `${server.url}/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber%3D%222%22%20%2F%3E`;
    server.setHandler((req, res) => {
      if (req.url.includes('skiptoken')) json(res, 200, { value: [{ accountid: ID, name: 'B' }] });
      else json(res, 200, { value: [{ accountid: '00000000-0000-0000-0000-000000000001', name: 'A', extra_unknown: 1 }], '@odata.nextLink': next });
    });
    const pages: string[][] = [];
    for await (const page of client({ maxPageSize: 1 }).list(accounts, { select: ['name'] })) pages.push(page.map((r) => r.name ?? ''));
    expect(pages).toEqual([['A'], ['B']]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/data/v9.2/accounts?$select=name', next.slice(server.url.length)]);
    for (const r of server.requests) {
      expect(header(r, 'prefer')).toBe('odata.maxpagesize=1');
      expect(header(r, 'authorization')).toBe('Bearer test-token');
      expect(header(r, 'odata-version')).toBe('4.0');
      expect(header(r, 'odata-maxversion')).toBe('4.0');
      expect(header(r, 'accept')).toBe('application/json');
    }
  });

  test('page size and batch size over the documented maximum are refused before sending', async () => {
    expect(() => client({ maxPageSize: 5001 })).toThrow(ConfigError);
    expect(() => client({ maxPageSize: 5001 })).toThrow(/set maxPageSize to a whole number from 1 to 5,000/);
    expect(() => client({ batchSize: 1001 })).toThrow(/set batchSize to a whole number from 1 to 1,000/);
    const c = client();
    expect(() => c.list(accounts, {}, { maxPageSize: 10_000 })).toThrow(ConfigError);
    expect(server.requests).toHaveLength(0);
  });

  test('get by key; unknown extra properties pass; a missing selected property names resource, id and property', async () => {
    server.setHandler((_q, res) => json(res, 200, { '@odata.etag': 'W/"1"', accountid: ID, name: 'A', brand_new_column: { x: 1 } }));
    const row = await client().get(accounts, ID.toUpperCase(), { select: ['name'] });
    expect(row).toMatchObject({ accountid: ID, name: 'A', brand_new_column: { x: 1 } });
    expect(server.requests[0]?.url).toBe(`/api/data/v9.2/accounts(${ID})?$select=name`);

    const err = await client().get(accounts, ID, { select: ['name', 'telephone1'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect(err).toMatchObject({ resource: 'accounts', recordId: ID, property: 'telephone1' });
    expect((err as Error).message).toMatch(/^accounts record d6f193fc-ce85-e611-80d8-00155d2a68de: property "telephone1" is missing/);
  });

  test('a property of the wrong type names resource, id and property', async () => {
    server.setHandler((_q, res) => json(res, 200, { value: [{ accountid: ID, name: 42, modifiedon: '2024-01-01T00:00:00Z' }] }));
    const iterate = async (): Promise<void> => {
      for await (const _page of client().list(accounts)) {
        // drain
      }
    };
    await expect(iterate()).rejects.toMatchObject({ resource: 'accounts', recordId: ID, property: 'name' });
  });

  test('a full read without a required property (no $select) is reported', async () => {
    server.setHandler((_q, res) => json(res, 200, { accountid: ID, modifiedon: '2024-01-01T00:00:00Z' }));
    await expect(client().get(accounts, ID)).rejects.toMatchObject({ resource: 'accounts', recordId: ID, property: 'name' });
  });

  test('whoAmI', async () => {
    server.setHandler((_q, res) =>
      json(res, 200, {
        '@odata.context': 'x/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse',
        BusinessUnitId: 'b',
        UserId: 'u',
        OrganizationId: 'o',
      }),
    );
    expect(await client().whoAmI()).toEqual({ BusinessUnitId: 'b', UserId: 'u', OrganizationId: 'o' });
    expect(server.requests[0]?.url).toBe('/api/data/v9.2/WhoAmI');
  });
});

describe('writes', () => {
  test('create returns the id from OData-EntityId (204) or from the representation (201)', async () => {
    server.setHandler((req, res) => {
      if (header(req, 'prefer') === 'return=representation') {
        json(res, 201, { accountid: ID, name: 'A', modifiedon: '2024-01-01T00:00:00Z' });
        return;
      }
      res.writeHead(204, { 'OData-EntityId': `${server.url}/api/data/v9.2/accounts(${ID})` });
      res.end();
    });
    expect(await client().create(accounts, { name: 'A' })).toEqual({ id: ID });
    const rep = await client().create(accounts, { name: 'A' }, { returnRepresentation: true });
    expect(rep.id).toBe(ID);
    expect(rep.row?.name).toBe('A');
    expect(server.requests[0]?.method).toBe('POST');
    expect(header(server.requests[0] as RecordedRequest, 'content-type')).toBe('application/json');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ name: 'A' });
  });

  test('a create with our own key whose answer was lost is repeated; "already exists" then means it landed', async () => {
    let posts = 0;
    server.setHandler((_req, res, raw) => {
      posts += 1;
      if (posts === 1) {
        raw.socket.destroy(); // the row was written, the answer is lost
        return;
      }
      json(res, 412, { error: { code: '0x80040237', message: `Cannot insert duplicate key. A account with accountid = ${ID} already exists.` } });
    });
    expect(await client().create(accounts, { accountid: ID, name: 'A' })).toEqual({ id: ID });
    expect(posts).toBe(2);

    // Without a retry, the same answer is a real conflict.
    posts = 1;
    await expect(client().create(accounts, { accountid: ID, name: 'A' })).rejects.toThrow(/a record with this key already exists/);
  });

  test('upsert, update and delete send the conditional headers of protocols.md §2.6', async () => {
    server.setHandler((_q, res) => {
      res.writeHead(204);
      res.end();
    });
    const c = client();
    await c.upsert(accounts, ID, { name: 'A' });
    await c.upsert(accounts, ID, { name: 'A' }, { ifNoneMatch: '*' });
    await c.update(accounts, ID, { name: 'B' });
    await c.update(accounts, ID, { name: 'B' }, { etag: 'W/"7"' });
    await c.delete(accounts, ID, { etag: 'W/"8"' });
    expect(server.requests.map((r) => [r.method, path(r), header(r, 'if-match'), header(r, 'if-none-match')])).toEqual([
      ['PATCH', `/api/data/v9.2/accounts(${ID})`, undefined, undefined],
      ['PATCH', `/api/data/v9.2/accounts(${ID})`, undefined, '*'],
      ['PATCH', `/api/data/v9.2/accounts(${ID})`, '*', undefined],
      ['PATCH', `/api/data/v9.2/accounts(${ID})`, 'W/"7"', undefined],
      ['DELETE', `/api/data/v9.2/accounts(${ID})`, 'W/"8"', undefined],
    ]);
  });

  test('error answers become typed errors with status, service code and request id', async () => {
    const answer = (status: number, code: string, message: string): Handler => (_q, res) =>
      json(res, status, { error: { code, message } }, { 'x-ms-service-request-id': 'req-42' });
    server.setHandler(answer(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided."));
    const conflict = await client().update(accounts, ID, { name: 'x' }, { etag: 'W/"1"' }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ status: 412, serviceCode: '0x80060882', requestId: 'req-42', api: 'dataverse' });
    expect((conflict as Error).message).toMatch(/^The record changed in Dataverse since it was read .*read it again and re-apply the change/);

    server.setHandler(answer(404, '0x80040217', `account With Id = ${ID} Does Not Exist`));
    await expect(client().get(accounts, ID)).rejects.toBeInstanceOf(NotFoundError);

    server.setHandler(answer(401, '', 'expired'));
    const before = tokens.invalidated;
    await expect(client().get(accounts, ID)).rejects.toBeInstanceOf(AuthError);
    expect(tokens.invalidated).toBe(before + 1);
    expect(server.requests.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(3);

    server.setHandler(answer(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.'));
    await expect(client().get(accounts, ID)).rejects.toBeInstanceOf(ThrottledError);

    server.setHandler(answer(400, '0x80048d19', "Error identified in Payload provided by the user for Entity :'accounts'"));
    const bad = await client().create(accounts, { bogus: 1 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as Error).message.split('\n')).toHaveLength(1);
  });
});

/** Answers a multipart batch request: every POST 204 with an id, everything in order, continue-on-error style. */
const batchAnswer: Handler = (req, res) => {
  const boundary = /boundary="?([^";]+)"?/.exec(header(req, 'content-type') ?? '')?.[1] ?? '';
  const ops = req.body.split(`--${boundary}`).filter((p) => p.includes('HTTP/1.1'));
  const parts = ops.map(
    (_op, i) =>
      `--batchresponse_z\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\nOData-EntityId: ${server.url}/api/data/v9.2/accounts(00000000-0000-0000-0000-${String(i).padStart(12, '0')})\r\n\r\n`,
  );
  res.writeHead(200, { 'Content-Type': 'multipart/mixed; boundary=batchresponse_z' });
  res.end(`${parts.join('\r\n')}\r\n--batchresponse_z--\r\n`);
};

describe('$batch', () => {
  test('2,500 creates are sent as exactly 3 $batch requests of at most 1,000', async () => {
    server.setHandler(batchAnswer);
    const ops: DataverseOperation[] = Array.from({ length: 2500 }, (_, i) => ({ kind: 'create', table: accounts, body: { name: `A${i}` } }));
    const results = await client().batch(ops, { continueOnError: true });
    expect(results).toHaveLength(2500);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requests.map((r) => [r.method, r.url])).toEqual([
      ['POST', '/api/data/v9.2/$batch'],
      ['POST', '/api/data/v9.2/$batch'],
      ['POST', '/api/data/v9.2/$batch'],
    ]);
    expect(server.requests.map((r) => (r.body.match(/POST \/api\/data\/v9.2\/accounts HTTP\/1.1/g) ?? []).length).sort()).toEqual([1000, 1000, 500]);
    expect(header(server.requests[0] as RecordedRequest, 'prefer')).toBe('odata.continue-on-error');
    expect(results[1]?.id).toBe('00000000-0000-0000-0000-000000000001');
  });

  test('answered: called once when the answers of every request of the call have arrived; they are decoded only once it resolves', async () => {
    server.setHandler(batchAnswer);
    const ops: DataverseOperation[] = Array.from({ length: 2500 }, (_, i) => ({ kind: 'create', table: accounts, body: { name: `A${i}` } }));
    let calls = 0;
    let requestsAtCall = 0;
    let letRead!: () => void;
    const reading = new Promise<void>((resolve) => (letRead = resolve));
    let decoded = false;
    const writing = client()
      .batch(ops, {
        continueOnError: true,
        answered: () => {
          calls++;
          requestsAtCall = server.requests.length;
          return reading;
        },
      })
      .then((results) => {
        decoded = true;
        return results;
      });
    while (calls === 0) await new Promise((r) => setTimeout(r, 1));
    expect(requestsAtCall).toBe(3);
    // The answers are in; they wait until the caller lets them be read.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(decoded).toBe(false);
    letRead();
    const results = await writing;
    expect(calls).toBe(1);
    expect(results).toHaveLength(2500);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  test('atomic batches go in one changeset; too many operations for one request are refused before sending', async () => {
    server.setHandler((req, res) => {
      const cs = /boundary="(changeset_[^"]+)"/.exec(req.body)?.[1] ?? '';
      res.writeHead(200, { 'Content-Type': 'multipart/mixed; boundary=batchresponse_q' });
      res.end(
        [
          '--batchresponse_q',
          `Content-Type: multipart/mixed; boundary=changesetresponse_q`,
          '',
          '--changesetresponse_q',
          'Content-Type: application/http',
          'Content-ID: 1',
          '',
          'HTTP/1.1 204 No Content',
          '',
          '',
          '--changesetresponse_q',
          'Content-Type: application/http',
          'Content-ID: 2',
          '',
          'HTTP/1.1 204 No Content',
          '',
          '',
          '--changesetresponse_q--',
          '--batchresponse_q--',
        ].join('\r\n'),
      );
      expect(cs).not.toBe('');
    });
    const c = client({ batchSize: 2 });
    const results = await c.batch(
      [
        { kind: 'create', table: 'contacts', body: { lastname: 'X' }, contentId: '1' },
        { kind: 'create', table: accounts, body: { name: 'A', 'primarycontactid@odata.bind': '$1' }, contentId: '2' },
      ],
      { atomic: true },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(server.requests[0]?.body).toMatch(/Content-Type: multipart\/mixed; boundary="changeset_/);
    server.requests.length = 0;
    await expect(
      c.batch(Array.from({ length: 3 }, () => ({ kind: 'create' as const, table: accounts, body: {} })), { atomic: true }),
    ).rejects.toThrow(/does not fit in one \$batch request/);
    expect(server.requests).toHaveLength(0);
  });

  test('a failed changeset: each operation reports the failure as a typed error', async () => {
    server.setHandler((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'multipart/mixed; boundary=batchresponse_f' });
      res.end(
        [
          '--batchresponse_f',
          'Content-Type: application/http',
          'Content-ID: 2',
          '',
          'HTTP/1.1 412 Precondition Failed',
          'Content-Type: application/json',
          '',
          '{"error":{"code":"0x80060882","message":"The version of the existing record doesn\'t match the RowVersion property provided."}}',
          '--batchresponse_f--',
        ].join('\r\n'),
      );
    });
    const results = await client().batch(
      [
        { kind: 'create', table: accounts, body: { name: 'A' }, contentId: '1' },
        { kind: 'update', table: accounts, id: ID, body: { name: 'B' }, etag: 'W/"1"', contentId: '2' },
      ],
      { atomic: true },
    );
    expect(results.map((r) => [r.ok, r.outcome])).toEqual([
      [false, 'rolled-back'],
      [false, 'failed'],
    ]);
    expect(results[1]?.error).toBeInstanceOf(ConflictError);
    expect(results[0]?.error?.message).toMatch(/^Rolled back: another operation in the same Dataverse changeset failed/);
  });

  test('a whole-batch JSON error is thrown as a typed error', async () => {
    server.setHandler((_q, res) => json(res, 400, { error: { code: '0x8006088a', message: 'The batch contains more than 1000 requests.' } }));
    await expect(client().batch([{ kind: 'create', table: accounts, body: {} }])).rejects.toThrow(/^Dataverse rejected POST \$batch \(1 operations\) \(400 0x8006088a\)/);
  });

  test('listByIds: a GET part answered with a nextLink is read on in the next $batch; a failed part is a typed error', async () => {
    const other = '00000000-0000-0000-0000-0000000000b2';
    const part = (status: string, body: unknown) =>
      `--r\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 ${status}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(body)}\r\n`;
    const answer = (res: Parameters<Handler>[1], status: number, parts: string[]) => {
      res.writeHead(status, { 'Content-Type': 'multipart/mixed; boundary=r' });
      res.end(`${parts.join('')}--r--\r\n`);
    };
    server.setHandler((req, res) => {
      const gets = req.body.match(/^GET \S+ HTTP\/1\.1$/gm) ?? [];
      if (gets.some((g) => g.includes('skiptoken'))) return answer(res, 200, [part('200 OK', { value: [{ accountid: other, name: 'B2' }] })]);
      answer(res, 200, [
        part('200 OK', { value: [{ accountid: ID, name: 'A' }], '@odata.nextLink': `${server.url}/api/data/v9.2/accounts?$select=name&$skiptoken=2` }),
        part('200 OK', { value: [{ accountid: other, name: 'B' }] }),
      ]);
    });
    const rows = await client({ maxPageSize: 1 }).listByIds(accounts, 'accountid', [ID, other], { select: ['name'] });
    expect(rows.map((r) => (r as { name: string }).name)).toEqual(['A', 'B', 'B2']);
    expect(server.requests.map((r) => [r.method, r.url])).toEqual([
      ['POST', '/api/data/v9.2/$batch'],
      ['POST', '/api/data/v9.2/$batch'],
    ]);
    expect(server.requests[1]?.body).toContain('GET /api/data/v9.2/accounts?$select=name&$skiptoken=2 HTTP/1.1');
    expect(server.requests[1]?.body).toContain('Prefer: odata.maxpagesize=1');

    server.setHandler((_req, res) => answer(res, 403, [part('403 Forbidden', { error: { code: '0x80040220', message: 'No read privilege.' } })]));
    await expect(client({ maxPageSize: 1 }).listByIds(accounts, 'accountid', [ID, other], { select: ['name'] })).rejects.toThrow(AuthError);
  });

  test('without continue-on-error, later chunks are not sent after a failure', async () => {
    server.setHandler((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'multipart/mixed; boundary=b' });
      res.end('--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n{"error":{"code":"0x80044331","message":"too long"}}\r\n--b--\r\n');
    });
    const results = await client({ batchSize: 2 }).batch(Array.from({ length: 5 }, () => ({ kind: 'create' as const, table: accounts, body: {} })));
    expect(server.requests).toHaveLength(1);
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'not-executed', 'not-executed', 'not-executed', 'not-executed']);
  });
});

describe('change tracking and metadata', () => {
  test('trackChanges and readDelta: rows, $deletedEntity ids and the next delta link', async () => {
    const deltaLink = `${server.url}/api/data/v9.2/accounts?$select=name&$deltatoken=919042%2108%2f22%2f2017`;
    server.setHandler((req, res) => {
      if (req.url.includes('deltatoken')) {
        json(res, 200, {
          '@odata.context': 'x/$metadata#accounts(name)/$delta',
          value: [
            { accountid: ID, name: 'changed' },
            { '@odata.context': 'x/$metadata#accounts/$deletedEntity', id: '00000000-0000-0000-0000-000000000009', reason: 'deleted' },
          ],
          '@odata.deltaLink': `${deltaLink}2`,
        });
        return;
      }
      json(res, 200, { value: [{ accountid: ID, name: 'A' }], '@odata.deltaLink': deltaLink });
    });
    const c = client();
    const initial = await c.trackChanges(accounts, ['name']);
    expect(initial).toEqual({ rows: [{ accountid: ID, name: 'A' }], deletedIds: [], deltaLink });
    expect(header(server.requests[0] as RecordedRequest, 'prefer')).toBe('odata.track-changes,odata.maxpagesize=5000');
    const delta = await c.readDelta(accounts, initial.deltaLink);
    expect(delta.rows.map((r) => r.name)).toEqual(['changed']);
    expect(delta.deletedIds).toEqual(['00000000-0000-0000-0000-000000000009']);
    expect(delta.deltaLink).toBe(`${deltaLink}2`);
    expect(server.requests[1]?.url).toBe(deltaLink.slice(server.url.length));
  });

  test('option set metadata, InsertOptionValue and UpdateOptionValue', async () => {
    server.setHandler((req, res) => {
      if (req.method === 'GET') {
        json(res, 200, {
          LogicalName: 'paymenttermscode',
          OptionSet: {
            Name: 'account_paymenttermscode',
            IsGlobal: false,
            Options: [
              { Value: 1, Label: { LocalizedLabels: [{ Label: 'Net 30', LanguageCode: 1033 }], UserLocalizedLabel: { Label: 'Net 30', LanguageCode: 1033 } } },
              { Value: 2, Label: { LocalizedLabels: [{ Label: '2% 10, Net 30', LanguageCode: 1033 }] } },
            ],
          },
          GlobalOptionSet: null,
        });
      } else if (req.url.endsWith('InsertOptionValue')) {
        json(res, 200, { NewOptionValue: 100000000 });
      } else {
        res.writeHead(204);
        res.end();
      }
    });
    const c = client();
    const set = await c.getOptionSet('account', 'paymenttermscode');
    expect(set.options).toEqual([
      { value: 1, label: 'Net 30' },
      { value: 2, label: '2% 10, Net 30' },
    ]);
    expect(decodeURIComponent(server.requests[0]?.url ?? '')).toContain(
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='paymenttermscode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
    );
    expect(await c.insertOptionValue({ entity: 'account', attribute: 'paymenttermscode', label: 'COD' })).toBe(100000000);
    expect(JSON.parse(server.requests[1]?.body ?? '')).toMatchObject({
      EntityLogicalName: 'account',
      AttributeLogicalName: 'paymenttermscode',
      Label: { LocalizedLabels: [{ Label: 'COD', LanguageCode: 1033 }] },
    });
    await c.updateOptionValue({ entity: 'account', attribute: 'paymenttermscode', value: 1, label: 'NET30' });
    expect(JSON.parse(server.requests[2]?.body ?? '')).toMatchObject({ Value: 1, MergeLabels: true });
  });

  test('userRoles reads systemuserroles_association names', async () => {
    server.setHandler((_q, res) => json(res, 200, { value: [{ roleid: ID, name: 'System Administrator' }, { roleid: ID, name: 'Salesperson' }] }));
    expect(await client().userRoles(ID)).toEqual(['System Administrator', 'Salesperson']);
    expect(server.requests[0]?.url).toBe(`/api/data/v9.2/systemusers(${ID})/systemuserroles_association?$select=name,roleid`);
  });

  test('a caller schema replaces the table schema', async () => {
    server.setHandler((_q, res) => json(res, 200, { value: [{ accountid: ID, custom_flag: true }] }));
    const schema = z.looseObject({ accountid: z.string(), custom_flag: z.boolean() });
    const pages = [];
    for await (const page of client().list('accounts', { select: ['custom_flag'] }, schema)) pages.push(...page);
    expect(pages[0]?.custom_flag).toBe(true);
  });
});
