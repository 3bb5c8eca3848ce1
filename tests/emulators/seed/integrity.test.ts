import { describe, test, expect } from '@jest/globals';
import { BLANK_GUID, dataverseKeys, dataverseLookups, demoFacts, loadSeed } from '../../../src/emulators/seed/index.js';
import type { DataverseEntitySet, SeedRecord } from '../../../src/emulators/seed/index.js';

const seed = loadSeed('demo');
const dv = seed.dataverse.records;
const rows = (set: string): SeedRecord[] => dv[set] ?? [];
const str = (v: unknown): string => String(v);

/** Collects every broken reference so a failure lists all of them at once. */
function brokenRefs(check: (broken: string[]) => void): string[] {
  const broken: string[] = [];
  check(broken);
  return broken;
}

describe('Dataverse referential integrity', () => {
  const idsBySet = new Map<string, Set<string>>();
  for (const [set, list] of Object.entries(dv)) {
    const key = dataverseKeys[set as DataverseEntitySet];
    idsBySet.set(set, new Set(list.map((r) => str(r[key]))));
  }

  test('every _x_value points to an existing row of a table the lookup may target', () => {
    let checked = 0;
    const broken = brokenRefs((out) => {
      for (const [set, list] of Object.entries(dv)) {
        const lookups = dataverseLookups[set as DataverseEntitySet];
        for (const row of list) {
          for (const [column, value] of Object.entries(row)) {
            if (!/^_.+_value$/.test(column) || value === null) continue;
            const targets = lookups[column];
            if (!targets) {
              out.push(`${set}.${column} is not a declared lookup`);
              continue;
            }
            checked++;
            if (!targets.some((t) => idsBySet.get(t)?.has(str(value)))) out.push(`${set}.${column} = ${str(value)} (targets ${targets.join('|')})`);
          }
        }
      }
    });
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });

  test('GUIDs are unique across all tables, so a polymorphic lookup names its table by its id alone', () => {
    const all = [...idsBySet.values()].flatMap((s) => [...s]);
    expect(new Set(all).size).toBe(all.length);
    // and they never collide with BC ids
    const bcIds = seed.bc.companies.flatMap((c) => [c.id, ...Object.values(c.records).flatMap((l) => l.map((r) => str(r.id)))]);
    expect(all.filter((id) => bcIds.includes(id))).toEqual([]);
  });

  test('user roles, base currency, companies and units are consistent', () => {
    const users = idsBySet.get('systemusers')!;
    const roles = idsBySet.get('roles')!;
    expect(rows('systemuserroles').filter((r) => !users.has(str(r.systemuserid)) || !roles.has(str(r.roleid)))).toEqual([]);
    const org = rows('organizations')[0]!;
    const base = rows('transactioncurrencies').find((c) => c.transactioncurrencyid === org._basecurrencyid_value)!;
    expect(base).toMatchObject({ isocurrencycode: demoFacts.lcyCode, exchangerate: 1 });
    // one root business unit
    expect(rows('businessunits').filter((b) => b._parentbusinessunitid_value === null)).toHaveLength(1);
    // a company row per BC company, known by its name
    expect(rows('cdm_companies').map((c) => c.cdm_companycode).sort()).toEqual(seed.bc.companies.map((c) => c.name).sort());
    // each unit group has exactly one base unit, named as the group's baseuomname
    for (const schedule of rows('uomschedules')) {
      const bases = rows('uoms').filter((u) => u._uomscheduleid_value === schedule.uomscheduleid && u.isschedulebaseuom === true);
      expect(bases.map((u) => u.name)).toEqual([schedule.baseuomname]);
    }
    // a product's default unit belongs to its default unit group; so does a price list item's unit
    const uomById = new Map(rows('uoms').map((u) => [u.uomid, u]));
    for (const p of rows('products')) expect(uomById.get(p._defaultuomid_value)?._uomscheduleid_value).toBe(p._defaultuomscheduleid_value);
    const productById = new Map(rows('products').map((p) => [p.productid, p]));
    for (const line of [...rows('productpricelevels'), ...rows('salesorderdetails'), ...rows('quotedetails')]) {
      if (line._productid_value === null) continue;
      const product = productById.get(line._productid_value)!;
      expect(uomById.get(line._uomid_value)?._uomscheduleid_value).toBe(product._defaultuomscheduleid_value);
    }
  });

  test('document totals add up from their lines, and statecode/statuscode pairs are valid', () => {
    const sum = (lines: SeedRecord[]) => Math.round(lines.reduce((s, l) => s + Number(l.baseamount), 0) * 100) / 100;
    const round2 = (n: number) => Math.round(n * 100) / 100;
    for (const order of rows('salesorders')) {
      // Dataverse's order totals: lines less their discounts, less the order discount (amount and %), plus freight and tax.
      const lines = rows('salesorderdetails').filter((l) => l._salesorderid_value === order.salesorderid);
      const detail = round2(sum(lines) - lines.reduce((s, l) => s + Number(l.manualdiscountamount), 0));
      expect(order.totallineitemamount).toBe(detail);
      const discount = round2(Number(order.discountamount) + (detail * Number(order.discountpercentage)) / 100);
      expect(order.totaldiscountamount).toBe(discount);
      expect(order.totalamount).toBe(round2(detail - discount + Number(order.freightamount) + Number(order.totaltax)));
    }
    for (const quote of rows('quotes')) {
      expect(quote.totalamount).toBe(sum(rows('quotedetails').filter((l) => l._quoteid_value === quote.quoteid)));
    }
    const pairs: Record<string, Record<number, number[]>> = {
      accounts: { 0: [1], 1: [2] },
      contacts: { 0: [1], 1: [2] },
      products: { 0: [1], 1: [2], 2: [0], 3: [3] },
      pricelevels: { 0: [100001], 1: [100002] },
      opportunities: { 0: [1, 2], 1: [3], 2: [4, 5] },
      leads: { 0: [1, 2], 1: [3], 2: [4, 5, 6, 7] },
      salesorders: { 0: [1, 2], 1: [3], 2: [4], 3: [100001, 100002], 4: [100003] },
      quotes: { 0: [1], 1: [2, 3], 2: [4], 3: [5, 6, 7] },
    };
    for (const [set, allowed] of Object.entries(pairs)) {
      for (const r of rows(set)) expect(allowed[Number(r.statecode)]).toContain(r.statuscode);
    }
  });

  test('no integration application user is seeded (the Dataverse module creates it); Alice is a licensed person', () => {
    expect(rows('systemusers').filter((u) => u.applicationid !== null)).toEqual([]);
    const alice = rows('systemusers').find((u) => u.fullname === demoFacts.humanEditorFullName)!;
    expect(alice).toMatchObject({ isdisabled: false, islicensed: true, accessmode: 0 });
  });
});

