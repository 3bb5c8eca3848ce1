import { describe, expect, test } from '@jest/globals';
import { defaultMappings } from '../../src/mapping/defaults/index.js';
import { referencedMappings, usesEchoSuppression } from '../../src/mapping/fields.js';
import { defaultIntegrationOptions, type IntegrationOptions } from '../../src/mapping/integration-options.js';
import type { Direction, IntegrationTableMapping } from '../../src/mapping/types.js';

function options(patch: Partial<IntegrationOptions>): IntegrationOptions {
  return { ...defaultIntegrationOptions, ...patch };
}

function byName(mappings: IntegrationTableMapping[], name: string): IntegrationTableMapping {
  const mapping = mappings.find((m) => m.name === name);
  if (!mapping) throw new Error(`mapping ${name} missing`);
  return mapping;
}

const combos: Array<{ ownershipModel: 'person' | 'team'; unitGroups: boolean; pricing: 'groups' | 'lists' }> = [];
for (const ownershipModel of ['person', 'team'] as const) {
  for (const unitGroups of [true, false]) {
    for (const pricing of ['groups', 'lists'] as const) combos.push({ ownershipModel, unitGroups, pricing });
  }
}

function expectedNames(c: (typeof combos)[number]): string[] {
  return [
    ...(c.ownershipModel === 'person' ? ['SALESPEOPLE'] : []),
    'CUSTOMER',
    'VENDOR',
    'CONTACT',
    'CURRENCY',
    'PAYMENT TERMS',
    'SHIPMENT METHOD',
    'SHIPPING AGENT',
    ...(c.unitGroups ? ['UNIT GROUP', 'ITEM UOM', 'RESOURCE UOM'] : ['UNIT OF MEASURE']),
    'ITEM-PRODUCT',
    'RESOURCE-PRODUCT',
    ...(c.pricing === 'lists' ? ['PLHEADER-PRICE', 'PLLINE-PRODPRICE'] : ['CUSTPRCGRP-PRICE', 'SALESPRC-PRODPRICE']),
    'OPPORTUNITY',
  ];
}

