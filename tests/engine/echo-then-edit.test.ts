import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { syncMapping } from '../../src/engine/run.js';
import { matchBasedCoupling } from '../../src/engine/match-coupling.js';
import { expectClean, syncDemoReferenceData } from '../helpers/engine-acceptance.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await startEngineHarness({ seed: 'demo' });
  await syncDemoReferenceData(h);
  await matchBasedCoupling(h.ctx, h.mapping('CUSTOMER'), { fields: ['name'] });
  // The full sync creates BC customers from Dataverse-only accounts after the BC side was read: the next run
  // reads them again as echoes of our own writes.
  expectClean(await syncMapping(h.ctx, h.mapping('CUSTOMER'), { full: true }));
});
afterAll(async () => h?.close());

// A BC record read again only because of our own write (an echo) must not hide a person's edit of its
// Dataverse row in the same run: the Dataverse side is still looked at.
test('an edit in Dataverse arrives even when the BC record is read again as an echo of our own write', async () => {
  const m = h.mapping('CUSTOMER');
  const bcWatermark = h.state.watermark('CUSTOMER').bc!;
  // Customers created in BC from Dataverse accounts were written after the BC side was read: echoes next run.
  const created = [...h.state.couplings('CUSTOMER')].find((c) => c.lastResultToBc === 'success' && c.lastResultToDataverse === undefined);
  expect(created).toBeDefined();
  const bcBefore = h.emu.bc.get('customers', created!.bcId)!;
  expect(Date.parse(String(bcBefore.lastModifiedDateTime))).toBeGreaterThan(Date.parse(bcWatermark));

  h.advance(1100); // a later second than the row's last sync (modifiedon has whole seconds)
  h.emu.dataverse.update('accounts', created!.dataverseId, { telephone1: '+1 404 555 0199' });
  const report = await syncMapping(h.ctx, m, {});

  expect(h.emu.bc.get('customers', created!.bcId)!.phoneNumber).toBe('+1 404 555 0199');
  expect(report.counts['from-dataverse'].modified).toBe(1);
});
