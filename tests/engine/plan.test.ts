import { createHash } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { baseFields, mergeBase, normalizeBcValue, valueHash } from '../../src/engine/merge-base.js';
import { WRITTEN_BY_US_KEY, plan, planPair, type Pair, type PlanPolicy } from '../../src/engine/plan.js';
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

  test('counterpart ids stay the ones earlier runs gave out (an intent left open by an older run finds its record)', () => {
    // Computed with the first implementation (a SHA-1 Hash object over namespace + name); any rewrite must keep them.
    expect(counterpartId('CUSTOMER', 'dataverse', 'B1')).toBe('b79abeeb-1858-5c87-ac16-f51a878eb982');
    expect(counterpartId('CUSTOMER', 'dataverse', '0d93ad35-6a99-58cf-8e09-085b86aa49c1')).toBe('5a430aad-7ac0-5cca-869c-e0ff3bc579bc');
    expect(counterpartId('SALES-ORDERS', 'bc', 'ÄÖü-ünïcode-€')).toBe('3d53624b-9804-5796-a70f-1985e08228d3');
    expect(counterpartId('X', 'bc', 'a'.repeat(300))).toBe('134908f3-e28f-5114-9d72-e979516ff72f');
    expect(counterpartId('X', 'bc', 'é'.repeat(400))).toBe('304db8ac-7f44-57f6-8a10-42e95ee50cb0');
  });

  test('counterpart ids written as bytes equal the RFC 4122 version 5 text of the SHA-1, for any source id', () => {
    // The first implementation's formula, spelled out: SHA-1 of namespace + name, version and variant set in the hex text.
    const reference = (mapping: string, target: 'bc' | 'dataverse', sourceId: string): string => {
      const hex = createHash('sha1')
        .update(Buffer.from('6f1d2c7e4b8a4f0e9c3d5a1b2e7f8c90', 'hex'))
        .update(`${mapping}\u0000${target}\u0000${sourceId.toLowerCase()}`)
        .digest('hex');
      const variant = '89ab'[parseInt(hex[16]!, 16) & 3];
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    };
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pieces = ['a', 'Z', '0', '-', 'é', '€', '😀', '\u0000', ' ', 'ß'];
    for (let n = 0; n < 600; n++) {
      const length = Math.floor(random() * (n % 50 === 0 ? 500 : 40));
      const id = Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      const mapping = n % 2 ? 'CUSTOMER' : 'SALES-ORDERS';
      const target = n % 3 ? 'dataverse' : 'bc';
      expect(counterpartId(mapping, target, id)).toBe(reference(mapping, target, id));
    }
  });

  test('unchanged on both sides since the last sync is an echo, not a write', () => {
    const r = planPair(customer, pair(coupling(), {}, {}, { bc: '2026-01-01T00:00:00.000Z', dv: '2026-01-01T00:00:00Z' }), policy, ctx)!;
    expect(r.toDataverse?.action).toBe('echo');
    expect(r.toBc).toBeUndefined();
  });

  /** A name edit in BC and a phone edit in Dataverse, planned against `base`: each goes its own way, nothing else. */
  function nameAndPhoneEdits(base: string) {
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
    return r;
  }

  test('a name edit in BC and a phone edit in Dataverse merge field by field against the base', () => {
    nameAndPhoneEdits(mergeBase(customer, bcFields));
  });

  test('a merge base written with SHA-1 fingerprints (older bcsync) still merges field by field, and is replaced by the current form', () => {
    const sha1 = (text: string) => createHash('sha1').update(text).digest('base64url').slice(0, 6);
    const fields = baseFields(customer);
    const oldBase = sha1(fields.map((f) => f.id).join(',')) + ':' + fields.map((f) => sha1(normalizeBcValue((bcFields as Record<string, unknown>)[f.bc!], f.bcType === 'code'))).join('');
    expect(oldBase).not.toBe(mergeBase(customer, bcFields));
    const r = nameAndPhoneEdits(oldBase);
    expect(r.base).toBe(mergeBase(customer, { ...bcFields, displayName: 'Adatum Corp', phoneNumber: '222' }));
  });

  test('merge-base fingerprints tell values apart and ignore what BC does not distinguish', () => {
    const base = (fields: Record<string, unknown>) => mergeBase(customer, { ...bcFields, ...fields });
    expect(base({ displayName: 'Adatum ' })).toBe(base({ displayName: 'Adatum' }));
    expect(base({ currencyCode: 'eur' })).toBe(base({ currencyCode: 'EUR' }));
    const names = new Set(Array.from({ length: 2000 }, (_, i) => base({ displayName: `Customer ${i}` })));
    expect(names.size).toBe(2000);
    expect(base({})).toMatch(/^[A-Za-z0-9_-]{6}:([A-Za-z0-9_-]{6})+$/);
  });

  test('merge bases stay the ones earlier runs stored (written from bytes now, as strings joined before)', () => {
    // Computed with the earlier implementation (six characters joined per field): a stored base must still compare equal.
    const samples: Array<Record<string, unknown>> = [
      {
        number: 'c10000', displayName: '  Adatum Corporation ', addressLine1: 'Hauptstraße 5', city: 'Zürich', country: 'ch', postalCode: 'ab 12',
        phoneNumber: '+41 44 555', email: 'a@b.example', website: '', currencyCode: 'eur', creditLimit: 1234.5, blocked: ' ',
        shipmentMethodId: '00000000-0000-0000-0000-000000000000', paymentTermsId: 'A1B2C3D4-0000-4000-8000-000000000001',
      },
      { number: 'C2', displayName: '東京 😀 مرحبا', creditLimit: 0, taxLiable: true, state: null, city: undefined, website: 'x'.repeat(300) },
      {},
    ];
    expect(samples.map((fields) => mergeBase(customer, fields))).toEqual([
      '4JbeHk:J_n8AcLoW63iD2o7aghMBRAESYXspvMsDKGMD2o7ag5ZPfgUSMSYNGD2o7agiZBLmbD2o7agAisT2uFWg7cyD2o7ag',
      '4JbeHk:cwQacCD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agjR0540D2o7agD2o7agD2o7ag3-QBrWD2o7ag',
      '4JbeHk:D2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7agD2o7ag',
    ]);
    // Each field's six characters are that value's fingerprint, whatever was written before it.
    const fields = baseFields(customer);
    const first = mergeBase(customer, samples[0]!);
    fields.forEach((f, i) => expect(first.slice(7 + i * 6, 13 + i * 6)).toBe(valueHash(samples[0]![f.bc!], f.bcType === 'code')));
    expect(['', 'abc', 'ÄÖü', '😀', '12.5'].map((v) => valueHash(v, false))).toEqual(['D2o7ag', 'NyYwak', '12gK1d', 'uSb-uN', 'ryGhYw']);
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

describe('every action and its reason', () => {
  const t0 = { bc: '2026-01-01T00:00:00.000Z', dv: '2026-01-01T00:00:00Z' };
  const later = { bc: '2026-01-02T00:00:00.000Z', dv: '2026-01-02T00:00:00Z' };

  test('skip: a skipped coupling that changed is reported, never written', () => {
    const r = planPair(customer, pair({ ...coupling(), skipped: true }, { displayName: 'x' }, {}, later), policy, ctx)!;
    expect(r.toDataverse).toEqual({ action: 'skip', reason: 'skipped after two identical failures' });
  });

  test('fail: a lookup that is not coupled fails the record with the field named', () => {
    const failing: TransferContext = { ...ctx, lookupCoupled: () => undefined };
    const uncoupled: Pair = { bc: { id: 'b9', modifiedAt: t0.bc, fields: { ...bcFields, id: 'b9', currencyCode: 'EUR' } }, bcRead: true, dvRead: false };
    const r = planPair(customer, uncoupled, { ...policy, full: true }, failing)!;
    expect(r.toDataverse?.action).toBe('fail');
    expect(r.toDataverse?.reason).toBe('not coupled: created in Dataverse');
    expect(r.toDataverse?.error).toMatch(/currency/i);
  });

  test('uncouple: both coupled records deleted', () => {
    const r = planPair(customer, { coupling: coupling(), bcRead: false, dvRead: false, bcMissing: true, dvMissing: true }, policy, ctx)!;
    expect(r.toDataverse).toEqual({ action: 'uncouple', reason: 'both coupled records were deleted' });
  });

  test('deletion conflict: fail by default, restore inserts again, remove-coupling uncouples', () => {
    const gone = (): Pair => ({ coupling: coupling(), bc: { id: 'b1', modifiedAt: later.bc, fields: bcFields }, bcRead: true, dvRead: false, dvMissing: true });
    expect(planPair({ ...customer, deletionConflict: 'none' }, gone(), policy, ctx)!.toDataverse?.action).toBe('fail');
    expect(planPair({ ...customer, deletionConflict: 'restore' }, gone(), policy, ctx)!.toDataverse).toMatchObject({ action: 'insert', reason: 'the coupled Dataverse record was deleted (rule restore)' });
    expect(planPair({ ...customer, deletionConflict: 'remove-coupling' }, gone(), policy, ctx)!.toDataverse?.action).toBe('uncouple');
  });

  test('unchanged: BC changed but every mapped value is already equal', () => {
    const r = planPair(customer, pair(coupling({ base: mergeBase(customer, bcFields) }), {}, {}, { bc: later.bc, dv: t0.dv }), policy, ctx)!;
    expect(r.toDataverse).toMatchObject({ action: 'unchanged', reason: 'every mapped value is equal' });
  });

  test('modify carries its reason: changed since the last sync, full synchronization or Synchronize Now', () => {
    const base = mergeBase(customer, bcFields);
    const changed = planPair(customer, pair(coupling({ base }), { displayName: 'New' }, {}, { bc: later.bc, dv: t0.dv }), policy, ctx)!;
    expect(changed.toDataverse?.reason).toBe('changed since the last sync in Business Central');
    const full = planPair(customer, pair(coupling({ base }), { displayName: 'New' }, {}, t0), { ...policy, full: true }, ctx)!;
    expect(full.toDataverse?.reason).toBe('full synchronization in Business Central');
    const now = planPair(customer, pair(coupling({ base }), {}, { name: 'CRM' }, t0), { ...policy, overwrite: 'dataverse' }, ctx)!;
    expect(now.toDataverse).toMatchObject({ action: 'modify', reason: 'Synchronize Now in Business Central', values: { name: 'Adatum' } });
  });
});

describe('no rewrite loses data', () => {
  const t0 = { bc: '2026-01-01T00:00:00.000Z', dv: '2026-01-01T00:00:00Z' };
  const base = mergeBase(customer, bcFields);

  test('a full synchronization of in-sync data writes nothing, though the other side holds richer values', () => {
    // Dataverse holds more than BC can (a long country name, a credit limit BC never had): a full rewrite from BC
    // would cut the one and zero the other. With a merge base, only fields BC changed since the last sync move.
    const r = planPair(customer, pair(coupling({ base }), {}, { address1_country: 'United States', creditlimit: 25000 }, t0), { ...policy, full: true }, ctx)!;
    expect(r.toDataverse?.action).toBe('unchanged');
  });

  test('a full synchronization writes exactly the fields BC changed since the last sync', () => {
    const r = planPair(customer, pair(coupling({ base }), { phoneNumber: '999' }, { address1_country: 'United States', creditlimit: 25000 }, t0), { ...policy, full: true }, ctx)!;
    expect(r.toDataverse).toMatchObject({ action: 'modify', values: { telephone1: '999' }, changed: ['phone'] });
  });

  test('without a merge base (coupled by matching): a value BC holds cut short, or a one-way "nothing", is not written over the richer one', () => {
    const matched = { ...coupling(), bcModifiedAt: undefined, dataverseModifiedAt: undefined };
    const r = planPair(
      customer,
      pair(matched, { country: 'UNITED STA', creditLimit: 0, phoneNumber: '999' }, { address1_country: 'United States', creditlimit: 25000 }, t0),
      { ...policy, full: true },
      ctx,
    )!;
    expect(r.toDataverse?.values).toEqual({ telephone1: '999' });
  });
});

describe('a window: table logic beyond field mappings', () => {
  const mappings = defaultMappings(defaultIntegrationOptions);
  const salespeople = mappings.find((m) => m.name === 'SALESPEOPLE')!;

  test('number-series codes for records created in BC continue after the highest code read, without repeats', () => {
    const users: Pair[] = ['u1', 'u2'].map((id) => ({
      dv: { id, modifiedAt: '2026-01-01T00:00:00Z', fields: { systemuserid: id, fullname: `User ${id}`, internalemailaddress: `${id}@x.test` } },
      bcRead: false,
      dvRead: true,
    }));
    const p = plan(salespeople, { pairs: users, transfer: ctx, seriesHighest: 7 }, { ...policy, toDataverse: false, onlyCoupled: false });
    expect(p.records.map((r) => r.toBc?.values?.code)).toEqual(['SP NO. 00008', 'SP NO. 00009']);
    expect(p.seriesCodesUsed).toBe(2);
  });

  test('inserts into Dataverse carry the template values and the company stamp; modifies the stamp without the template', () => {
    const uncoupled: Pair = { bc: { id: 'b9', modifiedAt: '2026-01-01T00:00:00.000Z', fields: { ...bcFields, id: 'b9' } }, bcRead: true, dvRead: false };
    const base = mergeBase(customer, bcFields);
    const changed = pair(coupling({ base }), { displayName: 'New' }, {}, { bc: '2026-01-02T00:00:00.000Z', dv: '2026-01-01T00:00:00Z' });
    const p = plan(customer, { pairs: [uncoupled, changed], transfer: ctx, dataverseCompanyId: 'c0' }, { ...policy, full: true });
    const [insert, modify] = p.records;
    expect(insert!.toDataverse?.values).toMatchObject({ ...customer.dataverse.template!.values, 'bcbi_companyid@odata.bind': '/cdm_companies(c0)' });
    expect(modify!.toDataverse?.values).toEqual({ name: 'New', 'bcbi_companyid@odata.bind': '/cdm_companies(c0)' });
  });
});
