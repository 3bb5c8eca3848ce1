import { describe, expect, test } from '@jest/globals';
import { field, tableMapping } from '../../src/mapping/build.js';
import { defaultMappings } from '../../src/mapping/defaults/index.js';
import { applyOverrides } from '../../src/mapping/overrides.js';
import { defaultIntegrationOptions, type IntegrationOptions } from '../../src/mapping/integration-options.js';
import { planFieldTransfer, splitPersonName, type ResolvedLookupKey, type TransferContext } from '../../src/mapping/transfer.js';
import type { IntegrationTableMapping, PassDirection } from '../../src/mapping/types.js';

const BASE = '11111111-1111-1111-1111-111111111111';
const EUR_DV = '22222222-2222-2222-2222-222222222222';
const USER = '33333333-3333-3333-3333-333333333333';
const NET30_BC = '44444444-4444-4444-4444-444444444444';
const FOB_BC = '55555555-5555-5555-5555-555555555555';
const PCS_UOM = '66666666-6666-6666-6666-666666666666';
const CONTACT_DV = '77777777-7777-7777-7777-777777777777';
const GROUP_DV = '88888888-8888-8888-8888-888888888888';
const PRODUCT_DV = '99999999-9999-9999-9999-999999999999';
const RESOURCE_DV = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const TEAM = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';
const STRANGER = 'cccccccc-cccc-cccc-cccc-cccccccccccc';

interface Call {
  mapping: string;
  direction: PassDirection;
  value: string;
  key: ResolvedLookupKey;
}

/** Couplings as (mapping, BC value with scope) ↔ Dataverse id. */
const couplings: Array<{ mapping: string; bc: string; scope?: Record<string, string>; dv: string }> = [
  { mapping: 'CURRENCY', bc: 'EUR', dv: EUR_DV },
  { mapping: 'SALESPEOPLE', bc: 'JR', dv: USER },
  { mapping: 'ITEM UOM', bc: 'PCS', scope: { itemNumber: '1000' }, dv: PCS_UOM },
  { mapping: 'CONTACT', bc: 'CT100', dv: CONTACT_DV },
  { mapping: 'UNIT GROUP', bc: '1000', scope: { sourceType: 'Item' }, dv: GROUP_DV },
  { mapping: 'ITEM-PRODUCT', bc: '1000', dv: PRODUCT_DV },
  { mapping: 'RESOURCE-PRODUCT', bc: 'R1', dv: RESOURCE_DV },
  { mapping: 'PLHEADER-PRICE', bc: 'SALES', dv: GROUP_DV },
];
const options: Array<{ mapping: string; id: string; code: string; value: number }> = [
  { mapping: 'PAYMENT TERMS', id: NET30_BC, code: 'NET30', value: 100000001 },
  { mapping: 'SHIPMENT METHOD', id: FOB_BC, code: 'FOB', value: 100000002 },
];

function context(patch: Partial<TransferContext> = {}): TransferContext & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    bcLcyCode: 'USD',
    dataverseBaseCurrencyId: BASE,
    lookupCoupled(mapping, direction, value, key) {
      calls.push({ mapping, direction, value, key });
      const scopeMatches = (scope: Record<string, string> | undefined) =>
        Object.entries(scope ?? {}).every(([k, v]) => key.scope[k] === v);
      if (direction === 'to-dataverse') {
        return couplings.find((c) => c.mapping === mapping && c.bc === value && scopeMatches(c.scope))?.dv;
      }
      return couplings.find((c) => c.mapping === mapping && c.dv === value)?.bc;
    },
    lookupOption(mapping, direction, value, bcKey) {
      if (direction === 'to-dataverse') {
        return options.find((o) => o.mapping === mapping && o[bcKey] === value)?.value;
      }
      const option = options.find((o) => o.mapping === mapping && o.value === value);
      return option === undefined ? undefined : option[bcKey];
    },
    exchangeRate: (code) => (code === 'EUR' ? 0.92 : undefined),
    dataverseCurrencyPrecision: 2,
    ...patch,
  };
}

function mappingOf(name: string, patch: Partial<IntegrationOptions> = {}): IntegrationTableMapping {
  const mapping = defaultMappings({ ...defaultIntegrationOptions, ...patch }).find((m) => m.name === name);
  if (!mapping) throw new Error(`no ${name}`);
  return mapping;
}

