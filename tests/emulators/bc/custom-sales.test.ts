import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ApiError } from '../../../src/errors.js';
import { customers, customerLedgerEntries, recordLinks, salesHeaderArchives, salesHeaders, salesLineArchives, salesQuoteLines, salesQuotes, salesSetup, under } from '../../../src/clients/bc/index.js';
import { startServices, type Services } from '../../helpers/services.js';

/** The custom entities the sales-process issues need, as the emulator serves them (simple CRUD and the bound actions). */

let s: Services;
beforeAll(async () => {
  s = await startServices({ seed: 'empty' });
});
afterAll(async () => {
  await s.close();
});

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p);
  return out;
}

describe('salesHeaders: Your Reference, release / reopen / archive', () => {
  test('PATCH of an editable property; release and reopen set the status; archive stores numbered versions', async () => {
    const header = s.emu.bc.insert('salesHeaders', { documentType: 'Order', number: '101001', docNoOccurrence: 1 });
    const id = String(header['id']);
    const etag = String(header['@odata.etag']);
    const patched = await s.bc.update(salesHeaders, id, { yourReference: 'ORD-01001-X1Y2Z3' }, etag);
    expect(patched.yourReference).toBe('ORD-01001-X1Y2Z3');
    await s.bc.action(salesHeaders, id, 'release');
    expect((await s.bc.get(salesHeaders, id)).status).toBe('Released');
    await s.bc.action(salesHeaders, id, 'reopen');
    expect((await s.bc.get(salesHeaders, id)).status).toBe('Open');
    await s.bc.action(salesHeaders, id, 'archive');
    await s.bc.action(salesHeaders, id, 'archive');
    const versions = await all(s.bc.list(salesHeaderArchives, { filter: "number eq '101001'" }));
    expect(versions.map((v) => [v.versionNumber, v.yourReference])).toEqual([
      [1, 'ORD-01001-X1Y2Z3'],
      [2, 'ORD-01001-X1Y2Z3'],
    ]);
  });

  test('headers are not created or deleted through the page (InsertAllowed/DeleteAllowed = false)', async () => {
    const error = await s.bc.create(salesHeaders, { number: 'X' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(405);
  });
});

describe('recordLinks: notes created with a chosen id', () => {
  test('a note gets the next Link ID, type Note and a creation time; the same id again is refused as a duplicate', async () => {
    const id = '5b2a4c1e-0d3f-4e6a-9b8c-7d6e5f4a3b2c';
    const created = await s.bc.create(recordLinks, { id, tableNumber: 36, recordId: '11111111-2222-3333-4444-555555555555', note: 'Deliver before noon' });
    expect(created).toMatchObject({ id, type: 'Note', note: 'Deliver before noon' });
    expect(created.linkId).toBeGreaterThan(0);
    const again = await s.bc.create(recordLinks, { id, tableNumber: 36, note: 'twice' }).catch((e: unknown) => e);
    expect((again as ApiError).serviceCode).toBe('Internal_EntityWithSameKeyExists');
    expect((await all(s.bc.list(recordLinks))).filter((r) => r.id === id)).toHaveLength(1);
  });
});

describe('salesSetup and customerLedgerEntries', () => {
  test('every company has one setup row whose write-in product can be set', async () => {
    const [setup] = await all(s.bc.list(salesSetup));
    const updated = await s.bc.update(salesSetup, setup!.id, { writeInProductType: 'Item', writeInProductNumber: 'WRITE-IN' }, '*');
    expect(updated).toMatchObject({ writeInProductType: 'Item', writeInProductNumber: 'WRITE-IN' });
  });

  test('ledger entries are read-only', async () => {
    const error = await s.bc.create(customerLedgerEntries, { entryNumber: 1 }).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(405);
  });
});

describe('salesHeaders is the Sales Header behind the v2.0 documents: one id, one Quote Valid Until Date, release guards the lines', () => {
  test('a quote made through salesQuotes shows in salesHeaders; archive keeps its lines; a released quote refuses line changes', async () => {
    const demo = await startServices();
    try {
      const bc = demo.bc;
      const [customer] = await all(bc.list(customers, { filter: "number eq '10000'" }));
      const quote = await bc.create(salesQuotes, {
        customerNumber: customer!.number,
        externalDocumentNumber: 'LODGE CHAIRS',
        validUntilDate: '2027-01-31',
        salesQuoteLines: [
          { lineType: 'Item', lineObjectNumber: '1000', quantity: 2, unitPrice: 100 },
          { lineType: 'Comment', description: 'Deliver before noon' },
        ],
      });
      const header = await bc.get(salesHeaders, quote.id);
      expect(header).toMatchObject({ documentType: 'Quote', number: quote.number, status: 'Open', quoteValidUntilDate: '2027-01-31', docNoOccurrence: 1 });
      // Your Reference and Quote Valid Until Date through the custom page; the v2.0 page shows the same date.
      await bc.update(salesHeaders, quote.id, { yourReference: 'QUO-01001-R8N4B2', quoteValidUntilDate: '2027-02-28' }, '*');
      expect((await bc.get(salesQuotes, quote.id)).validUntilDate).toBe('2027-02-28');
      await bc.action(salesHeaders, quote.id, 'archive');
      const archived = await all(bc.list(salesLineArchives, { filter: `documentNumber eq '${quote.number}'` }));
      expect(archived.map((l) => [l.versionNumber, l.lineType, l.lineObjectNumber, l.quantity])).toEqual([
        [1, 'Item', '1000', 2],
        [1, ' ', '', 0],
      ]);
      const [version] = await all(bc.list(salesHeaderArchives, { filter: `number eq '${quote.number}'` }));
      expect(version).toMatchObject({ documentType: 'Quote', versionNumber: 1, yourReference: 'QUO-01001-R8N4B2', externalDocumentNumber: 'LODGE CHAIRS', customerNumber: '10000' });
      await bc.action(salesHeaders, quote.id, 'release');
      const lines = await all(bc.list(under(salesQuotes, quote.id, salesQuoteLines)));
      const refused = await bc.delete(under(salesQuotes, quote.id, salesQuoteLines), lines[0]!.id, '*').catch((e: unknown) => e);
      expect((refused as ApiError).message).toContain("Status must be equal to 'Open'");
      await bc.action(salesHeaders, quote.id, 'reopen');
      await bc.delete(under(salesQuotes, quote.id, salesQuoteLines), lines[0]!.id, '*');
      // Deleting the quote deletes its Sales Header.
      await bc.delete(salesQuotes, quote.id, '*');
      expect(await bc.get(salesHeaders, quote.id).catch((e: unknown) => (e as ApiError).status)).toBe(404);
    } finally {
      await demo.close();
    }
  });

  test('seeded documents have their salesHeaders view', async () => {
    const demo = await startServices();
    try {
      const quotes = await all(demo.bc.list(salesQuotes));
      const headers = await all(demo.bc.list(salesHeaders, { filter: "documentType eq 'Quote'" }));
      expect(headers.map((h) => h.id).sort()).toEqual(quotes.map((q) => q.id).sort());
    } finally {
      await demo.close();
    }
  });
});
