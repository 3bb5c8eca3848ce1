import { describe, expect, test } from '@jest/globals';
import { mergeBase } from '../../src/engine/merge-base.js';
import { WRITTEN_BY_US_KEY, planPair, type Pair, type PlanPolicy } from '../../src/engine/plan.js';
import { counterpartId } from '../../src/engine/ids.js';
import { defaultIntegrationOptions, defaultMappings, type TransferContext } from '../../src/mapping/index.js';
import type { Coupling } from '../../src/state/index.js';

const customer = defaultMappings({ ...defaultIntegrationOptions, ownershipModel: 'team' }).find((m) => m.name === 'CUSTOMER')!;
const ctx: TransferContext = {
  bcLcyCode: 'USD',
  dataverseBaseCurrencyId: '00000000-0000-0000-0000-0000000000aa',
  lookupCoupled: () => undefined,
  lookupOption: () => undefined,
};
const policy: PlanPolicy = { toDataverse: true, fromDataverse: true, full: false, onlyCoupled: true, integrationUserId: 'integ', echoByModifiedBy: true };
const bcFields = { id: 'b1', number: '10000', displayName: 'Adatum', phoneNumber: '111', city: 'Atlanta', currencyCode: '', creditLimit: 0 };
const dvFields = { accountid: 'd1', name: 'Adatum', telephone1: '111', address1_city: 'Atlanta', creditlimit: 0, _transactioncurrencyid_value: '00000000-0000-0000-0000-0000000000aa' };

function coupling(extra: Coupling['extra'] = {}): Coupling {
  return {
    mapping: 'CUSTOMER', bcId: 'b1', dataverseId: 'd1', coupledAt: '2026-01-01T00:00:00.000Z',
    bcModifiedAt: '2026-01-01T00:00:00.000Z', dataverseModifiedAt: '2026-01-01T00:00:00Z',
    lastResultToDataverse: 'success', lastResultToBc: 'success', lastErrorToDataverse: undefined, lastErrorToBc: undefined,
    skipped: false, failureCount: 0, extra,
  };
}

function pair(c: Coupling, bc: Record<string, unknown>, dv: Record<string, unknown>, times: { bc: string; dv: string; dvBy?: string }): Pair {
  return {
    coupling: c,
    bc: { id: 'b1', modifiedAt: times.bc, fields: { ...bcFields, ...bc } },
    dv: { id: 'd1', modifiedAt: times.dv, modifiedBy: times.dvBy ?? 'person', fields: { ...dvFields, ...dv } },
    bcRead: true,
    dvRead: true,
  };
}

describe('planner', () => {
  test('counterpart ids are deterministic per mapping, side and source', () => {
    expect(counterpartId('CUSTOMER', 'dataverse', 'B1')).toBe(counterpartId('CUSTOMER', 'dataverse', 'b1'));
    expect(counterpartId('CUSTOMER', 'dataverse', 'b1')).not.toBe(counterpartId('VENDOR', 'dataverse', 'b1'));
    expect(counterpartId('CUSTOMER', 'dataverse', 'b1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('unchanged on both sides since the last sync is an echo, not a write', () => {
    const r = planPair(customer, pair(coupling(), {}, {}, { bc: '2026-01-01T00:00:00.000Z', dv: '2026-01-01T00:00:00Z' }), policy, ctx)!;
    expect(r.toDataverse?.action).toBe('echo');
    expect(r.toBc).toBeUndefined();
  });

  test('a name edit in BC and a phone edit in Dataverse merge field by field against the base', () => {
    const base = mergeBase(customer, bcFields);
    const r = planPair(
      customer,
      pair(coupling({ base }), { displayName: 'Adatum Corp' }, { telephone1: '222' }, { bc: '2026-01-02T00:00:00.000Z', dv: '2026-01-02T00:00:00Z' }),
      policy,
      ctx,
    )!;
    expect(r.toDataverse).toMatchObject({ action: 'modify', values: { name: 'Adatum Corp' } });
    expect(r.toDataverse?.values).not.toHaveProperty('telephone1');
    expect(r.toBc).toMatchObject({ action: 'modify', values: { phoneNumber: '222' } });
    expect(r.toBc?.values).not.toHaveProperty('displayName');
  });

  test('the same field changed on both sides is a conflict under rule none, and resolved by send or get', () => {
    const base = mergeBase(customer, bcFields);
    const both = () => pair(coupling({ base }), { displayName: 'From BC' }, { name: 'From CRM' }, { bc: '2026-01-02T00:00:00.000Z', dv: '2026-01-02T00:00:00Z' });
    const none = planPair(customer, both(), policy, ctx)!;
    expect(none.toDataverse?.action).toBe('conflict');
    expect(none.conflictFields).toEqual(['name']);
    const send = planPair({ ...customer, updateConflict: 'send' }, both(), policy, ctx)!;
    expect(send.toDataverse).toMatchObject({ action: 'modify', values: { name: 'From BC' } });
    expect(send.toBc?.action).toBe('unchanged');
    const get = planPair({ ...customer, updateConflict: 'get' }, both(), policy, ctx)!;
    expect(get.toBc).toMatchObject({ action: 'modify', values: { displayName: 'From CRM' } });
    expect(get.toDataverse?.action).toBe("unchanged");
  });

  test("a person's edit in the same second as our write counts only when the stored time came from our write", () => {
    const sameSecond = { bc: '2026-01-01T00:00:00.000Z', dv: '2026-01-01T00:00:00Z', dvBy: 'person' };
    const ours = planPair(customer, pair(coupling({ [WRITTEN_BY_US_KEY]: true }), {}, { telephone1: '333' }, sameSecond), policy, ctx)!;
    expect(ours.toBc).toMatchObject({ action: 'modify', values: { phoneNumber: '333' } });
    const read = planPair(customer, pair(coupling(), {}, { telephone1: '333' }, sameSecond), policy, ctx)!;
    expect(read.toBc).toBeUndefined();
    expect(read.toDataverse?.action).toBe('echo');
  });

  test('uncoupled records are ignored when only coupled records synchronize, inserted with a derived id otherwise', () => {
    const uncoupled: Pair = { bc: { id: 'b9', modifiedAt: '2026-01-01T00:00:00.000Z', fields: { ...bcFields, id: 'b9' } }, bcRead: true, dvRead: false };
    expect(planPair(customer, uncoupled, policy, ctx)).toBeUndefined();
    const r = planPair(customer, uncoupled, { ...policy, full: true }, ctx)!;
    expect(r.toDataverse).toMatchObject({ action: 'insert', targetId: counterpartId('CUSTOMER', 'dataverse', 'b9') });
  });
});

describe('first synchronization after coupling', () => {
  test('a pair coupled by matching and never synchronized is copied from BC, not reported as a conflict', () => {
    const matched = { ...coupling(), bcModifiedAt: undefined, dataverseModifiedAt: undefined, lastResultToDataverse: undefined, lastResultToBc: undefined };
    const r = planPair(customer, pair(matched, { displayName: 'BC name' }, { name: 'CRM name' }, { bc: '2026-01-02T00:00:00.000Z', dv: '2026-01-02T00:00:00Z' }), policy, ctx)!;
    expect(r.toDataverse).toMatchObject({ action: 'modify', values: { name: 'BC name' } });
    expect(r.toBc).toBeUndefined();
  });
});
