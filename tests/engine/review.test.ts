import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { reviewCounts } from '../../src/engine/review.js';
import type { Side } from '../../src/sides/types.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';

// The full-sync review counts each side's keys once couplings exist. The two services' reads go at once (a second
// full sync of 100,000 customers read Dataverse's 20 pages of keys only after Business Central's 5); the counts are
// what they were, and a side that fails leaves no read of the other running.

/** The side, its reads noted: when one was asked for and when its last page had been read; `fail`: it fails at once. */
function watched(side: Side, name: string, events: string[], fail?: Error): Side {
  const w = Object.create(side) as Side;
  w.list = (table, query) => {
    events.push(`${name} read`);
    const pages = side.list(table, query);
    return {
      async *[Symbol.asyncIterator]() {
        if (fail) throw fail;
        for await (const page of pages) yield page;
        events.push(`${name} done`);
      },
    };
  };
  return w;
}

describe('full-sync review with couplings', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'demo' });
    // One coupling, so the review reads every key instead of counting with $count.
    const customer = h.emu.bc.list('customers')[0]!;
    const account = h.emu.dataverse.list('accounts')[0]!;
    h.state.couple({ mapping: 'CUSTOMER', bcId: String(customer['id']), dataverseId: String(account['accountid']) });
    await h.state.commit();
  });
  afterAll(async () => h?.close());

  test("both services' keys are read at once, and counted as before", async () => {
    const events: string[] = [];
    const ctx = { ...h.ctx, bc: watched(h.ctx.bc, 'bc', events), dataverse: watched(h.ctx.dataverse, 'dataverse', events) };
    const counts = await reviewCounts(ctx, h.mapping('CUSTOMER'));
    // Dataverse's read is asked for before Business Central's has been read to the end.
    expect(events.indexOf('dataverse read')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('dataverse read')).toBeLessThan(events.indexOf('bc done'));
    // The counts of the two sides, each read alone.
    const alone = await reviewCounts(h.ctx, h.mapping('CUSTOMER'));
    expect(counts).toEqual(alone);
    expect(counts.coupled).toBe(1);
    expect(counts.uncoupledBc).toBe(counts.bcRecords - 1);
    expect(counts.uncoupledDataverse).toBe(counts.dataverseRecords - 1);
    expect(counts.bcRecords).toBeGreaterThan(1);
    expect(counts.dataverseRecords).toBeGreaterThan(1);
  });

  test('a side that fails at once is raised only once the other side has been read: no read is left running', async () => {
    const events: string[] = [];
    const broken = new Error('BC refused the read');
    const ctx = { ...h.ctx, bc: watched(h.ctx.bc, 'bc', events, broken), dataverse: watched(h.ctx.dataverse, 'dataverse', events) };
    await expect(reviewCounts(ctx, h.mapping('CUSTOMER'))).rejects.toBe(broken);
    expect(events).toContain('dataverse done');
  });
});
