import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { defaultMappings } from '../../src/mapping/defaults/index.js';
import {
  MappingOverrideError,
  applyOverrides,
  mappingOverridesSchema,
  mappingWarnings,
  mergeOverride,
  resetOverrides,
  type MappingOverrides,
} from '../../src/mapping/overrides.js';
import { defaultIntegrationOptions } from '../../src/mapping/integration-options.js';
import type { IntegrationTableMapping } from '../../src/mapping/types.js';

const defaults = defaultMappings(defaultIntegrationOptions);

function get(mappings: IntegrationTableMapping[], name: string): IntegrationTableMapping {
  const m = mappings.find((x) => x.name === name);
  if (!m) throw new Error(name);
  return m;
}

function rejects(overrides: unknown, pattern: RegExp): MappingOverrideError {
  let caught: unknown;
  try {
    applyOverrides(defaults, overrides);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MappingOverrideError);
  expect(caught).toBeInstanceOf(UsageError);
  expect((caught as Error).message).toMatch(pattern);
  return caught as MappingOverrideError;
}

describe('applyOverrides', () => {
  test('no overrides: the defaults, untouched', () => {
    expect(applyOverrides(defaults, {})).toEqual(defaults);
  });

  test('mapping settings, extra filters and field mappings change; the defaults stay as they were', () => {
    const before = structuredClone(defaults);
    const overrides: MappingOverrides = {
      CUSTOMER: {
        direction: 'to-dataverse',
        updateConflict: 'send',
        deletionConflict: 'restore',
        synchOnlyCoupledRecords: false,
        bcFilter: [{ field: 'city', op: 'eq', value: 'Atlanta' }],
        dataverseFilter: [{ field: 'address1_city', op: 'in', value: ['Atlanta', 'Seattle'] }],
        fields: { email: { status: 'disabled' }, phone: { direction: 'to-dataverse' }, accountNumber: { status: 'enabled' } },
      },
    };
    const result = applyOverrides(defaults, JSON.parse(JSON.stringify(overrides)));
    const customer = get(result, 'CUSTOMER');
    expect(customer).toMatchObject({
      direction: 'to-dataverse',
      updateConflict: 'send',
      deletionConflict: 'restore',
      synchOnlyCoupledRecords: false,
      customized: true,
    });
    expect(customer.bc.filter).toEqual([
      { field: 'blocked', op: 'eq', value: ' ' },
      { field: 'city', op: 'eq', value: 'Atlanta' },
    ]);
    expect(customer.dataverse.filter.at(-1)).toEqual({ field: 'address1_city', op: 'in', value: ['Atlanta', 'Seattle'] });
    const f = (id: string) => customer.fields.find((x) => x.id === id);
    expect(f('email')).toMatchObject({ status: 'disabled', customized: true });
    expect(f('phone')).toMatchObject({ direction: 'to-dataverse', customized: true });
    expect(f('accountNumber')).toMatchObject({ status: 'enabled', customized: true });
    expect(f('name')?.customized).toBe(false);
    expect(get(result, 'VENDOR').customized).toBe(false);
    expect(defaults).toEqual(before);
  });

  test('an unknown mapping is named with the list of valid names', () => {
    const error = rejects({ CUSTOMERS: { direction: 'to-dataverse' } }, /Unknown mapping "CUSTOMERS".*valid mappings: SALESPEOPLE, CUSTOMER, VENDOR/);
    expect(error.mapping).toBe('CUSTOMERS');
  });

  test('an unknown field mapping is named with the valid field ids', () => {
    const error = rejects({ CUSTOMER: { fields: { nmae: { status: 'disabled' } } } }, /Unknown field mapping "nmae" in mapping CUSTOMER; valid field mappings: ownerType, owner, name, contact/);
    expect(error.field).toBe('nmae');
  });

  test('a field the BC API does not expose cannot be enabled', () => {
    rejects({ CUSTOMER: { fields: { fax: { status: 'enabled' } } } }, /Field mapping fax of CUSTOMER cannot be enabled: BC API v2.0 "customers" has no property for "Fax No."/);
  });

  test('a field direction its transform or the API cannot run is rejected with the allowed ones', () => {
    rejects({ 'ITEM-PRODUCT': { fields: { inventory: { direction: 'bidirectional' } } } }, /inventory of ITEM-PRODUCT cannot be bidirectional; allowed: to-dataverse/);
    rejects({ CUSTOMER: { fields: { ownerType: { direction: 'from-dataverse' } } } }, /ownerType of CUSTOMER cannot be from-dataverse/);
    rejects({ 'ITEM-PRODUCT': { fields: { blockedFromState: { direction: 'to-dataverse' } } } }, /allowed: from-dataverse/);
    rejects({ CONTACT: { fields: { type: { direction: 'to-dataverse' } } } }, /type of CONTACT cannot be to-dataverse/);
  });

  test('a mapping direction needs an enabled field mapping of that direction or ⇄ (§1.1)', () => {
    rejects({ SALESPEOPLE: { direction: 'to-dataverse' } }, /Mapping SALESPEOPLE cannot be to-dataverse: no enabled field mapping has direction to-dataverse or bidirectional/);
    rejects({ CURRENCY: { direction: 'from-dataverse' } }, /CURRENCY cannot be from-dataverse/);
    // Field overrides apply first, so a field made ⇄ in the same override makes the direction possible.
    const result = applyOverrides(defaults, { CURRENCY: { direction: 'bidirectional', fields: { code: { direction: 'bidirectional' } } } });
    expect(get(result, 'CURRENCY').direction).toBe('bidirectional');
    // OPPORTUNITY's only ⇄ row is name; with it disabled nothing supports ←DV.
    rejects({ OPPORTUNITY: { direction: 'from-dataverse', fields: { name: { status: 'disabled' } } } }, /OPPORTUNITY cannot be from-dataverse/);
    expect(get(applyOverrides(defaults, { OPPORTUNITY: { direction: 'from-dataverse' } }), 'OPPORTUNITY').direction).toBe('from-dataverse');
  });

  test('field overrides that leave a pass of the mapping without field mappings are refused', () => {
    rejects(
      { SALESPEOPLE: { fields: { email: { status: 'disabled' }, name: { status: 'disabled' } } } },
      /Mapping SALESPEOPLE would have no enabled field mapping for its from-dataverse pass/,
    );
    rejects(
      { OPPORTUNITY: { fields: { name: { direction: 'to-dataverse' } } } },
      /OPPORTUNITY would have no enabled field mapping for its from-dataverse pass/,
    );
    const oneWay = applyOverrides(defaults, { OPPORTUNITY: { direction: 'to-dataverse', fields: { name: { direction: 'to-dataverse' } } } });
    expect(get(oneWay, 'OPPORTUNITY').direction).toBe('to-dataverse');
  });

  test('option mappings may not be bidirectional but may turn around', () => {
    rejects({ 'PAYMENT TERMS': { direction: 'bidirectional' } }, /PAYMENT TERMS is an option mapping and cannot be bidirectional/);
    expect(get(applyOverrides(defaults, { 'PAYMENT TERMS': { direction: 'from-dataverse' } }), 'PAYMENT TERMS').direction).toBe('from-dataverse');
    rejects({ 'SHIPPING AGENT': { dataverseFilter: [{ field: 'x', op: 'eq', value: 1 }] } }, /option mapping; its Dataverse side is an option set/);
  });

  test('filters must name real properties', () => {
    rejects({ CUSTOMER: { bcFilter: [{ field: 'Name', op: 'eq', value: 'x' }] } }, /BC filter of CUSTOMER: "Name" is not a property of customers; properties: id, number, displayName/);
    rejects({ CUSTOMER: { dataverseFilter: [{ field: 'Address 1', op: 'eq', value: 'x' }] } }, /"Address 1" is not a column logical name/);
  });

  test('malformed overrides are rejected with the path of the problem', () => {
    rejects({ CUSTOMER: { direction: 'sideways' } }, /malformed at CUSTOMER\.direction/);
    rejects({ CUSTOMER: { colour: 'red' } }, /malformed at CUSTOMER/);
    rejects({ CUSTOMER: { bcFilter: [{ field: 'city', op: 'in', value: [] }] } }, /malformed at CUSTOMER\.bcFilter\.0/);
    rejects([], /malformed/);
  });
});

