/**
 * The demo seed's quotes show each path of Business Central's quote processing (docs/integration.md §8.3):
 * revision 0 with a long description and a write-in line, a revised quote (two revisions of one number), a won
 * quote with the order that won it, a Draft quote that is not processed.
 */
import { describe, expect, test } from '@jest/globals';
import { loadSeed } from '../../../src/emulators/seed/index.js';
import type { SeedRecord } from '../../../src/emulators/seed/index.js';

const dv = loadSeed('demo').dataverse.records;
const rows = (set: string): SeedRecord[] => dv[set] ?? [];
const quote = (name: string, revision = 0) => rows('quotes').find((q) => q.name === name && q.revisionnumber === revision)!;
const linesOf = (q: SeedRecord) => rows('quotedetails').filter((l) => l._quoteid_value === q.quoteid);

describe('demo seed: quotes', () => {
  test('Active and Won quotes are the candidates; the Draft and the revised revision are not', () => {
    const candidates = rows('quotes').filter((q) => q.statecode === 1 || q.statecode === 2);
    expect(candidates.map((q) => `${String(q.name)} ${String(q.revisionnumber)}`).sort()).toEqual(['Alpine Ski House lodge chairs 0', 'Fourth Coffee cafe tables 1', 'Relecloud meeting room 0']);
    expect(quote('Baldwin Museum seating')).toMatchObject({ statecode: 0, statuscode: 1 });
  });

  test('revision 0 with a description over 100 characters and a write-in line; Quote Valid Until from effectiveto', () => {
    const alpine = quote('Alpine Ski House lodge chairs');
    expect(alpine).toMatchObject({ statecode: 1, effectiveto: '2026-12-31' });
    const lines = linesOf(alpine);
    expect(lines.some((l) => l._productid_value !== null && String(l.description).length > 100)).toBe(true);
    expect(lines.filter((l) => l.isproductoverridden === true).map((l) => l.productdescription)).toEqual(['Embroidered lodge logo on every seat back']);
  });

  test('a revised quote: revision 0 Closed/Revised, revision 1 Active, one quote number, other lines', () => {
    const r0 = quote('Fourth Coffee cafe tables', 0);
    const r1 = quote('Fourth Coffee cafe tables', 1);
    expect(r0).toMatchObject({ statecode: 3, statuscode: 7 });
    expect(r1).toMatchObject({ statecode: 1, quotenumber: r0.quotenumber });
    expect(linesOf(r1).map((l) => l.quantity)).not.toEqual(linesOf(r0).map((l) => l.quantity));
  });

  test('a won quote without effectiveto, and the Active order that won it (quoteid)', () => {
    const won = quote('Relecloud meeting room');
    expect(won).toMatchObject({ statecode: 2, statuscode: 4, effectiveto: null });
    const orders = rows('salesorders').filter((o) => o._quoteid_value === won.quoteid);
    expect(orders.map((o) => [o.name, o.statecode])).toEqual([['Relecloud meeting room', 0]]);
  });
});
