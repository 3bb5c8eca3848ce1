/**
 * SALESPEOPLE, CUSTOMER, VENDOR, CONTACT (docs/integration.md §2.1, §2.2, §2.3).
 */
import { field, notInV2, ownerFields, tableMapping } from '../build.js';
import type { IntegrationOptions } from '../integration-options.js';
import type { FieldMapping, IntegrationTableMapping } from '../types.js';

const PARTY_SCHEDULE = { intervalMinutes: 30, inactivityTimeoutMinutes: 720, category: 'BCI CUST' } as const;

/** Address field mappings (docs/integration.md §2.2) of CUSTOMER, VENDOR and CONTACT; `countryNotes` documents the country row. */
function addressFields(countryNotes?: string): FieldMapping[] {
  return [
    field({ id: 'address', bcField: 'Address', bc: 'addressLine1', dataverse: 'address1_line1', direction: 'bidirectional', bcMaxLength: 100, dataverseMaxLength: 250 }),
    field({ id: 'address2', bcField: 'Address 2', bc: 'addressLine2', dataverse: 'address1_line2', direction: 'bidirectional', bcMaxLength: 50, dataverseMaxLength: 250 }),
    field({ id: 'postCode', bcField: 'Post Code', bc: 'postalCode', dataverse: 'address1_postalcode', direction: 'bidirectional', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 20 }),
    field({ id: 'city', bcField: 'City', bc: 'city', dataverse: 'address1_city', direction: 'bidirectional', bcMaxLength: 30, dataverseMaxLength: 80 }),
    field({
      id: 'country',
      bcField: 'Country/Region Code',
      bc: 'country',
      dataverse: 'address1_country',
      direction: 'bidirectional',
      bcType: 'code',
      validateField: false,
      bcMaxLength: 10,
      dataverseMaxLength: 80,
      ...(countryNotes === undefined ? {} : { notes: countryNotes }),
    }),
    field({ id: 'county', bcField: 'County', bc: 'state', dataverse: 'address1_stateorprovince', direction: 'bidirectional', bcMaxLength: 30, dataverseMaxLength: 50 }),
  ];
}

export function salespeopleMapping(): IntegrationTableMapping {
  const set = 'salespeoplePurchasers';
  return tableMapping({
    name: 'SALESPEOPLE',
    bc: {
      api: 'v2.0',
      entitySet: set,
      table: 'Salesperson/Purchaser (13)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'code',
      nameField: 'displayName',
      filter: [],
      properties: ['id', 'code', 'displayName', 'eMail', 'lastModifiedDateTime'],
      insertCodeSeries: { property: 'code', prefix: 'SP NO. ', digits: 5 },
    },
    dataverse: {
      table: 'systemuser',
      entitySet: 'systemusers',
      key: 'systemuserid',
      modifiedField: 'modifiedon',
      nameField: 'fullname',
      filter: [
        { field: 'isdisabled', op: 'eq', value: false },
        { field: 'islicensed', op: 'eq', value: true },
        { field: 'isintegrationuser', op: 'eq', value: false },
      ],
      companyFilter: false,
      companyIdStamp: 'never',
      ownerTeamOnInsert: false,
    },
    direction: 'from-dataverse',
    dependencies: [],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 1440 },
    fields: [
      field({ id: 'email', bcField: 'E-Mail', bc: 'eMail', dataverse: 'internalemailaddress', direction: 'from-dataverse', bcMaxLength: 80, dataverseMaxLength: 100 }),
      field({ id: 'name', bcField: 'Name', bc: 'displayName', dataverse: 'fullname', direction: 'from-dataverse', bcMaxLength: 50, dataverseMaxLength: 200 }),
      field({
        id: 'phone',
        bcField: 'Phone No.',
        dataverse: 'mobilephone',
        direction: 'from-dataverse',
        unavailable: notInV2(set, 'Phone No.', 'the page has code, displayName and eMail only'),
        bcMaxLength: 30,
        dataverseMaxLength: 64,
      }),
      field({
        id: 'jobTitle',
        bcField: 'Job Title',
        dataverse: 'jobtitle',
        direction: 'bidirectional',
        origin: 'extra',
        unavailable: notInV2(set, 'Job Title'),
        bcMaxLength: 30,
        dataverseMaxLength: 100,
      }),
      field({
        id: 'email2',
        bcField: 'E-Mail 2',
        dataverse: 'personalemailaddress',
        direction: 'bidirectional',
        origin: 'extra',
        unavailable: notInV2(set, 'E-Mail 2'),
        bcMaxLength: 80,
        dataverseMaxLength: 100,
      }),
    ],
    notes: [
      'New salespeople created from Dataverse users get codes SP NO. 00001, SP NO. 00002, ... (one past the highest existing SP NO. code).',
      'Match-based coupling never creates system users (Create New in Case of No Match does not apply).',
    ],
  });
}

