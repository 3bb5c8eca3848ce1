/**
 * zod schemas of the seed files, one per entity set, in each API's read shape (protocols.md §6,
 * docs/custom-api.md). Objects are strict so that a misspelt property in a fixture is an error
 * instead of a column the emulator silently serves. Server-managed columns may be present or omitted.
 */
import { z } from 'zod';

export const BLANK_GUID = '00000000-0000-0000-0000-000000000000';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lowercase GUID');
/** A GUID that is never the blank GUID (primary keys). */
const key = guid.refine((g) => g !== BLANK_GUID, 'must not be the blank GUID');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD (0001-01-01 for none)');
const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/, 'must be a UTC date-time ending in Z');
const text = (max: number) => z.string().max(max);
/** BC Code fields: upper case, at most `max` characters, no leading/trailing spaces. */
const code = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s === s.toUpperCase() && s === s.trim(), 'BC codes are upper case without surrounding spaces');
const nonEmpty = (max: number) => z.string().min(1).max(max);
const money = z.number().finite();
const qty = z.number().finite().nonnegative();

// ---------------------------------------------------------------------------------------------
// Business Central (API v2.0 and the bcsync/integration/v1.0 custom API)

const bcServer = { lastModifiedDateTime: dateTime.optional() };
const bc = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ id: key, ...shape, ...bcServer });

const address = {
  addressLine1: text(100),
  addressLine2: text(50),
  city: text(30),
  state: text(30),
  country: code(10),
  postalCode: code(20),
};
const docAddress = (prefix: 'sellTo' | 'billTo' | 'shipTo') => ({
  [`${prefix}AddressLine1`]: text(100),
  [`${prefix}AddressLine2`]: text(50),
  [`${prefix}City`]: text(30),
  [`${prefix}Country`]: code(10),
  [`${prefix}State`]: text(30),
  [`${prefix}PostCode`]: code(20),
});
const lineType = z.enum(['Comment', 'Account', 'Item', 'Resource', 'Value', 'Fixed Asset', 'Charge']);
const docLine = {
  documentId: key,
  sequence: z.number().int().positive(),
  itemId: guid,
  accountId: guid,
  lineType,
  lineObjectNumber: code(20),
  description: text(100),
  description2: text(50),
  unitOfMeasureId: guid,
  unitOfMeasureCode: code(10),
  quantity: qty,
  unitPrice: money,
  discountAmount: money,
  discountPercent: money,
  discountAppliedBeforeTax: z.boolean(),
  amountExcludingTax: money,
  taxCode: code(20),
  taxPercent: money,
  totalTaxAmount: money,
  amountIncludingTax: money,
  invoiceDiscountAllocation: money,
  netAmount: money,
  netTaxAmount: money,
  netAmountIncludingTax: money,
  itemVariantId: guid,
  locationId: guid,
};
const docHeader = {
  number: code(20),
  externalDocumentNumber: text(35),
  customerId: key,
  customerNumber: code(20),
  customerName: text(100),
  billToName: text(100),
  billToCustomerId: key,
  billToCustomerNumber: code(20),
  shipToName: text(100),
  shipToContact: text(100),
  ...docAddress('sellTo'),
  ...docAddress('billTo'),
  ...docAddress('shipTo'),
  currencyId: guid,
  currencyCode: code(10),
  paymentTermsId: guid,
  shipmentMethodId: guid,
  salesperson: code(20),
  discountAmount: money,
  totalAmountExcludingTax: money,
  totalTaxAmount: money,
  totalAmountIncludingTax: money,
  phoneNumber: text(30),
  email: text(80),
};

export const bcCompanySchema = z.strictObject({
  id: key,
  name: nonEmpty(30),
  displayName: nonEmpty(250),
  records: z.record(z.string(), z.array(z.unknown())),
});

