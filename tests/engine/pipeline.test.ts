import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BcClient } from '../../src/clients/bc/client.js';
import { AuthError } from '../../src/errors.js';
import { counterpartId } from '../../src/engine/ids.js';
import { RECORD_CHUNK } from '../../src/engine/apply.js';
import { syncMapping } from '../../src/engine/run.js';
import { BcSide } from '../../src/sides/bc-side.js';
import type { ListQuery, Rec, Side, SideTable, WriteOp, WriteResult } from '../../src/sides/types.js';
import { SCALE_CUSTOMER_DISABLED_FIELDS, expectClean, withFieldsDisabled } from '../helpers/engine-acceptance.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';

// The write pipeline is slot-gated (issue 11, "a write pipeline that never stalls"): batches of later windows enter
// whenever a Dataverse slot is free, not once the window two before has landed, and what a run holds follows the
// records in flight. The Dataverse side here answers only when the test lets a batch through, so which batch starts
// when is decided by the engine alone (no timing).

const RECORDS = 600;
const PAGE = 50;
const BATCH = 10;
const SLOTS = 12;

/** The side with its own batch size and slots (its write can be replaced on the object returned). */
function withLimits(real: Side, batchSize: number, parallelRequests: number): Side {
  const side: Side = Object.create(real);
  Object.defineProperty(side, 'limits', { get: () => ({ ...real.limits, batchSize, parallelRequests }) });
  return side;
}

/** BC pages of customers, counted as they are handed out, and the page each record's counterpart comes from. */
class CountedBcSide extends BcSide {
  pagesRead = 0;
  recordsRead = 0;
  readonly pageOfCounterpart = new Map<string, number>();

  override list(table: SideTable, query: ListQuery = {}): AsyncIterable<Rec[]> {
    const source = super.list(table, query)[Symbol.asyncIterator]();
    const counted = table.entitySet === 'customers' && !query.ignoreTableFilter;
    const next = async (): Promise<IteratorResult<Rec[]>> => {
      const result = await source.next();
      if (counted && !result.done) {
        for (const rec of result.value) this.pageOfCounterpart.set(counterpartId('CUSTOMER', 'dataverse', rec.id), this.pagesRead);
        this.pagesRead++;
        this.recordsRead += result.value.length;
      }
      return result;
    };
    return { [Symbol.asyncIterator]: () => ({ next, return: async () => (await source.return?.()) ?? { done: true, value: undefined } }) };
  }
}

interface Started {
  window: number;
  /** Batches of each window landed when this one started. */
  landedOfWindow: (window: number) => number;
  recordsReadNotLanded: number;
  /** Records read and not yet handed to the side (planned or waiting to be), this batch's excluded. */
  recordsReadNotStarted: number;
  /** BC pages asked of the service so far (whether or not the side has handed them out yet). */
  pagesAsked: number;
}

/**
 * A Dataverse side with `SLOTS` slots of `BATCH` records whose batches wait until the test lets them through:
 * the oldest is let through once every slot is taken (or once every batch of the run has started), then written
 * for real. A pipeline that never fills the slots would wait forever; a watchdog lets the held batches through
 * after a quiet while instead, and the assertions then fail.
 */
function gatedDataverse(real: Side, bc: CountedBcSide, total: number, pagesAsked: () => number, sendingNow?: number) {
  const side = withLimits(real, BATCH, SLOTS);
  // The side's transport sends fewer at once (a 429 pause halved its bound): the gate lets one through once that many wait.
  const open = sendingNow ?? SLOTS;
  if (sendingNow !== undefined) side.sendingNow = () => sendingNow;
  const held: Array<() => void> = [];
  const landed: number[] = [];
  const started: Started[] = [];
  let inFlight = 0;
  let recordsInFlight = 0;
  let landedRecords = 0;
  let startedRecords = 0;
  const peak = { batches: 0, records: 0 };
  let watchdog: NodeJS.Timeout | undefined;
  // Only a pipe that cannot start another batch before some land ever waits this long (ten seconds without a new
  // batch while slots are free, where planning a window of 50 takes milliseconds): then nothing is held any more,
  // the run ends, and the assertions below fail. A slot-gated pipe never gets here, whatever the machine's load.
  let gaveUp = false;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      gaveUp = true;
      for (const release of held.splice(0)) release();
    }, 10_000);
    watchdog.unref();
  };
  const letThrough = () => {
    if (started.length === total || gaveUp) for (const release of held.splice(0)) release();
    else if (held.length >= open) held.shift()!();
    arm();
  };
  side.write = async (table: SideTable, ops: WriteOp[]): Promise<WriteResult[]> => {
    const window = bc.pageOfCounterpart.get(ops[0]!.id)!;
    const snapshot = [...landed];
    startedRecords += ops.length;
    started.push({
      window,
      landedOfWindow: (w) => snapshot.filter((x) => x === w).length,
      recordsReadNotLanded: bc.recordsRead - landedRecords,
      recordsReadNotStarted: bc.recordsRead - startedRecords,
      pagesAsked: pagesAsked(),
    });
    inFlight++;
    recordsInFlight += ops.length;
    peak.batches = Math.max(peak.batches, inFlight);
    peak.records = Math.max(peak.records, recordsInFlight);
    await new Promise<void>((resolve) => {
      held.push(resolve);
      letThrough();
    });
    try {
      return await real.write(table, ops);
    } finally {
      inFlight--;
      recordsInFlight -= ops.length;
      landedRecords += ops.length;
      landed.push(window);
    }
  };
  return { side, started, peak, stop: () => clearTimeout(watchdog) };
}