const customerBc = {
  id: 'c0ffee00-0000-0000-0000-000000000001',
  number: '10000',
  displayName: 'Adatum Corporation',
  addressLine1: '192 Market Square',
  addressLine2: '',
  postalCode: '31772',
  city: 'Atlanta',
  country: 'US',
  state: 'GA',
  currencyCode: 'USD',
  email: 'info@adatum.example',
  website: 'adatum.example',
  phoneNumber: '555-0100',
  shipmentMethodId: FOB_BC,
  paymentTermsId: NET30_BC,
  creditLimit: 5000,
  salespersonCode: 'JR',
  blocked: ' ',
};

/** The account as BC's last sync left it: in step with `customerBc`. */
const accountDv = {
  accountid: 'acc00000-0000-0000-0000-000000000001',
  name: 'Adatum Corporation',
  address1_line1: '192 Market Square',
  address1_line2: null,
  address1_postalcode: '31772',
  address1_city: 'Atlanta',
  address1_country: 'US',
  address1_stateorprovince: 'GA',
  _transactioncurrencyid_value: BASE,
  emailaddress1: 'info@adatum.example',
  websiteurl: 'adatum.example',
  telephone1: '555-0100',
  address1_freighttermscode: 100000002,
  paymenttermscode: 100000001,
  creditlimit: 5000,
  _ownerid_value: USER,
  statecode: 0,
};

describe('insert and modify (§5.3 step 6)', () => {
  test('insert BC → Dataverse writes every mapped field with Web API shapes', () => {
    const plan = planFieldTransfer(mappingOf('CUSTOMER'), 'to-dataverse', customerBc, undefined, context());
    expect(plan.errors).toEqual([]);
    expect(plan.values).toEqual({
      'ownerid@odata.bind': `/systemusers(${USER})`,
      name: 'Adatum Corporation',
      address1_line1: '192 Market Square',
      address1_line2: null,
      address1_postalcode: '31772',
      address1_city: 'Atlanta',
      address1_country: 'US',
      address1_stateorprovince: 'GA',
      'transactioncurrencyid@odata.bind': `/transactioncurrencies(${BASE})`,
      emailaddress1: 'info@adatum.example',
      websiteurl: 'adatum.example',
      telephone1: '555-0100',
      address1_freighttermscode: 100000002,
      paymenttermscode: 100000001,
      creditlimit: 5000,
    });
    expect(plan.changed).toEqual([
      'owner', 'name', 'address', 'address2', 'postCode', 'city', 'country', 'county', 'currency', 'email', 'homePage',
      'phone', 'shipmentMethod', 'paymentTerms', 'creditLimit',
    ]);
  });

  test('modify writes only the values that differ; an up-to-date record writes nothing', () => {
    const mapping = mappingOf('CUSTOMER');
    const unchanged = planFieldTransfer(mapping, 'to-dataverse', customerBc, accountDv, context());
    expect(unchanged).toEqual({ values: {}, changed: [], bidirectionalChanged: [], errors: [] });

    const edited = { ...customerBc, displayName: 'Adatum Corp.', creditLimit: 7500 };
    const plan = planFieldTransfer(mapping, 'to-dataverse', edited, accountDv, context());
    expect(plan.values).toEqual({ name: 'Adatum Corp.', creditlimit: 7500 });
    expect(plan.changed).toEqual(['name', 'creditLimit']);
    // Only ⇄ field mappings count for update conflicts (§5.4).
    expect(plan.bidirectionalChanged).toEqual(['name']);
  });

  test('Dataverse → BC modify: only differing values, ⇄ changes reported for conflicts', () => {
    const mapping = mappingOf('CUSTOMER');
    const row = { ...accountDv, telephone1: '555-0199', creditlimit: 1 };
    const plan = planFieldTransfer(mapping, 'from-dataverse', row, customerBc, context());
    expect(plan.errors).toEqual([]);
    // creditlimit is →DV only and never comes back.
    expect(plan.values).toEqual({ phoneNumber: '555-0199' });
    expect(plan.bidirectionalChanged).toEqual(['phone']);
  });

  test('Dataverse → BC insert writes BC property names and BC value shapes', () => {
    const plan = planFieldTransfer(mappingOf('CUSTOMER'), 'from-dataverse', accountDv, undefined, context());
    expect(plan.errors).toEqual([]);
    expect(plan.values).toEqual({
      displayName: 'Adatum Corporation',
      addressLine1: '192 Market Square',
      addressLine2: '',
      postalCode: '31772',
      city: 'Atlanta',
      country: 'US',
      state: 'GA',
      currencyCode: '',
      email: 'info@adatum.example',
      website: 'adatum.example',
      phoneNumber: '555-0100',
      shipmentMethodId: FOB_BC,
      paymentTermsId: NET30_BC,
    });
  });

  test('disabled and BC-unexposed field mappings are never transferred; enabling an extra brings it in', () => {
    const mapping = mappingOf('CUSTOMER');
    const plan = planFieldTransfer(mapping, 'to-dataverse', customerBc, undefined, context());
    expect(Object.keys(plan.values)).not.toContain('accountnumber');
    expect(Object.keys(plan.values)).not.toContain('fax');
    expect(Object.keys(plan.values)).not.toContain('owneridtype');
    const [customized] = applyOverrides([mapping], { CUSTOMER: { fields: { accountNumber: { status: 'enabled' } } } });
    const withNumber = planFieldTransfer(customized as IntegrationTableMapping, 'to-dataverse', customerBc, undefined, context());
    expect(withNumber.values.accountnumber).toBe('10000');
  });

  test('an error on one field does not stop the others', () => {
    const plan = planFieldTransfer(
      mappingOf('CUSTOMER'),
      'to-dataverse',
      { ...customerBc, currencyCode: 'GBP', salespersonCode: 'XX', displayName: 'New name' },
      accountDv,
      context(),
    );
    expect(plan.errors).toEqual([
      { fieldId: 'owner', message: 'salespersonCode: XX must be coupled first (couple mapping SALESPEOPLE)' },
      { fieldId: 'currency', message: 'currencyCode: GBP must be coupled first (couple mapping CURRENCY)' },
    ]);
    expect(plan.values).toEqual({ name: 'New name' });
  });
});

