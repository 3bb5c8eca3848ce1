import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../src/errors.js';
import { defaultMappings } from '../../src/mapping/defaults/index.js';
import { dependencyOrder, transitiveDependencies } from '../../src/mapping/dependencies.js';
import { referencedMappings } from '../../src/mapping/fields.js';
import { defaultIntegrationOptions, type IntegrationOptions } from '../../src/mapping/integration-options.js';

const combos: IntegrationOptions[] = [];
for (const ownershipModel of ['person', 'team'] as const) {
  for (const unitGroups of [true, false]) {
    for (const pricing of ['groups', 'lists'] as const) {
      combos.push({ ...defaultIntegrationOptions, ownershipModel, unitGroups, pricing });
    }
  }
}

describe('dependencyOrder (§4.4)', () => {
  test.each(combos)('$ownershipModel, unit groups $unitGroups, pricing $pricing: every mapping comes after its dependencies and after the mappings it looks up', (options) => {
    const defaults = defaultMappings(options);
    for (const input of [defaults, [...defaults].reverse()]) {
      const order = dependencyOrder(input).map((m) => m.name);
      expect(order).toHaveLength(defaults.length);
      expect(new Set(order).size).toBe(order.length);
      for (const m of defaults) {
        for (const d of m.dependencies) expect(order.indexOf(d)).toBeLessThan(order.indexOf(m.name));
      }
      if (input === defaults) {
        // With BC's creation order as tie-break, lookups are also ready before use.
        for (const m of defaults) {
          for (const ref of referencedMappings(m)) expect([m.name, ref, order.indexOf(ref) < order.indexOf(m.name)]).toEqual([m.name, ref, true]);
        }
      }
    }
  });

  test("the defaults run in §4.4's safe order", () => {
    const order = dependencyOrder(defaultMappings({ ...defaultIntegrationOptions, unitGroups: true, pricing: 'lists' })).map((m) => m.name);
    expect(order).toEqual([
      'SALESPEOPLE',
      'CURRENCY',
      'PAYMENT TERMS',
      'SHIPMENT METHOD',
      'SHIPPING AGENT',
      'CUSTOMER',
      'VENDOR',
      'CONTACT',
      'UNIT GROUP',
      'ITEM UOM',
      'RESOURCE UOM',
      'ITEM-PRODUCT',
      'RESOURCE-PRODUCT',
      'PLHEADER-PRICE',
      'PLLINE-PRODPRICE',
      'OPPORTUNITY',
    ]);
    const legacy = dependencyOrder(
      defaultMappings({ ...defaultIntegrationOptions, ownershipModel: 'team', unitGroups: false, pricing: 'groups' }),
    ).map((m) => m.name);
    expect(legacy).toEqual([
      'CURRENCY',
      'PAYMENT TERMS',
      'SHIPMENT METHOD',
      'SHIPPING AGENT',
      'CUSTOMER',
      'VENDOR',
      'CONTACT',
      'UNIT OF MEASURE',
      'ITEM-PRODUCT',
      'RESOURCE-PRODUCT',
      'CUSTPRCGRP-PRICE',
      'SALESPRC-PRODPRICE',
      'OPPORTUNITY',
    ]);
  });

  test('a cycle is an error that names the cycle', () => {
    const mappings = [
      { name: 'A', dependencies: ['C'] },
      { name: 'B', dependencies: ['A'] },
      { name: 'C', dependencies: ['B'] },
      { name: 'D', dependencies: [] },
    ];
    expect(() => dependencyOrder(mappings)).toThrow(ConfigError);
    expect(() => dependencyOrder(mappings)).toThrow(/cycle: A → C → B → A/);
  });

  test('a dependency on a mapping outside the set is an error unless told to ignore it', () => {
    const mappings = [
      { name: 'CUSTOMER', dependencies: ['SALESPEOPLE', 'CURRENCY'] },
      { name: 'CURRENCY', dependencies: [] },
    ];
    expect(() => dependencyOrder(mappings)).toThrow(/CUSTOMER depends on SALESPEOPLE, which is not in the set.*Mappings in the set: CUSTOMER, CURRENCY/);
    expect(dependencyOrder(mappings, { missing: 'ignore' }).map((m) => m.name)).toEqual(['CURRENCY', 'CUSTOMER']);
  });

  test('a name defined twice is an error', () => {
    expect(() => dependencyOrder([{ name: 'X', dependencies: [] }, { name: 'X', dependencies: [] }])).toThrow(/X is defined twice/);
  });

  test('transitiveDependencies lists everything a mapping needs, in order', () => {
    const defaults = defaultMappings(defaultIntegrationOptions);
    expect(transitiveDependencies(defaults, 'OPPORTUNITY')).toEqual([
      'SALESPEOPLE',
      'CURRENCY',
      'PAYMENT TERMS',
      'SHIPMENT METHOD',
      'SHIPPING AGENT',
      'CUSTOMER',
      'VENDOR',
      'CONTACT',
    ]);
    expect(transitiveDependencies(defaults, 'PLLINE-PRODPRICE')).toEqual([
      'CURRENCY',
      'UNIT GROUP',
      'ITEM UOM',
      'ITEM-PRODUCT',
      'PLHEADER-PRICE',
    ]);
    expect(transitiveDependencies(defaults, 'CURRENCY')).toEqual([]);
  });
});
