import { afterEach, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { StateError } from '../../src/errors.js';
import { CouplingConflictError, CouplingNotFoundError, StateStore } from '../../src/state/index.js';
import { tempDir } from './helpers/state-helpers.js';

const M = 'CUSTOMER';
const BC1 = '11111111-1111-4111-8111-111111111111';
const BC2 = '22222222-2222-4222-8222-222222222222';
const DV1 = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const DV2 = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

const dirs: string[] = [];
const stores: StateStore[] = [];

async function open(dir?: string, clock = new ManualClock()): Promise<{ store: StateStore; dir: string; clock: ManualClock }> {
  const d = dir ?? tempDir();
  if (!dir) dirs.push(d);
  const store = await StateStore.open(d, { lock: true, clock });
  stores.push(store);
  return { store, dir: d, clock };
}

async function reopen(store: StateStore): Promise<StateStore> {
  await store.close();
  const again = await StateStore.open(store.dir, { lock: true });
  stores.push(again);
  return again;
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('couplings', () => {
  test('couple, look up by either id (O(1) Maps), and survive a reopen', async () => {
    const { store, clock } = await open();
    const r = store.couple({
      mapping: M,
      bcId: BC1,
      dataverseId: DV1,
      bcModifiedAt: '2026-01-01T10:00:00.37Z',
      dataverseModifiedAt: '2026-01-01T10:00:01Z',
      syncedDirection: 'to-dataverse',
    });
    expect(r.existed).toBe(false);
    expect(r.coupling).toEqual({
      mapping: M,
      bcId: BC1,
      dataverseId: DV1,
      coupledAt: new Date(clock.now()).toISOString(),
      bcModifiedAt: '2026-01-01T10:00:00.37Z',
      dataverseModifiedAt: '2026-01-01T10:00:01Z',
      lastResultToDataverse: 'success',
      lastResultToBc: undefined,
      lastErrorToDataverse: undefined,
      lastErrorToBc: undefined,
      skipped: false,
      failureCount: 0,
      extra: undefined,
    });
    expect(store.byBcId(M, BC1)).toBe(r.coupling);
    expect(store.byDataverseId(M, DV1)).toBe(r.coupling);
    expect(store.byBcId('VENDOR', BC1)).toBeUndefined();
    expect(await store.commit()).toBe(1);
    const again = await reopen(store);
    expect(again.byDataverseId(M, DV1)).toEqual(r.coupling);
    expect(again.counts(M)).toEqual({ couplings: 1, failed: 0, skipped: 0, uncoupledFailures: 0 });
  });

  test('GUIDs match whatever their case or braces', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: `{${BC1.toUpperCase()}}`, dataverseId: DV1.toUpperCase() });
    expect(store.byBcId(M, BC1)?.bcId).toBe(BC1);
    expect(store.byDataverseId(M, `{${DV1}}`)?.dataverseId).toBe(DV1);
    // Ids that are not GUIDs are kept exactly as given.
    store.couple({ mapping: 'CURRENCY', bcId: 'EUR-Code', dataverseId: DV2 });
    expect(store.byBcId('CURRENCY', 'EUR-Code')).toBeDefined();
    expect(store.byBcId('CURRENCY', 'eur-code')).toBeUndefined();
  });

  test('coupling the same pair again changes nothing', async () => {
    const { store } = await open();
    const first = store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    await store.commit();
    const second = store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    expect(second).toEqual({ coupling: first.coupling, existed: true, replaced: [] });
    expect(store.pendingChanges).toBe(0);
  });

  test('a Dataverse row already coupled to another BC record is refused, unless replace', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    let error: unknown;
    try {
      store.couple({ mapping: M, bcId: BC2, dataverseId: DV1 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CouplingConflictError);
    expect((error as CouplingConflictError).existing.map((c) => c.bcId)).toEqual([BC1]);
    expect((error as Error).message).toMatch(`Dataverse row ${DV1} is already coupled to BC record ${BC1}`);
    expect(store.byDataverseId(M, DV1)?.bcId).toBe(BC1);

    // The same Dataverse id in another mapping is a different coupling.
    expect(store.couple({ mapping: 'CONTACT', bcId: BC2, dataverseId: DV1 }).existed).toBe(false);

    const replaced = store.couple({ mapping: M, bcId: BC2, dataverseId: DV1 }, { replace: true });
    expect(replaced.replaced.map((c) => c.bcId)).toEqual([BC1]);
    expect(store.byBcId(M, BC1)).toBeUndefined();
    expect(store.byDataverseId(M, DV1)?.bcId).toBe(BC2);
    expect(store.counts(M).couplings).toBe(1);
    const again = await reopen(store);
    expect(again.byDataverseId(M, DV1)?.bcId).toBe(BC2);
    expect(again.byBcId(M, BC1)).toBeUndefined();
    expect(again.size).toBe(2);
  });

  test('a BC record already coupled to another Dataverse row is refused, unless replace (counters reset)', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'boom');
    expect(() => store.couple({ mapping: M, bcId: BC1, dataverseId: DV2 })).toThrow(CouplingConflictError);
    const r = store.couple({ mapping: M, bcId: BC1, dataverseId: DV2 }, { replace: true });
    expect(r.coupling.failureCount).toBe(0);
    expect(r.coupling.lastResultToDataverse).toBeUndefined();
    expect(store.byDataverseId(M, DV1)).toBeUndefined();
    const again = await reopen(store);
    expect(again.byBcId(M, BC1)?.dataverseId).toBe(DV2);
    expect(again.byDataverseId(M, DV1)).toBeUndefined();
  });

  test('uncouple by either id, and uncouple a whole mapping in one journal line', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    store.couple({ mapping: M, bcId: BC2, dataverseId: DV2 });
    store.couple({ mapping: 'VENDOR', bcId: BC1, dataverseId: DV1 });
    await store.commit();
    expect(store.uncouple(M, { dataverseId: DV1 })?.bcId).toBe(BC1);
    expect(store.uncouple(M, { bcId: BC1 })).toBeUndefined();
    await store.commit();
    for (let i = 0; i < 50; i++) store.couple({ mapping: M, bcId: `bc-${i}`, dataverseId: `dv-${i}` });
    expect(store.uncoupleAll(M)).toBe(51);
    store.couple({ mapping: M, bcId: 'after', dataverseId: 'clear' });
    await store.commit();
    const journal = fs.readFileSync(store.journalFile, 'utf8').trim().split('\n');
    const lastBatch = journal.slice(journal.findLastIndex((l, i) => i < journal.length - 1 && l.includes('"op":"commit"')) + 1);
    expect(lastBatch.map((l) => JSON.parse(l).op)).toEqual(['clearCouplings', 'put', 'commit']);
    const again = await reopen(store);
    expect([...again.couplings(M)].map((c) => c.bcId)).toEqual(['after']);
    expect(again.byBcId('VENDOR', BC1)).toBeDefined();
  });

  test('update: last-synced times only move forward, a success clears that direction\u2019s error, extra merges', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1, bcModifiedAt: '2026-01-02T00:00:00Z' });
    store.markFailure(M, { bcId: BC1 }, 'from-dataverse', 'no');
    let c = store.update(M, BC1, { bcModifiedAt: '2026-01-01T00:00:00Z', dataverseModifiedAt: '2026-01-05T00:00:00Z' });
    expect(c.bcModifiedAt).toBe('2026-01-02T00:00:00Z');
    expect(c.dataverseModifiedAt).toBe('2026-01-05T00:00:00Z');
    c = store.update(M, BC1, { bcModifiedAt: '2026-01-03T01:00:00+01:00' }); // 2026-01-03T00:00Z: later
    expect(c.bcModifiedAt).toBe('2026-01-03T01:00:00+01:00');
    c = store.update(M, BC1, { extra: { statisticsUploaded: true, archived: false } });
    c = store.update(M, BC1, { extra: { archived: undefined }, lastResultToBc: 'success' });
    expect(c.extra).toEqual({ statisticsUploaded: true });
    expect(c.lastErrorToBc).toBeUndefined();
    expect(() => store.update(M, BC2, {})).toThrow(CouplingNotFoundError);
    expect(() => store.update(M, BC1, { bcModifiedAt: 'yesterday' })).toThrow(TypeError);
    const again = await reopen(store);
    expect(again.byBcId(M, BC1)).toEqual(c);
  });

  test('read-only opens see committed state and refuse changes', async () => {
    const { store, dir } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    await store.commit();
    store.couple({ mapping: M, bcId: BC2, dataverseId: DV2 }); // not committed
    const reader = await StateStore.open(dir, { lock: false });
    stores.push(reader);
    expect(reader.readOnly).toBe(true);
    expect(reader.byBcId(M, BC1)).toBeDefined();
    expect(reader.byBcId(M, BC2)).toBeUndefined();
    expect(() => reader.couple({ mapping: M, bcId: BC2, dataverseId: DV2 })).toThrow(/read-only/);
    await expect(reader.commit()).rejects.toThrow(StateError);
  });

  test('a read-only open of a missing directory is an empty state and creates nothing', async () => {
    const parent = tempDir();
    dirs.push(parent);
    const missing = path.join(parent, 'state', 'default');
    const reader = await StateStore.open(missing, { lock: false });
    stores.push(reader);
    expect(reader.size).toBe(0);
    expect(reader.mappings()).toEqual([]);
    expect(fs.existsSync(missing)).toBe(false);
  });

  test('a closed store refuses further use', async () => {
    const { store } = await open();
    await store.close();
    expect(() => store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 })).toThrow(/closed/);
  });
});