/**
 * A full sync of CUSTOMER (BC to Dataverse) over the harness, with BC pages of PAGE and a Dataverse side whose
 * batches answer when the gate lets them (`sending`: what the side says it sends at once); the gate for checks.
 */
async function gatedFullSync(h: EngineHarness, sending?: number): Promise<{ gate: ReturnType<typeof gatedDataverse> }> {
  const { emu } = h;
  const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: PAGE });
  const bc = new CountedBcSide(smallPages);
  const gate = gatedDataverse(h.ctx.dataverse, bc, RECORDS / BATCH, () => emu.requestLog.filter((e) => e.api === 'bc' && e.method === 'GET' && /customers$/.test(e.path)).length, sending);
  try {
    emu.resetLog();
    const m = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
    const report = expectClean(await syncMapping({ ...h.ctx, bc, dataverse: gate.side }, m, { full: true, direction: 'to-dataverse' }));
    expect(report.counts['to-dataverse'].inserted).toBe(RECORDS);
    return { gate };
  } finally {
    gate.stop();
    await smallPages.close();
  }
}

describe('the write pipeline is slot-gated', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: `scale:${RECORDS}` });
  });
  afterAll(async () => h?.close());

  test("batches of the third window enter while the first window's batches are still out; every slot is used; what is held follows the records in flight", async () => {
    const { emu } = h;
    const { gate } = await gatedFullSync(h);
    // The same batches as ever: a window of 50 is cut into whole batches of 10, one request each.
    expect(emu.requestLog.filter((e) => e.api === 'dataverse' && e.path === '$batch')).toHaveLength(RECORDS / BATCH);
    expect(gate.started).toHaveLength(RECORDS / BATCH);
    // Every slot taken: a window-gated pipe (two windows of five batches) never had more than 10 out.
    expect(gate.peak.batches).toBe(SLOTS);
    expect(gate.peak.records).toBe(SLOTS * BATCH);
    // The third window's first batch left before the first window had landed.
    const third = gate.started.find((s) => s.window === 2)!;
    expect(third.landedOfWindow(0)).toBeLessThan(PAGE / BATCH);
    // What the run held when each batch started (records read and not landed): the records in flight, a window
    // handing over, one planned and the one being fetched; never the table.
    const bound = SLOTS * BATCH + 3 * PAGE;
    expect(Math.max(...gate.started.map((s) => s.recordsReadNotLanded))).toBeLessThanOrEqual(bound);
    expect(bound).toBeLessThan(RECORDS);
    // Pages asked of BC while a window's batch starts, once the slots are full (from the third window on): that
    // window's, the next one's (planned, waiting for its turn), and the two the client's pager asks for ahead of
    // the reader (one received, one on its way: the chain of BC requests does not wait for the reader), and, as a
    // window's last batch leaves, the next fetch. A page read ahead in the engine as well would hold one more.
    const steady = gate.started.filter((s) => s.window >= 2);
    expect(Math.max(...steady.map((s) => s.pagesAsked - s.window))).toBeLessThanOrEqual(5);
    expect(h.state.counts('CUSTOMER').couplings).toBe(RECORDS);
  }, 60_000);
});

describe('while the service paces us, the pipeline hands over only what the side sends at once', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: `scale:${RECORDS}` });
  });
  afterAll(async () => h?.close());

  test('a side sending 4 of its 12 slots gets 4 batches at most, every record written in the same requests', async () => {
    const { emu } = h;
    const { gate } = await gatedFullSync(h, 4);
    expect(emu.requestLog.filter((e) => e.api === 'dataverse' && e.path === '$batch')).toHaveLength(RECORDS / BATCH);
    // Batches beyond what is sent would wait in the transport, encoded, each with its body and records.
    expect(gate.peak.batches).toBe(4);
    expect(gate.peak.records).toBe(4 * BATCH);
    expect(h.state.counts('CUSTOMER').couplings).toBe(RECORDS);
  }, 60_000);
});

