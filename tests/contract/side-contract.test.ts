/**
 * The Side contract: the same tests against BcSide and DataverseSide, each over its emulator through the real
 * client. What the engine may rely on from either side is asserted here once, with the requests each operation
 * costs (read from the emulator's own request log).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { BcClient } from '../../src/clients/bc/client.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { startEmulators, type EmulatorDataAccess, type RunningEmulators } from '../../src/emulators/index.js';
import { BcSide } from '../../src/sides/bc-side.js';
import { DataverseSide } from '../../src/sides/dataverse-side.js';
import type { Rec, Side, SideTable, WriteOp } from '../../src/sides/types.js';

interface Fixture {
  api: 'bc' | 'dataverse';
  /** A Side over the emulator; `pageSize` makes the client read in small pages. */
  side(emu: RunningEmulators, tokens: ClientCredentialsTokenProvider, pageSize?: number): { side: Side; close(): Promise<void> };
  /** A table whose creates get the id the service assigns where it assigns one. */
  table: SideTable;
  /** A table that keeps a chosen id. */
  chosenIdTable: SideTable;
  data(emu: RunningEmulators): EmulatorDataAccess;
  key: string;
  nameField: string;
  cityField: string;
  newRecord(name: string, city: string): Record<string, unknown>;
  chosenIdRecord(n: number): Record<string, unknown>;
}

const fixtures: Fixture[] = [
  {
    api: 'bc',
    side: (emu, tokens, pageSize) => {
      const client = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens, ...(pageSize ? { maxPageSize: pageSize } : {}) });
      return { side: new BcSide(client), close: () => client.close() };
    },
    table: { entitySet: 'customers', api: 'v2.0', key: 'id', modifiedField: 'lastModifiedDateTime', filter: [], select: ['displayName', 'city'] },
    chosenIdTable: { entitySet: 'shippingAgents', api: 'custom', key: 'id', modifiedField: 'lastModifiedDateTime', filter: [], select: ['code', 'name'] },
    data: (emu) => emu.bc,
    key: 'id',
    nameField: 'displayName',
    cityField: 'city',
    newRecord: (name, city) => ({ displayName: name, city }),
    chosenIdRecord: (n) => ({ code: `CONTRACT${n}`, name: `Contract agent ${n}` }),
  },
  {
    api: 'dataverse',
    side: (emu, tokens, pageSize) => {
      const client = new DataverseClient({ url: emu.dataverse.url, tokens, ...(pageSize ? { maxPageSize: pageSize } : {}) });
      return { side: new DataverseSide(client), close: () => client.close() };
    },
    table: { entitySet: 'accounts', key: 'accountid', modifiedField: 'modifiedon', filter: [], select: ['name', 'address1_city'] },
    chosenIdTable: { entitySet: 'accounts', key: 'accountid', modifiedField: 'modifiedon', filter: [], select: ['name'] },
    data: (emu) => emu.dataverse,
    key: 'accountid',
    nameField: 'name',
    cityField: 'address1_city',
    newRecord: (name, city) => ({ name, address1_city: city }),
    chosenIdRecord: (n) => ({ name: `Contract account ${n}` }),
  },
];

const MISSING = '0badc0de-0000-4000-8000-000000000000';