export const bcEntitySchemas = {
  companyInformation: bc({
    displayName: nonEmpty(100),
    ...address,
    phoneNumber: text(30),
    faxNumber: text(30),
    email: text(80),
    website: text(80),
    taxRegistrationNumber: text(20),
    currencyCode: nonEmpty(10),
    currentFiscalYearStartDate: date,
    industry: text(30),
  }),
  currencies: bc({
    code: code(10).min(1),
    displayName: text(30),
    symbol: text(10),
    amountDecimalPlaces: text(5),
    amountRoundingPrecision: z.number().positive(),
  }),
  currencyExchangeRates: bc({
    currencyId: key,
    currencyCode: code(10).min(1),
    startingDate: date,
    exchangeRateAmount: z.number().positive(),
    relationalCurrencyCode: code(10),
    relationalExchangeRateAmount: z.number().positive(),
  }),
  paymentTerms: bc({
    code: code(10).min(1),
    displayName: text(100),
    dueDateCalculation: text(32),
    discountDateCalculation: text(32),
    discountPercent: z.number().min(0).max(100),
    calculateDiscountOnCreditMemos: z.boolean(),
  }),
  shipmentMethods: bc({ code: code(10).min(1), displayName: text(100) }),
  shippingAgents: bc({ code: code(10).min(1), name: text(50) }),
  salespeoplePurchasers: bc({
    code: code(20).min(1),
    displayName: text(50),
    eMail: text(80),
    email2: text(80),
    phoneNo: text(30),
    jobTitle: text(30),
    commisionPercent: z.number().min(0).max(100),
    privacyBlocked: z.boolean(),
    blocked: z.boolean(),
  }),
  generalProductPostingGroups: bc({ code: code(20).min(1), description: text(100) }),
  inventoryPostingGroups: bc({ code: code(20).min(1), description: text(100) }),
  itemCategories: bc({ code: code(20).min(1), displayName: text(100) }),
  unitsOfMeasure: bc({ code: code(10).min(1), displayName: text(50), internationalStandardCode: text(10), symbol: text(10) }),
  items: bc({
    number: code(20).min(1),
    displayName: nonEmpty(100),
    displayName2: text(50),
    type: z.enum(['Inventory', 'Service', 'Non-Inventory']),
    itemCategoryId: guid,
    itemCategoryCode: code(20),
    blocked: z.boolean(),
    gtin: text(14),
    inventory: z.number().finite(),
    unitPrice: money,
    priceIncludesTax: z.boolean(),
    unitCost: money,
    taxGroupId: guid,
    taxGroupCode: code(20),
    baseUnitOfMeasureId: guid,
    baseUnitOfMeasureCode: code(10),
    generalProductPostingGroupId: guid,
    generalProductPostingGroupCode: code(20),
    inventoryPostingGroupId: guid,
    inventoryPostingGroupCode: code(20),
  }),
  resources: bc({
    number: code(20).min(1),
    name: nonEmpty(100),
    type: z.enum(['Person', 'Machine']),
    baseUnitOfMeasureCode: code(10),
    unitPrice: money,
    unitCost: money,
    vendorNumber: code(20),
    capacity: z.number().finite(),
    blocked: z.boolean(),
  }),
  unitGroups: bc({
    code: code(50).regex(/^(ITEM|RESOURCE) .+ UOM GR$/, 'must be "ITEM <No.> UOM GR" or "RESOURCE <No.> UOM GR"'),
    sourceType: z.enum(['Item', 'Resource']),
    sourceId: key,
    sourceNumber: code(20).min(1),
    description: text(100),
  }),
  itemUnitsOfMeasure: bc({ itemId: key, itemNumber: code(20).min(1), code: code(10).min(1), qtyPerUnitOfMeasure: z.number().positive() }),
  resourceUnitsOfMeasure: bc({
    resourceId: key,
    resourceNumber: code(20).min(1),
    code: code(10).min(1),
    qtyPerUnitOfMeasure: z.number().positive(),
  }),
  customers: bc({
    number: code(20).min(1),
    displayName: nonEmpty(100),
    type: z.enum(['Company', 'Person']),
    ...address,
    phoneNumber: text(30),
    email: text(80),
    website: text(80),
    salespersonCode: code(20),
    balanceDue: money,
    creditLimit: money,
    taxLiable: z.boolean(),
    taxAreaId: guid,
    taxAreaDisplayName: text(100),
    taxRegistrationNumber: text(20),
    currencyId: guid,
    currencyCode: code(10),
    paymentTermsId: guid,
    shipmentMethodId: guid,
    paymentMethodId: guid,
    blocked: z.enum([' ', 'Ship', 'Invoice', 'All']),
  }),
  vendors: bc({
    number: code(20).min(1),
    displayName: nonEmpty(100),
    ...address,
    phoneNumber: text(30),
    email: text(80),
    website: text(80),
    taxRegistrationNumber: text(20),
    currencyId: guid,
    currencyCode: code(10),
    irs1099Code: code(10),
    paymentTermsId: guid,
    paymentMethodId: guid,
    taxLiable: z.boolean(),
    blocked: z.enum([' ', 'Payment', 'All']),
    balance: money,
  }),
  contacts: bc({
    number: code(20).min(1),
    type: z.enum(['Company', 'Person']),
    displayName: nonEmpty(100),
    jobTitle: text(30),
    companyNumber: code(20),
    companyName: text(100),
    contactBusinessRelation: z.enum([' ', 'Customer', 'Vendor', 'Bank Account', 'Employee', 'None', 'Other', 'Multiple']),
    ...address,
    phoneNumber: text(30),
    mobilePhoneNumber: text(30),
    email: text(80),
    website: text(80),
    searchName: text(100),
    privacyBlocked: z.boolean(),
    taxRegistrationNumber: text(20),
    lastInteractionDate: date,
  }),
  contactsInformation: bc({
    contactId: key,
    contactNumber: code(20).min(1),
    contactName: text(100),
    contactType: z.enum(['Company', 'Person']),
    relatedId: key,
    relatedType: z.enum([' ', 'Customer', 'Vendor', 'Bank Account', 'Employee']),
  }),
  customerPriceGroups: bc({ code: code(10).min(1), description: text(100) }),
  salesPrices: bc({
    itemNumber: code(20).min(1),
    salesType: z.enum(['Customer', 'Customer Price Group', 'All Customers', 'Campaign']),
    salesCode: code(20),
    currencyCode: code(10),
    startingDate: date,
    unitOfMeasureCode: code(10),
    minimumQuantity: qty,
    unitPrice: money,
  }),
  priceListHeaders: bc({
    code: code(20).min(1),
    description: text(250),
    priceType: z.enum(['Sale', 'Purchase']),
    amountType: z.enum(['Price', 'Discount', 'Any']),
    currencyCode: code(10),
    startingDate: date,
    endingDate: date,
    status: z.enum(['Draft', 'Active', 'Inactive']),
    allowUpdatingDefaults: z.boolean(),
  }),
  priceListLines: bc({
    priceListCode: code(20).min(1),
    lineNumber: z.number().int().positive(),
    priceType: z.enum(['Sale', 'Purchase']),
    amountType: z.enum(['Price', 'Discount', 'Any']),
    assetType: z.enum([' ', 'Item', 'Item Discount Group', 'Resource', 'Resource Group', 'Service Cost', 'G/L Account']),
    assetNumber: code(20),
    unitOfMeasureCode: code(10),
    currencyCode: code(10),
    minimumQuantity: qty,
    unitPrice: money,
    startingDate: date,
    endingDate: date,
  }),
  opportunities: bc({
    number: code(20).min(1),
    contactNumber: code(20),
    contactName: text(100),
    contactCompanyName: text(100),
    salespersonCode: code(20),
    description: text(100),
    status: z.enum(['Not Started', 'In Progress', 'Won', 'Lost']),
    closed: z.boolean(),
    creationDate: date,
    dateClosed: date,
    calculatedCurrentValue: money,
    chancesOfSuccessPrc: z.number().min(0).max(100),
    completedPrc: z.number().min(0).max(100),
    estimatedClosingDate: date,
    estimatedValue: money,
  }),
  salesOrders: bc({
    ...docHeader,
    orderDate: date,
    postingDate: date,
    shortcutDimension1Code: code(20),
    shortcutDimension2Code: code(20),
    pricesIncludeTax: z.boolean(),
    partialShipping: z.boolean(),
    requestedDeliveryDate: date,
    discountAppliedBeforeTax: z.boolean(),
    fullyShipped: z.boolean(),
    status: z.enum(['Draft', 'In Review', 'Open']),
  }),
  salesOrderLines: bc({
    ...docLine,
    shipmentDate: date,
    shippedQuantity: qty,
    invoicedQuantity: qty,
    invoiceQuantity: qty,
    shipQuantity: qty,
  }),
  salesQuotes: bc({
    ...docHeader,
    discountAppliedBeforeTax: z.boolean(),
    documentDate: date,
    postingDate: date,
    dueDate: date,
    status: z.enum(['Draft', 'Sent', 'Accepted', 'Expired ']),
    sentDate: dateTime,
    validUntilDate: date,
    acceptedDate: date,
  }),
  salesQuoteLines: bc(docLine),
  salesInvoices: bc({
    ...docHeader,
    invoiceDate: date,
    postingDate: date,
    dueDate: date,
    promisedPayDate: date,
    customerPurchaseOrderReference: text(35),
    orderId: guid,
    orderNumber: code(20),
    disputeStatusId: guid,
    disputeStatus: text(100),
    pricesIncludeTax: z.boolean(),
    remainingAmount: money,
    discountAppliedBeforeTax: z.boolean(),
    status: z.enum([' ', 'Draft', 'In Review', 'Open', 'Paid', 'Canceled', 'Corrective']),
  }),
  salesInvoiceLines: bc({ ...docLine, shipmentDate: date }),
  customerPaymentJournals: bc({
    code: code(10).min(1),
    displayName: text(100),
    balancingAccountId: guid,
    balancingAccountNumber: code(20),
  }),
} satisfies Record<string, z.ZodType>;

