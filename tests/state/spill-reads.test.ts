import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { StateStore } from '../../src/state/index.js';

// Extra values (merge bases, flags) beyond the resident budget wait in a scratch file and are read back by row. Read
// in row order they are read ahead; read in another order (a Dataverse pass pairs rows in Dataverse's order) each
// read is small: 64 KB per coupling had been 6 GB of copying, 1.4 s of a second full sync of 100,000.

const M = 'CUSTOMER';
// More couplings than the table keeps as objects (8,192), so every read below goes to the extra values.
const N = 20_000;
const guid = (prefix: string, i: number) => `${prefix}0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const base = (i: number) => `sig1:${String(i).padStart(6, '0').repeat(16)}`;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function spilledStore(): Promise<StateStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-spill-'));
  dirs.push(dir);
  const store = await StateStore.open(dir, { lock: true, residentExtraBytes: 1 });
  for (let i = 0; i < N; i++) store.couple({ mapping: M, bcId: guid('b', i), dataverseId: guid('d', i), extra: { base: base(i) } });
  await store.commit();
  return store;
}

describe('extra values in the scratch file', () => {
  test('read in row order, the file is read about once; read in a shuffled order, a few KB a row, never 64 KB', async () => {
    const store = await spilledStore();
    const spilled = store.couplingMemory(M).spilledBytes;
    expect(spilled).toBeGreaterThan(N * 90);
    // (The commit wrote the journal lines from the file: reads counted from here.)
    const before = store.couplingMemory(M).spillReadBytes;

    let wrong = 0;
    for (let i = 0; i < N; i++) if (store.byBcId(M, guid('b', i))!.extra?.['base'] !== base(i)) wrong++;
    const inOrder = store.couplingMemory(M).spillReadBytes - before;
    expect(inOrder).toBeGreaterThan(spilled - 64 * 1024);
    expect(inOrder).toBeLessThan(spilled + 2 * 64 * 1024);

    // A fixed shuffle (the order of a Dataverse pass), every value still right.
    const order = Array.from({ length: N }, (_, i) => (i * 2_654_435_761) % N);
    expect(new Set(order).size).toBe(N);
    for (const i of order) if (store.byDataverseId(M, guid('d', i))!.extra?.['base'] !== base(i)) wrong++;
    expect(wrong).toBe(0);
    const shuffled = store.couplingMemory(M).spillReadBytes - before - inOrder;
    expect(shuffled).toBeLessThanOrEqual(N * 2 * 1024);
    await store.close();
  });
});
