import { describe, test, expect } from '@jest/globals';
import {
  demoFacts,
  generateScaleSeed,
  loadSeed,
  parseBcSeed,
  parseDataverseSeed,
  SeedDataError,
} from '../../../src/emulators/seed/index.js';
import type { SeedData } from '../../../src/emulators/seed/index.js';
import type { SeedName } from '../../../src/emulators/types.js';

/** Entity sets the default integration table mappings read or write (bc-integration.md §2). */
const mappedBcSets = [
  'customers', 'vendors', 'contacts', 'contactsInformation', 'currencies', 'currencyExchangeRates', 'paymentTerms',
  'shipmentMethods', 'shippingAgents', 'salespeoplePurchasers', 'unitsOfMeasure', 'itemCategories', 'items', 'resources',
  'unitGroups', 'itemUnitsOfMeasure', 'resourceUnitsOfMeasure', 'customerPriceGroups', 'salesPrices', 'priceListHeaders',
  'priceListLines', 'opportunities', 'salesOrders', 'salesOrderLines', 'salesQuotes', 'salesQuoteLines', 'salesInvoices',
  'salesInvoiceLines',
];
const mappedDataverseSets = [
  'accounts', 'contacts', 'products', 'pricelevels', 'productpricelevels', 'opportunities', 'leads', 'salesorders',
  'salesorderdetails', 'quotes', 'quotedetails', 'invoices', 'invoicedetails',
];
const count = (seed: SeedData, set: string, company = 0) => seed.bc.companies[company]?.records[set]?.length ?? 0;

describe("'empty' seed", () => {
  const empty = loadSeed('empty');

  test('has the companies with their LCY and no mapped master data in BC', () => {
    expect(empty.bc.companies.map((c) => c.name)).toEqual([demoFacts.companyName, demoFacts.secondCompanyName]);
    expect(empty.bc.companies.map((c) => c.records.companyInformation?.[0]?.currencyCode)).toEqual(['USD', 'CAD']);
    for (const company of empty.bc.companies) {
      expect(Object.keys(company.records)).toEqual(['companyInformation']);
      for (const set of mappedBcSets) expect(company.records[set] ?? []).toHaveLength(0);
    }
  });

  test('has the reference data of a fresh CRM org and no mapped rows', () => {
    const dv = empty.dataverse.records;
    for (const set of mappedDataverseSets) expect(dv[set] ?? []).toHaveLength(0);
    expect(dv.businessunits).toHaveLength(1);
    expect(dv.organizations).toHaveLength(1);
    expect(dv.transactioncurrencies?.map((c) => [c.isocurrencycode, c.exchangerate])).toEqual([['USD', 1]]);
    expect(dv.uomschedules?.map((s) => s.name)).toEqual(['Default Unit']);
    expect(dv.uoms?.map((u) => u.name)).toEqual(['Primary Unit']);
    expect(dv.systemusers?.map((u) => u.fullname)).toContain(demoFacts.humanEditorFullName);
    expect(dv.roles?.map((r) => r.name)).toContain('System Administrator');
    expect(dv.cdm_companies).toHaveLength(2);
  });

  test('is valid and its references resolve within itself', () => {
    expect(() => parseBcSeed(structuredClone(empty.bc), 'empty')).not.toThrow();
    expect(() => parseDataverseSeed(structuredClone(empty.dataverse), 'empty')).not.toThrow();
    const dv = empty.dataverse.records;
    const ids = new Set(Object.values(dv).flatMap((list) => list.flatMap((r) => Object.entries(r).filter(([k]) => k.endsWith('id')).map(([, v]) => v))));
    const dangling = Object.values(dv).flatMap((list) =>
      list.flatMap((r) => Object.entries(r).filter(([k, v]) => /^_.+_value$/.test(k) && v !== null && !ids.has(v))),
    );
    expect(dangling).toEqual([]);
  });

  test('is a fresh copy each time', () => {
    const a = loadSeed('empty');
    a.dataverse.records.systemusers!.length = 0;
    expect(loadSeed('empty').dataverse.records.systemusers!.length).toBeGreaterThan(0);
  });
});