export type BcEntitySet = keyof typeof bcEntitySchemas;

// ---------------------------------------------------------------------------------------------
// Dataverse

const dvServer = {
  createdon: dateTime.optional(),
  modifiedon: dateTime.optional(),
  versionnumber: z.number().int().optional(),
  _createdby_value: guid.nullable().optional(),
  _modifiedby_value: guid.nullable().optional(),
};
const lookup = guid.nullable();
const option = (...values: number[]) =>
  z
    .number()
    .int()
    .refine((v) => values.includes(v), `must be one of the option values ${values.join(', ')}`);
const optionalOption = (...values: number[]) => option(...values).nullable();
// Option values of the out-of-the-box option sets the integration touches (bc-integration.md §2.5).
const paymentTerms = optionalOption(1, 2, 3, 4);
const freightTerms = optionalOption(1, 2);
const shippingMethods = optionalOption(1, 2, 3, 4, 5, 6, 7);

interface DvTable {
  /** Primary key column. */
  key: string;
  schema: z.ZodType;
  /** Lookup columns (`_x_value`) -> entity sets they may point to. */
  lookups: Record<string, readonly string[]>;
}

function dvTable(
  keyColumn: string,
  columns: z.ZodRawShape,
  lookups: Record<string, readonly string[]>,
): DvTable {
  const lookupShape = Object.fromEntries(Object.keys(lookups).map((column) => [column, lookup]));
  return {
    key: keyColumn,
    schema: z.strictObject({ [keyColumn]: key, ...columns, ...lookupShape, ...dvServer }),
    lookups: { _createdby_value: ['systemusers'], _modifiedby_value: ['systemusers'], ...lookups },
  };
}

