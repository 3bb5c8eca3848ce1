/**
 * The single writer on its own, over in-memory Sides whose answers each test scripts: intents before a batch
 * leaves, couplings as it lands, lost answers resolved, stale ETags handed back for re-planning, and the
 * difference between a record's own errors (counted toward skip) and transient ones (never).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { applyPlan, type ApplyContext } from '../../src/engine/apply.js';
import type { RecordPlan, SyncPlan } from '../../src/engine/plan.js';
import { bcTable, dataverseTable } from '../../src/engine/tables.js';
import { TransportError } from '../../src/errors.js';
import { defaultIntegrationOptions, defaultMappings } from '../../src/mapping/index.js';
import type { ListQuery, Rec, Side, SideTable, WriteOp, WriteResult } from '../../src/sides/types.js';
import { IntentJournal, StateStore } from '../../src/state/index.js';

const customer = defaultMappings(defaultIntegrationOptions).find((m) => m.name === 'CUSTOMER')!;

type Script = (ops: WriteOp[], side: MemorySide) => WriteResult[] | 'lose-answer' | undefined;

/** A Side over a map of records; `script` may replace the answer of the next write. */
class MemorySide implements Side {
  readonly records = new Map<string, Rec>();
  readonly limits = { batchSize: 2, pageSize: 100, parallelRequests: 1 };
  writes = 0;
  script?: Script;
  nextId = 1;
  constructor(
    readonly name: 'bc' | 'dataverse',
    private readonly choosesIds: boolean,
    private readonly intentsSeenAtWrite?: () => number,
  ) {}
  seenIntents: number[] = [];
  acceptsChosenId(): boolean {
    return this.choosesIds;
  }
  async *list(_t: SideTable, q: ListQuery = {}): AsyncIterable<Rec[]> {
    const since = q.where?.find((w) => w.op === 'ge')?.value as string | undefined;
    yield [...this.records.values()].filter((r) => !since || Date.parse(r.modifiedAt) >= Date.parse(since));
  }
  async get(_t: SideTable, ids: string[]): Promise<Rec[]> {
    return ids.map((id) => this.records.get(id.toLowerCase())).filter((r): r is Rec => !!r);
  }
  async count(): Promise<number> {
    return this.records.size;
  }
  stats() {
    return { requests: this.writes, retries: 0 };
  }
  land(ops: WriteOp[]): WriteResult[] {
    return ops.map((op) => {
      const id = op.kind === 'create' && !this.choosesIds ? `bc-${this.nextId++}` : op.id.toLowerCase();
      const rec: Rec = { id, modifiedAt: new Date().toISOString(), fields: op.kind === 'delete' ? {} : { ...op.fields } };
      this.records.set(id, rec);
      return { op, ok: true, record: rec };
    });
  }
  async write(_t: SideTable, ops: WriteOp[]): Promise<WriteResult[]> {
    this.writes++;
    if (this.intentsSeenAtWrite) this.seenIntents.push(this.intentsSeenAtWrite());
    const scripted = this.script?.(ops, this);
    if (scripted === 'lose-answer') {
      this.land(ops);
      throw new TransportError('connection reset by peer; the outcome is unknown', this.name);
    }
    return scripted ?? this.land(ops);
  }
}

