import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { defaultMappings } from '../../src/mapping/defaults/index.js';
import { describeMapping } from '../../src/mapping/describe.js';
import { propertiesToRead, selectFields } from '../../src/mapping/fields.js';
import { dataverseFilter, evaluateFilter } from '../../src/mapping/filters.js';
import { matchConditions, matchCriteria, rowMatches } from '../../src/mapping/match-criteria.js';
import { applyOverrides } from '../../src/mapping/overrides.js';
import { defaultIntegrationOptions } from '../../src/mapping/integration-options.js';
import { nextSeriesCode } from '../../src/mapping/series.js';
import type { IntegrationTableMapping } from '../../src/mapping/types.js';

const defaults = defaultMappings(defaultIntegrationOptions);
function get(name: string): IntegrationTableMapping {
  const m = defaults.find((x) => x.name === name);
  if (!m) throw new Error(name);
  return m;
}

describe('match-based coupling criteria (§7.1)', () => {
  test('defaults come from the MK field mappings', () => {
    expect(matchCriteria(get('CURRENCY'))).toEqual([
      { fieldId: 'code', bc: 'code', dataverse: 'isocurrencycode', bcType: 'code', caseSensitive: false, priority: 0 },
    ]);
    expect(matchCriteria(get('PAYMENT TERMS'))).toMatchObject([{ bc: 'code', dataverse: 'paymenttermscode' }]);
    expect(matchCriteria(get('CUSTOMER'))).toEqual([]);
  });

  test('named fields by id, BC property or Dataverse column; case sensitivity on request', () => {
    const criteria = matchCriteria(get('CUSTOMER'), ['name', 'city', 'telephone1'], { caseSensitive: true });
    expect(criteria.map((c) => [c.fieldId, c.bc, c.dataverse, c.caseSensitive])).toEqual([
      ['name', 'displayName', 'name', true],
      ['city', 'city', 'address1_city', true],
      ['phone', 'phoneNumber', 'telephone1', true],
    ]);
    expect(matchCriteria(get('CUSTOMER'), ['displayName'])[0]?.caseSensitive).toBe(false);
  });

  test('unknown or unusable match fields are usage errors that say why', () => {
    expect(() => matchCriteria(get('CUSTOMER'), ['vat'])).toThrow(UsageError);
    expect(() => matchCriteria(get('CUSTOMER'), ['vat'])).toThrow(/Unknown match field "vat" for mapping CUSTOMER; fields that can be matched: name, address/);
    expect(() => matchCriteria(get('CUSTOMER'), ['fax'])).toThrow(/fax of mapping CUSTOMER cannot be used for matching: BC API v2.0/);
    expect(() => matchCriteria(get('CUSTOMER'), ['currency'])).toThrow(/translated \(currency\)/);
    expect(() => matchCriteria(get('CUSTOMER'), ['ownerType'])).toThrow(/constant/);
  });

  test('conditions per priority skip empty text; a priority with nothing usable is dropped', () => {
    const criteria = [
      { fieldId: 'name', bc: 'displayName', dataverse: 'name', bcType: 'text' as const, caseSensitive: false, priority: 0 },
      { fieldId: 'city', bc: 'city', dataverse: 'address1_city', bcType: 'text' as const, caseSensitive: false, priority: 0 },
      { fieldId: 'phone', bc: 'phoneNumber', dataverse: 'telephone1', bcType: 'text' as const, caseSensitive: true, priority: 1 },
      { fieldId: 'limit', bc: 'creditLimit', dataverse: 'creditlimit', bcType: 'decimal' as const, caseSensitive: false, priority: 2 },
    ];
    const groups = matchConditions(criteria, { displayName: ' Adatum ', city: '', phoneNumber: '  ', creditLimit: 0 });
    expect(groups).toEqual([
      { priority: 0, conditions: [{ dataverse: 'name', value: 'Adatum', caseSensitive: false }] },
      { priority: 2, conditions: [{ dataverse: 'creditlimit', value: 0, caseSensitive: false }] },
    ]);
    const first = groups[0];
    if (!first) throw new Error('no group');
    expect(rowMatches(first, { name: 'ADATUM' })).toBe(true);
    expect(rowMatches(first, { name: 'Adatum Corp' })).toBe(false);
    expect(rowMatches({ priority: 1, conditions: [{ dataverse: 'name', value: 'Adatum', caseSensitive: true }] }, { name: 'ADATUM' })).toBe(false);
  });
});