describe('currency / LCY rule (§2.4)', () => {
  const mapping = mappingOf('CUSTOMER');

  test('→DV: blank and LCY code both mean the Dataverse base currency; others go through CURRENCY couplings', () => {
    for (const code of ['', 'USD', 'usd']) {
      const plan = planFieldTransfer(mapping, 'to-dataverse', { ...customerBc, currencyCode: code }, undefined, context());
      expect(plan.values['transactioncurrencyid@odata.bind']).toBe(`/transactioncurrencies(${BASE})`);
    }
    const eur = planFieldTransfer(mapping, 'to-dataverse', { ...customerBc, currencyCode: 'EUR' }, accountDv, context());
    expect(eur.values).toEqual({ 'transactioncurrencyid@odata.bind': `/transactioncurrencies(${EUR_DV})` });
    // Same currency on both sides (GUID case differs) is unchanged.
    const same = planFieldTransfer(
      mapping,
      'to-dataverse',
      { ...customerBc, currencyCode: 'EUR' },
      { ...accountDv, _transactioncurrencyid_value: EUR_DV.toUpperCase() },
      context(),
    );
    expect(same.changed).toEqual([]);
  });

  test('→DV: no Dataverse currency for the LCY code is a clear error', () => {
    const plan = planFieldTransfer(mapping, 'to-dataverse', customerBc, undefined, context({ dataverseBaseCurrencyId: undefined }));
    expect(plan.errors).toEqual([
      {
        fieldId: 'currency',
        message: 'currencyCode: Dataverse has no currency with ISO code USD (the BC local currency); add it in Dataverse and synchronize again.',
      },
    ]);
  });

  test('←DV: the base currency becomes a blank BC currency; the API showing the LCY code counts as unchanged', () => {
    const fromBase = planFieldTransfer(mapping, 'from-dataverse', accountDv, { ...customerBc, currencyCode: 'EUR' }, context());
    expect(fromBase.values).toEqual({ currencyCode: '' });
    const unchanged = planFieldTransfer(mapping, 'from-dataverse', accountDv, customerBc, context());
    expect(unchanged.changed).toEqual([]);
    const eur = planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, _transactioncurrencyid_value: EUR_DV }, customerBc, context());
    expect(eur.values).toEqual({ currencyCode: 'EUR' });
    const unknown = planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, _transactioncurrencyid_value: STRANGER }, customerBc, context());
    expect(unknown.errors).toEqual([
      { fieldId: 'currency', message: `currencyCode: ${STRANGER} must be coupled first (couple mapping CURRENCY)` },
    ]);
  });
});