let dir: string;
let state: StateStore;
let intents: IntentJournal;
let bc: MemorySide;
let dataverse: MemorySide;
let ctx: ApplyContext;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-apply-'));
  state = await StateStore.open(dir, { lock: true });
  intents = await IntentJournal.open(dir);
  bc = new MemorySide('bc', false, () => intents.open().length);
  dataverse = new MemorySide('dataverse', true, () => intents.open().length);
  ctx = { bc, dataverse, tables: { bc: bcTable(customer), dataverse: dataverseTable(customer, undefined) }, state, intents };
});
afterEach(async () => {
  await state.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const insertToDv = (n: number): RecordPlan => ({
  bcId: `b${n}`,
  coupled: false,
  label: `C${n}`,
  bcModifiedAt: '2026-01-01T00:00:00.000Z',
  toDataverse: { action: 'insert', reason: 'not coupled', targetId: `00000000-0000-5000-8000-00000000000${n}`, values: { name: `Customer ${n}` } },
});
const insertToBc = (n: number): RecordPlan => ({
  dataverseId: `d${n}`,
  coupled: false,
  label: `Account ${n}`,
  dataverseModifiedAt: '2026-01-01T00:00:00.000Z',
  toBc: { action: 'insert', reason: 'not coupled', targetId: `ignored-${n}`, values: { displayName: `Account ${n}` } },
});
const plan = (...records: RecordPlan[]): SyncPlan => ({ mapping: 'CUSTOMER', records });

describe('the single writer', () => {
  test('creates are durable intents when their batch leaves, and closed once the couplings are committed', async () => {
    const result = await applyPlan(customer, plan(insertToDv(1), insertToDv(2), insertToDv(3)), ctx);
    // Batches of 2: each write saw exactly its own creates announced.
    expect(dataverse.seenIntents).toEqual([2, 1]);
    expect(intents.open()).toEqual([]);
    expect(result.counts['to-dataverse'].inserted).toBe(3);
    expect(state.byBcId('CUSTOMER', 'b1')!.dataverseId).toBe('00000000-0000-5000-8000-000000000001');
  });

  test('a Dataverse batch whose answer is lost: the creates are found by their chosen ids, coupled once, and handed back', async () => {
    dataverse.script = () => 'lose-answer';
    const records = [insertToDv(1), insertToDv(2)];
    const result = await applyPlan(customer, plan(...records), ctx);
    expect(result.retry).toEqual(records);
    expect(dataverse.records.size).toBe(2);
    expect([...state.couplings('CUSTOMER')].map((c) => [c.bcId, c.dataverseId])).toEqual([
      ['b1', '00000000-0000-5000-8000-000000000001'],
      ['b2', '00000000-0000-5000-8000-000000000002'],
    ]);
    expect(intents.open()).toEqual([]);
    expect(result.counts['to-dataverse'].failed).toBe(0);
  });

  test('a Business Central batch whose answer is lost: BC chose the ids, so the creates are found by their key fields', async () => {
    bc.records.set('other', { id: 'other', modifiedAt: new Date().toISOString(), fields: { displayName: 'Account 9' } });
    bc.script = () => 'lose-answer';
    await applyPlan(customer, plan(insertToBc(1), insertToBc(2)), ctx);
    const couplings = [...state.couplings('CUSTOMER')].map((c) => [c.dataverseId, c.bcId]).sort();
    expect(couplings).toEqual([
      ['d1', 'bc-1'],
      ['d2', 'bc-2'],
    ]);
    expect(intents.open()).toEqual([]);
  });

  test('a create that never landed (lost before it left) is closed and handed back to be planned again', async () => {
    dataverse.script = () => {
      throw new TransportError('connect ECONNREFUSED', 'dataverse');
    };
    const result = await applyPlan(customer, plan(insertToDv(1)), ctx);
    expect(result.retry).toHaveLength(1);
    expect(state.byBcId('CUSTOMER', 'b1')).toBeUndefined();
    expect(intents.open()).toEqual([]);
  });

  test('a stale ETag (412) is handed back for re-planning: not failed, not counted toward skip', async () => {
    state.couple({ mapping: 'CUSTOMER', bcId: 'b1', dataverseId: 'd1' });
    dataverse.script = (ops) => ops.map((op) => ({ op, ok: false, error: { message: 'The version of the existing record does not match', status: 412, conflict: true } }));
    const record: RecordPlan = { bcId: 'b1', dataverseId: 'd1', coupled: true, label: 'C1', toDataverse: { action: 'modify', reason: 'changed', targetId: 'd1', etag: 'W/"1"', values: { name: 'x' } } };
    for (let i = 0; i < 3; i++) {
      const result = await applyPlan(customer, plan({ ...record }), ctx);
      expect(result.retry).toHaveLength(1);
      expect(result.counts['to-dataverse'].failed).toBe(0);
    }
    expect(state.byBcId('CUSTOMER', 'b1')!.skipped).toBe(false);
    expect(state.byBcId('CUSTOMER', 'b1')!.lastResultToDataverse).toBeUndefined();
  });

  test("the record's own error twice in a row skips it; a service outage twice never does", async () => {
    state.couple({ mapping: 'CUSTOMER', bcId: 'b1', dataverseId: 'd1' });
    state.couple({ mapping: 'CUSTOMER', bcId: 'b2', dataverseId: 'd2' });
    const modify = (n: number): RecordPlan => ({ bcId: `b${n}`, dataverseId: `d${n}`, coupled: true, label: `C${n}`, toDataverse: { action: 'modify', reason: 'changed', targetId: `d${n}`, values: { name: 'x' } } });
    dataverse.script = (ops) =>
      ops.map((op) =>
        op.id === 'd1'
          ? { op, ok: false, error: { message: "Attribute 'name' is too long", status: 400 } }
          : { op, ok: false, error: { message: 'Service Unavailable', status: 503 } },
      );
    await applyPlan(customer, plan(modify(1), modify(2)), ctx);
    const second = await applyPlan(customer, plan(modify(1), modify(2)), ctx);
    expect(state.byBcId('CUSTOMER', 'b1')!.skipped).toBe(true);
    expect(state.byBcId('CUSTOMER', 'b2')!.skipped).toBe(false);
    expect(second.counts['to-dataverse'].skipped).toBe(1);
    expect(second.counts['to-dataverse'].failed).toBe(1);
    expect(second.records.map((r) => [r.bcId, r.outcome])).toEqual([
      ['b1', 'skipped'],
      ['b2', 'failed'],
    ]);
  });

  test('planned failures, conflicts and uncouplings write nothing and are recorded', async () => {
    state.couple({ mapping: 'CUSTOMER', bcId: 'b3', dataverseId: 'd3' });
    const result = await applyPlan(
      customer,
      plan(
        { bcId: 'b1', coupled: false, label: 'C1', toDataverse: { action: 'fail', reason: 'lookup', error: 'salesperson: not coupled' } },
        { bcId: 'b3', dataverseId: 'd3', coupled: true, label: 'C3', toDataverse: { action: 'uncouple', reason: 'both deleted' } },
      ),
      ctx,
    );
    expect(dataverse.writes + bc.writes).toBe(0);
    expect(result.counts['to-dataverse'].failed).toBe(1);
    expect(result.counts['to-dataverse'].uncoupled).toBe(1);
    expect(state.byBcId('CUSTOMER', 'b3')).toBeUndefined();
    expect(state.failures('CUSTOMER').map((f) => f.message)).toEqual(['salesperson: not coupled']);
  });
});