describe('failures, auto-skip and retry (spec §5.6)', () => {
  test('two identical failures in a row: skipped on the second; different messages never skip', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    store.couple({ mapping: M, bcId: BC2, dataverseId: DV2 });
    expect(store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'Name is too long')).toEqual({ skipped: false, coupled: true, failureCount: 1 });
    expect(store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'Name is too long')).toEqual({ skipped: true, coupled: true, failureCount: 2 });

    expect(store.markFailure(M, { dataverseId: DV2 }, 'to-dataverse', 'first error')).toMatchObject({ skipped: false });
    expect(store.markFailure(M, { dataverseId: DV2 }, 'to-dataverse', 'second error')).toMatchObject({ skipped: false });
    expect(store.markFailure(M, { dataverseId: DV2 }, 'to-dataverse', 'third error')).toMatchObject({ skipped: false, failureCount: 3 });

    expect(store.counts(M)).toEqual({ couplings: 2, failed: 1, skipped: 1, uncoupledFailures: 0 });
    expect(store.failedNotSkipped(M, 'to-dataverse').map((f) => [f.bcId, f.message])).toEqual([[BC2, 'third error']]);
    expect(store.failedNotSkipped(M, 'from-dataverse')).toEqual([]);
  });

  test('the rule is per direction: the same message in the other direction does not skip', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'same');
    expect(store.markFailure(M, { bcId: BC1 }, 'from-dataverse', 'same').skipped).toBe(false);
    // The to-dataverse error is still the previous one of that direction.
    expect(store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'same').skipped).toBe(true);
  });

  test('a success in between breaks the streak', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'boom');
    const ok = store.markSuccess(M, BC1, 'to-dataverse', { dataverseModifiedAt: '2026-01-01T00:00:00Z' });
    expect(ok).toMatchObject({ lastResultToDataverse: 'success', lastErrorToDataverse: undefined, failureCount: 0, skipped: false });
    expect(store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'boom').skipped).toBe(false);
  });

  test('uncoupled records (a failed insert) are remembered, auto-skipped, and dropped once coupled', async () => {
    const { store } = await open();
    expect(store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'Account name required')).toEqual({
      skipped: false,
      coupled: false,
      failureCount: 1,
    });
    expect(store.failedNotSkipped(M, 'to-dataverse')).toMatchObject([{ bcId: BC1, dataverseId: undefined, coupled: false }]);
    expect(store.markFailure(M, { bcId: BC1 }, 'to-dataverse', 'Account name required').skipped).toBe(true);
    expect(store.failedNotSkipped(M, 'to-dataverse')).toEqual([]);
    expect(store.counts(M)).toEqual({ couplings: 0, failed: 0, skipped: 1, uncoupledFailures: 1 });
    store.markFailure(M, { dataverseId: DV2 }, 'from-dataverse', 'Customer posting group missing');
    expect(() => store.markFailure(M, { dataverseId: DV1 }, 'to-dataverse', 'x')).toThrow(/needs its bcId/);

    const again = await reopen(store);
    expect(again.uncoupledFailure(M, 'to-dataverse', BC1)).toMatchObject({ skipped: true, failureCount: 2 });
    expect(again.failures(M)).toHaveLength(2);
    // --retry-skipped, then the insert works and the record gets coupled.
    expect(again.clearSkipped(M)).toBe(1);
    expect(again.failedNotSkipped(M, 'to-dataverse').map((f) => f.bcId)).toEqual([BC1]);
    again.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    expect(again.uncoupledFailure(M, 'to-dataverse', BC1)).toBeUndefined();
    expect(again.forgetFailure(M, 'from-dataverse', DV2)).toBe(true);
    const third = await reopen(again);
    expect(third.failures()).toEqual([]);
  });

  test('clearSkipped for chosen records or every mapping; the records stay failed so the next run retries them', async () => {
    const { store } = await open();
    for (const [bc, dv, m] of [
      [BC1, DV1, M],
      [BC2, DV2, M],
      [BC1, DV1, 'VENDOR'],
    ] as const) {
      store.couple({ mapping: m, bcId: bc, dataverseId: dv });
      store.markFailure(m, { bcId: bc }, 'to-dataverse', 'x');
      store.markFailure(m, { bcId: bc }, 'to-dataverse', 'x');
    }
    expect(store.counts(M).skipped).toBe(2);
    expect(store.clearSkipped(M, [{ dataverseId: DV2 }])).toBe(1);
    expect(store.byBcId(M, BC2)).toMatchObject({ skipped: false, lastResultToDataverse: 'failure' });
    expect(store.byBcId(M, BC1)?.skipped).toBe(true);
    expect(store.clearSkipped()).toBe(2);
    expect(store.failedNotSkipped('VENDOR', 'to-dataverse').map((f) => f.bcId)).toEqual([BC1]);
    const again = await reopen(store);
    expect(again.counts(M)).toEqual({ couplings: 2, failed: 2, skipped: 0, uncoupledFailures: 0 });
  });

  test('error texts are masked and cut to 2048 characters', async () => {
    const { store } = await open();
    store.couple({ mapping: M, bcId: BC1, dataverseId: DV1 });
    store.markFailure(M, { bcId: BC1 }, 'to-dataverse', `401: Authorization: Bearer abc.def-ghi ${'x'.repeat(3000)}`);
    const message = store.byBcId(M, BC1)!.lastErrorToDataverse!.message;
    expect(message).toContain('Bearer ***');
    expect(message).not.toContain('abc.def-ghi');
    expect(message).toHaveLength(2048);
  });
});

