import { describe, test, expect, afterEach } from '@jest/globals';
import { request } from 'undici';
import { startEmulators, type FaultRule, type RunningEmulators } from '../../../src/emulators/index.js';
import { emulatorToken as token } from './helpers.js';

/**
 * The `412` fault: a person saves the row just before our conditional write. The row's version (ETag) moves,
 * its data does not; the write meets a stale ETag and is answered as each API answers one.
 */

const running: RunningEmulators[] = [];

afterEach(async () => {
  for (const emu of running.splice(0)) await emu.close();
});

async function start(faults: FaultRule[], randomSeed?: number): Promise<RunningEmulators> {
  const emu = await startEmulators({ port: 0, faults, ...(randomSeed !== undefined ? { randomSeed } : {}) });
  running.push(emu);
  return emu;
}

type Answer = { status: number; body: Record<string, unknown> };

async function send(url: string, bearer: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const res = await request(url, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe('412 fault: a concurrent edit before a conditional write', () => {
  test('Dataverse: the PATCH meets 412, the data is unchanged, a re-read has a new ETag; If-Match * is not conditional', async () => {
    const emu = await start([{ kind: '412', api: 'dataverse', rate: 1 }]);
    const t = await token(emu, emu.dataverse.scope);
    const id = String(emu.dataverse.list('accounts')[0]!['accountid']);
    const url = `${emu.dataverse.url}/accounts(${id})`;
    const before = await send(`${url}?$select=name,modifiedon`, t, 'GET');
    const etag = String(before.body['@odata.etag']);

    const patch = await send(url, t, 'PATCH', { 'if-match': etag }, { name: 'Changed by us' });
    expect(patch.status).toBe(412);
    expect((patch.body['error'] as { message: string }).message).toMatch(/version of the existing record doesn't match/);

    const after = await send(`${url}?$select=name,modifiedon`, t, 'GET');
    expect(after.body['@odata.etag']).not.toBe(etag);
    expect(after.body['name']).toBe(before.body['name']);
    expect(after.body['modifiedon']).toBe(before.body['modifiedon']);

    const unconditional = await send(url, t, 'PATCH', { 'if-match': '*' }, { name: 'Overwritten' });
    expect(unconditional.status).toBe(204);
    const dvLog = emu.requestLog.filter((e) => e.api === 'dataverse' && e.method === 'PATCH');
    expect(dvLog.map((e) => [e.status, e.fault])).toEqual([
      [412, '412'],
      [204, undefined],
    ]);
  });

  test('Business Central: the PATCH meets a stale ETag (409 Request_EntityChanged); nothing else of the row moves', async () => {
    const emu = await start([{ kind: '412', api: 'bc', requestNumbers: [2] }]);
    const t = await token(emu, emu.bc.scope);
    const id = String(emu.bc.list('customers')[0]!['id']);
    const url = `${emu.bc.url}/companies(${emu.bc.companyId})/customers(${id})`;
    const before = await send(url, t, 'GET'); // request 1
    const etag = String(before.body['@odata.etag']);

    const patch = await send(url, t, 'PATCH', { 'if-match': etag }, { displayName: 'Changed by us' }); // request 2
    expect(patch.status).toBe(409);
    expect(patch.body['error']).toMatchObject({ code: 'Request_EntityChanged' });

    const after = await send(url, t, 'GET');
    expect(after.body['@odata.etag']).not.toBe(etag);
    const strip = (r: Record<string, unknown>): Record<string, unknown> => {
      const { ['@odata.etag']: _etag, ['@odata.context']: _context, ...rest } = r;
      return rest;
    };
    expect(strip(after.body)).toEqual(strip(before.body));

    // A re-read ETag succeeds (request 4 is not faulted).
    const retry = await send(url, t, 'PATCH', { 'if-match': String(after.body['@odata.etag']) }, { displayName: 'Changed by us' });
    expect(retry.status).toBe(200);
    expect(emu.requestLog.filter((e) => e.api === 'bc').map((e) => e.fault)).toEqual([undefined, '412', undefined, undefined]);
  });

  test('Business Central $batch: each conditional part draws; a rolled-back snapshot batch keeps the other user’s save', async () => {
    const emu = await start([{ kind: '412', api: 'bc', rate: 1 }]);
    const t = await token(emu, emu.bc.scope);
    const [a, b] = emu.bc.list('customers') as Array<Record<string, unknown>>;
    const path = (x: Record<string, unknown>): string => `companies(${emu.bc.companyId})/customers(${String(x['id'])})`;
    const requests = [
      { id: '1', method: 'PATCH', url: path(a!), headers: { 'If-Match': String(a!['@odata.etag']) }, body: { displayName: 'A' } },
      { id: '2', method: 'PATCH', url: path(b!), headers: { 'If-Match': '*' }, body: { displayName: 'B' } },
    ];
    const r = await send(`${emu.bc.url}/$batch`, t, 'POST', { isolation: 'snapshot', prefer: 'odata.continue-on-error' }, { requests });
    const responses = r.body['responses'] as Array<{ id: string; status: number }>;
    expect(responses.map((x) => [x.id, x.status])).toEqual([
      ['1', 409],
      ['2', 200],
    ]);
    // The snapshot batch is undone (B keeps its name); the person's save of A is not (its ETag moved).
    expect(emu.bc.get('customers', String(b!['id']))!['displayName']).toBe(b!['displayName']);
    expect(emu.bc.get('customers', String(a!['id']))!['@odata.etag']).not.toBe(a!['@odata.etag']);
    expect(emu.bc.get('customers', String(a!['id']))!['displayName']).toBe(a!['displayName']);
  });

  test('the fault seed makes the faulted writes repeat exactly; another seed faults others', async () => {
    const outcomes = async (randomSeed: number): Promise<number[]> => {
      const emu = await start([{ kind: '412', api: 'dataverse', rate: 0.5 }], randomSeed);
      const t = await token(emu, emu.dataverse.scope);
      const ids = emu.dataverse.list('accounts').slice(0, 24).map((x) => String(x['accountid']));
      const statuses: number[] = [];
      for (const id of ids) {
        const url = `${emu.dataverse.url}/accounts(${id})`;
        const row = await send(`${url}?$select=name`, t, 'GET');
        statuses.push((await send(url, t, 'PATCH', { 'if-match': String(row.body['@odata.etag']) }, { description: 'x' })).status);
      }
      return statuses;
    };
    const first = await outcomes(7);
    expect(first).toContain(412);
    expect(first).toContain(204);
    expect(await outcomes(7)).toEqual(first);
    expect(await outcomes(8)).not.toEqual(first);
  });
});