describe('option values (§2.4, §5.8)', () => {
  const mapping = mappingOf('CUSTOMER');

  test('→DV: BC record id → option value via option couplings; blank → null; uncoupled → error', () => {
    const blank = planFieldTransfer(
      mapping,
      'to-dataverse',
      { ...customerBc, paymentTermsId: '00000000-0000-0000-0000-000000000000' },
      accountDv,
      context(),
    );
    expect(blank.values).toEqual({ paymenttermscode: null });
    const uncoupled = planFieldTransfer(mapping, 'to-dataverse', { ...customerBc, paymentTermsId: STRANGER }, accountDv, context());
    expect(uncoupled.errors).toEqual([
      { fieldId: 'paymentTerms', message: `paymentTermsId: ${STRANGER} must be coupled first (couple mapping PAYMENT TERMS)` },
    ]);
  });

  test('←DV: option value → BC record id; a blank option changes nothing', () => {
    const bc = { ...customerBc, paymentTermsId: '00000000-0000-0000-0000-000000000000' };
    expect(planFieldTransfer(mapping, 'from-dataverse', accountDv, bc, context()).values).toEqual({ paymentTermsId: NET30_BC });
    expect(planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, paymenttermscode: null }, customerBc, context()).changed).toEqual([]);
    const unknown = planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, paymenttermscode: 7 }, customerBc, context());
    expect(unknown.errors).toEqual([{ fieldId: 'paymentTerms', message: 'paymentTermsId: 7 must be coupled first (couple mapping PAYMENT TERMS)' }]);
  });
});