type AccountKind = 'customer' | 'vendor';

function accountFields(kind: AccountKind, options: IntegrationOptions): FieldMapping[] {
  const set = kind === 'customer' ? 'customers' : 'vendors';
  const fields: FieldMapping[] = [];
  if (options.ownershipModel === 'person') {
    fields.push(
      ...(kind === 'customer'
        ? ownerFields(set, 'Salesperson Code', 'salespersonCode')
        : ownerFields(set, 'Purchaser Code', undefined)),
    );
  }
  fields.push(
    field({ id: 'name', bcField: 'Name', bc: 'displayName', dataverse: 'name', direction: 'bidirectional', bcMaxLength: 100, dataverseMaxLength: 160 }),
    field({
      id: 'contact',
      bcField: 'Contact',
      dataverse: 'address1_primarycontactname',
      direction: 'bidirectional',
      validateField: false,
      unavailable: notInV2(set, 'Contact'),
      bcMaxLength: 100,
      dataverseMaxLength: 100,
    }),
    ...addressFields('BC code ↔ Dataverse free text, not translated'),
    field({
      id: 'currency',
      bcField: 'Currency Code',
      bc: 'currencyCode',
      dataverse: 'transactioncurrencyid',
      direction: 'bidirectional',
      transform: { kind: 'currency' },
      bcType: 'code',
      bcMaxLength: 10,
    }),
    field({ id: 'email', bcField: 'E-Mail', bc: 'email', dataverse: 'emailaddress1', direction: 'bidirectional', bcMaxLength: 80, dataverseMaxLength: 100 }),
    field({ id: 'fax', bcField: 'Fax No.', dataverse: 'fax', direction: 'bidirectional', unavailable: notInV2(set, 'Fax No.'), bcMaxLength: 30, dataverseMaxLength: 50 }),
    field({ id: 'homePage', bcField: 'Home Page', bc: 'website', dataverse: 'websiteurl', direction: 'bidirectional', bcMaxLength: 80, dataverseMaxLength: 200 }),
    field({ id: 'phone', bcField: 'Phone No.', bc: 'phoneNumber', dataverse: 'telephone1', direction: 'bidirectional', bcMaxLength: 30, dataverseMaxLength: 50 }),
    kind === 'customer'
      ? field({
          id: 'shipmentMethod',
          bcField: 'Shipment Method Code',
          bc: 'shipmentMethodId',
          dataverse: 'address1_freighttermscode',
          direction: 'bidirectional',
          transform: { kind: 'option', mapping: 'SHIPMENT METHOD', bcKey: 'id' },
          bcType: 'guid',
        })
      : field({
          id: 'shipmentMethod',
          bcField: 'Shipment Method Code',
          dataverse: 'address1_freighttermscode',
          direction: 'bidirectional',
          transform: { kind: 'option', mapping: 'SHIPMENT METHOD', bcKey: 'id' },
          bcType: 'guid',
          unavailable: notInV2(set, 'Shipment Method Code'),
        }),
    field({
      id: 'shippingAgent',
      bcField: 'Shipping Agent Code',
      dataverse: 'address1_shippingmethodcode',
      direction: 'bidirectional',
      transform: { kind: 'option', mapping: 'SHIPPING AGENT', bcKey: 'code' },
      bcType: 'code',
      unavailable: notInV2(set, 'Shipping Agent Code'),
    }),
    field({
      id: 'paymentTerms',
      bcField: 'Payment Terms Code',
      bc: 'paymentTermsId',
      dataverse: 'paymenttermscode',
      direction: 'bidirectional',
      transform: { kind: 'option', mapping: 'PAYMENT TERMS', bcKey: 'id' },
      bcType: 'guid',
    }),
  );
  if (kind === 'customer') {
    fields.push(
      field({ id: 'creditLimit', bcField: 'Credit Limit (LCY)', bc: 'creditLimit', dataverse: 'creditlimit', direction: 'to-dataverse', bcType: 'decimal' }),
    );
  }
  fields.push(
    field({
      id: 'primaryContact',
      bcField: 'Primary Contact No.',
      dataverse: 'primarycontactid',
      direction: 'bidirectional',
      transform: { kind: 'lookup', mapping: 'CONTACT', key: { bcProperty: 'number' }, target: 'contacts', navigation: 'primarycontactid' },
      bcType: 'code',
      clearValueOnFailedSync: true,
      unavailable: notInV2(set, 'Primary Contact No.'),
    }),
    // docs/integration.md §2.3 extras, added disabled.
    field({ id: 'accountNumber', bcField: 'No.', bc: 'number', dataverse: 'accountnumber', direction: 'to-dataverse', origin: 'extra', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 20 }),
    field({
      id: 'mobilePhone',
      bcField: 'Mobile Phone No.',
      dataverse: 'telephone2',
      direction: 'bidirectional',
      origin: 'extra',
      unavailable: notInV2(set, 'Mobile Phone No.'),
      bcMaxLength: 30,
      dataverseMaxLength: 50,
    }),
  );
  if (kind === 'customer') {
    // docs/integration.md §2.5: an Inactive account blocks the customer (All); the reverse is not mapped.
    fields.push(
      field({
        id: 'blockedFromState',
        bcField: 'Blocked',
        bc: 'blocked',
        dataverse: 'statecode',
        direction: 'from-dataverse',
        origin: 'rule',
        transform: { kind: 'blockedFromState', blockedValue: 'All' },
        bcType: 'enum',
      }),
    );
  }
  return fields;
}

