/**
 * The typed clients against the emulators over loopback HTTP: page and batch sizes, throttling, tokens, lost
 * answers, concurrency control, change tracking and response shapes.
 * Every count comes from the emulators' own request log; every wait is measured on the injected clock.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { ManualClock } from '../../src/clock.js';
import { ApiError, ConfigError, ConflictError, ResponseShapeError, TransportError } from '../../src/errors.js';
import { startEmulators, type EmulatorOptions, type RequestLogEntry, type RunningEmulators } from '../../src/emulators/index.js';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/index.js';
import { HttpTransport } from '../../src/clients/http/index.js';
import { encodeJsonBatch, encodeMultipartBatch, type BatchOperation } from '../../src/clients/odata/index.js';
import { DataverseClient, accounts, contacts, type DataverseOperation } from '../../src/clients/dataverse/index.js';
import { BcClient, customers, shippingAgents, toBcError, type BcOperation } from '../../src/clients/bc/index.js';
import { toDataverseError } from '../../src/clients/dataverse/index.js';
import { parseBody } from '../../src/clients/service-error.js';

interface Rig {
  clock: ManualClock;
  emu: RunningEmulators;
  tokens: ClientCredentialsTokenProvider;
  dv: DataverseClient;
  bc: BcClient;
  raw: { dv: HttpTransport; bc: HttpTransport };
}

const rigs: Rig[] = [];

async function rig(options: EmulatorOptions = {}, client: { dataverseMaxPageSize?: number } = {}): Promise<Rig> {
  const clock = new ManualClock();
  const emu = await startEmulators({ seed: 'empty', now: () => clock.now(), ...options });
  const tokens = new ClientCredentialsTokenProvider({ tokenUrl: emu.tokenUrl, ...emu.credentials, clock });
  const dv = new DataverseClient({
    url: emu.dataverse.url,
    scope: emu.dataverse.scope,
    tokens,
    clock,
    ...(client.dataverseMaxPageSize !== undefined ? { maxPageSize: client.dataverseMaxPageSize } : {}),
  });
  const bc = new BcClient({ url: emu.bc.url, customUrl: emu.bc.customUrl, companyId: emu.bc.companyId, scope: emu.bc.scope, tokens, clock });
  const raw = { dv: new HttpTransport({ api: 'dataverse', clock }), bc: new HttpTransport({ api: 'bc', clock }) };
  const r = { clock, emu, tokens, dv, bc, raw };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await Promise.all([r.dv.close(), r.bc.close(), r.tokens.close(), r.raw.dv.close(), r.raw.bc.close()]);
    await r.emu.close();
  }
});

function log(emu: RunningEmulators, api: RequestLogEntry['api']): RequestLogEntry[] {
  return emu.requestLog.filter((e) => e.api === api);
}

async function drain<T>(pages: AsyncIterable<T[]>): Promise<{ rows: T[]; sizes: number[] }> {
  const rows: T[] = [];
  const sizes: number[] = [];
  for await (const page of pages) {
    rows.push(...page);
    sizes.push(page.length);
  }
  return { rows, sizes };
}

describe('reading with the largest page', () => {
  test('12,345 Dataverse accounts at page size 5,000 take exactly 3 GETs', async () => {
    const { emu, dv } = await rig();
    for (let i = 0; i < 12_345; i++) emu.dataverse.insert('accounts', { name: `Account ${i}` });
    emu.resetLog();
    const { rows, sizes } = await drain(dv.list(accounts, { select: ['name'] }));
    expect(rows).toHaveLength(12_345);
    expect(new Set(rows.map((r) => r.accountid)).size).toBe(12_345);
    expect(sizes).toEqual([5000, 5000, 2345]);
    const requests = log(emu, 'dataverse');
    expect(requests.map((e) => [e.method, e.path, e.status])).toEqual([
      ['GET', 'accounts', 200],
      ['GET', 'accounts', 200],
      ['GET', 'accounts', 200],
    ]);
  });

  test('45,000 Business Central customers at page size 20,000 take exactly 3 GETs', async () => {
    const { emu, bc } = await rig();
    for (let i = 0; i < 45_000; i++) emu.bc.insert('customers', { displayName: `Customer ${i}` });
    emu.resetLog();
    const { rows, sizes } = await drain(bc.list(customers, { select: ['number', 'displayName'] }));
    expect(rows).toHaveLength(45_000);
    expect(sizes).toEqual([20_000, 20_000, 5_000]);
    const requests = log(emu, 'bc');
    expect(requests).toHaveLength(3);
    expect(requests.every((e) => e.method === 'GET' && e.path === `companies(${emu.bc.companyId})/customers` && e.status === 200)).toBe(true);
  });
});

describe('writing in batches', () => {
  test('2,500 Dataverse creates take exactly 3 $batch requests', async () => {
    const { emu, dv } = await rig();
    emu.resetLog();
    const ops: DataverseOperation[] = Array.from({ length: 2500 }, (_, i) => ({ kind: 'create', table: accounts, body: { name: `Batch ${i}` } }));
    const results = await dv.batch(ops);
    expect(results.filter((r) => r.ok)).toHaveLength(2500);
    expect(new Set(results.map((r) => r.id)).size).toBe(2500);
    const requests = log(emu, 'dataverse');
    expect(requests.map((e) => [e.method, e.path, e.status, e.operations])).toEqual([
      ['POST', '$batch', 200, 1000],
      ['POST', '$batch', 200, 1000],
      ['POST', '$batch', 200, 500],
    ]);
    expect(emu.dataverse.count('accounts')).toBe(2500);
  });

  test('250 Business Central creates take exactly 3 JSON batches', async () => {
    const { emu, bc } = await rig();
    emu.resetLog();
    const ops: BcOperation[] = Array.from({ length: 250 }, (_, i) => ({ kind: 'create', target: customers, body: { displayName: `Batch ${i}` } }));
    const results = await bc.batch(ops);
    expect(results.filter((r) => r.ok)).toHaveLength(250);
    const requests = log(emu, 'bc');
    expect(requests.map((e) => [e.method, e.path, e.status, e.operations])).toEqual([
      ['POST', '$batch', 200, 100],
      ['POST', '$batch', 200, 100],
      ['POST', '$batch', 200, 50],
    ]);
    expect(emu.bc.count('customers')).toBe(250);
  });

  test('a failed Dataverse changeset leaves no partial rows', async () => {
    const { emu, dv } = await rig();
    const before = { accounts: emu.dataverse.count('accounts'), contacts: emu.dataverse.count('contacts') };
    const missing = '0f0f0f0f-0000-4000-8000-000000000001';
    const results = await dv.batch(
      [
        { kind: 'create', table: contacts, body: { lastname: 'Atomic' }, contentId: '1' },
        { kind: 'create', table: accounts, body: { name: 'Atomic A', 'primarycontactid@odata.bind': '$1' }, contentId: '2' },
        { kind: 'update', table: accounts, id: missing, body: { name: 'nobody' }, contentId: '3' },
      ],
      { atomic: true },
    );
    expect(results.map((r) => r.ok)).toEqual([false, false, false]);
    expect(results.some((r) => r.outcome === 'failed')).toBe(true);
    expect(emu.dataverse.count('accounts')).toBe(before.accounts);
    expect(emu.dataverse.count('contacts')).toBe(before.contacts);
    expect(emu.dataverse.list('accounts').filter((a) => a['name'] === 'Atomic A')).toHaveLength(0);
  });

  test('a failed Business Central snapshot batch leaves no partial records', async () => {
    const { emu, bc } = await rig();
    const existing = await bc.create(customers, { displayName: 'Existing' });
    emu.bc.update('customers', existing.id, { displayName: 'Changed by a person' });
    const before = emu.bc.count('customers');
    const results = await bc.batch(
      [
        { kind: 'create', target: customers, body: { displayName: 'Atomic C' } },
        { kind: 'update', target: customers, id: existing.id, body: { displayName: 'Stale' }, etag: existing['@odata.etag'] as string },
      ],
      { atomic: true },
    );
    expect(results.map((r) => [r.ok, r.outcome])).toEqual([
      [false, 'rolled-back'],
      [false, 'failed'],
    ]);
    expect(results[1]?.error).toBeInstanceOf(ConflictError);
    expect(emu.bc.count('customers')).toBe(before);
    expect(emu.bc.list('customers').filter((c) => c['displayName'] === 'Atomic C')).toHaveLength(0);
  });
});

describe('throttling and tokens', () => {
  test('a 429 with Retry-After: 2 makes the client wait at least 2 s on its clock, then succeed', async () => {
    const { emu, dv, bc, clock } = await rig({
      faults: [
        { kind: '429', api: 'dataverse', requestNumbers: [1], retryAfterSeconds: 2 },
        { kind: '429', api: 'bc', requestNumbers: [1], retryAfterSeconds: 2 },
      ],
    });
    const me = await dv.whoAmI();
    expect(me.UserId).toBe(emu.dataverse.integrationUserId);
    expect(log(emu, 'dataverse').map((e) => [e.status, e.fault])).toEqual([
      [429, '429'],
      [200, undefined],
    ]);
    expect(clock.sleeps).toEqual([2000]);

    const companies = await bc.companies();
    expect(companies.map((c) => c.id)).toContain(emu.bc.companyId);
    expect(log(emu, 'bc').map((e) => e.status)).toEqual([429, 200]);
    expect(clock.sleeps).toEqual([2000, 2000]);
    expect(dv.transport.stats()).toMatchObject({ throttled: 1, retries: 1, waitedMs: 2000 });
  });

  test('under concurrency the token endpoint is hit once per expiry', async () => {
    const { emu, dv, clock, raw, tokens } = await rig({ tokenLifetimeSeconds: 120 });
    const first = await Promise.all(Array.from({ length: 30 }, () => dv.whoAmI()));
    expect(first).toHaveLength(30);
    expect(log(emu, 'token')).toHaveLength(1);
    expect(log(emu, 'dataverse').filter((e) => e.status === 200)).toHaveLength(30);
    const oldToken = await tokens.getToken(emu.dataverse.scope); // cached: no extra token request
    expect(log(emu, 'token')).toHaveLength(1);

    clock.advance(121_000);
    // The old token is now refused by the service...
    const refused = await raw.dv.request({ method: 'GET', url: `${emu.dataverse.url}/WhoAmI`, kind: 'read', headers: { Authorization: `Bearer ${oldToken}` } });
    expect(refused.status).toBe(401);
    // ...and 30 concurrent callers get exactly one new one.
    await Promise.all(Array.from({ length: 30 }, () => dv.whoAmI()));
    expect(log(emu, 'token')).toHaveLength(2);
    expect(log(emu, 'dataverse').filter((e) => e.status === 200)).toHaveLength(60);
  });
});

describe('lost answers', () => {
  test('a create without a client-chosen key is not repeated after a reset: the outcome is reported unknown', async () => {
    const { emu, dv } = await rig({ faults: [{ kind: 'reset', api: 'dataverse', requestNumbers: [1] }] });
    const attempt = dv.create(accounts, { name: 'Maybe created' });
    await expect(attempt).rejects.toBeInstanceOf(TransportError);
    await expect(attempt).rejects.toThrow(/outcome is unknown/);
    expect(log(emu, 'dataverse').filter((e) => e.method === 'POST')).toHaveLength(1);
  });

  test('creates with a client-chosen key are repeated safely and never duplicate', async () => {
    const { emu, dv, bc } = await rig({
      faults: [
        { kind: 'reset', api: 'dataverse', requestNumbers: [1] },
        { kind: 'reset', api: 'bc', requestNumbers: [1] },
      ],
    });
    const accountId = '3c2b1a00-0000-4000-8000-00000000a001';
    const created = await dv.create(accounts, { accountid: accountId, name: 'Keyed' });
    expect(created.id).toBe(accountId);
    expect(emu.dataverse.list('accounts').filter((a) => a['accountid'] === accountId)).toHaveLength(1);
    expect(log(emu, 'dataverse').filter((e) => e.method === 'POST').length).toBeGreaterThanOrEqual(2);

    // In BC only the custom API's pages keep a chosen id (the standard API assigns it).
    const agentId = '3c2b1a00-0000-4000-8000-00000000c001';
    const agent = await bc.create(shippingAgents, { id: agentId, code: 'KEYED' });
    expect(agent.id).toBe(agentId);
    expect(emu.bc.list('shippingAgents').filter((c) => c['id'] === agentId)).toHaveLength(1);
  });

  test('an upsert to a fixed key is repeated after a reset', async () => {
    const { emu, dv } = await rig({ faults: [{ kind: 'reset', api: 'dataverse', requestNumbers: [1] }] });
    const id = '3c2b1a00-0000-4000-8000-00000000a002';
    await dv.upsert(accounts, id, { name: 'Upserted' });
    expect(emu.dataverse.get('accounts', id)?.['name']).toBe('Upserted');
    expect(log(emu, 'dataverse').map((e) => e.method)).toEqual(['PATCH', 'PATCH']);
  });
});

describe('concurrency control', () => {
  test('a stale ETag gives a typed conflict error on both APIs', async () => {
    const { emu, dv, bc } = await rig();
    const created = await dv.create(accounts, { name: 'Contoso' }, { returnRepresentation: true });
    const etag = created.row?.['@odata.etag'];
    expect(typeof etag).toBe('string');
    emu.dataverse.update('accounts', created.id, { name: 'Contoso (edited by a person)' });
    const dvError = await dv.update(accounts, created.id, { name: 'Contoso Ltd' }, { etag: etag as string }).catch((e: unknown) => e);
    expect(dvError).toBeInstanceOf(ConflictError);
    expect(dvError).toMatchObject({ api: 'dataverse', status: 412 });

    const customer = await bc.create(customers, { displayName: 'Adatum' });
    emu.bc.update('customers', customer.id, { displayName: 'Adatum (edited by a person)' });
    const bcError = await bc.update(customers, customer.id, { displayName: 'Adatum Corp' }, customer['@odata.etag'] as string).catch((e: unknown) => e);
    expect(bcError).toBeInstanceOf(ConflictError);
    expect(bcError).toMatchObject({ api: 'bc', serviceCode: 'Request_EntityChanged' });
    expect(emu.bc.get('customers', customer.id)?.['displayName']).toBe('Adatum (edited by a person)');
  });

  test('Business Central refuses PATCH without If-Match; the client cannot send one', async () => {
    const { emu, bc, raw, tokens } = await rig();
    const customer = await bc.create(customers, { displayName: 'Fabrikam' });
    const res = await raw.bc.request({
      method: 'PATCH',
      url: `${emu.bc.url}/companies(${emu.bc.companyId})/customers(${customer.id})`,
      kind: 'update',
      headers: { 'Content-Type': 'application/json' },
      body: { displayName: 'No etag' },
      auth: tokens.authFor(emu.bc.scope),
    });
    expect(res.status).toBe(400);
    const error = toBcError({ status: res.status, headers: res.headers, body: parseBody(res.text()) }, 'PATCH customers');
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ serviceCode: 'BadRequest_InvalidToken' });
    expect(emu.bc.get('customers', customer.id)?.['displayName']).toBe('Fabrikam');

    emu.resetLog();
    await expect(bc.update(customers, customer.id, { displayName: 'x' }, '')).rejects.toThrow(/needs an If-Match value/);
    // @ts-expect-error: the etag argument is required by the type as well
    await expect(bc.update(customers, customer.id, { displayName: 'x' })).rejects.toThrow(/needs an If-Match value/);
    expect(log(emu, 'bc')).toHaveLength(0);
  });

  test('page size and batch size over the maximum are refused, by the clients and by the services', async () => {
    const { emu, tokens, raw } = await rig();
    const common = { tokens, url: emu.dataverse.url };
    expect(() => new DataverseClient({ ...common, maxPageSize: 5001 })).toThrow(ConfigError);
    expect(() => new DataverseClient({ ...common, batchSize: 1001 })).toThrow(ConfigError);
    expect(() => new BcClient({ url: emu.bc.url, tokens, maxPageSize: 20_001 })).toThrow(ConfigError);
    expect(() => new BcClient({ url: emu.bc.url, tokens, batchSize: 101 })).toThrow(ConfigError);
    expect(emu.requestLog).toHaveLength(0);

    const dvAuth = tokens.authFor(emu.dataverse.scope);
    const bcAuth = tokens.authFor(emu.bc.scope);
    const dvPage = await raw.dv.request({ method: 'GET', url: `${emu.dataverse.url}/accounts`, kind: 'read', headers: { Prefer: 'odata.maxpagesize=5001' }, auth: dvAuth });
    expect(dvPage.status).toBe(400);
    const bcPage = await raw.bc.request({
      method: 'GET',
      url: `${emu.bc.url}/companies(${emu.bc.companyId})/customers`,
      kind: 'read',
      headers: { Prefer: 'odata.maxpagesize=20001' },
      auth: bcAuth,
    });
    expect(bcPage.status).toBe(413);

    const dvOps: BatchOperation[] = Array.from({ length: 1001 }, () => ({ method: 'POST', url: '/api/data/v9.2/accounts', body: { name: 'x' } }));
    const encoded = encodeMultipartBatch(dvOps);
    const dvBatch = await raw.dv.request({ method: 'POST', url: `${emu.dataverse.url}/$batch`, kind: 'batch', headers: { 'Content-Type': encoded.contentType }, body: encoded.body, auth: dvAuth });
    expect(dvBatch.status).toBeGreaterThanOrEqual(400);
    expect(toDataverseError({ status: dvBatch.status, headers: dvBatch.headers, body: parseBody(dvBatch.text()) }, '$batch')).toBeInstanceOf(ApiError);
    expect(emu.dataverse.count('accounts')).toBe(0);

    const bcOps: BatchOperation[] = Array.from({ length: 101 }, () => ({ method: 'POST', url: `companies(${emu.bc.companyId})/customers`, body: { displayName: 'x' } }));
    const bcBatch = await raw.bc.request({
      method: 'POST',
      url: `${emu.bc.url}/$batch`,
      kind: 'batch',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: encodeJsonBatch(bcOps),
      auth: bcAuth,
    });
    expect(bcBatch.status).toBeGreaterThanOrEqual(400);
    expect(emu.bc.count('customers')).toBe(0);
  });
});

describe('change tracking', () => {
  test('a delta link returns only the changes and deletions since it was issued', async () => {
    const { emu, dv } = await rig();
    const ids = ['Alpha', 'Beta', 'Gamma', 'Delta'].map((name) => emu.dataverse.insert('accounts', { name })['accountid'] as string);
    const initial = await dv.trackChanges(accounts, ['name']);
    expect(initial.rows.map((r) => r.name).sort()).toEqual(['Alpha', 'Beta', 'Delta', 'Gamma']);
    expect(initial.deletedIds).toEqual([]);

    emu.dataverse.update('accounts', ids[1] as string, { name: 'Beta (renamed)' });
    emu.dataverse.remove('accounts', ids[2] as string);
    const added = await dv.create(accounts, { name: 'Epsilon' });

    const delta = await dv.readDelta(accounts, initial.deltaLink);
    expect(delta.rows.map((r) => [r.accountid, r.name]).sort()).toEqual(
      [
        [ids[1], 'Beta (renamed)'],
        [added.id, 'Epsilon'],
      ].sort(),
    );
    expect(delta.deletedIds).toEqual([ids[2]]);
    expect(delta.deltaLink).not.toBe(initial.deltaLink);

    const quiet = await dv.readDelta(accounts, delta.deltaLink);
    expect(quiet.rows).toEqual([]);
    expect(quiet.deletedIds).toEqual([]);
  });
});

describe('response shapes', () => {
  test('unknown extra properties in a response do not break parsing', async () => {
    const { dv, bc } = await rig({ seed: 'demo' });
    const { rows } = await drain(dv.list(accounts));
    expect(rows.length).toBeGreaterThan(0);
    const known = new Set(Object.keys(accounts.schema.shape));
    const unknown = Object.keys(rows[0] as object).filter((k) => !known.has(k));
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.every((k) => (rows[0] as Record<string, unknown>)[k] !== undefined)).toBe(true);

    const minimal = z.looseObject({ id: z.guid(), displayName: z.string() });
    const { rows: bcRows } = await drain(bc.list(customers, undefined, minimal));
    expect(bcRows.length).toBeGreaterThan(0);
    expect(bcRows[0]).toHaveProperty('number');
  });

  test('a response missing a required property names the resource, the record id and the property', async () => {
    const { bc, dv } = await rig({ seed: 'demo' });
    const needsTier = customers.schema.extend({ loyaltyTier: z.string() });
    const error = await drain(bc.list(customers, undefined, needsTier)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseShapeError);
    const shape = error as ResponseShapeError;
    expect(shape.resource).toBe('customers');
    expect(shape.property).toBe('loyaltyTier');
    expect(shape.recordId).toMatch(/^[0-9a-f-]{36}$/);
    expect(shape.message).toContain(`customers record ${shape.recordId}: property "loyaltyTier" is missing`);

    const first = (await drain(dv.list(accounts, { select: ['name'], top: 1 }))).rows[0];
    const needsRating = z.looseObject({ accountid: z.guid(), new_rating: z.number() });
    const dvError = await dv.get('accounts', first?.accountid as string, { select: ['name'] }, needsRating).catch((e: unknown) => e);
    expect(dvError).toMatchObject({ resource: 'accounts', recordId: first?.accountid, property: 'new_rating' });
  });
});