describe('owner from salesperson (Person ownership, §2.4)', () => {
  test('→DV: blank salesperson keeps the current owner (Not Null); coupled one binds the user', () => {
    const mapping = mappingOf('CUSTOMER');
    const blank = planFieldTransfer(mapping, 'to-dataverse', { ...customerBc, salespersonCode: '' }, { ...accountDv, _ownerid_value: STRANGER }, context());
    expect(blank.changed).toEqual([]);
    const changed = planFieldTransfer(mapping, 'to-dataverse', customerBc, { ...accountDv, _ownerid_value: STRANGER }, context());
    expect(changed.values).toEqual({ 'ownerid@odata.bind': `/systemusers(${USER})` });
  });

  test('←DV (when a user makes the owner row bidirectional): user → salesperson code; team owners are ignored', () => {
    const [mapping] = applyOverrides([mappingOf('CUSTOMER')], { CUSTOMER: { fields: { owner: { direction: 'bidirectional' } } } });
    const m = mapping as IntegrationTableMapping;
    const fromUser = planFieldTransfer(m, 'from-dataverse', accountDv, { ...customerBc, salespersonCode: 'OTHER' }, context());
    expect(fromUser.values).toEqual({ salespersonCode: 'JR' });
    const fromTeam = planFieldTransfer(
      m,
      'from-dataverse',
      { ...accountDv, _ownerid_value: TEAM, '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'team' },
      { ...customerBc, salespersonCode: 'OTHER' },
      context(),
    );
    expect(fromTeam.changed).toEqual([]);
    const uncoupled = planFieldTransfer(m, 'from-dataverse', { ...accountDv, _ownerid_value: STRANGER }, customerBc, context());
    expect(uncoupled.errors).toEqual([
      { fieldId: 'owner', message: `salespersonCode: owner ${STRANGER} must be coupled to a salesperson first (couple mapping SALESPEOPLE)` },
    ]);
  });

  test('Team ownership: no owner values at all', () => {
    const plan = planFieldTransfer(mappingOf('CUSTOMER', { ownershipModel: 'team' }), 'to-dataverse', customerBc, undefined, context());
    expect(Object.keys(plan.values).some((k) => k.startsWith('owner'))).toBe(false);
  });
});

describe('lookups through couplings (§2.4)', () => {
  test('scoped lookup: item base unit resolves within the item, both directions', () => {
    const mapping = mappingOf('ITEM-PRODUCT');
    const ctx = context();
    const item = { number: '1000', displayName: 'Bicycle', unitPrice: 10, unitCost: 5, inventory: 3, baseUnitOfMeasureCode: 'PCS', blocked: false };
    const plan = planFieldTransfer(mapping, 'to-dataverse', item, undefined, ctx);
    expect(plan.values['defaultuomid@odata.bind']).toBe(`/uoms(${PCS_UOM})`);
    expect(ctx.calls).toContainEqual({ mapping: 'ITEM UOM', direction: 'to-dataverse', value: 'PCS', key: { bcProperty: 'code', scope: { itemNumber: '1000' } } });
    expect(plan.values['defaultuomscheduleid@odata.bind']).toBe(`/uomschedules(${GROUP_DV})`);

    const back = planFieldTransfer(mapping, 'from-dataverse', { name: 'Bicycle', _defaultuomid_value: PCS_UOM, statecode: 0 }, { ...item, baseUnitOfMeasureCode: 'BOX' }, context());
    expect(back.values).toEqual({ baseUnitOfMeasureCode: 'PCS' });
  });

  test('an uncoupled lookup fails with the mapping to couple; a blank one clears', () => {
    const mapping = mappingOf('OPPORTUNITY');
    const opportunity = { number: 'OP1', description: 'Deal', contactNumber: 'CT999', salespersonCode: '', estimatedValue: 0, estimatedClosingDate: '0001-01-01' };
    const failed = planFieldTransfer(mapping, 'to-dataverse', opportunity, undefined, context());
    expect(failed.errors).toEqual([{ fieldId: 'contact', message: 'contactNumber: CT999 must be coupled first (couple mapping CONTACT)' }]);
    const coupled = planFieldTransfer(mapping, 'to-dataverse', { ...opportunity, contactNumber: 'CT100' }, undefined, context());
    expect(coupled.values['parentcontactid@odata.bind']).toBe(`/contacts(${CONTACT_DV})`);
    const cleared = planFieldTransfer(mapping, 'to-dataverse', { ...opportunity, contactNumber: '' }, { name: 'Deal', _parentcontactid_value: CONTACT_DV, estimatedvalue: 0, estimatedclosedate: null }, context());
    expect(cleared.values).toEqual({ 'parentcontactid@odata.bind': null });
    // On insert an empty lookup is not bound at all.
    const inserted = planFieldTransfer(mapping, 'to-dataverse', { ...opportunity, contactNumber: '' }, undefined, context());
    expect('parentcontactid@odata.bind' in inserted.values).toBe(false);
  });

  test('Clear Value on Failed Sync writes empty instead of failing; ←DV keeps an existing value whose record is not coupled', () => {
    const mapping = tableMapping({
      ...mappingOf('CUSTOMER'),
      fields: [
        field({
          id: 'primaryContact',
          bc: 'primaryContactNumber',
          dataverse: 'primarycontactid',
          direction: 'bidirectional',
          transform: { kind: 'lookup', mapping: 'CONTACT', key: { bcProperty: 'number' }, target: 'contacts', navigation: 'primarycontactid' },
          bcType: 'code',
          clearValueOnFailedSync: true,
        }),
      ],
    });
    const toDv = planFieldTransfer(mapping, 'to-dataverse', { primaryContactNumber: 'CT999' }, { _primarycontactid_value: CONTACT_DV }, context());
    expect(toDv).toMatchObject({ values: { 'primarycontactid@odata.bind': null }, errors: [] });
    // Incoming blank, existing BC value not coupled: keep it.
    const keep = planFieldTransfer(mapping, 'from-dataverse', { _primarycontactid_value: null }, { primaryContactNumber: 'CT999' }, context());
    expect(keep.changed).toEqual([]);
    // Incoming blank, existing value coupled: clear it.
    const clear = planFieldTransfer(mapping, 'from-dataverse', { _primarycontactid_value: null }, { primaryContactNumber: 'CT100' }, context());
    expect(clear.values).toEqual({ primaryContactNumber: '' });
    // Incoming uncoupled id: treated as blank, no error.
    const stranger = planFieldTransfer(mapping, 'from-dataverse', { _primarycontactid_value: STRANGER }, { primaryContactNumber: 'CT100' }, context());
    expect(stranger).toMatchObject({ values: { primaryContactNumber: '' }, errors: [] });
  });

  test('price list lines pick the product mapping by asset type', () => {
    const mapping = mappingOf('PLLINE-PRODPRICE');
    const line = { priceListCode: 'SALES', assetType: 'Resource', assetNumber: 'R1', unitOfMeasureCode: '', currencyCode: '', unitPrice: 80, minimumQuantity: 0 };
    const ctx = context();
    const plan = planFieldTransfer(mapping, 'to-dataverse', line, undefined, ctx);
    expect(plan.values['productid@odata.bind']).toBe(`/products(${RESOURCE_DV})`);
    expect(plan.values['pricelevelid@odata.bind']).toBe(`/pricelevels(${GROUP_DV})`);
    expect(plan.values.pricingmethodcode).toBe(1);
    expect(plan.values.amount).toBe(80);
    expect(ctx.calls.map((c) => c.mapping)).toContain('RESOURCE-PRODUCT');
    const item = planFieldTransfer(mapping, 'to-dataverse', { ...line, assetType: 'Item', assetNumber: '1000' }, undefined, context());
    expect(item.values['productid@odata.bind']).toBe(`/products(${PRODUCT_DV})`);
    // pricelevelid is create-only in Dataverse: never on modify.
    const modify = planFieldTransfer(mapping, 'to-dataverse', line, { _pricelevelid_value: STRANGER, amount: 80, _productid_value: RESOURCE_DV, productnumber: 'R1', _transactioncurrencyid_value: BASE, pricingmethodcode: 1 }, context());
    expect(modify.changed).toEqual([]);
  });
});

describe('text, code and truncation (§2.4)', () => {
  const mapping = mappingOf('CUSTOMER');

  test('text is cut to the destination length in both directions', () => {
    const long = 'x'.repeat(200);
    const toDv = planFieldTransfer(mapping, 'to-dataverse', { ...customerBc, displayName: long, city: 'c'.repeat(100) }, accountDv, context());
    expect(toDv.values).toEqual({ name: 'x'.repeat(160), address1_city: 'c'.repeat(80) });
    const fromDv = planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, name: long }, customerBc, context());
    expect(fromDv.values).toEqual({ displayName: 'x'.repeat(100) });
    // BC already holds the cut value: unchanged (different lengths compare the truncated value).
    const same = planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, name: long }, { ...customerBc, displayName: 'x'.repeat(100) }, context());
    expect(same.changed).toEqual([]);
  });

  test('a Code destination is upper-cased and trimmed, and compares that way', () => {
    const sameCountry = planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, address1_country: ' us ' }, customerBc, context());
    expect(sameCountry.changed).toEqual([]);
    const lowerInBc = planFieldTransfer(mapping, 'from-dataverse', accountDv, { ...customerBc, country: 'us' }, context());
    expect(lowerInBc.changed).toEqual([]);
    const freeText = planFieldTransfer(mapping, 'from-dataverse', { ...accountDv, address1_country: 'United States' }, customerBc, context());
    expect(freeText.values).toEqual({ country: 'UNITED STA' });
  });

  test('the truncate transform cuts to its own length too', () => {
    const mapping2 = tableMapping({
      ...mappingOf('CUSTOMER'),
      fields: [field({ id: 'short', bc: 'displayName', dataverse: 'name', direction: 'to-dataverse', transform: { kind: 'truncate', length: 5 }, dataverseMaxLength: 160 })],
    });
    expect(planFieldTransfer(mapping2, 'to-dataverse', { displayName: 'Adatum Corporation' }, undefined, context()).values).toEqual({ name: 'Adatu' });
  });

  test('empty text and null are the same value', () => {
    const plan = planFieldTransfer(mapping, 'to-dataverse', { ...customerBc, addressLine2: '' }, { ...accountDv, address1_line2: '' }, context());
    expect(plan.changed).toEqual([]);
  });
});