const owner = { _ownerid_value: ['systemusers', 'teams'], _owningbusinessunit_value: ['businessunits'] } as const;
/** The BC company a row belongs to (`bcbi_companyid`, pointing at the Dataverse company rows). */
const company = { _bcbi_companyid_value: ['cdm_companies'] } as const;
const currency = { _transactioncurrencyid_value: ['transactioncurrencies'] } as const;
const state = (values: number[]) => option(...values);
const dvAddress = (prefix: 'address1' | 'billto' | 'shipto') => ({
  [`${prefix}_line1`]: text(250),
  [`${prefix}_line2`]: text(250),
  [`${prefix}_city`]: text(80),
  [`${prefix}_stateorprovince`]: text(50),
  [`${prefix}_postalcode`]: text(20),
  [`${prefix}_country`]: text(80),
});
const docTotals = {
  discountamount: money,
  discountpercentage: money,
  freightamount: money,
  totallineitemamount: money,
  totalamountlessfreight: money,
  totaltax: money,
  totalamount: money,
  totaldiscountamount: money,
  totallineitemdiscountamount: money,
};
const docHeaderDv = {
  name: text(300),
  requestdeliveryby: date.nullable(),
  description: z.string(),
  ...docTotals,
  billto_name: text(200),
  ...dvAddress('billto'),
  shipto_name: text(200),
  ...dvAddress('shipto'),
  paymenttermscode: paymentTerms,
  freighttermscode: freightTerms,
  shippingmethodcode: shippingMethods,
  ispricelocked: z.boolean(),
};
const docHeaderLookups = {
  _customerid_value: ['accounts', 'contacts'],
  _pricelevelid_value: ['pricelevels'],
  _opportunityid_value: ['opportunities'],
  ...currency,
  ...owner,
  ...company,
} as const;
const docLineDv = {
  productdescription: text(500),
  isproductoverridden: z.boolean(),
  ispriceoverridden: z.boolean(),
  quantity: qty,
  priceperunit: money,
  baseamount: money,
  extendedamount: money,
  manualdiscountamount: money,
  tax: money,
  lineitemnumber: z.number().int(),
  sequencenumber: z.number().int(),
  description: z.string(),
};
const docLineLookups = { _productid_value: ['products'], _uomid_value: ['uoms'], ...currency } as const;

