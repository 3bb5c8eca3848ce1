import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BcClient } from '../../src/clients/bc/client.js';
import { counterpartId } from '../../src/engine/ids.js';
import { syncMapping } from '../../src/engine/run.js';
import { BcSide } from '../../src/sides/bc-side.js';
import type { ListQuery, Rec, Side, SideTable } from '../../src/sides/types.js';
import { SCALE_CUSTOMER_DISABLED_FIELDS, expectClean, withFieldsDisabled } from '../helpers/engine-acceptance.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';

// A full sync's memory is a few windows, not the table (issue 11: bounded memory): what a run keeps of a window
// once it is written is counts, never the records, their plans or a line per success. Reachability is asserted
// with weak references after a forced collection (structure, no timing or sizes).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A BC side whose pages are watched: weak references to every record handed out, and the page of each. */
class WatchedBcSide extends BcSide {
  readonly pages: Array<Array<WeakRef<Rec>>> = [];
  readonly pageOfCounterpart = new Map<string, number>();

  // Not a generator: a suspended one would hold the page it yielded last, and the watcher must hold nothing.
  override list(table: SideTable, query: ListQuery = {}): AsyncIterable<Rec[]> {
    const source = super.list(table, query)[Symbol.asyncIterator]();
    const watched = table.entitySet === 'customers' && !query.ignoreTableFilter;
    const next = async (): Promise<IteratorResult<Rec[]>> => {
      const result = await source.next();
      if (watched && !result.done) {
        for (const rec of result.value) this.pageOfCounterpart.set(counterpartId('CUSTOMER', 'dataverse', rec.id), this.pages.length);
        this.pages.push(result.value.map((rec) => new WeakRef(rec)));
      }
      return result;
    };
    return { [Symbol.asyncIterator]: () => ({ next, return: async () => (await source.return?.()) ?? { done: true, value: undefined } }) };
  }

  /** Records of the pages up to `last` (included) still reachable, after a full collection. */
  aliveUpTo(last: number): number {
    collectGarbage();
    return this.pages.slice(0, last + 1).reduce((n, refs) => n + refs.filter((ref) => ref.deref() !== undefined).length, 0);
  }
}

describe('a full sync releases each window once it is written', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:300' });
  });
  afterAll(async () => h?.close());

  test("while a window is written, its records as read (and those of every window before) are unreachable; the report keeps no line and no plan per success", async () => {
    const { emu } = h;
    const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: 50 });
    try {
      const bc = new WatchedBcSide(smallPages);
      const dataverse: Side = Object.create(h.ctx.dataverse);
      /** Per Dataverse batch: [the page it writes, records of that page and earlier ones still reachable]. */
      const atWrite: Array<[number, number]> = [];
      dataverse.write = async (table, ops) => {
        const page = bc.pageOfCounterpart.get(ops[0]!.id)!;
        // On a task of its own: a weak reference made or read in the current task keeps its target until it ends.
        await new Promise((resolve) => setImmediate(resolve));
        atWrite.push([page, bc.aliveUpTo(page)]);
        return h.ctx.dataverse.write(table, ops);
      };
      const report = expectClean(
        await syncMapping({ ...h.ctx, bc, dataverse }, withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS), { full: true, direction: 'to-dataverse' }),
      );
      expect(report.counts['to-dataverse'].inserted).toBe(300);
      expect(bc.pages).toHaveLength(6);
      // The writes need the plan alone: the window's pairs and the page they came from are let go once planned.
      expect(atWrite).toEqual([0, 1, 2, 3, 4, 5].map((page) => [page, 0]));
      expect(report.records).toEqual([]);
      expect(report.plan).toBeUndefined();
      expect(h.state.counts('CUSTOMER').couplings).toBe(300);
    } finally {
      await smallPages.close();
    }
  });
});
