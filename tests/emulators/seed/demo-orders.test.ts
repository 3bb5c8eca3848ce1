/**
 * The submitted Dataverse orders of the demo seed exercise each rule of Business Central's order conversion:
 * write-in lines, descriptions longer than a Sales Line's 100 characters, freight, an order discount, a contact
 * as customer, a customer the demo leaves uncoupled, and the candidate filter (Submitted, not yet processed,
 * not stamped with another company).
 */
import { describe, test, expect } from '@jest/globals';
import { demoFacts, loadSeed } from '../../../src/emulators/seed/index.js';
import type { SeedRecord } from '../../../src/emulators/seed/index.js';

const dv = loadSeed('demo').dataverse.records;
const rows = (set: string): SeedRecord[] => dv[set] ?? [];
const orders = rows('salesorders');
const order = (name: string) => orders.find((o) => o.name === name)!;
const linesOf = (o: SeedRecord) =>
  rows('salesorderdetails')
    .filter((l) => l._salesorderid_value === o.salesorderid)
    .sort((a, b) => Number(a.sequencenumber) - Number(b.sequencenumber));
const companyId = (name: string) => rows('cdm_companies').find((c) => c.cdm_companycode === name)!.cdm_companyid;
const unprocessed = (o: SeedRecord) => o.lastbackofficesubmit === null || o.lastbackofficesubmit === '1900-01-01';

describe('demo seed: submitted sales orders', () => {
  test('the candidates for CRONUS USA: Submitted, not yet processed, unstamped or stamped with CRONUS USA', () => {
    const other = companyId(demoFacts.secondCompanyName);
    const candidates = orders.filter((o) => o.statecode === 1 && unprocessed(o) && o._bcbi_companyid_value !== other);
    expect(candidates.map((o) => o.name).sort()).toEqual(
      ['Adatum lab benches', 'Alpine Ski House lodge furniture', 'Fourth Coffee lighting', 'Relecloud desks and chairs', 'Rush chairs for Relecloud'].sort(),
    );
    // Left out, each for one reason: Active, already processed, stamped with the other company.
    expect(order('Contoso Suites lobby sofas').statecode).toBe(0);
    expect(order('Wingtip Toys reception')).toMatchObject({ statecode: 1, lastbackofficesubmit: '2026-11-20' });
    expect(order('Northern Lights Cafe seating')).toMatchObject({ statecode: 1, lastbackofficesubmit: null, _bcbi_companyid_value: other });
    // "Not processed" has two spellings: empty and 1900-01-01.
    expect(order('Rush chairs for Relecloud').lastbackofficesubmit).toBe('1900-01-01');
    expect(order('Adatum lab benches')._bcbi_companyid_value).toBe(companyId(demoFacts.companyName));
  });

  test('Alpine Ski House: a long line description, a long write-in line, a line discount, freight and an order discount %', () => {
    const alpine = order('Alpine Ski House lodge furniture');
    expect(alpine).toMatchObject({ freightamount: 125, discountpercentage: 5, discountamount: 0, requestdeliveryby: '2026-12-18' });
    const lines = linesOf(alpine);
    expect(lines.map((l) => l.sequencenumber)).toEqual([1, 2, 3]);
    expect(String(lines[0]!.description).length).toBeGreaterThan(100);
    expect(lines[0]!._productid_value).not.toBeNull();
    expect(lines[1]).toMatchObject({ isproductoverridden: true, _productid_value: null, description: '' });
    expect(String(lines[1]!.productdescription).length).toBeGreaterThan(100);
    expect(Number(lines[2]!.manualdiscountamount)).toBeGreaterThan(0);
  });

  test('a contact as customer (whose parent account is a customer) with an order discount amount and a short write-in', () => {
    const rush = order('Rush chairs for Relecloud');
    const contact = rows('contacts').find((c) => c.contactid === rush._customerid_value)!;
    expect(contact.fullname).toBe('Priya Shah');
    const parent = rows('accounts').find((a) => a.accountid === contact._parentcustomerid_value)!;
    expect(parent).toMatchObject({ name: 'Relecloud', customertypecode: 3 });
    expect(rush.discountamount).toBe(100);
    expect(linesOf(rush).filter((l) => l.isproductoverridden === true).map((l) => l.productdescription)).toEqual(['Express courier delivery']);
  });

  test("Adatum's order is for the account the demo's name match leaves uncoupled (two accounts differ only in case)", () => {
    const adatum = rows('accounts').find((a) => a.accountid === order('Adatum lab benches')._customerid_value)!;
    expect(adatum.name).toBe('Adatum Corporation');
    expect(rows('accounts').filter((a) => String(a.name).toLowerCase() === 'adatum corporation')).toHaveLength(2);
  });
});