function accountDependencies(options: IntegrationOptions): string[] {
  return [
    ...(options.ownershipModel === 'person' ? ['SALESPEOPLE'] : []),
    'CURRENCY',
    'PAYMENT TERMS',
    'SHIPMENT METHOD',
    'SHIPPING AGENT',
  ];
}

const CUSTOMER_PROPERTIES = [
  'id', 'number', 'displayName', 'type', 'addressLine1', 'addressLine2', 'city', 'state', 'country', 'postalCode',
  'phoneNumber', 'email', 'website', 'salespersonCode', 'balanceDue', 'creditLimit', 'taxLiable', 'taxAreaId',
  'taxAreaDisplayName', 'taxRegistrationNumber', 'currencyId', 'currencyCode', 'paymentTermsId', 'shipmentMethodId',
  'paymentMethodId', 'blocked', 'lastModifiedDateTime',
];

const VENDOR_PROPERTIES = [
  'id', 'number', 'displayName', 'addressLine1', 'addressLine2', 'city', 'state', 'country', 'postalCode',
  'phoneNumber', 'email', 'website', 'taxRegistrationNumber', 'currencyId', 'currencyCode', 'irs1099Code',
  'paymentTermsId', 'paymentMethodId', 'taxLiable', 'blocked', 'balance', 'lastModifiedDateTime',
];

