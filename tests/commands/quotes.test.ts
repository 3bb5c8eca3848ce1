/**
 * `bcsync quotes list | process` on the demo sandbox, as a script would run them (docs/integration.md §8.3):
 * revision 0 becomes a BC sales quote with Quote Valid Until = effectiveto; revising the quote in Sales and
 * processing again leaves one BC quote with the new lines and one archived version; winning it yields a BC
 * order linked to the quote (Quote No.). A second run writes nothing; --dry-run only reads. Request counts
 * come from the emulators' request log. Through the real CLI, clients and emulators over HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { splitText } from '../../src/processes/documents/index.js';
import { readOpenIntents } from '../../src/state/index.js';
import type { QuoteListing } from '../../src/processes/quotes/list.js';
import type { QuoteOutcome } from '../../src/processes/quotes/process.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';
import { prepareDemo, reviseInSales, winInSales } from './quotes-helpers.js';

const ALPINE = 'QUO-01001-R8N4B2';
const FOURTH_COFFEE = 'QUO-01003-M4C8T2';
const RELECLOUD = 'QUO-01004-W2N6R9';

describe('bcsync quotes (demo sandbox)', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
    await prepareDemo(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  /** Requests since the last reset, as `api METHOD path` with ids and the company left out. */
  const requests = (): string[] =>
    h.emu.requestLog
      .filter((e) => e.api !== 'token')
      .map((e) => `${e.api} ${e.method} ${e.path.replace(/^.*\/(v1\.0|v2\.0|v9\.2)\//, '').replace(/companies\([^)]*\)\//, '').replace(/\([0-9a-f-]{36}\)/g, '(id)')}`);
  const dvQuote = (number: string, revision: number) => h.emu.dataverse.list('quotes').find((q) => q.quotenumber === number && q.revisionnumber === revision)!;
  const bcQuote = (reference: string) => {
    const header = h.emu.bc.list('salesHeaders').find((x) => x.documentType === 'Quote' && x.yourReference === reference);
    return header ? h.emu.bc.get('salesQuotes', String(header.id)) : undefined;
  };
  const bcLines = (id: unknown) =>
    h.emu.bc
      .list('salesQuoteLines')
      .filter((l) => l.documentId === id)
      .map((l) => [l.lineType, l.lineObjectNumber, l.description, l.quantity, l.unitPrice]);
  const process = async (...args: string[]): Promise<{ code: number; quotes: QuoteOutcome[]; stderr: string }> => {
    const r = await h.cli(['--json', 'quotes', 'process', ...args]);
    return { code: r.code, quotes: (JSON.parse(r.stdout) as { quotes: QuoteOutcome[] }).quotes, stderr: r.stderr };
  };
  const actions = (quotes: QuoteOutcome[]) => Object.fromEntries(quotes.map((q) => [`${q.quotenumber}/${q.revisionnumber}`, q.actions.join('+')]));

  test('list --json: the Active and Won quotes (not the Draft one, not the revised revision 0), in one read', async () => {
    await h.cli(['--json', 'quotes', 'list']); // the first run of a profile also reads the environment
    h.emu.resetLog();
    const r = await h.cli(['--json', 'quotes', 'list']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const quotes = (JSON.parse(r.stdout) as { quotes: QuoteListing[] }).quotes;
    expect(quotes.map(({ quoteid: _id, ...q }) => q)).toEqual([
      { quotenumber: ALPINE, revisionnumber: 0, name: 'Alpine Ski House lodge chairs', statecode: 'Active', bcNumber: null },
      { quotenumber: FOURTH_COFFEE, revisionnumber: 1, name: 'Fourth Coffee cafe tables', statecode: 'Active', bcNumber: null },
      { quotenumber: RELECLOUD, revisionnumber: 0, name: 'Relecloud meeting room', statecode: 'Won', bcNumber: null },
    ]);
    expect(quotes[0]!.quoteid).toBe(dvQuote(ALPINE, 0).quoteid);
    expect(requests()).toEqual(['dataverse GET quotes']);
  });

  test('process --all --dry-run says what it would do and only reads', async () => {
    h.emu.resetLog();
    const r = await process('--all', '--dry-run');
    expect(r.code).toBe(0);
    expect(actions(r.quotes)).toEqual({ [`${ALPINE}/0`]: 'created', [`${FOURTH_COFFEE}/1`]: 'created', [`${RELECLOUD}/0`]: 'created+released' });
    expect(writesIn(h.emu)).toEqual([]);
    expect(requests().every((x) => x.includes(' GET '))).toBe(true);
    expect(h.emu.bc.list('salesQuotes')).toHaveLength(2); // the two seeded BC quotes only
  });

  test('process --all: BC quotes with Your Reference, External Document No. and Quote Valid Until = effectiveto; lines as for orders', async () => {
    h.emu.resetLog();
    const r = await process('--all');
    expect(r.code).toBe(0);
    expect(actions(r.quotes)).toEqual({ [`${ALPINE}/0`]: 'created', [`${FOURTH_COFFEE}/1`]: 'created', [`${RELECLOUD}/0`]: 'created+released' });
    const alpine = bcQuote(ALPINE)!;
    expect(alpine).toMatchObject({ externalDocumentNumber: 'ALPINE SKI HOUSE LODGE CHAIRS', validUntilDate: '2026-12-31', customerNumber: '40000' });
    expect(r.quotes.find((q) => q.quotenumber === ALPINE)!.bcNumber).toBe(alpine.number);
    // The product line, its description over 100 characters on comment lines, the write-in line on item 9000.
    const longText = String(h.emu.dataverse.list('quotedetails').find((l) => l._quoteid_value === dvQuote(ALPINE, 0).quoteid && l.sequencenumber === 1)!.description);
    const [first, second] = splitText(longText);
    expect(bcLines(alpine.id)).toEqual([
      ['Item', '1004', 'LYRA Task Chair', 30, 279],
      ['Comment', '', first, 0, 0],
      ['Comment', '', second, 0, 0],
      ['Item', '9000', 'Embroidered lodge logo on every seat back', 30, 12],
    ]);
    // The comment lines are attached to their product line (custom API salesLines).
    const attached = h.emu.bc.list('salesLines').filter((l) => l.documentType === 'Quote' && l.documentNumber === alpine.number);
    expect(attached.map((l) => [l.lineNumber, l.attachedToLineNumber])).toEqual([
      [10000, 0],
      [20000, 10000],
      [30000, 10000],
      [40000, 0],
    ]);
    expect(bcQuote(FOURTH_COFFEE)).toMatchObject({ validUntilDate: '2027-01-15', customerNumber: '70000' });
    // An empty effectiveto leaves Quote Valid Until blank; the won quote's order is not submitted: the BC quote is Released.
    const relecloud = bcQuote(RELECLOUD)!;
    expect(relecloud.validUntilDate).toBe('0001-01-01');
    expect(h.emu.bc.get('salesHeaders', String(relecloud.id))).toMatchObject({ status: 'Released', quoteValidUntilDate: '0001-01-01' });
    // The Draft quote is not processed.
    expect(h.emu.bc.list('salesQuotes').filter((q) => q.externalDocumentNumber === 'BALDWIN MUSEUM SEATING')).toEqual([]);
    // Per created quote: one deep insert (v2.0), one custom-API $batch (Your Reference, attached lines); the won one is released.
    const writes = requests().filter((x) => !x.includes(' GET '));
    expect(writes).toEqual([
      'bc POST $batch',
      'bc POST $batch',
      'bc POST $batch',
      'bc POST $batch',
      'bc POST $batch',
      'bc POST $batch',
      'bc POST salesHeaders(id)/Microsoft.NAV.release',
    ]);
    // Reads: the quotes, then the lines and every lookup once for all three quotes (the shared conversion), the
    // one quote whose comment lines are attached, the won quote's order.
    expect(requests().filter((x) => x.includes(' GET '))).toEqual([
      'dataverse GET quotes',
      'dataverse GET quotedetails',
      'dataverse GET accounts',
      'bc GET customers',
      'dataverse GET products',
      'bc GET items',
      'dataverse GET uoms',
      'bc GET itemUnitsOfMeasure',
      'dataverse GET transactioncurrencies',
      'bc GET salesSetup',
      'bc GET items',
      'bc GET salesQuoteLines',
      'dataverse GET salesorders',
    ]);
  });

  test('a second process --all writes nothing: one read of the quotes', async () => {
    h.emu.resetLog();
    const r = await process('--all');
    expect(r.code).toBe(0);
    expect(r.quotes.every((q) => q.actions.join() === 'already processed')).toBe(true);
    expect(requests()).toEqual(['dataverse GET quotes']);
  });

  test('revising the quote in Sales, then process --all: one BC quote with the new lines, one archived version, coupled to revision 1', async () => {
    const before = bcQuote(ALPINE)!;
    const revision = await reviseInSales(h.emu, String(dvQuote(ALPINE, 0).quoteid), (id) => {
      const lines = h.emu.dataverse.list('quotedetails').filter((l) => l._quoteid_value === id);
      h.emu.dataverse.update('quotedetails', String(lines.find((l) => l.sequencenumber === 1)!.quotedetailid), { quantity: 40 });
      h.emu.dataverse.remove('quotedetails', String(lines.find((l) => l.sequencenumber === 2)!.quotedetailid));
      h.emu.dataverse.update('quotes', id, { effectiveto: '2027-01-31' });
    });
    h.emu.resetLog();
    const r = await process('--all');
    expect(r.code).toBe(0);
    expect(actions(r.quotes)[`${ALPINE}/1`]).toBe('revised');
    const quotes = h.emu.bc.list('salesHeaders').filter((x) => x.documentType === 'Quote' && x.yourReference === ALPINE);
    expect(quotes.map((q) => q.id)).toEqual([before.id]);
    const after = bcQuote(ALPINE)!;
    expect(after).toMatchObject({ number: before.number, validUntilDate: '2027-01-31' });
    expect(bcLines(after.id).map((l) => [l[0], l[1], l[3]])).toEqual([
      ['Item', '1004', 40],
      ['Comment', '', 0],
      ['Comment', '', 0],
    ]);
    const archives = h.emu.bc.list('salesHeaderArchives').filter((a) => a.number === before.number);
    expect(archives.map((a) => [a.documentType, a.versionNumber, a.yourReference])).toEqual([['Quote', 1, ALPINE]]);
    const archivedLines = h.emu.bc.list('salesLineArchives').filter((l) => l.documentNumber === before.number);
    expect(archivedLines.map((l) => [l.lineType, l.lineObjectNumber, l.quantity])).toEqual([
      ['Item', '1004', 30],
      [' ', '', 0],
      [' ', '', 0],
      ['Item', '9000', 30],
    ]);
    // The archive, then the lines and header replaced in one transaction ($batch with Isolation: snapshot), then the
    // custom API's Your Reference and attached lines (one $batch).
    expect(requests().filter((x) => !x.includes(' GET '))).toEqual(['bc POST salesHeaders(id)/Microsoft.NAV.archive', 'bc POST $batch', 'bc POST $batch']);
    // 4 old lines deleted, 3 new ones, the header: 8 operations in one request.
    expect(h.emu.requestLog.find((e) => e.method === 'POST' && e.path.endsWith('$batch'))?.operations).toBe(8);
    const listed = (JSON.parse((await h.cli(['--json', 'quotes', 'list'])).stdout) as { quotes: QuoteListing[] }).quotes;
    expect(listed.find((q) => q.quotenumber === ALPINE)).toMatchObject({ quoteid: revision, revisionnumber: 1, bcNumber: before.number });
  });

  test('winning it in Sales (order created from the quote, submitted), then process --all: a BC order with Quote No.; then nothing more', async () => {
    const revision = String(dvQuote(ALPINE, 1).quoteid);
    const orderId = await winInSales(h.emu, revision);
    const bcQuoteNumber = String(bcQuote(ALPINE)!.number);
    h.emu.resetLog();
    const r = await process('--all');
    expect(r.code).toBe(0);
    const won = r.quotes.find((q) => q.quoteid === revision)!;
    expect(won.actions).toEqual(['order created']);
    const order = h.emu.bc.list('salesOrders').find((o) => o.number === won.bcOrderNumber)!;
    const dvOrder = h.emu.dataverse.get('salesorders', orderId)!;
    expect(h.emu.bc.get('salesHeaders', String(order.id))).toMatchObject({ documentType: 'Order', quoteNumber: bcQuoteNumber, yourReference: dvOrder.ordernumber });
    expect(h.emu.bc.list('salesOrderLines').filter((l) => l.documentId === order.id).map((l) => [l.lineObjectNumber, l.quantity])).toEqual([['1004', 40]]);
    // The Dataverse order is marked processed and stays Submitted; the BC quote got its second archived version.
    expect(dvOrder).toMatchObject({ statecode: 1, statuscode: 3 });
    expect(dvOrder.lastbackofficesubmit).not.toBeNull();
    expect(h.emu.bc.list('salesHeaderArchives').filter((a) => a.number === bcQuoteNumber).map((a) => a.versionNumber)).toEqual([1, 2]);
    h.emu.resetLog();
    const again = await process('--all');
    expect(again.quotes.find((q) => q.quoteid === revision)!.actions).toEqual(['already processed']);
    expect(requests()).toEqual(['dataverse GET quotes']);
  });

  test('a revision too large for one transaction is refused before anything is archived, run after run', async () => {
    const alpine = h.emu.dataverse.list('accounts').find((a) => a.name === 'Alpine Ski House')!;
    const quote = h.emu.dataverse.insert('quotes', { name: 'Alpine Ski House guest rooms', _customerid_value: alpine.accountid, effectiveto: '2027-04-30' });
    for (let i = 1; i <= 60; i++) {
      h.emu.dataverse.insert('quotedetails', { _quoteid_value: quote.quoteid, isproductoverridden: true, productdescription: `Room ${i} furniture set`, quantity: 1, priceperunit: 500, sequencenumber: i });
    }
    h.emu.dataverse.update('quotes', String(quote.quoteid), { statecode: 1, statuscode: 2 });
    expect((await h.cli(['quotes', 'process', String(quote.quotenumber)])).code).toBe(0);
    const revision = await reviseInSales(h.emu, String(quote.quoteid), () => undefined);
    for (let run = 0; run < 2; run++) {
      const r = await process(String(quote.quotenumber));
      expect(r.code).toBe(4);
      expect(r.quotes.find((q) => q.quoteid === revision)!.error).toContain('replacing 60 lines by 60 takes 121 operations, more than one Business Central transaction holds (100)');
      const bcNumber = r.quotes.find((q) => q.quoteid === revision)!.bcNumber;
      expect(bcNumber).toBeNull();
      expect(h.emu.bc.list('salesHeaderArchives').filter((a) => a.yourReference === quote.quotenumber)).toEqual([]);
      // Nothing was announced either: no intent is left for a next run to finish.
      expect(await readOpenIntents(h.stateDir)).toEqual([]);
    }
  });

  test('a quote that cannot be processed: one stderr line naming it and what to do, exit 4; by number, the others are not touched', async () => {
    const adatum = h.emu.dataverse.list('accounts').find((a) => a.name === 'Adatum Corporation')!;
    const quote = h.emu.dataverse.insert('quotes', { name: 'Adatum lab stools', _customerid_value: adatum.accountid, effectiveto: '2027-03-01' });
    h.emu.dataverse.insert('quotedetails', { _quoteid_value: quote.quoteid, isproductoverridden: true, productdescription: 'Lab stool', quantity: 6, priceperunit: 90 });
    h.emu.dataverse.update('quotes', String(quote.quoteid), { statecode: 1, statuscode: 2 });
    h.emu.resetLog();
    const r = await h.cli(['quotes', 'process', String(quote.quotenumber)]);
    expect(r.code).toBe(4);
    const problems = r.stderr.split('\n').filter((l) => l.includes(`Quote ${String(quote.quotenumber)}`));
    expect(problems).toEqual([
      `warning: Quote ${String(quote.quotenumber)} revision 0 "Adatum lab stools": customer Adatum Corporation is not coupled to a Business Central customer; ` +
        `couple account ${String(adatum.accountid)} with "bcsync couple --mapping CUSTOMER --dataverse ${String(adatum.accountid)} --bc <customer no.>" (or --create-in bc), then run the command again.`,
    ]);
    expect(writesIn(h.emu)).toEqual([]);
    const unknown = await h.cli(['quotes', 'process', 'QUO-99999-NOPE00']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toContain('No Active or Won quote has the number "QUO-99999-NOPE00"');
  });
});
