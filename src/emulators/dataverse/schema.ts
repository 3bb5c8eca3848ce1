/**
 * The emulated organization's tables: columns with types, lengths, option sets, lookups and the
 * rules the Web API enforces on writes (docs/protocols.md §6.1, §7.1; docs/integration.md §2, §8).
 * Lookup columns are named by their attribute (`customerid`) and read as `_customerid_value`;
 * clients bind them through navigation properties (`customerid_account@odata.bind`).
 */
import { lookupProperty } from './row-values.js';

export type ColumnType =
  | 'key'
  | 'string'
  | 'memo'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'double'
  | 'money'
  | 'boolean'
  | 'datetime'
  | 'dateonly'
  | 'picklist'
  | 'state'
  | 'status'
  | 'lookup'
  | 'uniqueidentifier'
  | 'entityname';

export interface OptionDef {
  value: number;
  label: string;
  /** For status options: the state the status belongs to. */
  state?: number;
}

export interface LookupTarget {
  /** Single-valued navigation property used with `@odata.bind` and `$expand`. */
  nav: string;
  /** Entity set the nav can point at. */
  entitySet: string;
}

export interface ColumnDef {
  name: string;
  type: ColumnType;
  maxLength?: number;
  min?: number;
  max?: number;
  /** Must be present (non-null) on create. */
  required?: boolean;
  /** Server-managed; a value in a write payload is ignored (the service computes it). */
  readOnly?: boolean;
  /** Valid on create only; an update that changes it is refused. */
  createOnly?: boolean;
  /** Not valid on create (refused there), valid on update. */
  updateOnly?: boolean;
  /** Lookup targets. */
  targets?: LookupTarget[];
  /** Picklist/state/status options as the org starts with them. */
  options?: OptionDef[];
  /** Value a create stores when the payload has none. */
  defaultValue?: string | number | boolean;
}

export interface CollectionNav {
  /** Entity set of the related rows. */
  entitySet: string;
  /** Lookup attribute on the related rows that points back at this row. */
  via: string;
}

export type Ownership = 'user' | 'organization' | 'business' | 'none';

export interface TableDef {
  logicalName: string;
  entitySet: string;
  key: string;
  primaryName: string;
  ownership: Ownership;
  columns: Map<string, ColumnDef>;
  /** Single-valued navigation name -> lookup column. */
  navs: Map<string, { column: string; entitySet: string }>;
  /** 1:N navigations that can be expanded, read and deep-inserted. */
  collections: Map<string, CollectionNav>;
  /** Whether `statecode` is refused on create (the record starts in its first state). */
  stateOnCreate: 'allowed' | 'refused';
  /** False for tables the service never updates (posts). */
  updatable: boolean;
  /** Whether clients may create rows (false for the organization row). */
  writable: boolean;
  /** Whether clients may delete rows (users, business units and the organization cannot be deleted). */
  deletable: boolean;
}

// ---------------------------------------------------------------------------------------------
// Column builders

type Extra = Partial<Omit<ColumnDef, 'name' | 'type'>>;

const str = (name: string, maxLength: number, extra: Extra = {}): ColumnDef => ({ name, type: 'string', maxLength, ...extra });
const memo = (name: string, maxLength: number, extra: Extra = {}): ColumnDef => ({ name, type: 'memo', maxLength, ...extra });
const int = (name: string, extra: Extra = {}): ColumnDef => ({ name, type: 'integer', min: -2147483648, max: 2147483647, ...extra });
const dec = (name: string, extra: Extra = {}): ColumnDef => ({ name, type: 'decimal', min: -100000000000, max: 100000000000, ...extra });
const money = (name: string, extra: Extra = {}): ColumnDef => ({ name, type: 'money', min: -922337203685477, max: 922337203685477, ...extra });
const bool = (name: string, extra: Extra = {}): ColumnDef => ({ name, type: 'boolean', ...extra });
const dt = (name: string, extra: Extra = {}): ColumnDef => ({ name, type: 'datetime', ...extra });
const dateOnly = (name: string, extra: Extra = {}): ColumnDef => ({ name, type: 'dateonly', ...extra });
const guid = (name: string, extra: Extra = {}): ColumnDef => ({ name, type: 'uniqueidentifier', ...extra });
const pick = (name: string, options: Array<[number, string]>, extra: Extra = {}): ColumnDef => ({
  name,
  type: 'picklist',
  options: options.map(([value, label]) => ({ value, label })),
  ...extra,
});
/** A lookup with one target: the nav has the attribute's name. */
const lookup = (name: string, entitySet: string, extra: Extra = {}): ColumnDef => ({
  name,
  type: 'lookup',
  targets: [{ nav: name, entitySet }],
  ...extra,
});
/** A polymorphic lookup whose navs are `<name>_<logicalname>`. */
const polymorphic = (name: string, targets: Array<[string, string]>, extra: Extra = {}): ColumnDef => ({
  name,
  type: 'lookup',
  targets: targets.map(([logical, entitySet]) => ({ nav: `${name}_${logical}`, entitySet })),
  ...extra,
});