describe('watermarks (spec §5.1)', () => {
  test('only move forward, per mapping and side, and persist', async () => {
    const { store } = await open();
    expect(store.watermark(M)).toEqual({});
    expect(store.setWatermark(M, 'bc', '2026-01-02T00:00:00Z')).toBe(true);
    expect(store.setWatermark(M, 'bc', '2026-01-01T23:59:59.999Z')).toBe(false);
    expect(store.setWatermark(M, 'bc', '2026-01-02T00:00:00.000Z')).toBe(false); // the same instant
    expect(store.setWatermark(M, 'dataverse', '2026-01-01T00:00:00Z')).toBe(true);
    expect(store.setWatermark(M, 'bc', '2026-01-02T00:00:01Z')).toBe(true);
    expect(() => store.setWatermark(M, 'bc', '2026-13-01T00:00:00Z')).toThrow(TypeError);
    expect(store.watermark(M)).toEqual({ bc: '2026-01-02T00:00:01Z', dataverse: '2026-01-01T00:00:00Z' });
    expect(store.watermark('VENDOR')).toEqual({});
    const again = await reopen(store);
    expect(again.watermark(M)).toEqual({ bc: '2026-01-02T00:00:01Z', dataverse: '2026-01-01T00:00:00Z' });
    again.clearWatermarks(M, 'bc');
    await again.compact();
    const third = await reopen(again);
    expect(third.watermark(M)).toEqual({ dataverse: '2026-01-01T00:00:00Z' });
    // The returned object is a copy.
    third.watermark(M).dataverse = '2030-01-01T00:00:00Z';
    expect(third.watermark(M).dataverse).toBe('2026-01-01T00:00:00Z');
  });
});

