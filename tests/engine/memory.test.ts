import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { BcClient } from '../../src/clients/bc/client.js';
import { counterpartId } from '../../src/engine/ids.js';
import type { SyncPlan } from '../../src/engine/plan.js';
import { HandledBcRecords, WindowReader } from '../../src/engine/read.js';
import { PLAN_CHUNK, planChunks, syncMapping } from '../../src/engine/run.js';
import { bcTable, dataverseTable } from '../../src/engine/tables.js';
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

describe('a batch in flight holds its request bytes, not its records values', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:300' });
  });
  afterAll(async () => h?.close());

  test('once its request is encoded, no value of a written record is reachable; a dry run keeps its plans whole', async () => {
    const mapping = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
    const dryRun = await syncMapping(h.ctx, mapping, { full: true, direction: 'to-dataverse', dryRun: true });
    const planned = dryRun.plan!.records.filter((r) => r.toDataverse?.action === 'insert');
    expect(planned).toHaveLength(300);
    // A dry run prints what it would write: its plans keep their values and changed fields.
    for (const r of planned) {
      expect(r.toDataverse!.values).toEqual(expect.objectContaining({ name: expect.any(String) }));
      expect(r.toDataverse!.changed).toContain('name');
    }
    // The dry run's couplings live in memory only: a new process starts from the files.
    await h.reopen();

    const dataverse: Side = Object.create(h.ctx.dataverse);
    /** Per Dataverse batch: its ops, and how many of their values objects were still reachable while it was out. */
    const batches: Array<{ ops: number; alive: number; fieldsLeft: number }> = [];
    dataverse.write = async (table, ops) => {
      const values = ops.map((op) => new WeakRef(op.kind === 'delete' ? {} : op.fields));
      const answer = h.ctx.dataverse.write(table, ops);
      // On a task of its own (a weak reference made in this task keeps its target until the task ends).
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      batches.push({
        ops: ops.length,
        alive: values.filter((ref) => ref.deref() !== undefined).length,
        fieldsLeft: ops.filter((op) => op.kind !== 'delete' && Object.keys(op.fields).length > 0).length,
      });
      return answer;
    };
    const report = expectClean(await syncMapping({ ...h.ctx, dataverse }, mapping, { full: true, direction: 'to-dataverse' }));
    expect(report.counts['to-dataverse'].inserted).toBe(300);
    // Neither the plans, the ops, the side nor the client keep the values once the batch is bytes on its way.
    expect(batches).toEqual([{ ops: 300, alive: 0, fieldsLeft: 0 }]);
    // What was sent is whole: every account has the values planned for it.
    for (const r of planned) {
      const row = h.emu.dataverse.get('accounts', r.toDataverse!.targetId!);
      expect(row?.name).toBe(r.toDataverse!.values!.name);
      expect(row?.address1_city ?? null).toBe(r.toDataverse!.values!.address1_city ?? null);
    }
    expect(h.state.counts('CUSTOMER').couplings).toBe(300);
  });
});

describe("a full sync makes room for what its review counted, once", () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:300' });
  });
  afterAll(async () => h?.close());

  test('the couplings are reserved before the first page; the columns are not grown while it couples', async () => {
    const mapping = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
    const reserved: Array<[string, number, number]> = [];
    const reserve = h.state.reserveCouplings.bind(h.state);
    h.state.reserveCouplings = (name, count) => {
      reserve(name, count);
      reserved.push([name, count, h.state.counts(name).couplings]);
    };
    let bytes = 0;
    const bc: Side = Object.create(h.ctx.bc);
    // The room as the first page arrives: the run's couplings fit in it.
    bc.list = (table, query) => {
      bytes = h.state.couplingMemory('CUSTOMER').bytes;
      return h.ctx.bc.list(table, query);
    };
    const report = expectClean(
      await syncMapping({ ...h.ctx, bc }, mapping, { full: true, direction: 'to-dataverse', expected: { newCouplings: 300, creates: { dataverse: 300, bc: 0 } } }),
    );
    expect(report.counts['to-dataverse'].inserted).toBe(300);
    expect(reserved).toEqual([['CUSTOMER', 300, 0]]);
    const after = h.state.couplingMemory('CUSTOMER');
    expect(after.couplings).toBe(300);
    // Reserved before the first page: 73 bytes of columns per coupling (growing, 300 would have taken 1,024 rows).
    expect(bytes).toBeGreaterThanOrEqual(300 * 73);
    // Afterwards only the arena of merge bases was made (its first 64 KiB); the columns and id tables stayed.
    expect(after.bytes - bytes).toBe(64 * 1024);
  });
});

describe('a run tells each side the creates it expects (DataverseSide narrows a run its execution budget will pace)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:30' });
  });
  afterAll(async () => h?.close());

  test("a full sync's review counts go to the sides it writes to; a run without a review clears them", async () => {
    const mapping = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
    const told: Array<[string, number]> = [];
    const spy = (side: Side): Side => {
      const wrapped: Side = Object.create(side);
      wrapped.expectCreates = (n) => {
        told.push([side.name, n]);
        side.expectCreates?.(n);
      };
      return wrapped;
    };
    const ctx = { ...h.ctx, bc: spy(h.ctx.bc), dataverse: spy(h.ctx.dataverse) };
    expectClean(await syncMapping(ctx, mapping, { full: true, direction: 'to-dataverse', expected: { newCouplings: 30, creates: { dataverse: 30, bc: 7 } } }));
    // One way to Dataverse: BC gets no creates from this run, whatever the review counted.
    expect(told).toEqual([['dataverse', 30], ['bc', 0]]);
    told.length = 0;
    expectClean(await syncMapping(ctx, mapping));
    expect(told).toEqual([['dataverse', 0], ['bc', 0]]);
  });
});