function stateColumns(states: Array<[number, string, number, Array<[number, string]>]>): ColumnDef[] {
  // [state value, state label, default status, [status value, status label][]]
  const stateOptions: OptionDef[] = states.map(([value, label]) => ({ value, label }));
  const statusOptions: OptionDef[] = [];
  for (const [state, , , statuses] of states) for (const [value, label] of statuses) statusOptions.push({ value, label, state });
  const defaults = new Map(states.map(([state, , def]) => [state, def]));
  return [
    { name: 'statecode', type: 'state', options: stateOptions, defaultValue: states[0]![0] },
    { name: 'statuscode', type: 'status', options: statusOptions, defaultValue: defaults.get(states[0]![0]) },
  ];
}

const activeInactive = (active = 1, inactive = 2): ColumnDef[] =>
  stateColumns([
    [0, 'Active', active, [[active, 'Active']]],
    [1, 'Inactive', inactive, [[inactive, 'Inactive']]],
  ]);

function systemColumns(): ColumnDef[] {
  return [
    dt('createdon', { readOnly: true }),
    dt('modifiedon', { readOnly: true }),
    lookup('createdby', 'systemusers', { readOnly: true }),
    lookup('modifiedby', 'systemusers', { readOnly: true }),
    { name: 'versionnumber', type: 'bigint', readOnly: true },
    dt('overriddencreatedon', { createOnly: true }),
    int('importsequencenumber', { createOnly: true }),
  ];
}

function ownerColumns(): ColumnDef[] {
  return [
    {
      name: 'ownerid',
      type: 'lookup',
      targets: [
        { nav: 'ownerid', entitySet: 'systemusers' },
        { nav: 'ownerid', entitySet: 'teams' },
      ],
    },
    lookup('owningbusinessunit', 'businessunits', { readOnly: true }),
    lookup('owninguser', 'systemusers', { readOnly: true }),
    lookup('owningteam', 'teams', { readOnly: true }),
  ];
}

function currencyColumns(): ColumnDef[] {
  return [lookup('transactioncurrencyid', 'transactioncurrencies'), dec('exchangerate', { readOnly: true })];
}

const companyColumn = (): ColumnDef => lookup('bcbi_companyid', 'cdm_companies');

function addressColumns(prefix: string): ColumnDef[] {
  return [
    str(`${prefix}_name`, 200),
    str(`${prefix}_line1`, 250),
    str(`${prefix}_line2`, 250),
    str(`${prefix}_line3`, 250),
    str(`${prefix}_city`, 80),
    str(`${prefix}_stateorprovince`, 50),
    str(`${prefix}_postalcode`, 20),
    str(`${prefix}_country`, 80),
    str(`${prefix}_county`, 50),
    str(`${prefix}_telephone1`, 50),
    str(`${prefix}_fax`, 50),
    str(`${prefix}_primarycontactname`, 100),
    str(`${prefix}_composite`, 1000, { readOnly: true }),
  ];
}

function documentAddressColumns(prefix: 'billto' | 'shipto'): ColumnDef[] {
  return [
    str(`${prefix}_name`, 200),
    str(`${prefix}_line1`, 250),
    str(`${prefix}_line2`, 250),
    str(`${prefix}_line3`, 250),
    str(`${prefix}_city`, 80),
    str(`${prefix}_stateorprovince`, 50),
    str(`${prefix}_postalcode`, 20),
    str(`${prefix}_country`, 80),
    str(`${prefix}_telephone`, 50),
    str(`${prefix}_fax`, 50),
    str(`${prefix}_contactname`, 150),
  ];
}

const PAYMENT_TERMS: Array<[number, string]> = [
  [1, 'Net 30'],
  [2, '2% 10, Net 30'],
  [3, 'Net 45'],
  [4, 'Net 60'],
];
const FREIGHT_TERMS: Array<[number, string]> = [
  [1, 'FOB'],
  [2, 'No Charge'],
];
const SHIPPING_METHODS: Array<[number, string]> = [
  [1, 'Airborne'],
  [2, 'DHL'],
  [3, 'FedEx'],
  [4, 'UPS'],
  [5, 'Postal Mail'],
  [6, 'Full Load'],
  [7, 'Will Call'],
];

/** Header columns shared by salesorder, quote and invoice. */
function documentHeaderColumns(withFreightTerms: boolean): ColumnDef[] {
  return [
    str('name', 300),
    memo('description', 2000),
    polymorphic('customerid', [
      ['account', 'accounts'],
      ['contact', 'contacts'],
    ], { required: true }),
    lookup('pricelevelid', 'pricelevels'),
    lookup('opportunityid', 'opportunities'),
    ...ownerColumns(),
    // The currency of a document cannot change once it exists.
    lookup('transactioncurrencyid', 'transactioncurrencies', { createOnly: true }),
    dec('exchangerate', { readOnly: true }),
    companyColumn(),
    money('discountamount'),
    dec('discountpercentage', { min: 0, max: 100 }),
    money('freightamount'),
    money('totalamount'),
    money('totalamountlessfreight'),
    money('totallineitemamount', { readOnly: true }),
    money('totallineitemdiscountamount'),
    money('totaldiscountamount'),
    money('totaltax'),
    bool('ispricelocked', { defaultValue: false }),
    bool('willcall', { defaultValue: false }),
    dateOnly('requestdeliveryby'),
    pick('paymenttermscode', PAYMENT_TERMS),
    pick('shippingmethodcode', SHIPPING_METHODS),
    ...(withFreightTerms ? [pick('freighttermscode', FREIGHT_TERMS)] : []),
    ...documentAddressColumns('billto'),
    ...documentAddressColumns('shipto'),
  ];
}