describe.each(fixtures)('Side contract: $api', (f) => {
  const clock = { now: Date.parse('2026-11-02T09:00:00.000Z') };
  let emu: RunningEmulators;
  let tokens: ClientCredentialsTokenProvider;
  let side: Side;
  let close: () => Promise<void>;

  beforeAll(async () => {
    emu = await startEmulators({ port: 0, seed: 'demo', now: () => clock.now });
    tokens = new ClientCredentialsTokenProvider({ tokenUrl: emu.tokenUrl, ...emu.credentials });
    ({ side, close } = f.side(emu, tokens));
    // The first token request is not part of any operation below.
    await side.count(f.table);
  });
  afterAll(async () => {
    await close?.();
    await tokens?.close();
    await emu?.close();
  });
  beforeEach(() => emu.resetLog());

  /** Requests the operations since the last reset sent to this side's API, as `METHOD path`. */
  const requests = (): string[] => emu.requestLog.filter((e) => e.api === f.api).map((e) => `${e.method} ${e.path.replace(/^companies\([^)]*\)\//, '')}`);
  const rows = (): Record<string, unknown>[] => f.data(emu).list(f.table.entitySet);
  const collect = async (pages: AsyncIterable<Rec[]>): Promise<Rec[][]> => {
    const out: Rec[][] = [];
    for await (const page of pages) out.push(page);
    return out;
  };

  test('list: every record matching the table filter, in one request; records carry id, etag, modifiedAt and the selected fields', async () => {
    const city = String(rows().find((r) => r[f.cityField] !== '' && r[f.cityField] !== null)![f.cityField]);
    const expected = rows().filter((r) => r[f.cityField] === city).map((r) => String(r[f.key]));
    const pages = await collect(side.list({ ...f.table, filter: [{ field: f.cityField, op: 'eq', value: city }] }));
    const got = pages.flat();
    expect(got.map((r) => r.id).sort()).toEqual(expected.sort());
    for (const r of got) {
      expect(r.fields[f.cityField]).toBe(city);
      expect(typeof r.etag).toBe('string');
      expect(r.modifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
    expect(requests()).toEqual([`GET ${f.table.entitySet}`]);
  });

  test('list modifiedAfter: only records changed strictly after the instant', async () => {
    const since = new Date(clock.now).toISOString();
    clock.now += 60_000;
    const target = rows()[1]!;
    f.data(emu).update(f.table.entitySet, String(target[f.key]), { [f.nameField]: 'Edited by a person' });
    const got = (await collect(side.list(f.table, { modifiedAfter: since }))).flat();
    expect(got.map((r) => [r.id, r.fields[f.nameField]])).toEqual([[String(target[f.key]), 'Edited by a person']]);
    expect((await collect(side.list(f.table, { modifiedAfter: got[0]!.modifiedAt }))).flat()).toEqual([]);
    expect(requests()).toEqual([`GET ${f.table.entitySet}`, `GET ${f.table.entitySet}`]);
  });

  test('paging: pages of the client page size, one request each, nothing lost or repeated', async () => {
    const small = f.side(emu, tokens, 5);
    try {
      const total = rows().length;
      const pages = await collect(small.side.list(f.table));
      expect(pages.map((p) => p.length)).toEqual([...Array<number>(Math.floor(total / 5)).fill(5), ...(total % 5 ? [total % 5] : [])]);
      expect(new Set(pages.flat().map((r) => r.id)).size).toBe(total);
      expect(requests().filter((r) => r.startsWith('GET'))).toHaveLength(pages.length);
    } finally {
      await small.close();
    }
  });

  test('get by ids: the records found, missing ids simply absent, one request per 100 ids', async () => {
    const ids = rows().slice(0, 3).map((r) => String(r[f.key]));
    const got = await side.get(f.table, [...ids, MISSING]);
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(requests()).toHaveLength(1);
    expect(await side.get(f.table, [MISSING])).toEqual([]);
  });

  test('count: the records matching the table filter and the extra conditions', async () => {
    expect(await side.count(f.table)).toBe(rows().length);
    const city = String(rows()[0]![f.cityField]);
    expect(await side.count(f.table, [{ field: f.cityField, op: 'eq', value: city }])).toBe(rows().filter((r) => r[f.cityField] === city).length);
    expect(requests()).toHaveLength(2);
  });

  // Results carry what the engine keeps of a written record: its id, modified-on and ETag (Dataverse is asked for
  // only those columns); the values are checked where they are stored.
  test('create, update, delete: one request per batch; results carry the id, modified-on and ETag after the write', async () => {
    clock.now += 60_000;
    const op: WriteOp = { kind: 'create', id: randomUUID(), fields: f.newRecord('Contract Co', 'Oslo') };
    const [created] = await side.write(f.table, [op]);
    expect(created).toMatchObject({ ok: true, op });
    const record = created!.record!;
    expect(Date.parse(record.modifiedAt)).toBe(clock.now);
    expect(typeof record.etag).toBe('string');
    // The record is stored under the id the result names: the chosen one only where the table keeps it.
    expect(f.data(emu).get(f.table.entitySet, record.id)).toMatchObject(f.newRecord('Contract Co', 'Oslo'));
    const keepsId = side.acceptsChosenId?.(f.table) ?? true;
    expect(keepsId).toBe(f.api === 'dataverse');
    expect(record.id === op.id).toBe(keepsId);
    expect(requests()).toEqual(['POST $batch']);

    emu.resetLog();
    clock.now += 60_000;
    const [updated] = await side.write(f.table, [{ kind: 'update', id: record.id, etag: record.etag, fields: { [f.nameField]: 'Contract Co (renamed)' } }]);
    expect(updated!.ok).toBe(true);
    expect(updated!.record!.id).toBe(record.id);
    expect(f.data(emu).get(f.table.entitySet, record.id)![f.nameField]).toBe('Contract Co (renamed)');
    expect(Date.parse(updated!.record!.modifiedAt)).toBe(clock.now);
    expect(updated!.record!.etag).not.toBe(record.etag);
    expect(requests()).toEqual(['POST $batch']);

    emu.resetLog();
    const [deleted] = await side.write(f.table, [{ kind: 'delete', id: record.id, etag: updated!.record!.etag }]);
    expect(deleted!.ok).toBe(true);
    expect(f.data(emu).get(f.table.entitySet, record.id)).toBeUndefined();
    expect(requests()).toEqual(['POST $batch']);
  });

  test('a stale ETag is a conflict; a missing record is not found; the other operations of the batch still run', async () => {
    const [a, b] = await side.get(f.table, rows().slice(2, 4).map((r) => String(r[f.key])));
    f.data(emu).update(f.table.entitySet, a!.id, { [f.nameField]: 'Edited by a person' });
    emu.resetLog();
    const results = await side.write(f.table, [
      { kind: 'update', id: a!.id, etag: a!.etag, fields: { [f.nameField]: 'Ours' } },
      { kind: 'update', id: MISSING, etag: '*', fields: { [f.nameField]: 'Nobody' } },
      { kind: 'update', id: b!.id, etag: b!.etag, fields: { [f.nameField]: 'Ours too' } },
    ]);
    expect(results.map((r) => [r.ok, r.error?.conflict ?? false, r.error?.notFound ?? false])).toEqual([
      [false, true, false],
      [false, false, true],
      [true, false, false],
    ]);
    expect(f.data(emu).get(f.table.entitySet, a!.id)![f.nameField]).toBe('Edited by a person');
    expect(results[2]!.record!.id).toBe(b!.id);
    expect(f.data(emu).get(f.table.entitySet, b!.id)![f.nameField]).toBe('Ours too');
    expect(requests()).toEqual(['POST $batch']);
  });

  test('a concurrent edit between our read and our write (the 412 fault) is a conflict; a re-read ETag then succeeds', async () => {
    const [a] = await side.get(f.table, [String(rows()[4]![f.key])]);
    emu.setFaults([{ kind: '412', api: f.api, rate: 1 }]);
    try {
      const [stale] = await side.write(f.table, [{ kind: 'update', id: a!.id, etag: a!.etag, fields: { [f.nameField]: 'Ours' } }]);
      expect(stale).toMatchObject({ ok: false, error: { conflict: true } });
    } finally {
      emu.setFaults([]);
    }
    const [reread] = await side.get(f.table, [a!.id]);
    expect(reread!.etag).not.toBe(a!.etag);
    expect(reread!.fields[f.nameField]).toBe(a!.fields[f.nameField]);
    const [retried] = await side.write(f.table, [{ kind: 'update', id: a!.id, etag: reread!.etag, fields: { [f.nameField]: 'Ours' } }]);
    expect(retried).toMatchObject({ ok: true, record: { id: a!.id } });
    expect(f.data(emu).get(f.table.entitySet, a!.id)![f.nameField]).toBe('Ours');
  });

  test('a table that keeps a chosen id: the create lands on it, and repeating it (after a crash) finds it without a duplicate', async () => {
    expect(side.acceptsChosenId?.(f.chosenIdTable) ?? true).toBe(true);
    const before = f.data(emu).count(f.chosenIdTable.entitySet);
    const op: WriteOp = { kind: 'create', id: randomUUID(), fields: f.chosenIdRecord(1) };
    const [first] = await side.write(f.chosenIdTable, [op]);
    expect(first).toMatchObject({ ok: true, record: { id: op.id } });
    const [again] = await side.write(f.chosenIdTable, [op]);
    expect(again).toMatchObject({ ok: true, record: { id: op.id } });
    expect(f.data(emu).count(f.chosenIdTable.entitySet)).toBe(before + 1);
  });
});