describe('compacting between passes (compactIfWorthIt)', () => {
  const bcId = (i: number) => `11111111-1111-4111-8111-${String(i).padStart(12, '0')}`;
  const dvId = (i: number) => `aaaaaaaa-aaaa-4aaa-8aaa-${String(i).padStart(12, '0')}`;
  const journalBytes = (dir: string) => fs.statSync(path.join(dir, 'journal.ndjson')).size;
  const snapshotSeq = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'couplings.json'), 'utf8').split('\n')[0]!.replace(/,$/, '}')) as { journalSeq: number }).journalSeq;

  test('writes the snapshot close() would write, only when the journal is worth it, and close() then has nothing to compact', async () => {
    const { store, dir } = await open();
    for (let i = 0; i < 20_000; i++) store.couple({ mapping: M, bcId: bcId(i), dataverseId: dvId(i), syncedDirection: 'to-dataverse' });
    await store.commit();
    expect(journalBytes(dir)).toBeGreaterThan(1024 * 1024);

    expect(await store.compactIfWorthIt()).toBe(true);
    expect(journalBytes(dir)).toBe(0);
    const seq = snapshotSeq(dir);

    // A few more changes: a journal far below a quarter of the snapshot is not worth a rewrite, now or at close.
    for (let i = 20_000; i < 20_010; i++) store.couple({ mapping: M, bcId: bcId(i), dataverseId: dvId(i), syncedDirection: 'to-dataverse' });
    expect(await store.compactIfWorthIt()).toBe(false);
    await store.close();
    expect(snapshotSeq(dir)).toBe(seq);
    expect(journalBytes(dir)).toBeGreaterThan(0);

    const again = await StateStore.open(dir, { lock: true });
    stores.push(again);
    expect(again.counts(M).couplings).toBe(20_010);
    expect(again.byDataverseId(M, dvId(20_009))?.bcId).toBe(bcId(20_009));
  });
});
