/**
 * Generated seeds for benchmarks: the empty seed plus N customers, N items (each with its unit group and
 * base item unit of measure) and N/10 contacts in the first BC company, the salespeople the customers name,
 * and optionally Dataverse accounts.
 * Deterministic (same N, same records) and fast: ids are counters formatted as GUIDs, repeated values are shared.
 */
import type { SeedData, SeedRecord } from './types.js';
import { BLANK_GUID } from './schemas.js';
import { emptySeedFrom, demoSeed, SeedDataError } from './load.js';

export interface ScaleSeedOptions {
  /**
   * Dataverse accounts to add (customertypecode Customer, active). Account i has the name, phone and city of
   * BC customer i while i <= n, so match-based coupling has work at scale; the rest get names of their own.
   */
  dataverseAccounts?: number;
}

/** Upper bound that keeps a typo (scale:1000000000) from exhausting memory. */
const MAX_RECORDS = 5_000_000;

/** Lowercase GUID `<prefix>-0000-4000-8000-<n as 12 hex digits>`; the prefix keeps tables apart. */
function counterGuid(prefix: string, n: number): string {
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

const pad7 = (n: number) => String(n).padStart(7, '0');

const places: readonly (readonly [city: string, state: string, postalCode: string, phoneArea: string])[] = [
  ['Atlanta', 'GA', '30303', '404'],
  ['Chicago', 'IL', '60601', '312'],
  ['Seattle', 'WA', '98101', '206'],
  ['Denver', 'CO', '80202', '303'],
  ['Boston', 'MA', '02110', '617'],
  ['Dallas', 'TX', '75201', '214'],
  ['Miami', 'FL', '33101', '305'],
  ['Portland', 'OR', '97205', '503'],
  ['Phoenix', 'AZ', '85004', '602'],
  ['Columbus', 'OH', '43215', '614'],
  ['Raleigh', 'NC', '27601', '919'],
  ['Madison', 'WI', '53703', '608'],
];
const streets = ['Main Street', 'Market Square', 'Harbor Road', 'Oak Avenue', 'Industrial Parkway', 'Commerce Drive', 'Elm Street'];
/** Street addresses are shared strings: realistic enough, and 100,000 records do not need 100,000 of them. */
const addressPool: readonly string[] = Array.from({ length: 97 }, (_, k) => `${(k * 13) % 980 + 10} ${streets[k % streets.length]!}`);
const customerWords = ['Northwind', 'Blue Ridge', 'Summit', 'Riverside', 'Evergreen', 'Lakeside', 'Pioneer', 'Redwood', 'Silverline', 'Harbor'];
const customerKinds = ['Traders', 'Outfitters', 'Design Studio', 'Consulting', 'Supplies', 'Logistics', 'Clinic', 'Publishing'];
const itemWords = ['Desk', 'Chair', 'Table', 'Cabinet', 'Lamp', 'Shelf', 'Screen', 'Pedestal', 'Bench', 'Stool'];
const itemSeries = ['ORION', 'LYRA', 'VEGA', 'NOVA', 'ATLAS', 'LUMEN', 'CYGNUS', 'DRACO'];

function checkCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_RECORDS) {
    throw new SeedDataError(`Scale seed ${what} must be a whole number from 0 to ${MAX_RECORDS}, got ${value}: pass e.g. scale:10000.`);
  }
  return value;
}

/**
 * `scale:N`: the empty seed plus, in the first BC company, N customers, N items with their unit groups and
 * base item units of measure, and floor(N/10) contacts (company contacts of the first customers, then one
 * person per company contact); plus `opts.dataverseAccounts` Dataverse accounts.
 */
