import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { matchBasedCoupling } from '../../src/engine/match-coupling.js';
import { syncMapping } from '../../src/engine/run.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';

describe('engine against the emulators', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'demo' });
  });
  afterAll(async () => h?.close());

  test('full sync of CURRENCY then CUSTOMER couples every BC customer in scope', async () => {
    for (const name of ['CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT']) {
      const r = await syncMapping(h.ctx, h.mapping(name), { full: true });
  
    }
    const sp = await matchBasedCoupling(h.ctx, h.mapping('SALESPEOPLE'), { fields: ['email'] });

    const spSync = await syncMapping(h.ctx, h.mapping('SALESPEOPLE'), { full: true });

    const cm = await matchBasedCoupling(h.ctx, h.mapping('CUSTOMER'), { fields: ['name'] });

    const report = await syncMapping(h.ctx, h.mapping('CUSTOMER'), { full: true, direction: 'to-dataverse' });

    expect(report.counts['to-dataverse'].failed).toBe(0);
    const again = await syncMapping(h.ctx, h.mapping('CUSTOMER'), {});

    expect(again.counts['to-dataverse'].inserted + again.counts['to-dataverse'].modified).toBe(0);
  });
});