/** A close activity (orderclose, quoteclose): subject, the document it closes, when, and its own state. */
function closeActivity(logicalName: string, entitySet: string, regarding: string, regardingSet: string): TableSpec {
  return {
    logicalName,
    entitySet,
    primaryName: 'subject',
    ownership: 'user',
    columns: [
      str('subject', 200),
      memo('description', 2000),
      lookup(regarding, regardingSet, { required: true, createOnly: true }),
      dt('actualend'),
      ...stateColumns([
        [0, 'Open', 1, [[1, 'Open']]],
        [1, 'Completed', 2, [[2, 'Completed']]],
        [2, 'Canceled', 3, [[3, 'Canceled']]],
      ]),
      ...ownerColumns(),
    ],
  };
}

/** Line columns shared by salesorderdetail, quotedetail and invoicedetail. */
function documentLineColumns(parent: string, parentSet: string): ColumnDef[] {
  return [
    lookup(parent, parentSet, { required: true, createOnly: true }),
    lookup('productid', 'products'),
    lookup('uomid', 'uoms'),
    dec('quantity', { required: true }),
    money('priceperunit'),
    bool('ispriceoverridden', { defaultValue: false }),
    bool('isproductoverridden', { defaultValue: false, createOnly: true }),
    str('productdescription', 500),
    str('productname', 500, { readOnly: true }),
    str('productnumber', 100, { readOnly: true }),
    memo('description', 2000),
    money('manualdiscountamount'),
    money('volumediscountamount', { readOnly: true }),
    money('tax'),
    money('baseamount'),
    money('extendedamount'),
    int('lineitemnumber'),
    int('sequencenumber'),
    dateOnly('requestdeliveryby'),
    pick('producttypecode', [
      [1, 'Product'],
      [2, 'Bundle'],
      [3, 'Required Bundle Product'],
      [4, 'Optional Bundle Product'],
      [5, 'Project-based Service'],
    ], { defaultValue: 1 }),
    dec('quantityshipped'),
    dec('quantitybackordered'),
    dec('quantitycancelled'),
    int('bcbi_businesscentrallinenumber'),
    ...ownerColumns(),
    lookup('transactioncurrencyid', 'transactioncurrencies'),
    dec('exchangerate', { readOnly: true }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Tables

interface TableSpec {
  logicalName: string;
  entitySet: string;
  primaryName: string;
  ownership: Ownership;
  columns: ColumnDef[];
  collections?: Record<string, CollectionNav>;
  stateOnCreate?: 'allowed' | 'refused';
  updatable?: boolean;
  writable?: boolean;
  deletable?: boolean;
}

const SPECS: TableSpec[] = [
  {
    logicalName: 'organization',
    entitySet: 'organizations',
    primaryName: 'name',
    ownership: 'none',
    writable: false,
    columns: [
      str('name', 160),
      lookup('basecurrencyid', 'transactioncurrencies', { readOnly: true }),
      str('basecurrencysymbol', 5, { readOnly: true }),
      int('expirechangetrackingindays', { defaultValue: 7 }),
      int('pricingdecimalprecision', { defaultValue: 2 }),
      str('languagecode', 10, { readOnly: true }),
    ],
  },
  {
    logicalName: 'businessunit',
    entitySet: 'businessunits',
    primaryName: 'name',
    ownership: 'none',
    deletable: false,
    columns: [str('name', 160, { required: true }), lookup('parentbusinessunitid', 'businessunits'), bool('isdisabled', { defaultValue: false })],
  },
  {
    logicalName: 'systemuser',
    entitySet: 'systemusers',
    primaryName: 'fullname',
    ownership: 'business',
    deletable: false,
    columns: [
      str('firstname', 64),
      str('lastname', 64),
      str('fullname', 200, { readOnly: true }),
      str('domainname', 1024),
      str('internalemailaddress', 100),
      str('personalemailaddress', 100),
      str('mobilephone', 64),
      str('address1_telephone1', 64),
      str('jobtitle', 100),
      str('title', 128),
      guid('azureactivedirectoryobjectid'),
      guid('applicationid'),
      bool('isdisabled', { defaultValue: false }),
      bool('islicensed', { defaultValue: true }),
      bool('isintegrationuser', { defaultValue: false }),
      pick('accessmode', [
        [0, 'Read-Write'],
        [1, 'Administrative'],
        [2, 'Read'],
        [3, 'Support User'],
        [4, 'Non-interactive'],
        [5, 'Delegated Admin'],
      ], { defaultValue: 0 }),
      lookup('businessunitid', 'businessunits'),
    ],
  },
  {
    logicalName: 'team',
    entitySet: 'teams',
    primaryName: 'name',
    ownership: 'business',
    columns: [
      str('name', 160, { required: true }),
      memo('description', 2000),
      pick('teamtype', [
        [0, 'Owner'],
        [1, 'Access'],
        [2, 'Security Group'],
        [3, 'Office Group'],
      ], { defaultValue: 0 }),
      bool('isdefault', { defaultValue: false, readOnly: true }),
      guid('azureactivedirectoryobjectid'),
      lookup('businessunitid', 'businessunits'),
      lookup('administratorid', 'systemusers'),
    ],
  },
  {
    logicalName: 'role',
    entitySet: 'roles',
    primaryName: 'name',
    ownership: 'business',
    columns: [
      str('name', 100, { required: true }),
      lookup('businessunitid', 'businessunits'),
      lookup('parentrootroleid', 'roles', { readOnly: true }),
      // The template a built-in role was made from: the same id in every organization and language.
      lookup('roletemplateid', 'roletemplates', { readOnly: true }),
    ],
  },
  {
    logicalName: 'roletemplate',
    entitySet: 'roletemplates',
    primaryName: 'name',
    ownership: 'none',
    writable: false,
    deletable: false,
    columns: [str('name', 100)],
  },
  {
    logicalName: 'transactioncurrency',
    entitySet: 'transactioncurrencies',
    primaryName: 'currencyname',
    ownership: 'organization',
    columns: [
      str('isocurrencycode', 5, { required: true, createOnly: true }),
      str('currencyname', 100, { required: true }),
      str('currencysymbol', 10, { required: true }),
      dec('exchangerate', { required: true, min: 0.0000000001, max: 100000000000 }),
      int('currencyprecision', { min: 0, max: 4, defaultValue: 2 }),
      ...activeInactive(),
    ],
  },
  {
    logicalName: 'uomschedule',
    entitySet: 'uomschedules',
    primaryName: 'name',
    ownership: 'organization',
    columns: [
      str('name', 200, { required: true }),
      str('baseuomname', 100, { required: true, createOnly: true }),
      memo('description', 2000),
      ...activeInactive(),
    ],
    collections: { UoMSchedule_UoM: { entitySet: 'uoms', via: 'uomscheduleid' } },
  },
  {
    logicalName: 'uom',
    entitySet: 'uoms',
    primaryName: 'name',
    ownership: 'organization',
    columns: [
      str('name', 100, { required: true }),
      dec('quantity', { required: true, min: 0.0000000001 }),
      lookup('uomscheduleid', 'uomschedules', { required: true, createOnly: true }),
      lookup('baseuom', 'uoms'),
      bool('isschedulebaseuom', { readOnly: true, defaultValue: false }),
    ],
  },
  {
    logicalName: 'account',
    entitySet: 'accounts',
    primaryName: 'name',
    ownership: 'user',
    columns: [
      str('name', 160, { required: true }),
      str('accountnumber', 20),
      str('telephone1', 50),
      str('telephone2', 50),
      str('telephone3', 50),
      str('fax', 50),
      str('emailaddress1', 100),
      str('emailaddress2', 100),
      str('emailaddress3', 100),
      str('websiteurl', 200),
      ...addressColumns('address1'),
      ...addressColumns('address2'),
      pick('address1_freighttermscode', FREIGHT_TERMS),
      pick('address1_shippingmethodcode', SHIPPING_METHODS),
      pick('paymenttermscode', PAYMENT_TERMS),
      pick('accountcategorycode', [
        [1, 'Preferred Customer'],
        [2, 'Standard'],
      ]),
      pick('customertypecode', [
        [1, 'Competitor'],
        [2, 'Consultant'],
        [3, 'Customer'],
        [4, 'Investor'],
        [5, 'Partner'],
        [6, 'Influencer'],
        [7, 'Press'],
        [8, 'Prospect'],
        [9, 'Reseller'],
        [10, 'Supplier'],
        [11, 'Vendor'],
        [12, 'Other'],
      ]),
      bool('creditonhold', { defaultValue: false }),
      money('creditlimit'),
      money('revenue'),
      int('numberofemployees', { min: 0, max: 1000000000 }),
      memo('description', 2000),
      lookup('primarycontactid', 'contacts'),
      lookup('parentaccountid', 'accounts'),
      lookup('nav_accountstatisticsid', 'nav_accountstatisticses'),
      companyColumn(),
      ...currencyColumns(),
      ...ownerColumns(),
      ...activeInactive(),
    ],
    collections: { contact_customer_accounts: { entitySet: 'contacts', via: 'parentcustomerid' } },
  },
  {
    logicalName: 'contact',
    entitySet: 'contacts',
    primaryName: 'fullname',
    ownership: 'user',
    columns: [
      str('firstname', 50),
      str('middlename', 50),
      str('lastname', 50),
      str('fullname', 160, { readOnly: true }),
      str('salutation', 100),
      str('jobtitle', 100),
      str('emailaddress1', 100),
      str('emailaddress2', 100),
      str('telephone1', 50),
      str('telephone2', 50),
      str('mobilephone', 50),
      str('fax', 50),
      str('pager', 50),
      str('websiteurl', 200),
      ...addressColumns('address1'),
      memo('description', 2000),
      polymorphic('parentcustomerid', [
        ['account', 'accounts'],
        ['contact', 'contacts'],
      ]),
      companyColumn(),
      ...currencyColumns(),
      ...ownerColumns(),
      ...activeInactive(),
    ],
  },
  {
    logicalName: 'product',
    entitySet: 'products',
    primaryName: 'name',
    ownership: 'organization',
    columns: [
      str('name', 100, { required: true }),
      str('productnumber', 100, { required: true }),
      memo('description', 2000),
      pick('producttypecode', [
        [1, 'Sales Inventory'],
        [2, 'Miscellaneous Charges'],
        [3, 'Services'],
        [4, 'Flat Fees'],
      ], { defaultValue: 1 }),
      pick('productstructure', [
        [1, 'Product'],
        [2, 'Product Family'],
        [3, 'Product Bundle'],
      ], { defaultValue: 1, createOnly: true }),
      int('quantitydecimal', { required: true, min: 0, max: 5 }),
      lookup('defaultuomscheduleid', 'uomschedules', { required: true }),
      lookup('defaultuomid', 'uoms', { required: true }),
      // The default price list is set after the product exists (docs/protocols.md §6.1).
      lookup('pricelevelid', 'pricelevels', { updateOnly: true }),
      lookup('parentproductid', 'products'),
      money('price'),
      money('currentcost'),
      money('standardcost'),
      dec('stockvolume'),
      dec('stockweight'),
      str('vendorid', 100),
      str('vendorname', 100),
      str('vendorpartnumber', 100),
      dec('quantityonhand', { min: 0 }),
      bool('isstockitem', { defaultValue: false }),
      bool('iskit', { defaultValue: false, readOnly: true }),
      dateOnly('validfromdate'),
      dateOnly('validtodate'),
      companyColumn(),
      ...currencyColumns(),
      ...stateColumns([
        [0, 'Active', 1, [[1, 'Active']]],
        [1, 'Retired', 2, [[2, 'Retired']]],
        [2, 'Draft', 0, [[0, 'Draft']]],
        [3, 'UnderRevision', 3, [[3, 'Under Revision']]],
      ]),
    ],
  },
  {
    logicalName: 'pricelevel',
    entitySet: 'pricelevels',
    primaryName: 'name',
    ownership: 'organization',
    columns: [
      str('name', 100, { required: true }),
      memo('description', 200),
      lookup('transactioncurrencyid', 'transactioncurrencies', { required: true }),
      dec('exchangerate', { readOnly: true }),
      dt('begindate'),
      dt('enddate'),
      pick('freighttermscode', FREIGHT_TERMS),
      pick('paymentmethodcode', [[1, 'Default Value']]),
      pick('shippingmethodcode', SHIPPING_METHODS),
      companyColumn(),
      ...stateColumns([
        [0, 'Active', 100001, [[100001, 'Active']]],
        [1, 'Inactive', 100002, [[100002, 'Inactive']]],
      ]),
    ],
    collections: { price_level_product_price_levels: { entitySet: 'productpricelevels', via: 'pricelevelid' } },
  },
  {
    logicalName: 'productpricelevel',
    entitySet: 'productpricelevels',
    primaryName: 'productnumber',
    ownership: 'organization',
    columns: [
      lookup('pricelevelid', 'pricelevels', { required: true, createOnly: true }),
      lookup('productid', 'products', { required: true }),
      lookup('uomid', 'uoms', { required: true }),
      lookup('uomscheduleid', 'uomschedules'),
      str('productnumber', 100),
      money('amount'),
      dec('percentage'),
      money('roundingoptionamount'),
      pick('pricingmethodcode', [
        [1, 'Currency Amount'],
        [2, 'Percent of List'],
        [3, 'Percent Markup - Current Cost'],
        [4, 'Percent Margin - Current Cost'],
        [5, 'Percent Markup - Standard Cost'],
        [6, 'Percent Margin - Standard Cost'],
      ], { defaultValue: 1 }),
      pick('quantitysellingcode', [
        [1, 'No Control'],
        [2, 'Whole'],
        [3, 'Whole and Fractional'],
      ], { defaultValue: 1 }),
      pick('roundingpolicycode', [
        [1, 'None'],
        [2, 'Up'],
        [3, 'Down'],
        [4, 'To Nearest'],
      ], { defaultValue: 1 }),
      pick('roundingoptioncode', [
        [1, 'Ends in'],
        [2, 'Multiple of'],
      ]),
      companyColumn(),
      ...currencyColumns(),
    ],
  },
  {
    logicalName: 'opportunity',
    entitySet: 'opportunities',
    primaryName: 'name',
    ownership: 'user',
    columns: [
      str('name', 300, { required: true }),
      memo('description', 2000),
      polymorphic('customerid', [
        ['account', 'accounts'],
        ['contact', 'contacts'],
      ]),
      lookup('parentaccountid', 'accounts'),
      lookup('parentcontactid', 'contacts'),
      lookup('pricelevelid', 'pricelevels'),
      money('estimatedvalue'),
      dateOnly('estimatedclosedate'),
      money('actualvalue'),
      dateOnly('actualclosedate'),
      int('closeprobability', { min: 0, max: 100 }),
      companyColumn(),
      ...currencyColumns(),
      ...ownerColumns(),
      ...stateColumns([
        [0, 'Open', 1, [
          [1, 'In Progress'],
          [2, 'On Hold'],
        ]],
        [1, 'Won', 3, [[3, 'Won']]],
        [2, 'Lost', 4, [
          [4, 'Canceled'],
          [5, 'Out-Sold'],
        ]],
      ]),
    ],
  },
  {
    logicalName: 'lead',
    entitySet: 'leads',
    primaryName: 'fullname',
    ownership: 'user',
    stateOnCreate: 'refused',
    columns: [
      str('subject', 300, { required: true }),
      str('firstname', 50),
      str('lastname', 50),
      str('fullname', 160, { readOnly: true }),
      str('companyname', 100),
      str('jobtitle', 100),
      str('emailaddress1', 100),
      str('telephone1', 50),
      str('mobilephone', 20),
      ...addressColumns('address1'),
      memo('description', 2000),
      money('estimatedvalue'),
      lookup('parentaccountid', 'accounts'),
      lookup('parentcontactid', 'contacts'),
      ...currencyColumns(),
      ...ownerColumns(),
      ...stateColumns([
        [0, 'Open', 1, [
          [1, 'New'],
          [2, 'Contacted'],
        ]],
        [1, 'Qualified', 3, [[3, 'Qualified']]],
        [2, 'Disqualified', 4, [
          [4, 'Lost'],
          [5, 'Cannot Contact'],
          [6, 'No Longer Interested'],
          [7, 'Canceled'],
        ]],
      ]),
    ],
  },
  {
    logicalName: 'salesorder',
    entitySet: 'salesorders',
    primaryName: 'name',
    ownership: 'user',
    stateOnCreate: 'refused',
    collections: { order_details: { entitySet: 'salesorderdetails', via: 'salesorderid' } },
    columns: [
      ...documentHeaderColumns(true),
      str('ordernumber', 100),
      lookup('quoteid', 'quotes'),
      dateOnly('datefulfilled'),
      dateOnly('submitdate'),
      dateOnly('lastbackofficesubmit'),
      str('bcbi_businesscentralordernumber', 20),
      int('bcbi_businesscentraldocumentoccurrencenumber'),
      ...stateColumns([
        [0, 'Active', 1, [
          [1, 'New'],
          [2, 'Pending'],
          [690970000, 'On Hold'],
        ]],
        [1, 'Submitted', 3, [[3, 'In Progress']]],
        [2, 'Canceled', 4, [[4, 'No Money']]],
        [3, 'Fulfilled', 100001, [
          [100001, 'Complete'],
          [100002, 'Partial'],
        ]],
        [4, 'Invoiced', 100003, [[100003, 'Invoiced']]],
      ]),
    ],
  },
  {
    logicalName: 'salesorderdetail',
    entitySet: 'salesorderdetails',
    primaryName: 'productdescription',
    ownership: 'user',
    columns: [...documentLineColumns('salesorderid', 'salesorders'), bool('salesorderispricelocked', { readOnly: true })],
  },
  {
    logicalName: 'quote',
    entitySet: 'quotes',
    primaryName: 'name',
    ownership: 'user',
    stateOnCreate: 'refused',
    collections: { quote_details: { entitySet: 'quotedetails', via: 'quoteid' } },
    columns: [
      ...documentHeaderColumns(true),
      str('quotenumber', 100, { createOnly: true }),
      int('revisionnumber', { readOnly: true, defaultValue: 0 }),
      dateOnly('effectivefrom'),
      dateOnly('effectiveto'),
      dateOnly('expireson'),
      dateOnly('closedon'),
      ...stateColumns([
        [0, 'Draft', 1, [[1, 'In Progress']]],
        [1, 'Active', 2, [
          [2, 'In Progress'],
          [3, 'Open'],
        ]],
        [2, 'Won', 4, [[4, 'Won']]],
        [3, 'Closed', 5, [
          [5, 'Lost'],
          [6, 'Canceled'],
          [7, 'Revised'],
        ]],
      ]),
    ],
  },
  {
    logicalName: 'quotedetail',
    entitySet: 'quotedetails',
    primaryName: 'productdescription',
    ownership: 'user',
    columns: documentLineColumns('quoteid', 'quotes'),
  },
  {
    logicalName: 'invoice',
    entitySet: 'invoices',
    primaryName: 'name',
    ownership: 'user',
    stateOnCreate: 'refused',
    collections: { invoice_details: { entitySet: 'invoicedetails', via: 'invoiceid' } },
    columns: [
      ...documentHeaderColumns(false),
      str('invoicenumber', 100, { createOnly: true }),
      lookup('salesorderid', 'salesorders'),
      dateOnly('duedate'),
      dateOnly('datedelivered'),
      ...stateColumns([
        [0, 'Active', 1, [
          [1, 'New'],
          [2, 'Partially Shipped'],
          [4, 'Billed'],
          [5, 'Booked (applies to services)'],
          [6, 'Installed (applies to services)'],
        ]],
        [1, 'Closed (deprecated)', 3, [
          [3, 'Canceled (deprecated)'],
          [7, 'Paid in Full (deprecated)'],
        ]],
        [2, 'Paid', 100001, [
          [100001, 'Complete'],
          [100002, 'Partial'],
        ]],
        [3, 'Canceled', 100003, [[100003, 'Canceled']]],
      ]),
    ],
  },
  {
    logicalName: 'invoicedetail',
    entitySet: 'invoicedetails',
    primaryName: 'productdescription',
    ownership: 'user',
    columns: documentLineColumns('invoiceid', 'invoices'),
  },
  {
    logicalName: 'annotation',
    entitySet: 'annotations',
    primaryName: 'subject',
    ownership: 'user',
    columns: [
      str('subject', 500),
      memo('notetext', 100000),
      bool('isdocument', { defaultValue: false }),
      str('filename', 255),
      str('mimetype', 256),
      memo('documentbody', 1073741823),
      int('filesize', { readOnly: true, defaultValue: 0 }),
      polymorphic('objectid', [
        ['account', 'accounts'],
        ['contact', 'contacts'],
        ['salesorder', 'salesorders'],
        ['quote', 'quotes'],
        ['invoice', 'invoices'],
        ['opportunity', 'opportunities'],
        ['lead', 'leads'],
        ['product', 'products'],
      ]),
      { name: 'objecttypecode', type: 'entityname', readOnly: true },
      ...ownerColumns(),
    ],
  },
  {
    // Activity feed post: organization-owned, created, read and deleted, never updated (docs/protocols.md §7.1).
    logicalName: 'post',
    entitySet: 'posts',
    primaryName: 'text',
    ownership: 'organization',
    updatable: false,
    columns: [
      memo('text', 2000, { required: true }),
      pick('source', [
        [1, 'Auto Post'],
        [2, 'Manual Post'],
        [3, 'ActionHub Post'],
      ], { defaultValue: 2, required: true }),
      pick('type', [
        [1, 'Check-in'],
        [2, 'Idea'],
        [3, 'News'],
        [4, 'Private Message'],
        [5, 'Question'],
        [6, 'Re-post'],
        [7, 'Status'],
      ], { defaultValue: 1, required: true }),
      polymorphic('regardingobjectid', [
        ['account', 'accounts'],
        ['contact', 'contacts'],
        ['salesorder', 'salesorders'],
        ['quote', 'quotes'],
        ['invoice', 'invoices'],
        ['opportunity', 'opportunities'],
        ['lead', 'leads'],
      ], { required: true, createOnly: true }),
      { name: 'regardingobjecttypecode', type: 'entityname', readOnly: true },
    ],
  },
  // The close activities a state message records next to the document: FulfillSalesOrder on an order,
  // WinQuote and CloseQuote on a quote.
  closeActivity('orderclose', 'ordercloses', 'salesorderid', 'salesorders'),
  closeActivity('quoteclose', 'quotecloses', 'quoteid', 'quotes'),
  {
    logicalName: 'nav_accountstatistics',
    entitySet: 'nav_accountstatisticses',
    primaryName: 'nav_name',
    ownership: 'user',
    columns: [
      str('nav_name', 100),
      str('nav_customerno', 20),
      money('nav_balancelcy'),
      money('nav_outstandingorderslcy'),
      money('nav_shippednotinvoicedlcy'),
      money('nav_outstandinginvoiceslcy'),
      money('nav_outstandingserviceorderslcy'),
      money('nav_servshippednotinvoicedlcy'),
      money('nav_outstandingservinvoiceslcy'),
      money('nav_totallcy'),
      money('nav_creditlimitlcy'),
      money('nav_overdueamountslcy'),
      dateOnly('nav_overdueamountsasof'),
      money('nav_totalsaleslcy'),
      money('nav_invoicedprepaymentamountlcy'),
      ...currencyColumns(),
      ...ownerColumns(),
      ...activeInactive(),
    ],
  },
  {
    logicalName: 'cdm_company',
    entitySet: 'cdm_companies',
    primaryName: 'cdm_name',
    ownership: 'user',
    columns: [str('cdm_name', 100, { required: true }), str('cdm_companycode', 20), ...ownerColumns(), ...activeInactive()],
  },
];

function buildTable(spec: TableSpec): TableDef {
  const columns = new Map<string, ColumnDef>();
  const key = `${spec.logicalName}id`;
  columns.set(key, { name: key, type: 'key' });
  const add = (c: ColumnDef): void => {
    columns.set(c.name, c);
    if (c.type === 'money' && !c.name.endsWith('_base')) {
      columns.set(`${c.name}_base`, { name: `${c.name}_base`, type: 'money', readOnly: true });
    }
  };
  for (const c of spec.columns) add(c);
  for (const c of systemColumns()) add(c);
  const navs = new Map<string, { column: string; entitySet: string }>();
  for (const c of columns.values()) {
    if (c.type !== 'lookup' || !c.targets) continue;
    for (const t of c.targets) {
      // ownerid is one nav over two sets; the bind URL's entity set picks the target.
      if (!navs.has(t.nav)) navs.set(t.nav, { column: c.name, entitySet: t.entitySet });
    }
  }
  return {
    logicalName: spec.logicalName,
    entitySet: spec.entitySet,
    key,
    primaryName: spec.primaryName,
    ownership: spec.ownership,
    columns,
    navs,
    collections: new Map(Object.entries(spec.collections ?? {})),
    stateOnCreate: spec.stateOnCreate ?? 'allowed',
    updatable: spec.updatable ?? true,
    writable: spec.writable ?? true,
    deletable: spec.deletable ?? spec.writable ?? true,
  };
}

export interface Schema {
  bySet: Map<string, TableDef>;
  byLogical: Map<string, TableDef>;
}

export function buildSchema(): Schema {
  const bySet = new Map<string, TableDef>();
  const byLogical = new Map<string, TableDef>();
  for (const spec of SPECS) {
    const table = buildTable(spec);
    bySet.set(table.entitySet, table);
    byLogical.set(table.logicalName, table);
  }
  return { bySet, byLogical };
}

/** Columns the write rules visit on every create and update of a table, listed once (a table has up to ~200). */
export interface WriteColumns {
  /** Read-shape name and default value of every column that has one. */
  defaults: Array<[string, unknown]>;
  /** Money columns with their base-currency twin. */
  money: Array<[string, string]>;
  required: ColumnDef[];
}

const writeColumnsOf = new WeakMap<TableDef, WriteColumns>();

export function writeColumns(table: TableDef): WriteColumns {
  let lists = writeColumnsOf.get(table);
  if (!lists) {
    lists = { defaults: [], money: [], required: [] };
    for (const c of table.columns.values()) {
      if (c.defaultValue !== undefined) lists.defaults.push([readName(c), c.defaultValue]);
      if (c.type === 'money' && !c.name.endsWith('_base')) lists.money.push([c.name, `${c.name}_base`]);
      if (c.required) lists.required.push(c);
    }
    writeColumnsOf.set(table, lists);
  }
  return lists;
}

/** Read-shape property name of a column: lookups read as `_x_value`. */
export function readName(c: ColumnDef): string {
  return c.type === 'lookup' ? lookupProperty(c.name) : c.name;
}

/** Per table, read-shape property -> column (null: none), as reads and filters ask the same names per row. */
const columnsByProperty = new WeakMap<TableDef, Map<string, ColumnDef | null>>();

/** Column for a read-shape property name (`name`, `_x_value`), or undefined. */
export function columnForProperty(table: TableDef, property: string): ColumnDef | undefined {
  let known = columnsByProperty.get(table);
  if (!known) {
    known = new Map();
    columnsByProperty.set(table, known);
  }
  let c = known.get(property);
  if (c === undefined) {
    c = findColumnForProperty(table, property) ?? null;
    // Only names of the schema are kept: a client's unknown names do not grow the map.
    if (c) known.set(property, c);
  }
  return c ?? undefined;
}

function findColumnForProperty(table: TableDef, property: string): ColumnDef | undefined {
  const m = /^_(.+)_value$/.exec(property);
  if (m) {
    const c = table.columns.get(m[1]!);
    return c && c.type === 'lookup' ? c : undefined;
  }
  const c = table.columns.get(property);
  return c && c.type !== 'lookup' ? c : undefined;
}

/** Targets of a lookup column that an entity set satisfies. */
export function targetForSet(c: ColumnDef, entitySet: string): LookupTarget | undefined {
  return c.targets?.find((t) => t.entitySet === entitySet);
}

/** Status options grouped by state, with the default status of each state. */
export function stateModel(table: TableDef): { defaultStatus: Map<number, number>; stateOfStatus: Map<number, number> } | undefined {
  const state = table.columns.get('statecode');
  const status = table.columns.get('statuscode');
  if (!state || !status || !status.options) return undefined;
  const defaultStatus = new Map<number, number>();
  const stateOfStatus = new Map<number, number>();
  for (const o of status.options) {
    if (o.state === undefined) continue;
    stateOfStatus.set(o.value, o.state);
    if (!defaultStatus.has(o.state)) defaultStatus.set(o.state, o.value);
  }
  return { defaultStatus, stateOfStatus };
}