export function generateScaleSeed(n: number, opts: ScaleSeedOptions = {}): SeedData {
  checkCount(n, 'size');
  const accountCount = checkCount(opts.dataverseAccounts ?? 0, 'dataverseAccounts');
  const demo = demoSeed();
  const seed = emptySeedFrom(demo);
  const company = seed.bc.companies[0];
  if (!company) throw new SeedDataError('The demo seed has no BC company to add scale records to: fix fixtures/demo/bc.json.');
  const lcy = String(company.records.companyInformation?.[0]?.currencyCode ?? 'USD');
  const demoCompany = demo.bc.companies[0];
  const pcs = demoCompany?.records.unitsOfMeasure?.find((u) => u.code === 'PCS');
  if (!pcs) throw new SeedDataError('The demo seed has no PCS unit of measure for scale items: fix fixtures/demo/bc.json.');
  company.records.unitsOfMeasure = [structuredClone(pcs)];
  const pcsId = String(pcs.id);
  const salespeople = salespeopleWithUsers(demo, seed);
  company.records.salespeoplePurchasers = salespeople.map((s) => structuredClone(s));
  const salespersonCodes = salespeople.map((s) => String(s.code));

  const customers = new Array<SeedRecord>(n);
  const items = new Array<SeedRecord>(n);
  const unitGroups = new Array<SeedRecord>(n);
  const itemUnits = new Array<SeedRecord>(n);
  for (let i = 1; i <= n; i++) {
    const [city, state, postalCode, area] = places[i % places.length]!;
    const number = `C${pad7(i)}`;
    customers[i - 1] = {
      id: counterGuid('5ca1e001', i),
      number,
      displayName: customerName(i),
      type: 'Company',
      addressLine1: addressPool[i % addressPool.length]!,
      addressLine2: '',
      city,
      state,
      country: 'US',
      postalCode,
      phoneNumber: phoneOf(area, i),
      email: `orders${i}@customer.example`,
      website: '',
      salespersonCode: salespersonCodes[i % salespersonCodes.length]!,
      balanceDue: 0,
      creditLimit: (i % 20) * 2500,
      taxLiable: false,
      taxAreaId: BLANK_GUID,
      taxAreaDisplayName: '',
      taxRegistrationNumber: '',
      currencyId: BLANK_GUID,
      currencyCode: lcy,
      paymentTermsId: BLANK_GUID,
      shipmentMethodId: BLANK_GUID,
      paymentMethodId: BLANK_GUID,
      blocked: ' ',
    };
    const itemNumber = `I${pad7(i)}`;
    const itemId = counterGuid('5ca1e002', i);
    const displayName = `${itemSeries[i % itemSeries.length]!} ${itemWords[(i >>> 3) % itemWords.length]!} ${pad7(i)}`;
    const unitPrice = ((i * 37) % 1900) + 19;
    items[i - 1] = {
      id: itemId,
      number: itemNumber,
      displayName,
      displayName2: '',
      type: 'Inventory',
      itemCategoryId: BLANK_GUID,
      itemCategoryCode: '',
      blocked: false,
      gtin: '',
      inventory: i % 250,
      unitPrice,
      priceIncludesTax: false,
      unitCost: Math.round(unitPrice * 60) / 100,
      taxGroupId: BLANK_GUID,
      taxGroupCode: '',
      baseUnitOfMeasureId: pcsId,
      baseUnitOfMeasureCode: 'PCS',
      generalProductPostingGroupId: BLANK_GUID,
      generalProductPostingGroupCode: '',
      inventoryPostingGroupId: BLANK_GUID,
      inventoryPostingGroupCode: '',
    };
    unitGroups[i - 1] = {
      id: counterGuid('5ca1e003', i),
      code: `ITEM ${itemNumber} UOM GR`,
      sourceType: 'Item',
      sourceId: itemId,
      sourceNumber: itemNumber,
      description: displayName,
    };
    itemUnits[i - 1] = { id: counterGuid('5ca1e004', i), itemId, itemNumber, code: 'PCS', qtyPerUnitOfMeasure: 1 };
  }
  company.records.customers = customers;
  company.records.items = items;
  company.records.unitGroups = unitGroups;
  company.records.itemUnitsOfMeasure = itemUnits;

  // Contacts: company contacts for the first customers, then one person per company contact.
  const contactCount = Math.floor(n / 10);
  const companyContacts = Math.ceil(contactCount / 2);
  const contacts = new Array<SeedRecord>(contactCount);
  const contactsInformation = new Array<SeedRecord>(companyContacts);
  for (let j = 1; j <= companyContacts; j++) {
    const customer = customers[j - 1]!;
    const number = `CT${pad7(j)}`;
    const id = counterGuid('5ca1e005', j);
    contacts[j - 1] = contactRecord(id, number, 'Company', String(customer.displayName), customer, number, 'Customer');
    contactsInformation[j - 1] = {
      id: counterGuid('5ca1e006', j),
      contactId: id,
      contactNumber: number,
      contactName: customer.displayName,
      contactType: 'Company',
      relatedId: customer.id,
      relatedType: 'Customer',
    };
  }
  for (let j = 1; j <= contactCount - companyContacts; j++) {
    const parent = contacts[j - 1]!;
    const customer = customers[j - 1]!;
    const k = companyContacts + j;
    const number = `CT${pad7(k)}`;
    const person = contactRecord(counterGuid('5ca1e005', k), number, 'Person', personName(j), customer, String(parent.number), 'Customer');
    person.companyName = parent.displayName;
    person.email = `person${j}@customer.example`;
    contacts[k - 1] = person;
  }
  company.records.contacts = contacts;
  company.records.contactsInformation = contactsInformation;

  if (accountCount > 0) seed.dataverse.records.accounts = scaleAccounts(seed, accountCount, customers);
  return seed;
}

/**
 * BC's Customer."Salesperson Code" is a table relation to Salesperson/Purchaser, so the customers may only name
 * salespeople the company has: the demo company's, those a Dataverse user exists for (licensed, enabled, not an
 * integration user; coupled by email), so every customer's owner can be set.
 */