function accountMapping(kind: AccountKind, options: IntegrationOptions): IntegrationTableMapping {
  const customer = kind === 'customer';
  return tableMapping({
    name: customer ? 'CUSTOMER' : 'VENDOR',
    bc: {
      api: 'v2.0',
      entitySet: customer ? 'customers' : 'vendors',
      table: customer ? 'Customer (18)' : 'Vendor (23)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'number',
      nameField: 'displayName',
      filter: [{ field: 'blocked', op: 'eq', value: ' ' }],
      properties: customer ? CUSTOMER_PROPERTIES : VENDOR_PROPERTIES,
      template: customer ? 'BCICUST' : 'BCIVEND',
    },
    dataverse: {
      table: 'account',
      entitySet: 'accounts',
      key: 'accountid',
      modifiedField: 'modifiedon',
      nameField: 'name',
      filter: [
        { field: 'statecode', op: 'eq', value: 0 },
        { field: 'customertypecode', op: 'eq', value: customer ? 3 : 11 },
      ],
      companyFilter: true,
      companyIdStamp: 'always',
      ownerTeamOnInsert: options.ownershipModel === 'team',
      // The Dataverse config template sets the relationship type, so new accounts stay inside the filter.
      template: { code: customer ? 'BCICUSTOME' : 'BCIVENDOR', values: { customertypecode: customer ? 3 : 11 } },
    },
    direction: 'bidirectional',
    dependencies: accountDependencies(options),
    schedule: { ...PARTY_SCHEDULE },
    fields: accountFields(kind, options),
    notes: [
      `BC config template ${customer ? 'BCICUST' : 'BCIVEND'} applies to ${customer ? 'customers' : 'vendors'} created from Dataverse in BC itself; the API cannot apply it.`,
      ...(options.ownershipModel === 'team'
        ? ['Team ownership: the owner is never changed by sync; inserted accounts are owned by the company team "BCI - <company>".']
        : []),
    ],
  });
}

export function customerMapping(options: IntegrationOptions): IntegrationTableMapping {
  return accountMapping('customer', options);
}

export function vendorMapping(options: IntegrationOptions): IntegrationTableMapping {
  return accountMapping('vendor', options);
}

const CONTACT_PROPERTIES = [
  'id', 'number', 'type', 'displayName', 'jobTitle', 'companyNumber', 'companyName', 'contactBusinessRelation',
  'addressLine1', 'addressLine2', 'city', 'state', 'country', 'postalCode', 'phoneNumber', 'mobilePhoneNumber',
  'email', 'website', 'searchName', 'privacyBlocked', 'taxRegistrationNumber', 'lastInteractionDate',
  'lastModifiedDateTime',
];