describe('product rules (§2.2)', () => {
  const item = {
    number: '1000',
    displayName: 'Bicycle',
    unitPrice: -5,
    unitCost: 350,
    inventory: -2,
    baseUnitOfMeasureCode: 'PCS',
    blocked: false,
  };

  test('insert: LCY currency, 2 quantity decimals, product type, negatives as 0, Active state', () => {
    const plan = planFieldTransfer(mappingOf('ITEM-PRODUCT'), 'to-dataverse', item, undefined, context());
    expect(plan.errors).toEqual([]);
    expect(plan.values).toEqual({
      productnumber: '1000',
      name: 'Bicycle',
      price: 0,
      standardcost: 350,
      currentcost: 350,
      quantityonhand: 0,
      'defaultuomid@odata.bind': `/uoms(${PCS_UOM})`,
      'transactioncurrencyid@odata.bind': `/transactioncurrencies(${BASE})`,
      quantitydecimal: 2,
      producttypecode: 1,
      statecode: 0,
      statuscode: 1,
      'defaultuomscheduleid@odata.bind': `/uomschedules(${GROUP_DV})`,
    });
  });

  test('insert of a blocked item creates a Retired product; resources get Services', () => {
    const blocked = planFieldTransfer(mappingOf('ITEM-PRODUCT'), 'to-dataverse', { ...item, blocked: true }, undefined, context());
    expect([blocked.values.statecode, blocked.values.statuscode]).toEqual([1, 2]);
    const resource = planFieldTransfer(
      mappingOf('RESOURCE-PRODUCT'),
      'to-dataverse',
      { number: 'R1', name: 'Lift', unitPrice: 80, unitCost: 50, vendorNumber: '', capacity: 8, baseUnitOfMeasureCode: '', blocked: false },
      undefined,
      context({ lookupCoupled: (m) => (m === 'UNIT GROUP' ? GROUP_DV : undefined) }),
    );
    expect(resource.values.producttypecode).toBe(3);
    expect(resource.values.quantityonhand).toBe(8);
  });

  test('modify: insert-only rules stay out; constants written only when different', () => {
    const product = {
      productnumber: '1000',
      name: 'Bicycle',
      price: 0,
      standardcost: 350,
      currentcost: 350,
      quantityonhand: 0,
      _defaultuomid_value: PCS_UOM,
      _transactioncurrencyid_value: BASE,
      quantitydecimal: 4,
      producttypecode: 1,
      statecode: 1,
      _defaultuomscheduleid_value: GROUP_DV,
    };
    const unchanged = planFieldTransfer(mappingOf('ITEM-PRODUCT'), 'to-dataverse', item, product, context());
    expect(unchanged.values).toEqual({});
    const wrongType = planFieldTransfer(mappingOf('ITEM-PRODUCT'), 'to-dataverse', item, { ...product, producttypecode: 2 }, context());
    expect(wrongType.values).toEqual({ producttypecode: 1 });
  });

  test('Dataverse → BC: a product that is not Active blocks the item; an Active one changes nothing', () => {
    const mapping = mappingOf('ITEM-PRODUCT');
    const retired = planFieldTransfer(mapping, 'from-dataverse', { name: 'Bicycle', _defaultuomid_value: PCS_UOM, statecode: 1 }, item, context());
    expect(retired.values).toEqual({ blocked: true });
    const active = planFieldTransfer(mapping, 'from-dataverse', { name: 'Bicycle', _defaultuomid_value: PCS_UOM, statecode: 0 }, item, context());
    expect(active.values).toEqual({});
  });
});