export const dataverseTables = {
  organizations: dvTable(
    'organizationid',
    { name: nonEmpty(160), pricingdecimalprecision: z.number().int().min(0).max(4) },
    { _basecurrencyid_value: ['transactioncurrencies'] },
  ),
  businessunits: dvTable(
    'businessunitid',
    { name: nonEmpty(160), isdisabled: z.boolean() },
    { _parentbusinessunitid_value: ['businessunits'] },
  ),
  transactioncurrencies: dvTable(
    'transactioncurrencyid',
    {
      isocurrencycode: z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO currency code'),
      currencyname: nonEmpty(100),
      currencysymbol: nonEmpty(13),
      exchangerate: z.number().positive(),
      currencyprecision: z.number().int().min(0).max(4),
      statecode: state([0, 1]),
      statuscode: state([1, 2]),
    },
    {},
  ),
  systemusers: dvTable(
    'systemuserid',
    {
      fullname: nonEmpty(200),
      firstname: text(64),
      lastname: nonEmpty(64),
      domainname: text(1024),
      internalemailaddress: text(100),
      personalemailaddress: text(100),
      mobilephone: text(64),
      jobtitle: text(100),
      isdisabled: z.boolean(),
      islicensed: z.boolean(),
      isintegrationuser: z.boolean(),
      accessmode: option(0, 1, 2, 3, 4, 5),
      applicationid: guid.nullable(),
      azureactivedirectoryobjectid: guid.nullable(),
    },
    { _businessunitid_value: ['businessunits'] },
  ),
  roles: dvTable('roleid', { name: nonEmpty(100) }, { _businessunitid_value: ['businessunits'] }),
  /** Intersect rows of the systemuserroles_association N:N relationship (user -> security role). */
  systemuserroles: dvTable('systemuserroleid', { systemuserid: key, roleid: key }, {}),
  teams: dvTable(
    'teamid',
    { name: nonEmpty(160), teamtype: option(0, 1, 2, 3), isdefault: z.boolean(), description: z.string() },
    { _businessunitid_value: ['businessunits'], _administratorid_value: ['systemusers'] },
  ),
  cdm_companies: dvTable(
    'cdm_companyid',
    { cdm_name: nonEmpty(100), cdm_companycode: nonEmpty(20), statecode: state([0, 1]), statuscode: state([1, 2]) },
    { _ownerid_value: ['systemusers', 'teams'] },
  ),
  uomschedules: dvTable(
    'uomscheduleid',
    { name: nonEmpty(200), baseuomname: nonEmpty(100), description: z.string(), statecode: state([0, 1]), statuscode: state([1, 2]) },
    {},
  ),
  uoms: dvTable(
    'uomid',
    { name: nonEmpty(100), quantity: z.number().positive(), isschedulebaseuom: z.boolean() },
    { _uomscheduleid_value: ['uomschedules'], _baseuom_value: ['uoms'] },
  ),
  pricelevels: dvTable(
    'pricelevelid',
    {
      name: nonEmpty(100),
      description: z.string(),
      begindate: date.nullable(),
      enddate: date.nullable(),
      statecode: state([0, 1]),
      statuscode: state([100001, 100002]),
    },
    { ...currency, ...company },
  ),
  products: dvTable(
    'productid',
    {
      name: nonEmpty(100),
      productnumber: nonEmpty(100),
      description: z.string(),
      producttypecode: option(1, 2, 3, 4),
      productstructure: option(1, 2, 3),
      quantitydecimal: z.number().int().min(0).max(5),
      price: money.nullable(),
      standardcost: money.nullable(),
      currentcost: money.nullable(),
      quantityonhand: z.number().finite().nullable(),
      isstockitem: z.boolean(),
      stockweight: z.number().finite().nullable(),
      stockvolume: z.number().finite().nullable(),
      vendorid: text(100),
      vendorname: text(100),
      vendorpartnumber: text(100),
      validfromdate: date.nullable(),
      validtodate: date.nullable(),
      statecode: state([0, 1, 2, 3]),
      statuscode: state([0, 1, 2, 3]),
    },
    {
      _defaultuomscheduleid_value: ['uomschedules'],
      _defaultuomid_value: ['uoms'],
      _pricelevelid_value: ['pricelevels'],
      ...currency,
      ...company,
    },
  ),
  productpricelevels: dvTable(
    'productpricelevelid',
    {
      amount: money.nullable(),
      pricingmethodcode: option(1, 2, 3, 4, 5, 6),
      quantitysellingcode: option(1, 2, 3),
      productnumber: text(100),
    },
    {
      _pricelevelid_value: ['pricelevels'],
      _productid_value: ['products'],
      _uomid_value: ['uoms'],
      _uomscheduleid_value: ['uomschedules'],
      ...currency,
    },
  ),
  accounts: dvTable(
    'accountid',
    {
      name: nonEmpty(160),
      accountnumber: text(20),
      telephone1: text(50),
      fax: text(50),
      emailaddress1: text(100),
      websiteurl: text(200),
      ...dvAddress('address1'),
      address1_primarycontactname: text(100),
      customertypecode: optionalOption(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
      creditlimit: money.nullable(),
      creditonhold: z.boolean(),
      paymenttermscode: paymentTerms,
      address1_freighttermscode: freightTerms,
      address1_shippingmethodcode: shippingMethods,
      description: z.string(),
      statecode: state([0, 1]),
      statuscode: state([1, 2]),
    },
    {
      _primarycontactid_value: ['contacts'],
      _parentaccountid_value: ['accounts'],
      ...currency,
      ...owner,
      ...company,
    },
  ),
  contacts: dvTable(
    'contactid',
    {
      firstname: text(50),
      middlename: text(50),
      lastname: nonEmpty(50),
      fullname: nonEmpty(160),
      jobtitle: text(100),
      emailaddress1: text(100),
      telephone1: text(50),
      mobilephone: text(50),
      fax: text(50),
      pager: text(50),
      websiteurl: text(200),
      ...dvAddress('address1'),
      statecode: state([0, 1]),
      statuscode: state([1, 2]),
    },
    { _parentcustomerid_value: ['accounts', 'contacts'], ...currency, ...owner, ...company },
  ),
  opportunities: dvTable(
    'opportunityid',
    {
      name: nonEmpty(300),
      estimatedvalue: money.nullable(),
      estimatedclosedate: date.nullable(),
      closeprobability: z.number().int().min(0).max(100).nullable(),
      actualvalue: money.nullable(),
      actualclosedate: date.nullable(),
      description: z.string(),
      statecode: state([0, 1, 2]),
      statuscode: state([1, 2, 3, 4, 5]),
    },
    {
      _customerid_value: ['accounts', 'contacts'],
      _parentaccountid_value: ['accounts'],
      _parentcontactid_value: ['contacts'],
      _pricelevelid_value: ['pricelevels'],
      ...currency,
      ...owner,
      ...company,
    },
  ),
  leads: dvTable(
    'leadid',
    {
      subject: nonEmpty(300),
      firstname: text(50),
      lastname: text(50),
      fullname: text(160),
      companyname: text(100),
      emailaddress1: text(100),
      telephone1: text(50),
      statecode: state([0, 1, 2]),
      statuscode: state([1, 2, 3, 4, 5, 6, 7]),
    },
    { ...currency, ...owner },
  ),
  salesorders: dvTable(
    'salesorderid',
    {
      ...docHeaderDv,
      ordernumber: nonEmpty(100),
      submitdate: date.nullable(),
      datefulfilled: date.nullable(),
      lastbackofficesubmit: date.nullable(),
      statecode: state([0, 1, 2, 3, 4]),
      statuscode: state([1, 2, 3, 4, 100001, 100002, 100003]),
    },
    { ...docHeaderLookups, _quoteid_value: ['quotes'] },
  ),
  salesorderdetails: dvTable(
    'salesorderdetailid',
    { ...docLineDv, quantityshipped: qty },
    { _salesorderid_value: ['salesorders'], ...docLineLookups },
  ),
  quotes: dvTable(
    'quoteid',
    {
      ...docHeaderDv,
      quotenumber: nonEmpty(100),
      revisionnumber: z.number().int().nonnegative(),
      effectivefrom: date.nullable(),
      effectiveto: date.nullable(),
      statecode: state([0, 1, 2, 3]),
      statuscode: state([1, 2, 3, 4, 5, 6, 7]),
    },
    docHeaderLookups,
  ),
  quotedetails: dvTable('quotedetailid', docLineDv, { _quoteid_value: ['quotes'], ...docLineLookups }),
} satisfies Record<string, DvTable>;

export type DataverseEntitySet = keyof typeof dataverseTables;

/** Entity set -> primary key column, for every Dataverse table the seed may hold. */
export const dataverseKeys: Readonly<Record<DataverseEntitySet, string>> = Object.fromEntries(
  Object.entries(dataverseTables).map(([set, t]) => [set, t.key]),
) as Record<DataverseEntitySet, string>;

/** Entity set -> lookup column (`_x_value`) -> entity sets the lookup may point to. */
export const dataverseLookups: Readonly<Record<DataverseEntitySet, Readonly<Record<string, readonly string[]>>>> =
  Object.fromEntries(Object.entries(dataverseTables).map(([set, t]) => [set, t.lookups])) as Record<
    DataverseEntitySet,
    Record<string, readonly string[]>
  >;
