/**
 * The demo seed is built so that coupling and matching have real work (fixtures/README.md). These tests pin
 * the intended overlaps, computed with the default mappings' table filters (bc-integration.md §2.1).
 */
import { describe, test, expect } from '@jest/globals';
import { demoFacts, loadSeed } from '../../../src/emulators/seed/index.js';
import type { SeedRecord } from '../../../src/emulators/seed/index.js';

const seed = loadSeed('demo');
const dv = seed.dataverse.records;
const usa = seed.bc.companies.find((c) => c.name === demoFacts.companyName)!;
const canada = seed.bc.companies.find((c) => c.name === demoFacts.secondCompanyName)!;
const bc = (company: typeof usa, set: string): SeedRecord[] => company.records[set] ?? [];
const rows = (set: string): SeedRecord[] => dv[set] ?? [];

const companyRowId = (company: typeof usa) => rows('cdm_companies').find((c) => c.cdm_companycode === company.name)!.cdm_companyid;
/** Company filter: rows of this company or of none. */
const ofCompany = (company: typeof usa) => (r: SeedRecord) =>
  r._bcbi_companyid_value === null || r._bcbi_companyid_value === companyRowId(company);

const accountsInScope = (company: typeof usa, customertypecode: number) =>
  rows('accounts').filter((a) => a.statecode === 0 && a.customertypecode === customertypecode && ofCompany(company)(a));
const customersInScope = (company: typeof usa) => bc(company, 'customers').filter((c) => c.blocked === ' ');
const lower = (v: unknown) => String(v).toLowerCase();
/** Name without case, punctuation or spaces: how a person sees "Fabrikam, Inc." and "Fabrikam Inc." as one company. */
const normalized = (v: unknown) => lower(v).replace(/[^a-z0-9]/g, '');

function groups<T>(list: T[], keyOf: (x: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const x of list) map.set(keyOf(x), [...(map.get(keyOf(x)) ?? []), x]);
  return map;
}

describe('CUSTOMER: customers and accounts', () => {
  const customers = customersInScope(usa);
  const accounts = accountsInScope(usa, 3);
  const candidates = (c: SeedRecord) => accounts.filter((a) => lower(a.name) === lower(c.displayName));

  test('records in scope on each side (Blocked = " "; active Customer accounts of this company or none)', () => {
    expect(bc(usa, 'customers')).toHaveLength(30);
    expect(customers).toHaveLength(27);
    expect(accounts).toHaveLength(21);
  });

  test('10 customers exist on both sides with the same name, phone and city and match exactly one account', () => {
    const exact = customers.filter((c) => {
      const found = candidates(c);
      return found.length === 1 && found[0]!.name === c.displayName && found[0]!.telephone1 === c.phoneNumber && found[0]!.address1_city === c.city;
    });
    expect(exact.map((c) => c.displayName).sort()).toEqual(
      [
        'Alpine Ski House',
        'Coho Winery',
        'Fabrikam, Inc.',
        'Fourth Coffee',
        'Northwind Traders',
        'Relecloud',
        'School of Fine Art',
        'Tailspin Toys',
        'Trey Research',
        'Wingtip Toys',
      ].sort(),
    );
  });

  test('matching on name is ambiguous for Adatum (case) and Litware (two accounts); city or case resolves it', () => {
    const ambiguous = customers.filter((c) => candidates(c).length > 1);
    expect(ambiguous.map((c) => c.displayName).sort()).toEqual(['Adatum Corporation', 'Litware, Inc.']);
    const adatum = ambiguous.find((c) => c.displayName === 'Adatum Corporation')!;
    expect(candidates(adatum).map((a) => a.name).sort()).toEqual(['ADATUM CORPORATION', 'Adatum Corporation']);
    expect(candidates(adatum).filter((a) => a.name === adatum.displayName)).toHaveLength(1);
    const litware = ambiguous.find((c) => c.displayName === 'Litware, Inc.')!;
    expect(candidates(litware).filter((a) => a.name === litware.displayName)).toHaveLength(2);
    expect(candidates(litware).filter((a) => a.address1_city === litware.city)).toHaveLength(1);
  });

  test('three near-duplicate groups among the accounts, and one duplicate name among the customers', () => {
    const nearDuplicates = [...groups(accounts, (a) => normalized(a.name)).values()].filter((g) => g.length > 1);
    expect(nearDuplicates.map((g) => g.map((a) => a.name).sort())).toEqual([
      ['Fabrikam Inc.', 'Fabrikam, Inc.'],
      ['ADATUM CORPORATION', 'Adatum Corporation'],
      ['Litware, Inc.', 'Litware, Inc.'],
    ]);
    const bcDuplicates = [...groups(customers, (c) => lower(c.displayName)).values()].filter((g) => g.length > 1);
    expect(bcDuplicates.map((g) => g.map((c) => c.number))).toEqual([['20000', '290000']]);
    // the second Trey Research finds only the account the first one couples to
    expect(candidates(bcDuplicates[0]![1]!)).toEqual(candidates(bcDuplicates[0]![0]!));
  });

  test('filter traps: a same-name account that is inactive, one that is a prospect, and blocked customers with no account', () => {
    const outOfScopeTwins = rows('accounts').filter(
      (a) => !accounts.includes(a) && bc(usa, 'customers').some((c) => c.displayName === a.name),
    );
    expect(outOfScopeTwins.map((a) => [a.name, a.statecode, a.customertypecode])).toEqual([
      ['Wide World Importers', 1, 3],
      ['Lamna Healthcare Company', 0, 8],
    ]);
    const blocked = bc(usa, 'customers').filter((c) => c.blocked !== ' ');
    expect(blocked.map((c) => c.blocked).sort()).toEqual(['All', 'Invoice', 'Ship']);
    expect(blocked.filter((c) => rows('accounts').some((a) => lower(a.name) === lower(c.displayName)))).toEqual([]);
  });

  test('records only on one side: customers with no candidate, accounts no customer names', () => {
    expect(customers.filter((c) => candidates(c).length === 0)).toHaveLength(14);
    const dvOnly = accounts.filter((a) => !bc(usa, 'customers').some((c) => normalized(c.displayName) === normalized(a.name)));
    expect(dvOnly.map((a) => a.name).sort()).toEqual(
      ['Adventure Works Cycles', 'Baldwin Museum of Science', 'Bellows College', 'Contoso Suites', 'Tasmanian Traders', 'The Phone Company'].sort(),
    );
  });

  test('accounts stamped with the other company are outside CRONUS USA and match CRONUS Canada customers', () => {
    const stamped = rows('accounts').filter((a) => a._bcbi_companyid_value === companyRowId(canada));
    expect(stamped).toHaveLength(2);
    expect(stamped.filter((a) => accounts.includes(a))).toEqual([]);
    const canadaAccounts = accountsInScope(canada, 3);
    const matched = customersInScope(canada).filter((c) => canadaAccounts.filter((a) => a.name === c.displayName).length === 1);
    expect(matched.map((c) => c.displayName).sort()).toEqual(['Maple Leaf Outfitters', 'Northern Lights Cafe']);
  });
});