describe('other transforms', () => {
  test('CURRENCY insert: exchange rate from BC, precision, symbol falls back to the code', () => {
    const plan = planFieldTransfer(mappingOf('CURRENCY'), 'to-dataverse', { code: 'EUR', symbol: '', displayName: 'Euro' }, undefined, context());
    expect(plan.values).toEqual({ isocurrencycode: 'EUR', currencysymbol: 'EUR', currencyname: 'Euro', exchangerate: 0.92, currencyprecision: 2 });
    const noRate = planFieldTransfer(mappingOf('CURRENCY'), 'to-dataverse', { code: 'GBP', symbol: '£', displayName: 'Pound' }, undefined, context());
    expect(noRate.errors[0]?.message).toMatch(/^exchangerate|^code/);
    expect(noRate.errors[0]?.message).toContain('no exchange rate for currency GBP');
    // isocurrencycode and the precision are create-only in Dataverse.
    const modify = planFieldTransfer(
      mappingOf('CURRENCY'),
      'to-dataverse',
      { code: 'EUR', symbol: '€', displayName: 'Euro' },
      { isocurrencycode: 'XEU', currencysymbol: 'EUR', currencyname: 'Euro', exchangerate: 0.92, currencyprecision: 4 },
      context(),
    );
    expect(modify.values).toEqual({ currencysymbol: '€' });
  });

  test('dates: BC blank date is Dataverse null; DateTime columns get midnight UTC', () => {
    const opp = mappingOf('OPPORTUNITY', { ownershipModel: 'team' });
    const blank = planFieldTransfer(opp, 'to-dataverse', { description: 'Deal', contactNumber: '', estimatedValue: 10, estimatedClosingDate: '0001-01-01' }, undefined, context());
    expect(blank.values.estimatedclosedate).toBeNull();
    const dated = planFieldTransfer(opp, 'to-dataverse', { description: 'Deal', contactNumber: '', estimatedValue: 10, estimatedClosingDate: '2024-05-01' }, { name: 'Deal', estimatedvalue: 10, estimatedclosedate: '2024-05-01' }, context());
    expect(dated.changed).toEqual([]);
    const header = mappingOf('PLHEADER-PRICE');
    const list = { code: 'SALES', description: 'Sales', currencyCode: '', startingDate: '2024-01-01', endingDate: '0001-01-01', status: 'Draft' };
    const inserted = planFieldTransfer(header, 'to-dataverse', list, undefined, context());
    expect(inserted.values).toMatchObject({ begindate: '2024-01-01T00:00:00Z', enddate: null, statecode: 1 });
    expect(planFieldTransfer(header, 'to-dataverse', { ...list, status: 'Active' }, undefined, context()).values.statecode).toBe(0);
    const same = planFieldTransfer(header, 'to-dataverse', list, { name: 'SALES', description: 'Sales', _transactioncurrencyid_value: BASE, begindate: '2024-01-01T00:00:00Z', enddate: null }, context());
    expect(same.changed).toEqual([]);
  });

  test('constants toward BC and the contact parent type row', () => {
    const contact = mappingOf('CONTACT');
    const toBc = planFieldTransfer(contact, 'from-dataverse', { emailaddress1: 'a@b.example', telephone1: '1' }, undefined, context());
    expect(toBc.values).toMatchObject({ type: 'Person', email: 'a@b.example', phoneNumber: '1' });
    const toDv = planFieldTransfer(contact, 'to-dataverse', { type: 'Person', email: 'a@b.example' }, undefined, context());
    expect(Object.keys(toDv.values)).not.toContain('parentcustomeridtype');
    expect(Object.keys(toDv.values)).not.toContain('type');
  });

  test('SALESPEOPLE: Dataverse users arrive as BC salespeople', () => {
    const plan = planFieldTransfer(mappingOf('SALESPEOPLE'), 'from-dataverse', { systemuserid: USER, fullname: 'Jane Roe', internalemailaddress: 'jane@contoso.example', mobilephone: '1' }, undefined, context());
    expect(plan.values).toEqual({ eMail: 'jane@contoso.example', displayName: 'Jane Roe' });
  });

  test('option mappings are not transferred field by field', () => {
    expect(() => planFieldTransfer(mappingOf('PAYMENT TERMS'), 'to-dataverse', { code: 'NET30' }, undefined, context())).toThrow(/option mapping/);
  });
});

