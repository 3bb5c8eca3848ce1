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

  const couplingCount = (mapping: string): number => [...h.state.couplings(mapping)].length;

  test('full sync of CURRENCY then CUSTOMER couples every BC customer in scope', async () => {
    // Reference data first (CUSTOMER depends on it): every BC record ends up coupled, nothing fails.
    const reference = { CURRENCY: 'currencies', 'PAYMENT TERMS': 'paymentTerms', 'SHIPMENT METHOD': 'shipmentMethods', 'SHIPPING AGENT': 'shippingAgents' };
    for (const [name, set] of Object.entries(reference)) {
      const r = await syncMapping(h.ctx, h.mapping(name), { full: true });
      expect([name, r.directions, r.counts['to-dataverse'].failed, r.records]).toEqual([name, ['to-dataverse'], 0, []]);
      expect([name, couplingCount(name)]).toEqual([name, h.emu.bc.count(set)]);
    }

    // Salespeople by e-mail: every BC salesperson is accounted for, and a unique match is coupled.
    const sp = await matchBasedCoupling(h.ctx, h.mapping('SALESPEOPLE'), { fields: ['email'] });
    expect(sp.coupled.length).toBeGreaterThan(0);
    expect(sp.coupled.length + sp.ambiguous.length + sp.noMatch.length + sp.takenByOther.length + sp.alreadyCoupled).toBe(
      h.emu.bc.count('salespeoplePurchasers'),
    );
    for (const pair of sp.coupled) expect(h.state.byBcId('SALESPEOPLE', pair.bcId)?.dataverseId).toBe(pair.dataverseId);

    // SALESPEOPLE is ←DV: the full sync creates BC salespeople for the users nobody matched.
    const spSync = await syncMapping(h.ctx, h.mapping('SALESPEOPLE'), { full: true });
    expect(spSync.directions).toEqual(['from-dataverse']);
    expect(spSync.counts['from-dataverse'].failed).toBe(0);
    expect(couplingCount('SALESPEOPLE')).toBe(sp.coupled.length + spSync.counts['from-dataverse'].inserted);

    // Customers by name: every customer in scope (not blocked) is coupled, ambiguous, unmatched or taken.
    const inScope = h.emu.bc.list('customers').filter((c) => c.blocked === ' ');
    const cm = await matchBasedCoupling(h.ctx, h.mapping('CUSTOMER'), { fields: ['name'] });
    expect(cm.coupled.length).toBeGreaterThan(0);
    expect(cm.coupled.length + cm.ambiguous.length + cm.noMatch.length + cm.takenByOther.length + cm.alreadyCoupled).toBe(inScope.length);

    // The full sync →DV rewrites the matched pairs and creates a counterpart for every other customer in scope.
    const report = await syncMapping(h.ctx, h.mapping('CUSTOMER'), { full: true, direction: 'to-dataverse' });
    expect(report.counts['to-dataverse'].failed).toBe(0);
    expect(report.counts['to-dataverse'].modified).toBe(cm.coupled.length);
    expect(report.counts['to-dataverse'].inserted).toBe(inScope.length - cm.coupled.length);
    expect(couplingCount('CUSTOMER')).toBe(inScope.length);
    for (const customer of inScope) expect([customer.number, h.state.byBcId('CUSTOMER', String(customer.id)) !== undefined]).toEqual([customer.number, true]);

    // A second, incremental run finds only its own writes: nothing is written in either direction.
    const again = await syncMapping(h.ctx, h.mapping('CUSTOMER'), {});
    expect(again.counts['to-dataverse'].failed + again.counts['from-dataverse'].failed).toBe(0);
    expect(again.counts['to-dataverse'].inserted + again.counts['to-dataverse'].modified).toBe(0);
    expect(again.counts['from-dataverse'].inserted + again.counts['from-dataverse'].modified).toBe(0);
  });
});
