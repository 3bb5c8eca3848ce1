/**
 * Item availability (issue 10; docs/integration.md §8.6) through the real CLI, clients and emulators over HTTP:
 * 1,000 items coupled to products, item availability on; inventory posted on two items (item ledger entries, as
 * an item journal does) → `sync --all` writes exactly those two quantities, in one $batch; a second run writes
 * nothing; a negative inventory is written as 0; the write is no change for ITEM-PRODUCT.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MappingReport } from '../../src/engine/report.js';
import { StateStore } from '../../src/state/index.js';
import { setupArgs, startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

const N = 1000;

describe('item availability with sync --all (scale seed, 1,000 coupled items)', () => {
  let h: CliHarness;
  let items: Array<{ bcId: string; dataverseId: string }>;
  beforeAll(async () => {
    h = await startCli({ seed: `scale:${N}` });
    const setup = await h.cli([...setupArgs(h.emu), '--item-availability']);
    expect(setup.code).toBe(0);
    const full = await h.cli(['full-sync', '--mapping', 'UNIT GROUP', '--mapping', 'ITEM UOM', '--mapping', 'ITEM-PRODUCT']);
    expect(full.code).toBe(0);
    const state = await StateStore.open(h.stateDir, { lock: false });
    items = [...state.couplings('ITEM-PRODUCT')].map((c) => ({ bcId: c.bcId, dataverseId: c.dataverseId }));
    await state.close();
    // The first sync --all after the full sync reads every other mapping once; from then on nothing is due.
    expect((await h.cli(['sync', '--all'])).code).toBe(0);
  }, 300_000);
  afterAll(async () => h?.close());

  const syncAll = async (): Promise<MappingReport> => {
    const r = await h.cli(['--json', 'sync', '--all']);
    expect([r.code, r.stderr.split('\n').filter((l) => /error|warning/.test(l))]).toEqual([0, []]);
    const reports = (JSON.parse(r.stdout) as { mappings: MappingReport[] }).mappings;
    return reports.find((m) => m.mapping === 'ITEM-AVAILABILITY')!;
  };

  test('without inventory changes sync --all writes nothing', async () => {
    expect(items).toHaveLength(N);
    h.emu.resetLog();
    const report = await syncAll();
    expect(report.counts['to-dataverse']).toMatchObject({ modified: 0, failed: 0 });
    expect(writesIn(h.emu)).toEqual([]);
  });

  test('inventory posted on two items: exactly those two products, in one batch request; negative as 0; then nothing', async () => {
    const [up, down] = [items[10]!, items[20]!];
    const upItem = h.emu.bc.get('items', up.bcId)!;
    const downItem = h.emu.bc.get('items', down.bcId)!;
    const upBefore = Number(upItem.inventory);
    expect(Number(downItem.inventory)).toBeGreaterThan(0);
    h.emu.bc.insert('itemLedgerEntries', { itemNumber: upItem.number, quantity: 7 });
    h.emu.bc.insert('itemLedgerEntries', { itemNumber: downItem.number, quantity: -(Number(downItem.inventory) + 5) });
    expect(h.emu.bc.get('items', up.bcId)!.inventory).toBe(upBefore + 7);
    expect(h.emu.bc.get('items', down.bcId)!.inventory).toBe(-5);
    // Inventory is a FlowField: the items themselves are not modified.
    expect(h.emu.bc.get('items', up.bcId)!.lastModifiedDateTime).toBe(upItem.lastModifiedDateTime);

    h.emu.resetLog();
    const report = await syncAll();
    expect(report.counts['to-dataverse']).toMatchObject({ modified: 2, unchanged: 0, failed: 0 });
    const writes = h.emu.requestLog.filter((e) => e.api !== 'token' && e.method !== 'GET');
    expect(writes.map((e) => [e.api, e.method, e.path, e.operations])).toEqual([['dataverse', 'POST', '$batch', 2]]);
    expect(h.emu.dataverse.get('products', up.dataverseId)!.quantityonhand).toBe(upBefore + 7);
    expect(h.emu.dataverse.get('products', down.dataverseId)!.quantityonhand).toBe(0);

    h.emu.resetLog();
    const again = await syncAll();
    expect(again.counts['to-dataverse']).toMatchObject({ modified: 0, failed: 0 });
    expect(writesIn(h.emu)).toEqual([]);
    // The ITEM-PRODUCT mapping took the quantity written for no change of the product.
    const r = await h.cli(['--json', 'sync', '--mapping', 'ITEM-PRODUCT']);
    const [itemProduct] = (JSON.parse(r.stdout) as { mappings: MappingReport[] }).mappings;
    for (const d of itemProduct!.directions) expect(itemProduct!.counts[d]).toMatchObject({ inserted: 0, modified: 0, failed: 0, conflicts: 0 });
  });

  test('--dry-run reports the quantity it would write and only reads', async () => {
    const item = items[30]!;
    h.emu.bc.insert('itemLedgerEntries', { itemNumber: h.emu.bc.get('items', item.bcId)!.number, quantity: 3 });
    h.emu.resetLog();
    const r = await h.cli(['--json', 'sync', '--all', '--dry-run']);
    expect(r.code).toBe(0);
    const report = (JSON.parse(r.stdout) as { mappings: MappingReport[] }).mappings.find((m) => m.mapping === 'ITEM-AVAILABILITY')!;
    expect(report.counts['to-dataverse'].modified).toBe(1);
    expect(h.emu.requestLog.filter((e) => e.api !== 'token' && e.method !== 'GET')).toEqual([]);
  });
});