describe('default mapping set per option combination (§2)', () => {
  test.each(combos)('$ownershipModel, unit groups $unitGroups, pricing $pricing: has exactly the mappings §2 creates, in creation order', (c) => {
    const mappings = defaultMappings(options(c));
    expect(mappings.map((m) => m.name)).toEqual(expectedNames(c));
  });

  test.each(combos)('$ownershipModel, unit groups $unitGroups, pricing $pricing: every dependency names a mapping of the set, every field id is unique', (c) => {
    const mappings = defaultMappings(options(c));
    const names = new Set(mappings.map((m) => m.name));
    for (const m of mappings) {
      for (const d of m.dependencies) expect(names.has(d)).toBe(true);
      const ids = m.fields.map((f) => f.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  test.each(combos)('$ownershipModel, unit groups $unitGroups, pricing $pricing: every BC property used is one the entity set exposes', (c) => {
    for (const m of defaultMappings(options(c))) {
      for (const f of m.fields) {
        if (f.bc !== undefined) expect([m.name, f.id, m.bc.properties.includes(f.bc)]).toEqual([m.name, f.id, true]);
      }
      for (const condition of m.bc.filter) expect(m.bc.properties).toContain(condition.field);
      if (m.bc.naturalKey) expect(m.bc.properties).toContain(m.bc.naturalKey);
    }
  });

  test('bidirectional: SALESORDER-ORDER ⇄ and SOLINE-ORDERDETAIL ⇄ last, lines with their order (no job), deletion conflicts remove the coupling (§2.1)', () => {
    const off = defaultMappings(options({ orderSync: 'off' })).map((m) => m.name);
    const both = defaultMappings(options({ orderSync: 'bidirectional' }));
    expect(both.map((m) => m.name)).toEqual([...off, 'SALESORDER-ORDER', 'SOLINE-ORDERDETAIL']);
    expect(byName(both, 'SALESORDER-ORDER')).toMatchObject({
      direction: 'bidirectional',
      synchOnlyCoupledRecords: true,
      dependencies: ['CUSTOMER', 'ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'OPPORTUNITY'],
      schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 720 },
      dataverse: { entitySet: 'salesorders', filter: [{ field: 'statecode', op: 'eq', value: 1 }], companyFilter: true },
    });
    expect(byName(both, 'SOLINE-ORDERDETAIL')).toMatchObject({
      direction: 'bidirectional',
      synchOnlyCoupledRecords: false,
      deletionConflict: 'remove-coupling',
      dependencies: ['SALESORDER-ORDER'],
      schedule: undefined,
    });
  });

  test('order sync off: no sales-order mapping; legacy: SALESORDER-ORDER →DV last, only coupled Released orders (§2.1)', () => {
    const off = defaultMappings(options({ orderSync: 'off' })).map((m) => m.name);
    expect(off).not.toContain('SALESORDER-ORDER');
    expect(off).not.toContain('POSTEDSALESINV-INV');
    expect(off).toEqual(expectedNames({ ownershipModel: 'person', unitGroups: true, pricing: 'lists' }));
    const legacy = defaultMappings(options({ orderSync: 'legacy' }));
    expect(legacy.map((m) => m.name)).toEqual([...off, 'SALESORDER-ORDER']);
    const order = byName(legacy, 'SALESORDER-ORDER');
    expect(order).toMatchObject({
      direction: 'to-dataverse',
      synchOnlyCoupledRecords: true,
      dependencies: ['ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'OPPORTUNITY'],
      schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 720 },
      bc: { api: 'custom', entitySet: 'salesHeaders', filter: [{ field: 'documentType', op: 'eq', value: 'Order' }, { field: 'status', op: 'eq', value: 'Released' }] },
      dataverse: { entitySet: 'salesorders', reopenForWrite: { lockedStates: [1], open: { statecode: 0, statuscode: 1 } } },
    });
    const pairs = order.fields.filter((f) => f.dataverse !== 'owneridtype').map((f) => `${f.bc}->${f.dataverse}`);
    expect(pairs).toEqual(expect.arrayContaining(['lastShipmentDate->datefulfilled', 'requestedDeliveryDate->requestdeliveryby', 'amount->totalamountlessfreight', 'amountIncludingVAT->totalamount', 'shipToCity->shipto_city', 'billToName->billto_name']));
    expect(order.fields.every((f) => f.direction === 'to-dataverse')).toBe(true);
  });

  test('each call returns fresh objects (callers may mutate)', () => {
    const a = defaultMappings(defaultIntegrationOptions);
    const b = defaultMappings(defaultIntegrationOptions);
    byName(a, 'CUSTOMER').direction = 'to-dataverse';
    expect(byName(b, 'CUSTOMER').direction).toBe('bidirectional');
  });
});

describe('table-level defaults (§2.1, §9)', () => {
  const person = defaultMappings(options({ ownershipModel: 'person', unitGroups: true, pricing: 'lists' }));
  const old = defaultMappings(options({ ownershipModel: 'person', unitGroups: false, pricing: 'groups' }));
  const all = [...person, ...old.filter((m) => !person.some((p) => p.name === m.name))];

  const table: Array<[string, Direction, boolean, string, string, number | undefined]> = [
    ['SALESPEOPLE', 'from-dataverse', true, 'salespeoplePurchasers', 'systemuser', 1440],
    ['CUSTOMER', 'bidirectional', true, 'customers', 'account', 720],
    ['VENDOR', 'bidirectional', true, 'vendors', 'account', 720],
    ['CONTACT', 'bidirectional', true, 'contacts', 'contact', 720],
    ['CURRENCY', 'to-dataverse', true, 'currencies', 'transactioncurrency', 720],
    ['PAYMENT TERMS', 'to-dataverse', true, 'paymentTerms', 'account', 1440],
    ['SHIPMENT METHOD', 'to-dataverse', true, 'shipmentMethods', 'account', 1440],
    ['SHIPPING AGENT', 'to-dataverse', true, 'shippingAgents', 'account', 1440],
    ['UNIT OF MEASURE', 'to-dataverse', true, 'unitsOfMeasure', 'uomschedule', 720],
    ['UNIT GROUP', 'to-dataverse', true, 'unitGroups', 'uomschedule', 720],
    ['ITEM UOM', 'to-dataverse', true, 'itemUnitsOfMeasure', 'uom', 720],
    ['RESOURCE UOM', 'to-dataverse', true, 'resourceUnitsOfMeasure', 'uom', 720],
    ['ITEM-PRODUCT', 'bidirectional', true, 'items', 'product', 1440],
    ['RESOURCE-PRODUCT', 'bidirectional', true, 'resources', 'product', 720],
    ['CUSTPRCGRP-PRICE', 'to-dataverse', true, 'customerPriceGroups', 'pricelevel', 1440],
    ['SALESPRC-PRODPRICE', 'to-dataverse', false, 'salesPrices', 'productpricelevel', 1440],
    ['PLHEADER-PRICE', 'to-dataverse', true, 'priceListHeaders', 'pricelevel', 1440],
    ['PLLINE-PRODPRICE', 'to-dataverse', false, 'priceListLines', 'productpricelevel', 1440],
    ['OPPORTUNITY', 'bidirectional', false, 'opportunities', 'opportunity', undefined],
  ];

  test.each(table)('%s: direction %s, only coupled %s, %s ↔ %s, inactivity %s', (name, direction, onlyCoupled, set, dvTable, timeout) => {
    const m = byName(all, name);
    expect(m.direction).toBe(direction);
    expect(m.synchOnlyCoupledRecords).toBe(onlyCoupled);
    expect(m.bc.entitySet).toBe(set);
    expect(m.dataverse.table).toBe(dvTable);
    expect(m.updateConflict).toBe('none');
    expect(m.deletionConflict).toBe('none');
    if (timeout === undefined) expect(m.schedule).toBeUndefined();
    else expect(m.schedule).toMatchObject({ intervalMinutes: 30, inactivityTimeoutMinutes: timeout });
  });

  test('custom-API entity sets are the ones docs/custom-api.md publishes', () => {
    const custom = all.filter((m) => m.bc.api === 'custom').map((m) => m.bc.entitySet).sort();
    expect(custom).toEqual(
      [
        'customerPriceGroups', 'itemUnitsOfMeasure', 'priceListHeaders', 'priceListLines', 'resourceUnitsOfMeasure',
        'resources', 'salesPrices', 'shippingAgents', 'unitGroups',
      ].sort(),
    );
  });

  test('job categories: BCI CUST for customers/vendors/contacts, BCI OPTION for option mappings', () => {
    for (const name of ['CUSTOMER', 'VENDOR', 'CONTACT']) expect(byName(all, name).schedule?.category).toBe('BCI CUST');
    for (const name of ['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT']) {
      const m = byName(all, name);
      expect(m.schedule?.category).toBe('BCI OPTION');
      expect(m.kind).toBe('option');
    }
  });

  test('match-based flags on CURRENCY, option mappings and unit mappings only', () => {
    const flagged = all.filter((m) => m.matchBased.syncAfterCoupling && m.matchBased.createNewIfNoMatch).map((m) => m.name);
    expect(flagged.sort()).toEqual(
      ['CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT', 'UNIT GROUP', 'ITEM UOM', 'RESOURCE UOM'].sort(),
    );
  });

  test('BC table filters translated to API properties and values', () => {
    expect(byName(all, 'CUSTOMER').bc.filter).toEqual([{ field: 'blocked', op: 'eq', value: ' ' }]);
    expect(byName(all, 'VENDOR').bc.filter).toEqual([{ field: 'blocked', op: 'eq', value: ' ' }]);
    expect(byName(all, 'CONTACT').bc.filter).toEqual([
      { field: 'type', op: 'eq', value: 'Person' },
      { field: 'companyNumber', op: 'ne', value: '' },
    ]);
    expect(byName(all, 'ITEM-PRODUCT').bc.filter).toEqual([{ field: 'blocked', op: 'eq', value: false }]);
    expect(byName(all, 'RESOURCE-PRODUCT').bc.filter).toEqual([{ field: 'blocked', op: 'eq', value: false }]);
    expect(byName(all, 'SALESPRC-PRODPRICE').bc.filter).toEqual([
      { field: 'salesType', op: 'eq', value: 'Customer Price Group' },
      { field: 'salesCode', op: 'ne', value: '' },
    ]);
    expect(byName(all, 'PLLINE-PRODPRICE').bc.filter).toEqual([
      { field: 'priceType', op: 'eq', value: 'Sale' },
      { field: 'amountType', op: 'eq', value: 'Price' },
      { field: 'assetType', op: 'in', value: ['Item', 'Resource'] },
      { field: 'minimumQuantity', op: 'eq', value: 0 },
    ]);
    expect(byName(all, 'OPPORTUNITY').bc.filter).toEqual([{ field: 'status', op: 'in', value: ['Not Started', 'In Progress'] }]);
    expect(byName(all, 'PLHEADER-PRICE').bc.filter).toContainEqual({ field: 'allowUpdatingDefaults', op: 'eq', value: false });
    const withDefaultList = defaultMappings(defaultIntegrationOptions, { defaultPriceListCodeSet: true });
    expect(byName(withDefaultList, 'PLHEADER-PRICE').bc.filter).toContainEqual({ field: 'allowUpdatingDefaults', op: 'eq', value: true });
  });

  test('Dataverse filters and the company filter flag', () => {
    expect(byName(all, 'SALESPEOPLE').dataverse.filter).toEqual([
      { field: 'isdisabled', op: 'eq', value: false },
      { field: 'islicensed', op: 'eq', value: true },
      { field: 'isintegrationuser', op: 'eq', value: false },
    ]);
    expect(byName(all, 'CUSTOMER').dataverse.filter).toEqual([
      { field: 'statecode', op: 'eq', value: 0 },
      { field: 'customertypecode', op: 'eq', value: 3 },
    ]);
    expect(byName(all, 'VENDOR').dataverse.filter).toContainEqual({ field: 'customertypecode', op: 'eq', value: 11 });
    expect(byName(all, 'CONTACT').dataverse.filter).toEqual([
      { field: '_parentcustomerid_value', op: 'ne', value: null },
      { field: 'statecode', op: 'eq', value: 0 },
      { field: 'parentcustomerid', op: 'lookupTarget', value: 'account' },
    ]);
    expect(byName(all, 'ITEM-PRODUCT').dataverse.filter).toContainEqual({ field: 'producttypecode', op: 'eq', value: 1 });
    expect(byName(all, 'RESOURCE-PRODUCT').dataverse.filter).toContainEqual({ field: 'producttypecode', op: 'eq', value: 3 });
    const companyFiltered = all.filter((m) => m.dataverse.companyFilter).map((m) => m.name).sort();
    expect(companyFiltered).toEqual(
      ['CUSTOMER', 'VENDOR', 'CONTACT', 'ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'CUSTPRCGRP-PRICE', 'PLHEADER-PRICE', 'OPPORTUNITY'].sort(),
    );
    expect(byName(all, 'PLHEADER-PRICE').dataverse.companyIdStamp).toBe('insert');
    expect(byName(all, 'CUSTOMER').dataverse.template?.values).toEqual({ customertypecode: 3 });
    expect(byName(all, 'VENDOR').dataverse.template?.values).toEqual({ customertypecode: 11 });
  });

  test('dependency filters as §2.1 lists them (Person ownership, unit groups)', () => {
    expect(byName(person, 'CUSTOMER').dependencies).toEqual(['SALESPEOPLE', 'CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT']);
    expect(byName(person, 'VENDOR').dependencies).toEqual(byName(person, 'CUSTOMER').dependencies);
    expect(byName(person, 'CONTACT').dependencies).toEqual(['CUSTOMER', 'VENDOR']);
    expect(byName(person, 'ITEM UOM').dependencies).toEqual(['UNIT GROUP']);
    expect(byName(person, 'RESOURCE UOM').dependencies).toEqual(['UNIT GROUP']);
    expect(byName(person, 'ITEM-PRODUCT').dependencies).toEqual(['ITEM UOM']);
    expect(byName(person, 'RESOURCE-PRODUCT').dependencies).toEqual(['RESOURCE UOM']);
    expect(byName(old, 'ITEM-PRODUCT').dependencies).toEqual(['UNIT OF MEASURE']);
    expect(byName(old, 'RESOURCE-PRODUCT').dependencies).toEqual(['UNIT OF MEASURE']);
    expect(byName(person, 'PLHEADER-PRICE').dependencies).toEqual(['CURRENCY', 'ITEM-PRODUCT']);
    expect(byName(person, 'PLLINE-PRODPRICE').dependencies).toEqual(['PLHEADER-PRICE', 'ITEM-PRODUCT']);
    expect(byName(old, 'CUSTPRCGRP-PRICE').dependencies).toEqual(['CURRENCY', 'ITEM-PRODUCT']);
    expect(byName(old, 'SALESPRC-PRODPRICE').dependencies).toEqual(['CUSTPRCGRP-PRICE', 'ITEM-PRODUCT']);
    expect(byName(person, 'OPPORTUNITY').dependencies).toEqual(['CONTACT']);
  });

  test('echo suppression applies to the ⇄ mappings of §5.2', () => {
    const suppressed = all.filter((m) => usesEchoSuppression(m)).map((m) => m.name).sort();
    expect(suppressed).toEqual(['CONTACT', 'CUSTOMER', 'ITEM-PRODUCT', 'OPPORTUNITY', 'RESOURCE-PRODUCT', 'VENDOR'].sort());
  });

  test('SALESPEOPLE names new BC salespeople from the SP NO. series', () => {
    expect(byName(person, 'SALESPEOPLE').bc.insertCodeSeries).toEqual({ property: 'code', prefix: 'SP NO. ', digits: 5 });
  });
});

describe('ownership model (§2.1, §2.2 [P])', () => {
  const person = defaultMappings(options({ ownershipModel: 'person' }));
  const team = defaultMappings(options({ ownershipModel: 'team' }));

  test('Team: no SALESPEOPLE mapping, no owner rows, no SALESPEOPLE dependency, owning team on insert', () => {
    expect(team.map((m) => m.name)).not.toContain('SALESPEOPLE');
    for (const m of team) {
      expect(m.fields.filter((f) => f.transform.kind === 'owner' || f.dataverse === 'owneridtype')).toEqual([]);
      expect(m.dependencies).not.toContain('SALESPEOPLE');
    }
    expect(byName(team, 'CUSTOMER').dependencies).toEqual(['CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT']);
    for (const name of ['CUSTOMER', 'VENDOR', 'CONTACT', 'OPPORTUNITY']) expect(byName(team, name).dataverse.ownerTeamOnInsert).toBe(true);
    for (const name of ['CUSTOMER', 'VENDOR', 'CONTACT', 'OPPORTUNITY']) expect(byName(person, name).dataverse.ownerTeamOnInsert).toBe(false);
  });

  test('Person: owner rows on CUSTOMER, VENDOR, CONTACT, OPPORTUNITY; available where the API has the salesperson', () => {
    const ownerOf = (name: string) => byName(person, name).fields.find((f) => f.id === 'owner');
    expect(ownerOf('CUSTOMER')).toMatchObject({ bc: 'salespersonCode', dataverse: 'ownerid', direction: 'to-dataverse', notNull: true, bcExposed: true });
    expect(ownerOf('OPPORTUNITY')).toMatchObject({ bc: 'salespersonCode', bcExposed: true });
    expect(ownerOf('VENDOR')).toMatchObject({ bcField: 'Purchaser Code', bcExposed: false });
    expect(ownerOf('CONTACT')).toMatchObject({ bcField: 'Salesperson Code', bcExposed: false });
    for (const name of ['CUSTOMER', 'VENDOR', 'CONTACT', 'OPPORTUNITY']) {
      expect(byName(person, name).fields.find((f) => f.id === 'ownerType')).toMatchObject({
        dataverse: 'owneridtype',
        transform: { kind: 'targetType', lookupField: 'ownerid', target: 'systemuser' },
        validateField: false,
      });
    }
  });
});

type Row = [id: string, bc: string | undefined, dataverse: string | undefined, direction: Direction, exposed: boolean];

function fieldRows(m: IntegrationTableMapping): Row[] {
  return m.fields.map((f) => [f.id, f.bc, f.dataverse, f.direction, f.bcExposed]);
}

describe('field mappings of §2.2 and §2.3', () => {
  const mappings = defaultMappings(options({ ownershipModel: 'person', unitGroups: true }));

  test('CUSTOMER: every field mapping, AL names translated to API v2.0 properties', () => {
    expect(fieldRows(byName(mappings, 'CUSTOMER'))).toEqual([
      ['ownerType', undefined, 'owneridtype', 'to-dataverse', true],
      ['owner', 'salespersonCode', 'ownerid', 'to-dataverse', true],
      ['name', 'displayName', 'name', 'bidirectional', true],
      ['contact', undefined, 'address1_primarycontactname', 'bidirectional', false],
      ['address', 'addressLine1', 'address1_line1', 'bidirectional', true],
      ['address2', 'addressLine2', 'address1_line2', 'bidirectional', true],
      ['postCode', 'postalCode', 'address1_postalcode', 'bidirectional', true],
      ['city', 'city', 'address1_city', 'bidirectional', true],
      ['country', 'country', 'address1_country', 'bidirectional', true],
      ['county', 'state', 'address1_stateorprovince', 'bidirectional', true],
      ['currency', 'currencyCode', 'transactioncurrencyid', 'bidirectional', true],
      ['email', 'email', 'emailaddress1', 'bidirectional', true],
      ['fax', undefined, 'fax', 'bidirectional', false],
      ['homePage', 'website', 'websiteurl', 'bidirectional', true],
      ['phone', 'phoneNumber', 'telephone1', 'bidirectional', true],
      ['shipmentMethod', 'shipmentMethodId', 'address1_freighttermscode', 'bidirectional', true],
      ['shippingAgent', undefined, 'address1_shippingmethodcode', 'bidirectional', false],
      ['paymentTerms', 'paymentTermsId', 'paymenttermscode', 'bidirectional', true],
      ['creditLimit', 'creditLimit', 'creditlimit', 'to-dataverse', true],
      ['primaryContact', undefined, 'primarycontactid', 'bidirectional', false],
      ['accountNumber', 'number', 'accountnumber', 'to-dataverse', true],
      ['mobilePhone', undefined, 'telephone2', 'bidirectional', false],
      ['blockedFromState', 'blocked', 'statecode', 'from-dataverse', true],
    ]);
    const customer = byName(mappings, 'CUSTOMER');
    const f = (id: string) => customer.fields.find((x) => x.id === id);
    expect(f('currency')?.transform).toEqual({ kind: 'currency' });
    expect(f('paymentTerms')?.transform).toEqual({ kind: 'option', mapping: 'PAYMENT TERMS', bcKey: 'id' });
    expect(f('shipmentMethod')?.transform).toEqual({ kind: 'option', mapping: 'SHIPMENT METHOD', bcKey: 'id' });
    expect(f('primaryContact')).toMatchObject({ clearValueOnFailedSync: true, transform: { kind: 'lookup', mapping: 'CONTACT' } });
    expect(f('country')?.validateField).toBe(false);
    expect(f('contact')?.validateField).toBe(false);
    // §2.3 extras are added disabled; the rule row is BC table logic.
    expect(f('accountNumber')).toMatchObject({ status: 'disabled', origin: 'extra' });
    expect(f('mobilePhone')).toMatchObject({ status: 'disabled', origin: 'extra' });
    expect(f('blockedFromState')).toMatchObject({ origin: 'rule', transform: { kind: 'blockedFromState', blockedValue: 'All' } });
    expect(f('name')).toMatchObject({ bcMaxLength: 100, dataverseMaxLength: 160 });
  });

  test('VENDOR: as CUSTOMER without credit limit; fields v2.0 vendors lack are unavailable', () => {
    const vendor = byName(mappings, 'VENDOR');
    const ids = vendor.fields.map((f) => f.id);
    expect(ids).not.toContain('creditLimit');
    expect(ids).not.toContain('blockedFromState');
    const unavailable = vendor.fields.filter((f) => !f.bcExposed).map((f) => f.id).sort();
    expect(unavailable).toEqual(['contact', 'fax', 'mobilePhone', 'owner', 'primaryContact', 'shipmentMethod', 'shippingAgent'].sort());
  });

  test('CONTACT: every field mapping', () => {
    expect(fieldRows(byName(mappings, 'CONTACT'))).toEqual([
      ['ownerType', undefined, 'owneridtype', 'to-dataverse', true],
      ['owner', undefined, 'ownerid', 'to-dataverse', false],
      ['currency', undefined, 'transactioncurrencyid', 'bidirectional', false],
      ['address', 'addressLine1', 'address1_line1', 'bidirectional', true],
      ['address2', 'addressLine2', 'address1_line2', 'bidirectional', true],
      ['postCode', 'postalCode', 'address1_postalcode', 'bidirectional', true],
      ['city', 'city', 'address1_city', 'bidirectional', true],
      ['country', 'country', 'address1_country', 'bidirectional', true],
      ['county', 'state', 'address1_stateorprovince', 'bidirectional', true],
      ['email', 'email', 'emailaddress1', 'bidirectional', true],
      ['fax', undefined, 'fax', 'bidirectional', false],
      ['name', 'displayName', 'lastname', 'bidirectional', true],
      ['firstName', undefined, 'firstname', 'bidirectional', false],
      ['middleName', undefined, 'middlename', 'bidirectional', false],
      ['surname', undefined, 'lastname', 'bidirectional', false],
      ['homePage', 'website', 'websiteurl', 'bidirectional', true],
      ['mobilePhone', 'mobilePhoneNumber', 'mobilephone', 'bidirectional', true],
      ['pager', undefined, 'pager', 'bidirectional', false],
      ['phone', 'phoneNumber', 'telephone1', 'bidirectional', true],
      ['type', 'type', undefined, 'from-dataverse', true],
      ['parentType', undefined, 'parentcustomeridtype', 'to-dataverse', true],
      ['salutation', undefined, 'salutation', 'bidirectional', false],
    ]);
    const contact = byName(mappings, 'CONTACT');
    expect(contact.fields.find((f) => f.id === 'type')?.transform).toEqual({ kind: 'constant', value: 'Person' });
    expect(contact.fields.find((f) => f.id === 'parentType')?.transform).toEqual({
      kind: 'targetType',
      lookupField: 'parentcustomerid',
      target: 'account',
    });
    expect(contact.parentLink).toMatchObject({ bcProperty: 'companyNumber', navigation: 'parentcustomerid_account', via: ['CUSTOMER', 'VENDOR'] });
  });

  test('ITEM-PRODUCT with unit groups: every field mapping and the product rules', () => {
    expect(fieldRows(byName(mappings, 'ITEM-PRODUCT'))).toEqual([
      ['number', 'number', 'productnumber', 'to-dataverse', true],
      ['description', 'displayName', 'name', 'bidirectional', true],
      ['unitPrice', 'unitPrice', 'price', 'to-dataverse', true],
      ['standardCost', 'unitCost', 'standardcost', 'to-dataverse', true],
      ['currentCost', 'unitCost', 'currentcost', 'to-dataverse', true],
      ['unitVolume', undefined, 'stockvolume', 'to-dataverse', false],
      ['grossWeight', undefined, 'stockweight', 'to-dataverse', false],
      ['vendorNo', undefined, 'vendorid', 'to-dataverse', false],
      ['vendorItemNo', undefined, 'vendorpartnumber', 'to-dataverse', false],
      ['inventory', 'inventory', 'quantityonhand', 'to-dataverse', true],
      ['baseUnit', 'baseUnitOfMeasureCode', 'defaultuomid', 'bidirectional', true],
      ['currency', undefined, 'transactioncurrencyid', 'to-dataverse', true],
      ['quantityDecimal', undefined, 'quantitydecimal', 'to-dataverse', true],
      ['productType', undefined, 'producttypecode', 'to-dataverse', true],
      ['stateOnInsert', 'blocked', 'statecode', 'to-dataverse', true],
      ['blockedFromState', 'blocked', 'statecode', 'from-dataverse', true],
      ['unitGroup', 'number', 'defaultuomscheduleid', 'to-dataverse', true],
    ]);
    const item = byName(mappings, 'ITEM-PRODUCT');
    const f = (id: string) => item.fields.find((x) => x.id === id);
    expect(f('unitPrice')?.transform).toEqual({ kind: 'nonNegative' });
    expect(f('inventory')?.transform).toEqual({ kind: 'nonNegative' });
    expect(f('quantityDecimal')).toMatchObject({ insertOnly: true, transform: { kind: 'constant', value: 2 } });
    expect(f('productType')?.transform).toEqual({ kind: 'constant', value: 1 });
    expect(f('stateOnInsert')).toMatchObject({ insertOnly: true, transform: { kind: 'stateFromBlocked' } });
    expect(f('currency')?.transform).toEqual({ kind: 'baseCurrency' });
    expect(f('baseUnit')?.transform).toMatchObject({ kind: 'lookup', mapping: 'ITEM UOM', navigation: 'defaultuomid' });
  });

  test('ITEM-PRODUCT without unit groups: base unit ↔ defaultuomscheduleid via UNIT OF MEASURE', () => {
    const legacy = byName(defaultMappings(options({ unitGroups: false })), 'ITEM-PRODUCT');
    const baseUnit = legacy.fields.find((f) => f.id === 'baseUnit');
    expect(baseUnit).toMatchObject({ dataverse: 'defaultuomscheduleid', transform: { kind: 'lookup', mapping: 'UNIT OF MEASURE' } });
    expect(legacy.fields.map((f) => f.id)).not.toContain('unitGroup');
  });

  test('RESOURCE-PRODUCT: producttypecode Services; base unit only with unit groups', () => {
    const resource = byName(mappings, 'RESOURCE-PRODUCT');
    expect(resource.fields.find((f) => f.id === 'productType')?.transform).toEqual({ kind: 'constant', value: 3 });
    expect(resource.fields.find((f) => f.id === 'vendorNo')).toMatchObject({ bc: 'vendorNumber', bcExposed: true });
    expect(resource.fields.find((f) => f.id === 'capacity')).toMatchObject({ bc: 'capacity', dataverse: 'quantityonhand' });
    expect(resource.fields.find((f) => f.id === 'baseUnit')).toMatchObject({ dataverse: 'defaultuomid', direction: 'to-dataverse' });
    const legacy = byName(defaultMappings(options({ unitGroups: false })), 'RESOURCE-PRODUCT');
    expect(legacy.fields.map((f) => f.id)).not.toContain('baseUnit');
  });

  test('SALESPEOPLE, CURRENCY, options, units, prices and OPPORTUNITY field mappings', () => {
    expect(fieldRows(byName(mappings, 'SALESPEOPLE'))).toEqual([
      ['email', 'eMail', 'internalemailaddress', 'from-dataverse', true],
      ['name', 'displayName', 'fullname', 'from-dataverse', true],
      ['phone', undefined, 'mobilephone', 'from-dataverse', false],
      ['jobTitle', undefined, 'jobtitle', 'bidirectional', false],
      ['email2', undefined, 'personalemailaddress', 'bidirectional', false],
    ]);
    const currency = byName(mappings, 'CURRENCY');
    expect(currency.fields.slice(0, 3).map((f) => [f.bc, f.dataverse])).toEqual([
      ['code', 'isocurrencycode'],
      ['symbol', 'currencysymbol'],
      ['displayName', 'currencyname'],
    ]);
    expect(currency.fields.find((f) => f.id === 'code')?.useForMatch).toBe(true);
    for (const name of ['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT']) {
      const m = byName(mappings, name);
      expect(m.fields).toHaveLength(1);
      expect(m.fields[0]).toMatchObject({ bc: 'code', useForMatch: true });
      expect(m.dataverse.optionSet?.attribute).toBe(m.fields[0]?.dataverse);
    }
    expect(byName(mappings, 'PAYMENT TERMS').dataverse.optionSet?.attribute).toBe('paymenttermscode');
    expect(byName(mappings, 'SHIPMENT METHOD').dataverse.optionSet?.attribute).toBe('address1_freighttermscode');
    expect(byName(mappings, 'SHIPPING AGENT').dataverse.optionSet?.attribute).toBe('address1_shippingmethodcode');
    expect(byName(mappings, 'SHIPMENT METHOD').dataverse.optionSet?.mirrors.map((m) => m.table)).toEqual(['salesorder', 'quote']);

    expect(fieldRows(byName(mappings, 'UNIT GROUP'))).toEqual([
      ['name', 'code', 'name', 'to-dataverse', true],
      ['baseUnitName', 'sourceNumber', 'baseuomname', 'to-dataverse', true],
    ]);
    expect(fieldRows(byName(mappings, 'ITEM UOM')).slice(0, 2)).toEqual([
      ['name', 'code', 'name', 'to-dataverse', true],
      ['quantity', 'qtyPerUnitOfMeasure', 'quantity', 'to-dataverse', true],
    ]);
    const legacy = defaultMappings(options({ unitGroups: false, pricing: 'groups' }));
    expect(fieldRows(byName(legacy, 'UNIT OF MEASURE'))).toEqual([
      ['code', 'code', 'baseuomname', 'to-dataverse', true],
      ['groupName', 'code', 'name', 'to-dataverse', true],
    ]);
    expect(fieldRows(byName(legacy, 'SALESPRC-PRODPRICE'))).toEqual([
      ['priceList', 'salesCode', 'pricelevelid', 'to-dataverse', true],
      ['product', 'itemNumber', 'productid', 'to-dataverse', true],
      ['productNumber', 'itemNumber', 'productnumber', 'to-dataverse', true],
      ['currency', 'currencyCode', 'transactioncurrencyid', 'to-dataverse', true],
      ['pricingMethod', undefined, 'pricingmethodcode', 'to-dataverse', true],
      ['amount', 'unitPrice', 'amount', 'to-dataverse', true],
      ['unit', 'unitOfMeasureCode', 'uomscheduleid', 'to-dataverse', true],
    ]);
    expect(fieldRows(byName(legacy, 'CUSTPRCGRP-PRICE'))).toEqual([
      ['name', 'code', 'name', 'to-dataverse', true],
      ['description', 'description', 'description', 'to-dataverse', true],
    ]);
    expect(fieldRows(byName(mappings, 'PLHEADER-PRICE'))).toEqual([
      ['name', 'code', 'name', 'to-dataverse', true],
      ['description', 'description', 'description', 'to-dataverse', true],
      ['currency', 'currencyCode', 'transactioncurrencyid', 'to-dataverse', true],
      ['startingDate', 'startingDate', 'begindate', 'to-dataverse', true],
      ['endingDate', 'endingDate', 'enddate', 'to-dataverse', true],
      ['stateOnInsert', 'status', 'statecode', 'to-dataverse', true],
    ]);
    expect(fieldRows(byName(mappings, 'PLLINE-PRODPRICE'))).toEqual([
      ['priceList', 'priceListCode', 'pricelevelid', 'to-dataverse', true],
      ['product', 'assetNumber', 'productid', 'to-dataverse', true],
      ['productNumber', 'assetNumber', 'productnumber', 'to-dataverse', true],
      ['currency', 'currencyCode', 'transactioncurrencyid', 'to-dataverse', true],
      ['pricingMethod', undefined, 'pricingmethodcode', 'to-dataverse', true],
      ['unit', 'unitOfMeasureCode', 'uomid', 'to-dataverse', true],
      ['amount', 'unitPrice', 'amount', 'to-dataverse', true],
    ]);
    expect(fieldRows(byName(mappings, 'OPPORTUNITY'))).toEqual([
      ['name', 'description', 'name', 'bidirectional', true],
      ['contact', 'contactNumber', 'parentcontactid', 'to-dataverse', true],
      ['account', undefined, 'parentaccountid', 'to-dataverse', false],
      ['ownerType', undefined, 'owneridtype', 'to-dataverse', true],
      ['owner', 'salespersonCode', 'ownerid', 'to-dataverse', true],
      ['estimatedValue', 'estimatedValue', 'estimatedvalue', 'to-dataverse', true],
      ['estimatedClosingDate', 'estimatedClosingDate', 'estimatedclosedate', 'to-dataverse', true],
      ['dateClosed', 'dateClosed', 'actualclosedate', 'to-dataverse', true],
      ['probability', undefined, 'closeprobability', 'to-dataverse', false],
      ['currentValue', 'calculatedCurrentValue', 'actualvalue', 'to-dataverse', true],
    ]);
    expect(byName(mappings, 'OPPORTUNITY').fields.filter((f) => f.origin === 'extra').every((f) => f.status === 'disabled')).toBe(true);
  });

  test('every unavailable field mapping carries a reason naming the API and the AL field', () => {
    for (const m of defaultMappings(options({ unitGroups: true })).concat(defaultMappings(options({ unitGroups: false })))) {
      for (const f of m.fields.filter((x) => !x.bcExposed)) {
        expect(f.bc).toBeUndefined();
        expect(f.unavailableReason).toMatch(/API/);
        expect(f.unavailableReason).toContain(`"${f.bcField}"`);
      }
    }
  });

  test('lookups, options and owner rows of every mapping refer to mappings of the same set', () => {
    for (const c of combos) {
      const set = defaultMappings(options(c));
      const names = new Set(set.map((m) => m.name));
      for (const m of set) for (const ref of referencedMappings(m)) expect([m.name, ref, names.has(ref)]).toEqual([m.name, ref, true]);
    }
  });
});