describe('through a narrow pipe, a run plans about its width ahead, not a whole window more', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: `scale:${RECORDS}` });
  });
  afterAll(async () => h?.close());

  test("through a pipe of 1, the next window is read only once this one has 1 batch left to hand over, and one page is asked for ahead, not two", async () => {
    const { emu } = h;
    const { gate } = await gatedFullSync(h, 1);
    expect(emu.requestLog.filter((e) => e.api === 'dataverse' && e.path === '$batch')).toHaveLength(RECORDS / BATCH);
    expect(gate.peak.batches).toBe(1);
    // Read and not yet at the side, at most: the next window's page, and of this window the batch left to hand over,
    // the one waiting for the slot and the one whose intents are being written (80). Read as soon as this window
    // began handing over, the next page came on top of all 5 of its batches (100).
    // Pages asked of BC as a batch of a later window starts: that window's, the next one's and one the pager asks
    // for ahead (the side sends fewer than it may: pages wait for the writes). Two ahead, as at full width, made it 4.
    const steady = gate.started.filter((s) => s.window >= 2);
    expect(Math.max(...steady.map((s) => s.pagesAsked - s.window))).toBeLessThanOrEqual(3);
    const held = Math.max(...gate.started.map((s) => s.recordsReadNotStarted));
    expect(held).toBeLessThanOrEqual(PAGE + 3 * BATCH);
    expect(held).toBeGreaterThan(PAGE);
    expect(h.state.counts('CUSTOMER').couplings).toBe(RECORDS);
  }, 60_000);
});

describe('a failed write stops the pipeline', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:300' });
  });
  afterAll(async () => h?.close());

  test('no batch starts after a batch failed, and the failure is raised only once every write in flight has landed', async () => {
    const { emu } = h;
    const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: PAGE });
    const bc = new CountedBcSide(smallPages);
    const real = h.ctx.dataverse;
    const dataverse = withLimits(real, BATCH, 4);
    const held: Array<() => void> = [];
    const startWaiters = new Map<number, () => void>();
    const started = (n: number) => new Promise<void>((resolve) => (calls >= n ? resolve() : startWaiters.set(n, resolve)));
    let calls = 0;
    let inFlight = 0;
    let failed = false;
    const startsAfterFailure: number[] = [];
    dataverse.write = async (table, ops) => {
      const call = ++calls;
      if (failed) startsAfterFailure.push(call);
      startWaiters.get(call)?.();
      inFlight++;
      try {
        // The seventh batch is refused as a revoked credential would be: nothing more can be written.
        if (call === 7) {
          failed = true;
          throw new AuthError('the credentials were refused');
        }
        // Held until the test lets it through; after the failure nothing is held (a batch started then is a finding).
        if (!failed) await new Promise<void>((resolve) => held.push(resolve));
        return await real.write(table, ops);
      } finally {
        inFlight--;
      }
    };
    try {
      const m = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
      let inFlightAtFailure: number | undefined;
      const run = syncMapping({ ...h.ctx, bc, dataverse }, m, { full: true, direction: 'to-dataverse' }).catch((error: unknown) => {
        inFlightAtFailure = inFlight;
        throw error;
      });
      run.catch(() => undefined);
      // Four slots: batches 1-4 out; each one let through lets the next in, until the seventh fails.
      await started(4);
      for (const n of [5, 6, 7]) {
        held.shift()!();
        await started(n);
      }
      expect(held).toHaveLength(3);
      expect(inFlightAtFailure).toBeUndefined();
      for (const release of held.splice(0)) release();
      await expect(run).rejects.toThrow(AuthError);
      expect(inFlightAtFailure).toBe(0);
      expect(startsAfterFailure).toEqual([]);
      expect(calls).toBe(7);
      expect(h.state.watermark('CUSTOMER').bc).toBeUndefined();
    } finally {
      await smallPages.close();
    }
  });
});

/**
 * A Dataverse side over `real` with BATCH-sized batches and `slots` slots that logs, per batch k, `send k`,
 * `answered k` (its answer arrived) and `read k` (its answer recorded); `atSend` runs as each batch starts.
 */
function loggedDataverse(real: Side, slots: number, atSend?: () => void): { side: Side; events: string[]; calls: () => number } {
  const side = withLimits(real, BATCH, slots);
  const events: string[] = [];
  let calls = 0;
  side.write = (table, ops, options) => {
    const k = ++calls;
    events.push(`send ${k}`);
    atSend?.();
    const answered = options?.answered;
    return real.write(table, ops, {
      answered: answered
        ? async () => {
            events.push(`answered ${k}`);
            await answered();
            events.push(`read ${k}`);
          }
        : undefined,
    });
  };
  return { side, events, calls: () => calls };
}