describe('person names (CONTACT: API v2.0 has only the full name)', () => {
  const contact = defaultMappings({ ...defaultIntegrationOptions, ownershipModel: 'team' }).find((m) => m.name === 'CONTACT')!;
  const nameOnly = { ...contact, fields: contact.fields.filter((f) => f.id === 'name') };
  const ctx = { bcLcyCode: 'USD', dataverseBaseCurrencyId: undefined, lookupCoupled: () => undefined, lookupOption: () => undefined };

  test('the full name is split into first and last name, and joined back', () => {
    expect(splitPersonName('Anna Maria Lopez')).toEqual({ first: 'Anna Maria', last: 'Lopez' });
    expect(splitPersonName('Cher')).toEqual({ first: '', last: 'Cher' });
    const toDv = planFieldTransfer(nameOnly, 'to-dataverse', { displayName: 'Anna Maria Lopez' }, undefined, ctx);
    expect(toDv.values).toEqual({ firstname: 'Anna Maria', lastname: 'Lopez' });
    const fromDv = planFieldTransfer(nameOnly, 'from-dataverse', { firstname: 'Jordan', middlename: 'T.', lastname: 'Blake' }, { displayName: 'Jordan Blake' }, ctx);
    expect(fromDv.values).toEqual({ displayName: 'Jordan T. Blake' });
  });

  test('equal names are unchanged in both directions', () => {
    const dv = { firstname: 'Jordan', lastname: 'Blake' };
    expect(planFieldTransfer(nameOnly, 'to-dataverse', { displayName: 'Jordan Blake' }, dv, ctx).changed).toEqual([]);
    expect(planFieldTransfer(nameOnly, 'from-dataverse', dv, { displayName: 'Jordan Blake' }, ctx).changed).toEqual([]);
  });
});
