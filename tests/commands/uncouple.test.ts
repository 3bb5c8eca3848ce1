import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { StateStore } from '../../src/state/index.js';
import { startCoupleHarness, type CoupleHarness } from './couple-harness.js';

async function coupled(h: CoupleHarness, mapping: string): Promise<Map<string, string>> {
  const state = await StateStore.open(h.stateDir, { lock: false });
  try {
    return new Map([...state.couplings(mapping)].map((c) => [c.bcId, c.dataverseId]));
  } finally {
    await state.close();
  }
}

function customerId(h: CoupleHarness, number: string): string {
  return String(h.emu.bc.list('customers').find((r) => r.number === number)!.id);
}

describe('uncouple removes couplings, never records', () => {
  let h: CoupleHarness;
  let records: { customers: number; accounts: number };
  beforeAll(async () => {
    h = await startCoupleHarness();
    await h.engine([{ mapping: 'CUSTOMER', match: ['name'] }, { mapping: 'VENDOR', match: ['name'] }]);
    records = { customers: h.emu.bc.count('customers'), accounts: h.emu.dataverse.count('accounts') };
  });
  afterAll(async () => h?.close());

  test('--bc NUMBER resolves the customer in BC and removes only its coupling', async () => {
    const before = await coupled(h, 'CUSTOMER');
    expect(before.size).toBe(10);
    const trey = customerId(h, '20000');
    h.emu.resetLog();
    const r = await h.cli(['uncouple', '--mapping', 'CUSTOMER', '--bc', '20000', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, mapping: 'CUSTOMER', removed: 1, coupling: { bcId: trey, dataverseId: before.get(trey) } });
    const after = await coupled(h, 'CUSTOMER');
    expect(after.size).toBe(9);
    expect(after.has(trey)).toBe(false);
    // Only reads: the number was looked up, nothing was written anywhere.
    expect(h.emu.requestLog.filter((e) => e.method !== 'GET' && !e.path.includes('token'))).toEqual([]);
    expect({ customers: h.emu.bc.count('customers'), accounts: h.emu.dataverse.count('accounts') }).toEqual(records);
  });

  test('--dataverse ID works offline on the state alone (no request at all)', async () => {
    const [bcId, dataverseId] = [...(await coupled(h, 'CUSTOMER'))][0]!;
    h.emu.resetLog();
    const r = await h.cli(['uncouple', '--mapping', 'customer', '--dataverse', `{${dataverseId.toUpperCase()}}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe(`CUSTOMER\t${bcId}\t${dataverseId}\tuncoupled`);
    expect(h.emu.requestLog).toEqual([]);
    expect((await coupled(h, 'CUSTOMER')).has(bcId)).toBe(false);
  });

  test('a record that is not coupled: exit 1, nothing removed', async () => {
    const before = await coupled(h, 'CUSTOMER');
    const r = await h.cli(['uncouple', '--mapping', 'CUSTOMER', '--bc', customerId(h, '20000')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: BC record .* is not coupled in CUSTOMER; nothing was removed\. Check the id and the mapping/);
    expect(await coupled(h, 'CUSTOMER')).toEqual(before);
  });

  test('--all removes every coupling of the mapping and no other mapping\'s', async () => {
    const vendors = await coupled(h, 'VENDOR');
    expect(vendors.size).toBeGreaterThan(0);
    const left = (await coupled(h, 'CUSTOMER')).size;
    const r = await h.cli(['uncouple', '--mapping', 'CUSTOMER', '--all', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, mapping: 'CUSTOMER', removed: left });
    expect((await coupled(h, 'CUSTOMER')).size).toBe(0);
    expect(await coupled(h, 'VENDOR')).toEqual(vendors);
    expect({ customers: h.emu.bc.count('customers'), accounts: h.emu.dataverse.count('accounts') }).toEqual(records);
  });

  test('each uncoupling is logged with its count', async () => {
    const r = await h.cli(['log', '--mapping', 'CUSTOMER', '--json']);
    const runs = (JSON.parse(r.stdout) as { runs: Array<{ kind: string; counts: { uncoupled: number } }> }).runs;
    expect(runs.map((x) => [x.kind, x.counts.uncoupled])).toEqual([
      ['uncoupling', 1],
      ['uncoupling', 1],
      ['uncoupling', 8],
    ]);
  });
});