describe('reset, merge, warnings, schema', () => {
  const overrides: MappingOverrides = {
    CUSTOMER: { direction: 'to-dataverse' },
    VENDOR: { updateConflict: 'get' },
  };

  test('resetOverrides drops one mapping or all', () => {
    expect(resetOverrides(overrides, 'CUSTOMER')).toEqual({ VENDOR: { updateConflict: 'get' } });
    expect(resetOverrides(overrides)).toEqual({});
    expect(overrides).toEqual({ CUSTOMER: { direction: 'to-dataverse' }, VENDOR: { updateConflict: 'get' } });
    expect(get(applyOverrides(defaults, resetOverrides(overrides, 'CUSTOMER')), 'CUSTOMER').direction).toBe('bidirectional');
  });

  test('mergeOverride replaces scalars, appends filters, merges field overrides', () => {
    let merged = mergeOverride(overrides, 'CUSTOMER', {
      updateConflict: 'send',
      bcFilter: [{ field: 'city', op: 'eq', value: 'A' }],
      fields: { email: { status: 'disabled' } },
    });
    merged = mergeOverride(merged, 'CUSTOMER', {
      direction: 'bidirectional',
      bcFilter: [{ field: 'state', op: 'eq', value: 'GA' }],
      fields: { email: { direction: 'to-dataverse' } },
    });
    expect(merged.CUSTOMER).toEqual({
      direction: 'bidirectional',
      updateConflict: 'send',
      bcFilter: [
        { field: 'city', op: 'eq', value: 'A' },
        { field: 'state', op: 'eq', value: 'GA' },
      ],
      fields: { email: { status: 'disabled', direction: 'to-dataverse' } },
    });
    expect(merged.VENDOR).toEqual({ updateConflict: 'get' });
    expect(mappingOverridesSchema.parse(JSON.parse(JSON.stringify(merged)))).toEqual(merged);
  });

  test('Remove Coupling with only-coupled off works but warns (§1.1)', () => {
    const [plain] = applyOverrides([get(defaults, 'CUSTOMER')], { CUSTOMER: { deletionConflict: 'remove-coupling' } });
    expect(mappingWarnings(plain as IntegrationTableMapping)).toEqual([]);
    const [risky] = applyOverrides([get(defaults, 'CUSTOMER')], {
      CUSTOMER: { deletionConflict: 'remove-coupling', synchOnlyCoupledRecords: false },
    });
    expect(mappingWarnings(risky as IntegrationTableMapping)).toEqual([
      expect.stringContaining('CUSTOMER: deletion conflicts remove the coupling while uncoupled records are synchronized too'),
    ]);
  });
});
