import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { syncMapping } from '../../src/engine/run.js';
import type { Side } from '../../src/sides/types.js';
import { requestsBy, syncDemoCustomers } from '../helpers/engine-acceptance.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await startEngineHarness({ seed: 'demo' });
  await syncDemoCustomers(h);
}, 60_000);
afterAll(async () => h?.close());

/** The Dataverse side, with a person editing `accountId` just before the engine's first write leaves. */
function personEditsBeforeFirstWrite(side: Side, accountId: string, changes: Record<string, unknown>): Side {
  let edited = false;
  return {
    ...side,
    name: side.name,
    limits: side.limits,
    list: (t, q) => side.list(t, q),
    get: (t, ids) => side.get(t, ids),
    count: (t, w) => side.count(t, w),
    stats: () => side.stats(),
    optionSets: side.optionSets,
    write: async (table, ops) => {
      if (!edited) {
        edited = true;
        h.emu.dataverse.update('accounts', accountId, changes);
      }
      return side.write(table, ops);
    },
  };
}

test("a person's edit between our read and our write: the write meets 412, is re-planned with the edit merged, and lands in the same run", async () => {
  const coupling = [...h.state.couplings('CUSTOMER')].find((c) => h.emu.bc.get('customers', c.bcId)?.displayName && c.lastResultToDataverse === 'success')!;
  expect(coupling).toBeDefined();
  // Dataverse keeps whole seconds: the person's edit must fall in a later second than the last sync.
  h.advance(1100);
  h.emu.bc.update('customers', coupling.bcId, { displayName: 'Renamed in Business Central' });
  const ctx = { ...h.ctx, dataverse: personEditsBeforeFirstWrite(h.ctx.dataverse, coupling.dataverseId, { telephone1: '+1 555 0100 (person)' }) };
  h.emu.resetLog();

  const report = await syncMapping(ctx, h.mapping('CUSTOMER'), {});

  // The 412 comes inside the $batch answer: the account is written twice (refused, then merged), BC once.
  const batches = (api: 'bc' | 'dataverse') => requestsBy(h.emu.requestLog, api, (e) => e.method === 'POST' && e.path.endsWith('$batch')).length;
  const account = h.emu.dataverse.get('accounts', coupling.dataverseId)!;
  expect(account.name).toBe('Renamed in Business Central');
  expect(account.telephone1).toBe('+1 555 0100 (person)');
  expect(h.emu.bc.get('customers', coupling.bcId)!.phoneNumber).toBe('+1 555 0100 (person)');
  for (const d of report.directions) {
    expect([d, report.counts[d].failed, report.counts[d].skipped, report.counts[d].conflicts]).toEqual([d, 0, 0, 0]);
  }
  expect(report.counts['to-dataverse'].modified).toBe(1);
  expect(report.counts['from-dataverse'].modified).toBe(1);
  expect(h.state.byBcId('CUSTOMER', coupling.bcId)!.skipped).toBe(false);
  expect(batches('dataverse')).toBe(2);
  expect(batches('bc')).toBe(1);

  // Nothing left over: the next run writes nothing.
  const again = await syncMapping(h.ctx, h.mapping('CUSTOMER'), {});
  for (const d of again.directions) expect(again.counts[d].modified + again.counts[d].inserted + again.counts[d].failed).toBe(0);
}, 30_000);
