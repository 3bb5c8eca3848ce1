import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { setupArgs, startCli, type CliHarness } from './sync-cli-helper.js';

/** Issue 8: with unit groups off, products still get the default unit Dataverse requires (defaultuomid). */

let h: CliHarness;
beforeAll(async () => {
  h = await startCli();
  const setup = await h.cli([...setupArgs(h.emu), '--no-unit-groups']);
  if (setup.code !== 0) throw new Error(setup.stderr);
});
afterAll(async () => {
  await h.close();
});

describe('full-sync --no-unit-groups', () => {
  test('ITEM-PRODUCT inserts succeed and every product has the unit of its "NAV <code>" unit group as defaultuomid', async () => {
    // Units: the demo's Dataverse holds unit groups of its own, so the BC units are created beside them.
    const unitRun = await h.cli(['full-sync', '--mapping', 'UNIT OF MEASURE', '--force-create', '--yes']);
    expect(unitRun.code).toBe(0);
    const r = await h.cli(['--json', 'full-sync', '--mapping', 'ITEM-PRODUCT', '--match', 'ITEM-PRODUCT=number']);
    const doc = JSON.parse(r.stdout) as {
      mappings: Array<{ report: { counts: Record<string, Record<string, number>>; records: Array<{ direction: string; outcome: string; error?: string }> } }>;
    };
    const report = doc.mappings[0]!.report;
    // Every BC item arrives: inserted or (matched by number) modified, none failed; the write-in item 9000 is
    // never synchronized (docs/integration.md §8.1).
    expect(report.counts['to-dataverse']).toMatchObject({ inserted: 24, modified: 5, failed: 0 });
    // The demo's Dataverse-only products sit in a unit group BC has no unit for: they fail on that, as the README says.
    const failures = report.records.filter((x) => x.outcome === 'failed');
    expect(failures.every((x) => x.direction === 'from-dataverse' && /must be coupled first \(couple mapping UNIT OF MEASURE\)/.test(x.error ?? ''))).toBe(true);
    // Not blocked, and not the write-in item (which no product stands for).
    const items = h.emu.bc.list('items').filter((i) => i['blocked'] !== true && i['number'] !== '9000');
    expect(h.emu.dataverse.list('products').some((p) => p['productnumber'] === '9000')).toBe(false);
    const products = h.emu.dataverse.list('products');
    const schedules = new Map(h.emu.dataverse.list('uomschedules').map((s) => [String(s['uomscheduleid']), String(s['name'])]));
    const units = new Map(h.emu.dataverse.list('uoms').map((u) => [String(u['uomid']), u]));
    for (const item of items) {
      const product = products.find((p) => p['productnumber'] === item['number']);
      expect({ item: item['number'], found: product !== undefined }).toEqual({ item: item['number'], found: true });
      const unit = units.get(String(product!['_defaultuomid_value']));
      expect({ item: item['number'], unitGroup: schedules.get(String(product!['_defaultuomscheduleid_value'])) }).toEqual({
        item: item['number'],
        unitGroup: `NAV ${String(item['baseUnitOfMeasureCode'])}`,
      });
      expect({ item: item['number'], unitOfGroup: unit?.['_uomscheduleid_value'], base: unit?.['isschedulebaseuom'] }).toEqual({
        item: item['number'],
        unitOfGroup: product!['_defaultuomscheduleid_value'],
        base: true,
      });
    }
  });
});