describe('describeMapping (mappings list / show)', () => {
  test('data for the listing: tables, direction, filters, schedule, dependencies, fields with status and transform', () => {
    const d = describeMapping(get('CUSTOMER'));
    expect(d).toMatchObject({
      name: 'CUSTOMER',
      kind: 'record',
      direction: 'bidirectional',
      bc: { api: 'v2.0', entitySet: 'customers', table: 'Customer (18)', naturalKey: 'number' },
      dataverse: { table: 'account', entitySet: 'accounts', companyFilter: true, optionSet: undefined },
      synchOnlyCoupledRecords: true,
      updateConflict: 'none',
      deletionConflict: 'none',
      dependencies: ['SALESPEOPLE', 'CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT'],
      schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 720, category: 'BCI CUST' },
      echoSuppression: true,
      customized: false,
      warnings: [],
    });
    expect(d.fields).toHaveLength(get('CUSTOMER').fields.length);
    expect(d.fields.find((f) => f.id === 'currency')).toMatchObject({
      transformLabel: 'currency via CURRENCY (blank = LCY = Dataverse base currency)',
      available: true,
      status: 'enabled',
    });
    expect(d.fields.find((f) => f.id === 'paymentTerms')?.transformLabel).toBe('option value via PAYMENT TERMS');
    expect(d.fields.find((f) => f.id === 'accountNumber')).toMatchObject({ status: 'disabled', origin: 'extra' });
  });

  test('unavailable field mappings are listed with their reasons', () => {
    const d = describeMapping(get('ITEM-PRODUCT'));
    expect(d.unavailable.map((u) => u.id)).toEqual(['unitVolume', 'grossWeight', 'vendorNo', 'vendorItemNo']);
    for (const u of d.unavailable) expect(u.reason).toContain('BC API v2.0 "items" has no property');
    expect(d.fields.find((f) => f.id === 'grossWeight')).toMatchObject({ available: false, bc: undefined, dataverse: 'stockweight' });
    expect(describeMapping(get('CONTACT')).unavailable.map((u) => u.bcField)).toEqual([
      'Salesperson Code', 'Currency Code', 'Fax No.', 'First Name', 'Middle Name', 'Surname', 'Pager', 'Salutation Code',
    ]);
  });

  test('option mappings show their option set; customized mappings say so', () => {
    expect(describeMapping(get('SHIPPING AGENT')).dataverse.optionSet).toBe('account.address1_shippingmethodcode');
    const [customized] = applyOverrides([get('VENDOR')], { VENDOR: { fields: { email: { status: 'disabled' } } } });
    const d = describeMapping(customized as IntegrationTableMapping);
    expect(d.customized).toBe(true);
    expect(d.fields.find((f) => f.id === 'email')).toMatchObject({ customized: true, status: 'disabled' });
  });
});

describe('field selection, properties, filters, code series', () => {
  test('a pass selects enabled, exposed rows of its direction or ⇄, never owner type rows', () => {
    const ids = selectFields(get('CUSTOMER'), 'from-dataverse').map((f) => f.id);
    expect(ids).toContain('name');
    expect(ids).toContain('blockedFromState');
    expect(ids).not.toContain('creditLimit');
    expect(ids).not.toContain('fax');
    expect(ids).not.toContain('owner');
    expect(selectFields(get('CUSTOMER'), 'to-dataverse').map((f) => f.id)).not.toContain('ownerType');
  });

  test('properties to read cover keys, timestamps, mapped fields, lookup scopes and filters', () => {
    const item = get('ITEM-PRODUCT');
    expect(propertiesToRead(item, 'bc')).toEqual(
      expect.arrayContaining(['id', 'lastModifiedDateTime', 'number', 'displayName', 'unitPrice', 'unitCost', 'inventory', 'baseUnitOfMeasureCode', 'blocked']),
    );
    expect(propertiesToRead(item, 'dataverse')).toEqual(
      expect.arrayContaining(['productid', 'modifiedon', '_modifiedby_value', 'name', 'price', '_defaultuomid_value', '_transactioncurrencyid_value', 'statecode', 'producttypecode']),
    );
    expect(propertiesToRead(get('CONTACT'), 'dataverse')).toContain('_parentcustomerid_value');
    expect(propertiesToRead(get('CONTACT'), 'bc')).toContain('companyNumber');
    expect(propertiesToRead(get('CUSTOMER'), 'bc')).not.toContain('taxAreaId');
  });

  test('filters evaluate in memory, including the company filter and lookup targets', () => {
    const contact = get('CONTACT');
    const company = 'dddddddd-dddd-dddd-dddd-dddddddddddd';
    const conditions = dataverseFilter(contact, company);
    expect(conditions.at(-1)).toEqual({ field: '_bcbi_companyid_value', op: 'in', value: [company, null] });
    expect(dataverseFilter(contact, undefined)).toEqual(contact.dataverse.filter);
    const row = {
      statecode: 0,
      _parentcustomerid_value: 'eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee',
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
      _bcbi_companyid_value: company.toUpperCase(),
    };
    expect(evaluateFilter(conditions, row)).toBe(true);
    expect(evaluateFilter(conditions, { ...row, _bcbi_companyid_value: null })).toBe(true);
    expect(evaluateFilter(conditions, { ...row, _bcbi_companyid_value: 'ffffffff-ffff-ffff-ffff-ffffffffffff' })).toBe(false);
    expect(evaluateFilter(conditions, { ...row, '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact' })).toBe(false);
    expect(evaluateFilter(conditions, { ...row, _parentcustomerid_value: null })).toBe(false);
    expect(evaluateFilter(conditions, { ...row, statecode: 1 })).toBe(false);
    expect(evaluateFilter(get('OPPORTUNITY').bc.filter, { status: 'In Progress' })).toBe(true);
    expect(evaluateFilter(get('OPPORTUNITY').bc.filter, { status: 'Won' })).toBe(false);
    expect(evaluateFilter([{ field: 'minimumQuantity', op: 'le', value: 5 }], { minimumQuantity: 2 })).toBe(true);
    expect(evaluateFilter([{ field: 'startingDate', op: 'gt', value: '2024-01-01' }], { startingDate: '2023-12-31' })).toBe(false);
  });

  test('SP NO. series: one past the highest existing code', () => {
    const series = { property: 'code', prefix: 'SP NO. ', digits: 5 };
    expect(nextSeriesCode([], series)).toBe('SP NO. 00001');
    expect(nextSeriesCode(['JR', 'SP NO. 00002', 'sp no. 00009', 'SP NO. X'], series)).toBe('SP NO. 00010');
  });
});
