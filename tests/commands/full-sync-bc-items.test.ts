import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import type { FullSyncMappingResult } from '../../src/commands/full-sync/full-sync.js';
import { StateStore } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

/**
 * Items too: a product made in Dataverse, in the unit group of a synchronized BC item, becomes a BC item through
 * the standard API (which refuses a chosen id), coupled once; a rerun creates nothing.
 */
describe('full-sync creates a Business Central item from a Dataverse product', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
    const first = await h.cli(['full-sync', ...DEMO_MATCH.flatMap((m) => ['--match', m])]);
    expect(first.code).toBe(4); // the demo seed's documented record failures
  }, 60_000);
  afterAll(async () => h?.close());

  test('the product arrives in BC with its base unit, coupled; the second run writes nothing for it', async () => {
    const state = await StateStore.open(h.stateDir, { lock: false });
    const unit = [...state.couplings('ITEM UOM')][0]!;
    await state.close();
    const uom = h.emu.dataverse.get('uoms', unit.dataverseId)!;
    const template = h.emu.dataverse.list('products').find((p) => p['_defaultuomscheduleid_value'] === uom['_uomscheduleid_value'])!;
    h.emu.dataverse.insert('products', {
      name: 'Garden Bench from Sales',
      productnumber: 'GB-1000',
      producttypecode: template['producttypecode'],
      quantitydecimal: 0,
      _defaultuomscheduleid_value: uom['_uomscheduleid_value'],
      _defaultuomid_value: unit.dataverseId,
    });
    h.emu.resetLog();
    const second = JSON.parse((await h.cli(['--json', 'full-sync', ...DEMO_MATCH.flatMap((m) => ['--match', m])])).stdout) as { mappings: FullSyncMappingResult[] };
    const report = second.mappings.find((m) => m.mapping === 'ITEM-PRODUCT')!.report!;
    expect(report.counts['from-dataverse'].inserted).toBe(1);
    const item = h.emu.bc.list('items').find((i) => i['displayName'] === 'Garden Bench from Sales');
    expect(item).toBeDefined();
    expect(h.emu.requestLog.filter((e) => e.api === 'bc' && e.status === 400)).toEqual([]);
    h.emu.resetLog();
    const third = JSON.parse((await h.cli(['--json', 'full-sync', ...DEMO_MATCH.flatMap((m) => ['--match', m])])).stdout) as { mappings: FullSyncMappingResult[] };
    const again = third.mappings.find((m) => m.mapping === 'ITEM-PRODUCT')!.report!;
    expect([again.counts['from-dataverse'].inserted, again.counts['to-dataverse'].inserted]).toEqual([0, 0]);
    expect(h.emu.bc.list('items').filter((i) => i['displayName'] === 'Garden Bench from Sales')).toHaveLength(1);
    expect(writesIn(h.emu)).toEqual([]);
  }, 60_000);
});
