import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BcClient } from '../../src/clients/bc/client.js';
import { syncMapping } from '../../src/engine/run.js';
import { BcSide } from '../../src/sides/bc-side.js';
import { SCALE_CUSTOMER_DISABLED_FIELDS, expectClean, withFieldsDisabled } from '../helpers/engine-acceptance.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';

// A run plans and writes one page of changes at a time, so its memory is a page, not a table.
describe('the engine works a page at a time', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:200' });
  });
  afterAll(async () => h?.close());

  // How far the reads run ahead of the writes is bounded by the records in flight: tests/engine/pipeline.test.ts.
  test('each page is a window of its own, written in its own batch', async () => {
    const { emu } = h;
    const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: 25 });
    try {
      const ctx = { ...h.ctx, bc: new BcSide(smallPages) };
      const m = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
      emu.resetLog();
      const report = expectClean(await syncMapping(ctx, m, { full: true, direction: 'to-dataverse' }));
      expect(report.counts['to-dataverse'].inserted).toBe(200);
      const customerPages = emu.requestLog.filter((e) => e.api === 'bc' && e.method === 'GET' && /customers$/.test(e.path));
      const batches = emu.requestLog.filter((e) => e.api === 'dataverse' && e.path === '$batch');
      expect(customerPages).toHaveLength(8);
      expect(batches).toHaveLength(8);
      expect(h.state.counts('CUSTOMER').couplings).toBe(200);
    } finally {
      await smallPages.close();
    }
  });
});

// The pipe stays full at page boundaries: the next window is read, planned and writing while the previous
// window's last batch is still in flight (docs/design.md "The job" §3).
describe('windows overlap their writes', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:200', latency: { dataverse: { baseMs: 200, perOperationMs: 0, perRowMs: 0 } } });
  });
  afterAll(async () => h?.close());

  test("a window's Dataverse batch starts before the previous window's batch has answered", async () => {
    const { emu } = h;
    const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: 50 });
    try {
      const ctx = { ...h.ctx, bc: new BcSide(smallPages) };
      emu.resetLog();
      expectClean(await syncMapping(ctx, withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS), { full: true, direction: 'to-dataverse' }));
      const batches = emu.requestLog.filter((e) => e.api === 'dataverse' && e.path === '$batch').sort((a, b) => a.startedAt - b.startedAt);
      expect(batches).toHaveLength(4);
      const overlapping = batches.slice(1).filter((b, i) => b.startedAt < batches[i]!.startedAt + batches[i]!.durationMs);
      expect(overlapping.length).toBeGreaterThan(0);
      expect(h.state.counts('CUSTOMER').couplings).toBe(200);
    } finally {
      await smallPages.close();
    }
  });
});