export function contactMapping(options: IntegrationOptions): IntegrationTableMapping {
  const set = 'contacts';
  const fields: FieldMapping[] = [];
  if (options.ownershipModel === 'person') fields.push(...ownerFields(set, 'Salesperson Code', undefined));
  fields.push(
    field({
      id: 'currency',
      bcField: 'Currency Code',
      dataverse: 'transactioncurrencyid',
      direction: 'bidirectional',
      transform: { kind: 'currency' },
      bcType: 'code',
      unavailable: notInV2(set, 'Currency Code'),
    }),
    ...addressFields(),
    field({ id: 'email', bcField: 'E-Mail', bc: 'email', dataverse: 'emailaddress1', direction: 'bidirectional', bcMaxLength: 80, dataverseMaxLength: 100 }),
    field({ id: 'fax', bcField: 'Fax No.', dataverse: 'fax', direction: 'bidirectional', unavailable: notInV2(set, 'Fax No.'), bcMaxLength: 30, dataverseMaxLength: 50 }),
    field({
      id: 'name',
      bcField: 'Name',
      bc: 'displayName',
      dataverse: 'lastname',
      direction: 'bidirectional',
      transform: { kind: 'personName' },
      bcMaxLength: 100,
      dataverseMaxLength: 50,
      notes: 'API v2.0 has only the full name; it is split into firstname + lastname (last word) and joined back.',
    }),
    field({
      id: 'firstName',
      bcField: 'First Name',
      dataverse: 'firstname',
      direction: 'bidirectional',
      unavailable: notInV2(set, 'First Name', 'the page has displayName only'),
      bcMaxLength: 30,
      dataverseMaxLength: 50,
    }),
    field({
      id: 'middleName',
      bcField: 'Middle Name',
      dataverse: 'middlename',
      direction: 'bidirectional',
      unavailable: notInV2(set, 'Middle Name', 'the page has displayName only'),
      bcMaxLength: 30,
      dataverseMaxLength: 50,
    }),
    field({
      id: 'surname',
      bcField: 'Surname',
      dataverse: 'lastname',
      direction: 'bidirectional',
      unavailable: notInV2(set, 'Surname', 'the page has displayName only'),
      bcMaxLength: 30,
      dataverseMaxLength: 50,
    }),
    field({ id: 'homePage', bcField: 'Home Page', bc: 'website', dataverse: 'websiteurl', direction: 'bidirectional', bcMaxLength: 80, dataverseMaxLength: 200 }),
    field({ id: 'mobilePhone', bcField: 'Mobile Phone No.', bc: 'mobilePhoneNumber', dataverse: 'mobilephone', direction: 'bidirectional', bcMaxLength: 30, dataverseMaxLength: 50 }),
    field({ id: 'pager', bcField: 'Pager', dataverse: 'pager', direction: 'bidirectional', unavailable: notInV2(set, 'Pager'), bcMaxLength: 30, dataverseMaxLength: 50 }),
    field({ id: 'phone', bcField: 'Phone No.', bc: 'phoneNumber', dataverse: 'telephone1', direction: 'bidirectional', bcMaxLength: 30, dataverseMaxLength: 50 }),
    field({
      id: 'type',
      bcField: 'Type',
      bc: 'type',
      direction: 'from-dataverse',
      transform: { kind: 'constant', value: 'Person' },
      bcType: 'enum',
    }),
    field({
      id: 'parentType',
      dataverse: 'parentcustomeridtype',
      direction: 'to-dataverse',
      transform: { kind: 'targetType', lookupField: 'parentcustomerid', target: 'account' },
      validateField: false,
    }),
    field({
      id: 'salutation',
      bcField: 'Salutation Code',
      dataverse: 'salutation',
      direction: 'bidirectional',
      origin: 'extra',
      bcType: 'code',
      unavailable: notInV2(set, 'Salutation Code'),
      bcMaxLength: 10,
      dataverseMaxLength: 100,
    }),
  );
  return tableMapping({
    name: 'CONTACT',
    bc: {
      api: 'v2.0',
      entitySet: set,
      table: 'Contact (5050)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'number',
      nameField: 'displayName',
      filter: [
        { field: 'type', op: 'eq', value: 'Person' },
        { field: 'companyNumber', op: 'ne', value: '' },
      ],
      properties: CONTACT_PROPERTIES,
    },
    dataverse: {
      table: 'contact',
      entitySet: 'contacts',
      key: 'contactid',
      modifiedField: 'modifiedon',
      nameField: 'fullname',
      filter: [
        { field: '_parentcustomerid_value', op: 'ne', value: null },
        { field: 'statecode', op: 'eq', value: 0 },
        { field: 'parentcustomerid', op: 'lookupTarget', value: 'account' },
      ],
      companyFilter: true,
      companyIdStamp: 'always',
      ownerTeamOnInsert: options.ownershipModel === 'team',
    },
    direction: 'bidirectional',
    dependencies: ['CUSTOMER', 'VENDOR'],
    schedule: { ...PARTY_SCHEDULE },
    parentLink: {
      bcProperty: 'companyNumber',
      dataverse: 'parentcustomerid',
      navigation: 'parentcustomerid_account',
      target: 'accounts',
      via: ['CUSTOMER', 'VENDOR'],
    },
    fields,
    notes: [
      'The parent account is not a field mapping: BC→DV sets parentcustomerid to the account coupled to the customer/vendor the contact\'s company has a business relation with; DV→BC sets the company from the customer/vendor coupled to parentcustomerid (error "company does not exist" if none).',
      'Contacts of type Company and contacts whose company has no business relation to a customer or vendor are ignored.',
    ],
  });
}