function salespeopleWithUsers(demo: SeedData, seed: SeedData): SeedRecord[] {
  const emails = new Set(
    (seed.dataverse.records.systemusers ?? [])
      .filter((u) => u.islicensed === true && u.isdisabled === false && u.isintegrationuser !== true)
      .map((u) => String(u.internalemailaddress ?? '').toLowerCase())
      .filter((e) => e !== ''),
  );
  const found = (demo.bc.companies[0]?.records.salespeoplePurchasers ?? []).filter((s) => emails.has(String(s.eMail ?? '').toLowerCase()));
  if (found.length === 0) {
    throw new SeedDataError('The demo seed has no salesperson with a Dataverse user for scale customers: fix fixtures/demo/bc.json.');
  }
  return found;
}

function customerName(i: number): string {
  return `${customerWords[i % customerWords.length]!} ${customerKinds[(i >>> 4) % customerKinds.length]!} ${pad7(i)}`;
}

function phoneOf(area: string, i: number): string {
  return `+1 ${area} 555 ${String(i % 10000).padStart(4, '0')}`;
}

const firstNames = ['Alex', 'Jamie', 'Morgan', 'Taylor', 'Jordan', 'Casey', 'Riley', 'Avery', 'Quinn', 'Drew'];
const lastNames = ['Smith', 'Garcia', 'Chen', 'Novak', 'Okafor', 'Larsen', 'Rossi', 'Dubois', 'Kim', 'Patel', 'Weber'];

function personName(j: number): string {
  return `${firstNames[j % firstNames.length]!} ${lastNames[(j >>> 2) % lastNames.length]!} ${j}`;
}

function contactRecord(
  id: string,
  number: string,
  type: 'Company' | 'Person',
  displayName: string,
  customer: SeedRecord,
  companyNumber: string,
  relation: string,
): SeedRecord {
  return {
    id,
    number,
    type,
    displayName,
    jobTitle: '',
    companyNumber,
    companyName: customer.displayName,
    contactBusinessRelation: relation,
    addressLine1: customer.addressLine1,
    addressLine2: '',
    city: customer.city,
    state: customer.state,
    country: 'US',
    postalCode: customer.postalCode,
    phoneNumber: customer.phoneNumber,
    mobilePhoneNumber: '',
    email: customer.email,
    website: '',
    searchName: displayName.toUpperCase(),
    privacyBlocked: false,
    taxRegistrationNumber: '',
    lastInteractionDate: '0001-01-01',
  };
}

function scaleAccounts(seed: SeedData, count: number, customers: SeedRecord[]): SeedRecord[] {
  const dv = seed.dataverse.records;
  const baseCurrency = dv.organizations?.[0]?._basecurrencyid_value ?? null;
  const businessUnit = dv.businessunits?.[0]?.businessunitid ?? null;
  const owners = (dv.systemusers ?? []).filter((u) => u.islicensed === true && u.isdisabled === false).map((u) => u.systemuserid);
  if (owners.length === 0 || baseCurrency === null) {
    throw new SeedDataError('The demo seed has no licensed user or base currency for scale accounts: fix fixtures/demo/dataverse.json.');
  }
  const accounts = new Array<SeedRecord>(count);
  for (let i = 1; i <= count; i++) {
    const twin = i <= customers.length ? customers[i - 1] : undefined;
    const [city, state, postalCode, area] = places[i % places.length]!;
    const owner = owners[i % owners.length];
    accounts[i - 1] = {
      accountid: counterGuid('5ca1e101', i),
      name: twin ? twin.displayName : `Scale Account ${pad7(i)}`,
      accountnumber: '',
      telephone1: twin ? twin.phoneNumber : phoneOf(area, i),
      fax: '',
      emailaddress1: `info${i}@account.example`,
      websiteurl: '',
      address1_line1: addressPool[i % addressPool.length]!,
      address1_line2: '',
      address1_city: twin ? twin.city : city,
      address1_stateorprovince: twin ? twin.state : state,
      address1_postalcode: twin ? twin.postalCode : postalCode,
      address1_country: 'United States',
      address1_primarycontactname: '',
      customertypecode: 3,
      creditlimit: null,
      creditonhold: false,
      paymenttermscode: null,
      address1_freighttermscode: null,
      address1_shippingmethodcode: null,
      description: '',
      _primarycontactid_value: null,
      _parentaccountid_value: null,
      _transactioncurrencyid_value: baseCurrency,
      _ownerid_value: owner,
      _owningbusinessunit_value: businessUnit,
      _createdby_value: owner,
      _modifiedby_value: owner,
      _bcbi_companyid_value: null,
      statecode: 0,
      statuscode: 1,
    };
  }
  return accounts;
}