describe('an answered batch gives its slot back before its answer is recorded', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:60' });
  });
  afterAll(async () => h?.close());

  test('with one slot, the second batch leaves while the first answer waits to be recorded, its intents still open; every answer is recorded before the run ends, in the same requests', async () => {
    const { emu } = h;
    const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: 30 });
    const bc = new BcSide(smallPages);
    /** At each batch's start: intents open and couplings made. */
    const atSend: Array<{ open: number; couplings: number }> = [];
    const { side: dataverse, events } = loggedDataverse(h.ctx.dataverse, 1, () =>
      atSend.push({ open: h.ctx.intents.open('CUSTOMER').length, couplings: h.state.counts('CUSTOMER').couplings }),
    );
    try {
      emu.resetLog();
      const m = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
      const report = expectClean(await syncMapping({ ...h.ctx, bc, dataverse }, m, { full: true, direction: 'to-dataverse' }));
      expect(report.counts['to-dataverse'].inserted).toBe(60);
      // The same requests as ever: one $batch per 10 records.
      expect(emu.requestLog.filter((e) => e.api === 'dataverse' && e.path === '$batch')).toHaveLength(6);
      expect(report.requests.dataverse).toBe(6);
      // One slot: the second batch left once the first was answered, before that answer was recorded.
      const at = (e: string) => events.indexOf(e);
      expect(at('answered 1')).toBeGreaterThanOrEqual(0);
      expect(at('answered 1')).toBeLessThan(at('send 2'));
      expect(at('send 2')).toBeLessThan(at('read 1'));
      // Meanwhile a crash would have lost nothing: the first batch's creates were open intents, not yet couplings.
      expect(atSend[1]).toEqual({ open: 2 * BATCH, couplings: 0 });
      // Every answer was read, each after it arrived, before the run ended.
      for (let k = 1; k <= 6; k++) expect(at(`read ${k}`)).toBeGreaterThan(at(`answered ${k}`));
      expect(h.state.counts('CUSTOMER').couplings).toBe(60);
      expect(h.ctx.intents.open('CUSTOMER')).toEqual([]);
    } finally {
      await smallPages.close();
    }
  });
});

describe('while the service paces us, answers are read as they come, not kept waiting', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:60' });
  });
  afterAll(async () => h?.close());

  test('a side sending 1 of its 2 slots: the next batch leaves only once the answer before it has been read', async () => {
    const { emu } = h;
    const smallPages = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens: h.clients.tokens, maxPageSize: 30 });
    const bc = new BcSide(smallPages);
    const { side: dataverse, events, calls } = loggedDataverse(h.ctx.dataverse, 2);
    dataverse.sendingNow = () => 1;
    try {
      const m = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
      const report = expectClean(await syncMapping({ ...h.ctx, bc, dataverse }, m, { full: true, direction: 'to-dataverse' }));
      expect(report.counts['to-dataverse'].inserted).toBe(60);
      expect(calls()).toBe(6);
      const at = (e: string) => events.indexOf(e);
      for (let k = 1; k < 6; k++) expect(at(`read ${k}`)).toBeLessThan(at(`send ${k + 1}`));
      expect(h.state.counts('CUSTOMER').couplings).toBe(60);
    } finally {
      await smallPages.close();
    }
  });
});

describe('an answer of a thousand writes is recorded a few hundred at a time', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'scale:600' });
  });
  afterAll(async () => h?.close());

  test('the event loop turns while a batch of 600 is recorded (a page arriving, a window planning get their turns), and every outcome is recorded once', async () => {
    const real = h.ctx.dataverse;
    const dataverse = withLimits(real, 600, 1);
    const state = h.state;
    const couple = state.couple.bind(state);
    let coupled = 0;
    /** Couplings made when a turn of the event loop, asked for at the first one, came. */
    let atTurn: number | undefined;
    state.couple = (input, options) => {
      if (coupled++ === 0) setImmediate(() => (atTurn = coupled));
      return couple(input, options);
    };
    try {
      const m = withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);
      const report = expectClean(await syncMapping({ ...h.ctx, dataverse }, m, { full: true, direction: 'to-dataverse' }));
      expect(report.counts['to-dataverse'].inserted).toBe(600);
      expect(report.requests.dataverse).toBe(1);
      expect(coupled).toBe(600);
      // The turn came after the first chunk of the one batch, long before its last outcome.
      expect(atTurn).toBe(RECORD_CHUNK);
      expect(h.state.counts('CUSTOMER').couplings).toBe(600);
      expect(h.ctx.intents.open('CUSTOMER')).toEqual([]);
    } finally {
      state.couple = couple;
    }
  });
});
