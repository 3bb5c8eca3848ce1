import { describe, expect, test } from '@jest/globals';
import * as mapping from '../../src/mapping/index.js';

/**
 * The public surface of src/mapping (index.ts), used the way the engine and the `mappings` command use it: each
 * export answers a real question about the default mappings, so a broken re-export or a wrong answer fails.
 */
const defaults = mapping.defaultMappings(mapping.defaultIntegrationOptions);
function get(name: string): mapping.IntegrationTableMapping {
  const m = defaults.find((x) => x.name === name);
  if (!m) throw new Error(`no mapping ${name}`);
  return m;
}
function fieldOf(m: mapping.IntegrationTableMapping, id: string): mapping.FieldMapping {
  const f = m.fields.find((x) => x.id === id);
  if (!f) throw new Error(`no field ${id} in ${m.name}`);
  return f;
}
const noLookups: mapping.TransferContext = {
  bcLcyCode: 'USD',
  dataverseBaseCurrencyId: undefined,
  lookupCoupled: () => undefined,
  lookupOption: () => undefined,
};

describe('public surface of src/mapping', () => {
  test('default mappings and the order they run in (§2, §4.4)', () => {
    expect(defaults).toHaveLength(16);
    const order = mapping.dependencyOrder(defaults).map((m) => m.name);
    for (const m of defaults) {
      for (const dependency of m.dependencies) expect([m.name, dependency, order.indexOf(dependency) < order.indexOf(m.name)]).toEqual([m.name, dependency, true]);
    }
    const forContact = mapping.transitiveDependencies(defaults, 'CONTACT');
    expect(forContact).toEqual(expect.arrayContaining(['CUSTOMER', 'VENDOR', 'CURRENCY']));
    expect(forContact).not.toContain('CONTACT');
  });

  test('field questions of one pass: which rows, which properties, which lookups (§1.2, §2.4, §5.2)', () => {
    const customer = get('CUSTOMER');
    const toDataverse = mapping.selectFields(customer, 'to-dataverse');
    expect(toDataverse.length).toBeGreaterThan(0);
    for (const f of toDataverse) {
      expect([f.id, f.status, ['to-dataverse', 'bidirectional'].includes(f.direction)]).toEqual([f.id, 'enabled', true]);
    }
    expect(mapping.propertiesToRead(customer, 'bc')).toContain('displayName');
    expect(mapping.allowedFieldDirections(fieldOf(customer, 'name'))).toContain('bidirectional');
    const currency = fieldOf(customer, 'currency');
    expect(mapping.isLookupTransform(currency.transform)).toBe(true);
    expect(mapping.dataverseReadName(currency)).toBe('_transactioncurrencyid_value');
    expect(mapping.referencedMappings(customer)).toContain('CURRENCY');
    expect(mapping.usesEchoSuppression(customer)).toBe(true);
    expect(mapping.usesEchoSuppression(get('CURRENCY'))).toBe(false);
  });

  test('filters: the BC table filter in memory and the company filter on Dataverse (§2)', () => {
    const customer = get('CUSTOMER');
    expect(mapping.evaluateFilter(customer.bc.filter, { blocked: ' ' })).toBe(true);
    expect(mapping.evaluateFilter(customer.bc.filter, { blocked: 'All' })).toBe(false);
    const companyId = '11111111-2222-3333-4444-555555555555';
    expect(mapping.dataverseFilter(customer, companyId)).toContainEqual({ field: '_bcbi_companyid_value', op: 'in', value: [companyId, null] });
    expect(mapping.dataverseFilter(customer, undefined)).toEqual(customer.dataverse.filter);
    expect(mapping.EMPTY_GUID).toBe('00000000-0000-0000-0000-000000000000');
  });

  test('field transfer of one record (§5.3 step 6)', () => {
    const plan = mapping.planFieldTransfer(get('CURRENCY'), 'to-dataverse', { code: 'EUR', displayName: 'Euro', symbol: '€' }, undefined, {
      ...noLookups,
      exchangeRate: () => 0.9,
    });
    expect(plan.errors).toEqual([]);
    expect(plan.values).toMatchObject({ isocurrencycode: 'EUR', currencyname: 'Euro', currencysymbol: '€' });
  });

  test('overrides from a profile: validated, merged, reset, warned about', () => {
    expect(mapping.mappingOverridesSchema.safeParse({ CUSTOMER: { direction: 'to-dataverse' } }).success).toBe(true);
    expect(mapping.mappingOverrideSchema.safeParse({ direction: 'sideways' }).success).toBe(false);
    expect(mapping.fieldOverrideSchema.safeParse({ status: 'disabled' }).success).toBe(true);
    expect(mapping.filterConditionSchema.safeParse({ field: 'creditlimit', op: 'ge', value: 1000 }).success).toBe(true);
    const merged = mapping.mergeOverride({}, 'CUSTOMER', { deletionConflict: 'remove-coupling', synchOnlyCoupledRecords: false });
    const changed = mapping.applyOverrides(defaults, merged).find((m) => m.name === 'CUSTOMER')!;
    expect(changed.deletionConflict).toBe('remove-coupling');
    expect(mapping.mappingWarnings(changed)).toHaveLength(1);
    expect(mapping.mappingWarnings(get('CUSTOMER'))).toEqual([]);
    expect(mapping.resetOverrides(merged, 'CUSTOMER')).toEqual({});
    expect(() => mapping.applyOverrides(defaults, { NOPE: { direction: 'to-dataverse' } })).toThrow(mapping.MappingOverrideError);
  });

  test('match-based coupling criteria (§7.1)', () => {
    const criteria = mapping.matchCriteria(get('CURRENCY'));
    expect(criteria.map((c) => [c.bc, c.dataverse])).toEqual([['code', 'isocurrencycode']]);
    const [group] = mapping.matchConditions(criteria, { code: 'EUR' });
    expect(group).toBeDefined();
    expect(mapping.rowMatches(group!, { isocurrencycode: 'eur' })).toBe(true);
    expect(mapping.rowMatches(group!, { isocurrencycode: 'USD' })).toBe(false);
  });

  test('what `mappings show` prints, and codes BC would number itself', () => {
    const shown = mapping.describeMapping(get('CUSTOMER'));
    expect(shown.name).toBe('CUSTOMER');
    expect(shown.fields.length).toBe(get('CUSTOMER').fields.length);
    expect(mapping.transformLabel({ kind: 'copy' })).toBe('copy');
    expect(mapping.transformLabel({ kind: 'truncate', length: 5 })).toBe('truncate to 5');
    expect(mapping.nextSeriesCode(['SP NO. 00001', 'SP NO. 00007', 'JR'], { property: 'code', prefix: 'SP NO. ', digits: 5 })).toBe('SP NO. 00008');
    expect(mapping.nextSeriesCode([], { property: 'code', prefix: 'SP NO. ', digits: 5 })).toBe('SP NO. 00001');
  });
});
