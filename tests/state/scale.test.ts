import { afterAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import { StateStore } from '../../src/state/index.js';
import { tempDir } from './helpers/state-helpers.js';

// The million-coupling figures are in bench/state.bench.js (npm run build && node --expose-gc bench/state.bench.js);
// the unit suite keeps a tenth of it so it stays fast on a busy 2-core machine.
const TOTAL = 100_000;
const BATCH = 1000;
const M = 'CUSTOMER';
const guid = (prefix: string, i: number): string => `${prefix}0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe(`${TOTAL.toLocaleString('en')} couplings`, () => {
  test('created through the API in batches of 1,000, reopened, updated, compacted and reopened', async () => {
    let store = await StateStore.open(dir, { lock: true });
    for (let i = 0; i < TOTAL; i++) {
      store.couple({ mapping: M, bcId: guid('b', i), dataverseId: guid('d', i), dataverseModifiedAt: '2026-01-01T10:00:01Z' });
      if ((i + 1) % BATCH === 0) expect(await store.commit()).toBe(BATCH);
    }
    await store.close();

    store = await StateStore.open(dir, { lock: true });
    expect(store.counts(M)).toEqual({ couplings: TOTAL, failed: 0, skipped: 0, uncoupledFailures: 0 });
    expect(store.byDataverseId(M, guid('d', TOTAL - 1))?.bcId).toBe(guid('b', TOTAL - 1));
    let n = 0;
    for (const c of [...store.couplings(M)]) {
      if (n % 1000 === 0) store.markFailure(M, { bcId: c.bcId }, 'to-dataverse', 'boom');
      else store.markSuccess(M, c.bcId, 'to-dataverse', { bcModifiedAt: '2026-02-01T00:00:00Z' });
      if (++n % BATCH === 0) await store.commit();
    }
    store.setWatermark(M, 'bc', '2026-02-01T00:00:00Z');
    await store.compact();
    expect(store.fileSizes.journal).toBe(0);
    await store.close();

    store = await StateStore.open(dir, { lock: false });
    expect(store.size).toBe(TOTAL);
    expect(store.counts(M)).toEqual({ couplings: TOTAL, failed: TOTAL / 1000, skipped: 0, uncoupledFailures: 0 });
    expect(store.failedNotSkipped(M, 'to-dataverse')).toHaveLength(TOTAL / 1000);
    expect(store.byBcId(M, guid('b', 1))?.bcModifiedAt).toBe('2026-02-01T00:00:00Z');
    expect(store.watermark(M).bc).toBe('2026-02-01T00:00:00Z');
    await store.close();
  }, 60_000);
});