describe("'scale:N' seed", () => {
  test('scale:1000 has 1000 customers, 1000 items with unit groups and base units, 100 contacts, and no Dataverse master data', () => {
    const seed = loadSeed('scale:1000');
    expect(count(seed, 'customers')).toBe(1000);
    expect(count(seed, 'items')).toBe(1000);
    expect(count(seed, 'unitGroups')).toBe(1000);
    expect(count(seed, 'itemUnitsOfMeasure')).toBe(1000);
    expect(count(seed, 'contacts')).toBe(100);
    expect(count(seed, 'contactsInformation')).toBe(50);
    expect(count(seed, 'customers', 1)).toBe(0);
    for (const set of mappedDataverseSets) expect(seed.dataverse.records[set] ?? []).toHaveLength(0);
  });

  test('generated records are valid seed records with consistent references', () => {
    const seed = generateScaleSeed(205, { dataverseAccounts: 300 });
    expect(() => parseBcSeed(seed.bc, 'scale:205')).not.toThrow();
    expect(() => parseDataverseSeed(seed.dataverse, 'scale:205')).not.toThrow();
    const r = seed.bc.companies[0]!.records;
    const itemsById = new Map(r.items!.map((i) => [i.id, i]));
    for (const g of r.unitGroups!) expect(itemsById.get(g.sourceId)?.number).toBe(g.sourceNumber);
    for (const u of r.itemUnitsOfMeasure!) expect(itemsById.get(u.itemId)?.baseUnitOfMeasureCode).toBe(u.code);
    expect(r.unitsOfMeasure!.map((u) => u.code)).toEqual(['PCS']);
    // 20 contacts: 10 company contacts of customers 1..10, then one person for each of them
    const contacts = r.contacts!;
    expect(contacts.map((c) => c.type)).toEqual([...Array<string>(10).fill('Company'), ...Array<string>(10).fill('Person')]);
    const byNumber = new Map(contacts.map((c) => [c.number, c]));
    for (const p of contacts.filter((c) => c.type === 'Person')) expect(byNumber.get(p.companyNumber)?.type).toBe('Company');
    const customerIds = new Set(r.customers!.map((c) => c.id));
    for (const info of r.contactsInformation!) expect(customerIds.has(info.relatedId)).toBe(true);
    // Customer."Salesperson Code" relates to Salesperson/Purchaser: every code named is a salesperson of the
    // company, and each has a Dataverse user with its email (so SALESPEOPLE couples it and the owner resolves).
    const salespeople = new Map(r.salespeoplePurchasers!.map((s) => [s.code, String(s.eMail)]));
    const userEmails = new Set(seed.dataverse.records.systemusers!.filter((u) => u.islicensed === true && u.isdisabled === false).map((u) => u.internalemailaddress));
    const named = new Set(r.customers!.map((c) => String(c.salespersonCode)));
    expect(named.size).toBeGreaterThan(1);
    for (const code of named) expect(userEmails.has(salespeople.get(code))).toBe(true);
    // accounts 1..205 are the customers' twins, the rest have names of their own
    const accounts = seed.dataverse.records.accounts!;
    expect(accounts).toHaveLength(300);
    expect(accounts.slice(0, 205).map((a) => [a.name, a.telephone1, a.address1_city])).toEqual(
      r.customers!.map((c) => [c.displayName, c.phoneNumber, c.city]),
    );
    expect(accounts[205]!.name).toBe('Scale Account 0000206');
    const userIds = new Set(seed.dataverse.records.systemusers!.map((u) => u.systemuserid));
    expect(accounts.every((a) => userIds.has(a._ownerid_value))).toBe(true);
  });

  test('ids and business keys are unique, including across tables', () => {
    const seed = generateScaleSeed(3000, { dataverseAccounts: 10 });
    const r = seed.bc.companies[0]!.records;
    const ids = Object.values(r).flatMap((list) => list.map((x) => x.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const set of ['customers', 'items', 'contacts']) {
      const numbers = r[set]!.map((x) => x.number);
      expect(new Set(numbers).size).toBe(numbers.length);
    }
    const names = r.customers!.map((c) => c.displayName);
    expect(new Set(names).size).toBe(names.length);
  });

  test('is deterministic: the same N gives the same records', () => {
    expect(generateScaleSeed(500, { dataverseAccounts: 50 })).toEqual(generateScaleSeed(500, { dataverseAccounts: 50 }));
    const small = generateScaleSeed(10);
    const large = generateScaleSeed(20);
    // records do not depend on N: the first 10 of scale:20 are scale:10
    expect(large.bc.companies[0]!.records.customers!.slice(0, 10)).toEqual(small.bc.companies[0]!.records.customers);
  });

  test('100,000 customers and 100,000 items generate with every record present', () => {
    const seed = loadSeed('scale:100000');
    expect(count(seed, 'customers')).toBe(100_000);
    expect(count(seed, 'items')).toBe(100_000);
    expect(count(seed, 'contacts')).toBe(10_000);
    const last = seed.bc.companies[0]!.records.items![99_999]!;
    expect(last).toMatchObject({ number: 'I0100000', id: '5ca1e002-0000-4000-8000-0000000186a0' });
  });

  test('scale:0 is the empty seed; bad sizes are refused with what to pass', () => {
    const zero = loadSeed('scale:0');
    expect(count(zero, 'customers')).toBe(0);
    expect(zero.dataverse.records).toEqual(loadSeed('empty').dataverse.records);
    expect(() => loadSeed('scale:abc' as SeedName)).toThrow(SeedDataError);
    expect(() => loadSeed('scale:99999999')).toThrow(/Scale seed size must be a whole number from 0 to 5000000, got 99999999: pass e.g. scale:10000/);
    expect(() => generateScaleSeed(1.5)).toThrow(SeedDataError);
    expect(() => generateScaleSeed(10, { dataverseAccounts: -1 })).toThrow(/dataverseAccounts must be a whole number/);
  });
});