describe('Business Central referential integrity', () => {
  for (const company of seed.bc.companies) {
    const r = company.records;
    const list = (set: string): SeedRecord[] => r[set] ?? [];
    const byId = (set: string) => new Map(list(set).map((x) => [str(x.id), x]));
    const codes = (set: string, field = 'code') => new Set(list(set).map((x) => str(x[field])));

    test(`${company.name}: business keys are unique per entity set`, () => {
      const keys: Record<string, (x: SeedRecord) => string> = {
        customers: (x) => str(x.number),
        vendors: (x) => str(x.number),
        contacts: (x) => str(x.number),
        items: (x) => str(x.number),
        resources: (x) => str(x.number),
        currencies: (x) => str(x.code),
        paymentTerms: (x) => str(x.code),
        unitsOfMeasure: (x) => str(x.code),
        unitGroups: (x) => str(x.code),
        itemUnitsOfMeasure: (x) => `${str(x.itemNumber)}/${str(x.code)}`,
        resourceUnitsOfMeasure: (x) => `${str(x.resourceNumber)}/${str(x.code)}`,
        priceListHeaders: (x) => str(x.code),
        priceListLines: (x) => `${str(x.priceListCode)}/${str(x.lineNumber)}`,
        salesOrders: (x) => str(x.number),
        salesInvoices: (x) => str(x.number),
      };
      for (const [set, keyOf] of Object.entries(keys)) {
        const values = list(set).map(keyOf);
        expect({ set, duplicates: values.filter((v, i) => values.indexOf(v) !== i) }).toEqual({ set, duplicates: [] });
      }
    });

    test(`${company.name}: codes and ids on master data point to existing records`, () => {
      const currencies = byId('currencies');
      const paymentTerms = byId('paymentTerms');
      const shipmentMethods = byId('shipmentMethods');
      const salespeople = codes('salespeoplePurchasers');
      const units = codes('unitsOfMeasure');
      const lcy = str(list('companyInformation')[0]?.currencyCode);
      const broken = brokenRefs((out) => {
        for (const [set, partner] of [['customers', 'salespersonCode'], ['vendors', '']] as const) {
          for (const x of list(set)) {
            const currency = str(x.currencyId) === BLANK_GUID ? lcy : str(currencies.get(str(x.currencyId))?.code);
            if (currency !== x.currencyCode) out.push(`${set} ${str(x.number)} currencyCode ${str(x.currencyCode)} vs currencyId`);
            if (x.paymentTermsId !== BLANK_GUID && !paymentTerms.has(str(x.paymentTermsId))) out.push(`${set} ${str(x.number)} paymentTermsId`);
            if (set === 'customers' && x.shipmentMethodId !== BLANK_GUID && !shipmentMethods.has(str(x.shipmentMethodId))) out.push(`customer ${str(x.number)} shipmentMethodId`);
            if (partner && x[partner] !== '' && !salespeople.has(str(x[partner]))) out.push(`${set} ${str(x.number)} ${partner}`);
          }
        }
        for (const rate of list('currencyExchangeRates')) {
          if (currencies.get(str(rate.currencyId))?.code !== rate.currencyCode) out.push(`exchange rate ${str(rate.currencyCode)}`);
        }
        const categories = byId('itemCategories');
        const postingGroups = byId('generalProductPostingGroups');
        for (const item of list('items')) {
          if (!units.has(str(item.baseUnitOfMeasureCode))) out.push(`item ${str(item.number)} baseUnitOfMeasureCode`);
          if (!list('unitsOfMeasure').some((u) => u.id === item.baseUnitOfMeasureId && u.code === item.baseUnitOfMeasureCode)) out.push(`item ${str(item.number)} baseUnitOfMeasureId`);
          if (categories.get(str(item.itemCategoryId))?.code !== item.itemCategoryCode) out.push(`item ${str(item.number)} itemCategory`);
          if (postingGroups.get(str(item.generalProductPostingGroupId))?.code !== item.generalProductPostingGroupCode) out.push(`item ${str(item.number)} posting group`);
        }
        for (const res of list('resources')) if (!units.has(str(res.baseUnitOfMeasureCode))) out.push(`resource ${str(res.number)} base unit`);
      });
      expect(broken).toEqual([]);
    });

    test(`${company.name}: contacts belong to existing company contacts, business relations to existing customers/vendors`, () => {
      const contactsByNumber = new Map(list('contacts').map((c) => [str(c.number), c]));
      const broken = brokenRefs((out) => {
        for (const c of list('contacts')) {
          if (c.companyNumber === '') continue;
          const parent = contactsByNumber.get(str(c.companyNumber));
          if (!parent || parent.type !== 'Company' || parent.displayName !== c.companyName) out.push(`contact ${str(c.number)} companyNumber ${str(c.companyNumber)}`);
          if (c.type === 'Company' && c.companyNumber !== c.number) out.push(`company contact ${str(c.number)} is not its own company`);
        }
        const customers = byId('customers');
        const vendors = byId('vendors');
        const contacts = byId('contacts');
        for (const info of list('contactsInformation')) {
          const contact = contacts.get(str(info.contactId));
          const related = info.relatedType === 'Customer' ? customers.get(str(info.relatedId)) : vendors.get(str(info.relatedId));
          if (!contact || contact.number !== info.contactNumber || !related || related.displayName !== contact.displayName) out.push(`contactsInformation ${str(info.contactNumber)}`);
        }
      });
      expect(broken).toEqual([]);
      // every customer and vendor has its business-relation contact
      expect(list('contactsInformation')).toHaveLength(list('customers').length + list('vendors').length);
    });

    test(`${company.name}: one unit group per item and resource, with the base unit among its units of measure`, () => {
      const items = byId('items');
      const resources = byId('resources');
      const units = codes('unitsOfMeasure');
      const broken = brokenRefs((out) => {
        for (const group of list('unitGroups')) {
          const owner = group.sourceType === 'Item' ? items.get(str(group.sourceId)) : resources.get(str(group.sourceId));
          if (!owner || owner.number !== group.sourceNumber) out.push(`unit group ${str(group.code)} source`);
          if (group.code !== `${str(group.sourceType).toUpperCase()} ${str(group.sourceNumber)} UOM GR`) out.push(`unit group ${str(group.code)} code`);
        }
        for (const [set, ownerSet, idField, numberField] of [
          ['itemUnitsOfMeasure', items, 'itemId', 'itemNumber'],
          ['resourceUnitsOfMeasure', resources, 'resourceId', 'resourceNumber'],
        ] as const) {
          for (const u of list(set)) {
            if (ownerSet.get(str(u[idField]))?.number !== u[numberField]) out.push(`${set} ${str(u[numberField])}/${str(u.code)} owner`);
            if (!units.has(str(u.code))) out.push(`${set} ${str(u[numberField])}/${str(u.code)} unit`);
          }
        }
        for (const [owners, set, numberField] of [
          [list('items'), 'itemUnitsOfMeasure', 'itemNumber'],
          [list('resources'), 'resourceUnitsOfMeasure', 'resourceNumber'],
        ] as const) {
          for (const owner of owners) {
            const groups = list('unitGroups').filter((g) => g.sourceId === owner.id);
            const base = list(set).find((u) => u[numberField] === owner.number && u.code === owner.baseUnitOfMeasureCode);
            if (groups.length !== 1) out.push(`${str(owner.number)} has ${groups.length} unit groups`);
            if (!base || base.qtyPerUnitOfMeasure !== 1) out.push(`${str(owner.number)} base unit of measure`);
          }
        }
      });
      expect(broken).toEqual([]);
    });

    test(`${company.name}: prices, opportunities and sales documents point to existing records`, () => {
      const itemNumbers = codes('items', 'number');
      const resourceNumbers = codes('resources', 'number');
      const unitsOf = (assetType: unknown, number: unknown) =>
        assetType === 'Resource'
          ? list('resourceUnitsOfMeasure').filter((u) => u.resourceNumber === number).map((u) => u.code)
          : list('itemUnitsOfMeasure').filter((u) => u.itemNumber === number).map((u) => u.code);
      const headers = codes('priceListHeaders');
      const priceGroups = codes('customerPriceGroups');
      const customers = byId('customers');
      const contactsByNumber = new Map(list('contacts').map((c) => [str(c.number), c]));
      const salespeople = codes('salespeoplePurchasers');
      const broken = brokenRefs((out) => {
        for (const line of list('priceListLines')) {
          if (!headers.has(str(line.priceListCode))) out.push(`price line ${str(line.priceListCode)}/${str(line.lineNumber)} header`);
          const exists = line.assetType === 'Resource' ? resourceNumbers.has(str(line.assetNumber)) : itemNumbers.has(str(line.assetNumber));
          if (!exists) out.push(`price line ${str(line.priceListCode)}/${str(line.lineNumber)} asset ${str(line.assetNumber)}`);
          if (!unitsOf(line.assetType, line.assetNumber).includes(line.unitOfMeasureCode)) out.push(`price line ${str(line.priceListCode)}/${str(line.lineNumber)} unit`);
          const header = list('priceListHeaders').find((h) => h.code === line.priceListCode)!;
          if (header.currencyCode !== line.currencyCode || header.priceType !== line.priceType) out.push(`price line ${str(line.priceListCode)}/${str(line.lineNumber)} differs from its header`);
        }
        for (const price of list('salesPrices')) {
          if (!itemNumbers.has(str(price.itemNumber))) out.push(`sales price ${str(price.itemNumber)}`);
          if (price.salesType === 'Customer Price Group' && !priceGroups.has(str(price.salesCode))) out.push(`sales price group ${str(price.salesCode)}`);
          if (price.salesType === 'Customer' && !list('customers').some((c) => c.number === price.salesCode)) out.push(`sales price customer ${str(price.salesCode)}`);
          if (!unitsOf('Item', price.itemNumber).includes(price.unitOfMeasureCode)) out.push(`sales price unit ${str(price.itemNumber)}/${str(price.unitOfMeasureCode)}`);
        }
        for (const o of list('opportunities')) {
          const contact = contactsByNumber.get(str(o.contactNumber));
          if (!contact || contact.type !== 'Person' || contact.companyName !== o.contactCompanyName) out.push(`opportunity ${str(o.number)} contact`);
          if (!salespeople.has(str(o.salespersonCode))) out.push(`opportunity ${str(o.number)} salesperson`);
        }
        for (const [headerSet, lineSet] of [
          ['salesOrders', 'salesOrderLines'],
          ['salesQuotes', 'salesQuoteLines'],
          ['salesInvoices', 'salesInvoiceLines'],
        ] as const) {
          const headerIds = byId(headerSet);
          for (const h of list(headerSet)) {
            if (customers.get(str(h.customerId))?.number !== h.customerNumber) out.push(`${headerSet} ${str(h.number)} customer`);
            const lines = list(lineSet).filter((l) => l.documentId === h.id);
            // The header's total is after its invoice discount (spread over the lines as invoiceDiscountAllocation).
            const total = Math.round((lines.reduce((s, l) => s + Number(l.amountExcludingTax), 0) - Number(h.discountAmount ?? 0)) * 100) / 100;
            if (lines.length === 0 || total !== h.totalAmountExcludingTax) out.push(`${headerSet} ${str(h.number)} total`);
          }
          const items = byId('items');
          for (const l of list(lineSet)) {
            if (!headerIds.has(str(l.documentId))) out.push(`${lineSet} ${str(l.id)} header`);
            if (l.lineType === 'Item' && items.get(str(l.itemId))?.number !== l.lineObjectNumber) out.push(`${lineSet} ${str(l.id)} item`);
            if (l.lineType === 'Resource' && !resourceNumbers.has(str(l.lineObjectNumber))) out.push(`${lineSet} ${str(l.id)} resource`);
            if (l.lineType !== 'Comment' && !list('unitsOfMeasure').some((u) => u.id === l.unitOfMeasureId && u.code === l.unitOfMeasureCode)) out.push(`${lineSet} ${str(l.id)} unit`);
          }
        }
      });
      expect(broken).toEqual([]);
    });
  }
});