describe("a window's records are let go as it is planned", () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:1200' });
  });
  afterAll(async () => h?.close());

  test('each chunk of pairs leaves the window once it is sliced off to be planned, the rest stays until its turn', async () => {
    const m = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
    const tables = { bc: bcTable(m), dataverse: dataverseTable(m, h.ctx.dataverseCompanyId) };
    const reader = new WindowReader(h.ctx, m, tables, { full: true }, {}, { toDv: true, fromDv: false });
    const pages = h.ctx.bc.list(tables.bc)[Symbol.asyncIterator]();
    const page = (await pages.next()).value as Rec[];
    await pages.return?.();
    expect(page).toHaveLength(1200);
    const window = await reader.read(page, []);
    const chunks = planChunks(m, window, reader);
    const first = await chunks.next();
    expect((first.value as SyncPlan).records).toHaveLength(PLAN_CHUNK);
    // The first chunk's records are no longer the window's: the page's records go as its plan grows.
    expect(window.pairs.slice(0, PLAN_CHUNK).every((p) => p === undefined)).toBe(true);
    expect(window.pairs.slice(PLAN_CHUNK).every((p) => p?.bc !== undefined)).toBe(true);
    let planned = PLAN_CHUNK;
    for await (const part of chunks) planned += part.records.length;
    expect(planned).toBe(1200);
    expect(window.pairs.every((p) => p === undefined)).toBe(true);
  });
});

describe('the BC records a sync has handled are marks on their couplings, not a set of ids beside them', () => {
  let h: EngineHarness;
  beforeEach(async () => {
    h = await startEngineHarness({ seed: 'scale:300' });
  });
  afterEach(async () => h?.close());

  test('an uncoupled record waits as an id until its create lands; then it is a mark that no commit writes; a new sync starts unmarked', async () => {
    const mapping = 'CUSTOMER';
    const [a, b] = [...h.emu.bc.list('customers')].slice(0, 2).map((c) => String(c.id));
    const handled = new HandledBcRecords(h.state, mapping);
    handled.add(a!);
    expect(handled.has(a!.toUpperCase())).toBe(true);
    expect(handled.has(b!)).toBe(false);
    expect(handled.waiting).toBe(1);
    const dv = '0f0f0f0f-0000-4000-8000-000000000001';
    h.state.couple({ mapping, bcId: a!, dataverseId: dv, bcModifiedAt: '2026-01-01T00:00:00Z', dataverseModifiedAt: '2026-01-01T00:00:00Z' });
    const journalled = await h.state.commit();
    handled.settle();
    expect(handled.waiting).toBe(0);
    expect(handled.has(a!)).toBe(true);
    expect(h.state.isHandled(mapping, a!)).toBe(true);
    // The mark is not a change: nothing more to journal.
    expect(await h.state.commit()).toBe(0);
    expect(journalled).toBeGreaterThan(0);
    // A coupled record is marked at once.
    handled.add(a!);
    expect(handled.waiting).toBe(0);
    // The next sync of the mapping starts with no marks.
    const next = new HandledBcRecords(h.state, mapping);
    expect(next.has(a!)).toBe(false);
  });

  test.each([
    ['still out', false],
    ['landed and coupled', true],
  ])('a record read again on a later page of the same full sync is planned once (its create %s)', async (_, waitForLanding) => {
    const { emu } = h;
    const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: 50 });
    try {
      const inner = new BcSide(smallPages);
      const bc: Side = Object.create(inner);
      let landed = 0;
      let wake = () => {};
      // Every page comes again with the page before it (as a listing ordered by modified time can repeat a record);
      // with `waitForLanding`, only once the batch of the page before has landed (its records are coupled then).
      bc.list = (table, query) => {
        const source = inner.list(table, query)[Symbol.asyncIterator]();
        let previous: Rec[] = [];
        let pages = 0;
        return {
          [Symbol.asyncIterator]: () => ({
            next: async () => {
              const result = await source.next();
              if (result.done || table.entitySet !== 'customers') return result;
              if (waitForLanding) while (landed < pages) await new Promise<void>((resolve) => (wake = resolve));
              pages++;
              const page = [...previous, ...result.value];
              previous = result.value;
              return { done: false, value: page };
            },
          }),
        };
      };
      const accountsBefore = h.emu.dataverse.list('accounts').length;
      const dataverse: Side = Object.create(h.ctx.dataverse);
      let written = 0;
      dataverse.write = async (table, ops) => {
        written += ops.length;
        const results = await h.ctx.dataverse.write(table, ops);
        landed++;
        setImmediate(() => wake());
        return results;
      };
      const report = expectClean(
        await syncMapping({ ...h.ctx, bc, dataverse }, withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS), { full: true, direction: 'to-dataverse' }),
      );
      // Planned once: inserted once, never counted again as unchanged.
      expect(report.counts['to-dataverse']).toEqual(expect.objectContaining({ inserted: 300, unchanged: 0, modified: 0 }));
      expect(written).toBe(300);
      expect(h.emu.dataverse.list('accounts').length - accountsBefore).toBe(300);
      expect(h.state.counts('CUSTOMER').couplings).toBe(300);
    } finally {
      await smallPages.close();
    }
  });
});