describe('other master data', () => {
  test('VENDOR: 10 vendors in scope, 4 vendor accounts, 3 on both sides', () => {
    const vendors = bc(usa, 'vendors').filter((v) => v.blocked === ' ');
    const accounts = accountsInScope(usa, 11);
    expect(vendors).toHaveLength(10);
    expect(accounts).toHaveLength(4);
    const both = vendors.filter((v) => accounts.filter((a) => a.name === v.displayName && a.telephone1 === v.phoneNumber).length === 1);
    expect(both.map((v) => v.displayName).sort()).toEqual(['Apex Metalworks', 'Comfort Seating Ltd.', 'Evergreen Office Supply']);
  });

  test('CONTACT: 20 person contacts with a company on each side in scope, 12 on both sides', () => {
    const accountIds = new Set([...accountsInScope(usa, 3), ...accountsInScope(usa, 11)].map((a) => a.accountid));
    const bcPersons = bc(usa, 'contacts').filter((c) => c.type === 'Person' && c.companyNumber !== '');
    // parentcustomerid set, pointing at an account (not a contact), active, of this company or none
    const dvContacts = rows('contacts').filter(
      (c) => c.statecode === 0 && c._parentcustomerid_value !== null && rows('accounts').some((a) => a.accountid === c._parentcustomerid_value) && ofCompany(usa)(c),
    );
    expect(bcPersons).toHaveLength(20);
    expect(dvContacts).toHaveLength(20);
    const both = bcPersons.filter((p) => dvContacts.filter((c) => c.fullname === p.displayName && c.emailaddress1 === p.email).length === 1);
    expect(both).toHaveLength(12);
    // every contact on both sides hangs under an account of a matching customer or vendor
    for (const p of both) {
      const c = dvContacts.find((x) => x.fullname === p.displayName)!;
      const account = rows('accounts').find((a) => a.accountid === c._parentcustomerid_value)!;
      expect(accountIds.has(account.accountid)).toBe(true);
      expect(normalized(account.name)).toBe(normalized(p.companyName));
    }
    // out of scope on the Dataverse side: no parent, inactive, parent is a contact, other company
    expect(rows('contacts').length - dvContacts.length).toBe(5);
  });

  test('ITEM-PRODUCT and RESOURCE-PRODUCT: 5 items and 1 resource are products with the same number', () => {
    const items = bc(usa, 'items').filter((i) => i.blocked === false && i.number !== demoFacts.writeInItemNumber);
    const salesInventory = rows('products').filter((p) => p.producttypecode === 1 && p.statecode === 0);
    expect(items).toHaveLength(29);
    expect(salesInventory).toHaveLength(9);
    expect(items.filter((i) => salesInventory.some((p) => p.productnumber === i.number)).map((i) => i.number)).toEqual([
      '1000',
      '1002',
      '1004',
      '1009',
      '1012',
    ]);
    const services = rows('products').filter((p) => p.producttypecode === 3 && p.statecode === 0);
    const resources = bc(usa, 'resources').filter((r) => r.blocked === false);
    expect(resources.filter((r) => services.some((p) => p.productnumber === r.number)).map((r) => r.number)).toEqual(['ANNA']);
  });

  test('the write-in item is a Service item that is not a product', () => {
    const writeIn = bc(usa, 'items').find((i) => i.number === demoFacts.writeInItemNumber)!;
    expect(writeIn).toMatchObject({ type: 'Service', blocked: false });
    expect(rows('products').filter((p) => p.productnumber === writeIn.number)).toEqual([]);
    // Dataverse orders carry write-in lines (one on Relecloud's order, two on the submitted orders of the sales-order demo)
    expect(rows('salesorderdetails').filter((l) => l.isproductoverridden === true && l._productid_value === null)).toHaveLength(3);
  });

  test('UNIT GROUP / ITEM UOM: 6 unit groups exist in Dataverse under their BC codes, with matching units', () => {
    const schedules = rows('uomschedules').filter((s) => bc(usa, 'unitGroups').some((g) => g.code === s.name));
    expect(schedules).toHaveLength(6);
    for (const s of schedules) {
      const group = bc(usa, 'unitGroups').find((g) => g.code === s.name)!;
      const bcUnits = bc(usa, group.sourceType === 'Item' ? 'itemUnitsOfMeasure' : 'resourceUnitsOfMeasure')
        .filter((u) => u.itemNumber === group.sourceNumber || u.resourceNumber === group.sourceNumber)
        .map((u) => [u.code, u.qtyPerUnitOfMeasure]);
      const dvUnits = rows('uoms').filter((u) => u._uomscheduleid_value === s.uomscheduleid).map((u) => [u.name, u.quantity]);
      expect(dvUnits).toEqual(bcUnits);
    }
    expect(rows('uomschedules').map((s) => s.name)).toContain('Default Unit');
  });

  test('CURRENCY: EUR and CAD on both sides by ISO code; the LCY is the base currency and not a BC currency', () => {
    const bcCodes = bc(usa, 'currencies').map((c) => c.code);
    const dvCodes = rows('transactioncurrencies').map((c) => c.isocurrencycode);
    expect(bcCodes.filter((c) => dvCodes.includes(c)).sort()).toEqual(['CAD', 'EUR']);
    expect(bcCodes).not.toContain(demoFacts.lcyCode);
    expect(rows('transactioncurrencies').filter((c) => c.exchangerate === 1).map((c) => c.isocurrencycode)).toEqual([demoFacts.lcyCode]);
  });

  test('option mappings: BC codes that match an option label (case-insensitive)', () => {
    // out-of-the-box labels of account.paymenttermscode, address1_freighttermscode, address1_shippingmethodcode
    const labels = {
      paymentTerms: ['Net 30', '2% 10, Net 30', 'Net 45', 'Net 60'],
      shipmentMethods: ['FOB', 'No Charge'],
      shippingAgents: ['Airborne', 'DHL', 'FedEx', 'UPS', 'Postal Mail', 'Full Load', 'Will Call'],
    };
    const matched = (set: keyof typeof labels) =>
      bc(usa, set)
        .map((r) => String(r.code))
        .filter((code) => labels[set].some((l) => lower(l) === lower(code)));
    expect(matched('paymentTerms')).toEqual(['NET 30', 'NET 45', 'NET 60']);
    expect(matched('shipmentMethods')).toEqual(['FOB']);
    expect(matched('shippingAgents')).toEqual(['DHL', 'FEDEX', 'UPS']);
  });

  test('SALESPEOPLE: 6 users in scope (enabled, licensed, not integration users), 4 also salespeople', () => {
    const users = rows('systemusers').filter((u) => u.isdisabled === false && u.islicensed === true && u.isintegrationuser === false);
    expect(users).toHaveLength(6);
    const both = bc(usa, 'salespeoplePurchasers').filter((s) => users.some((u) => u.fullname === s.displayName && u.internalemailaddress === s.eMail));
    expect(both.map((s) => s.code)).toEqual(['AA', 'BM', 'CD', 'DK']);
    // filtered out: built-in SYSTEM and INTEGRATION, a disabled and an unlicensed person
    expect(rows('systemusers').filter((u) => !users.includes(u)).map((u) => u.fullname)).toEqual(['SYSTEM', 'INTEGRATION', 'Grace Liu', 'Henry Walsh']);
  });

  test('OPPORTUNITY: 2 open opportunities on both sides by name', () => {
    const bcOpen = bc(usa, 'opportunities').filter((o) => o.status === 'Not Started' || o.status === 'In Progress');
    expect(bcOpen).toHaveLength(4);
    const both = bcOpen.filter((o) => rows('opportunities').some((d) => d.name === o.description && d.statecode === 0));
    expect(both.map((o) => o.number)).toEqual(['OP000001', 'OP000002']);
  });
});
