/**
 * kill -9 during `bcsync quotes process --all`, then a plain rerun, as a user would: every quote is in Business
 * Central exactly once, complete (its lines), coupled; a revision archived once; a won quote's order created once
 * with its Quote No.; no open intent; exit code 0; the same outcome as a run that was never killed. The run does
 * every kind of step: two new quotes (one with a write-in line), a revision (archive + line replacement) and a
 * won quote whose submitted order is created. Kills land at seeded progress events (one after every landed write).
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningEmulators } from '../../src/emulators/types.js';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { cliProcess, seededRandom, startWorld, stateSummary, type World } from '../helpers/crash-trials.js';
import { prepareDemo, reviseInSales, winInSales } from '../commands/quotes-helpers.js';
import type { CliHarness } from '../commands/sync-cli-helper.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KILLS = 5;
const SEED = Number(process.env.BCSYNC_CRASH_SEED ?? 20261206);

/** The child runs dist/: build it when it is missing or older than a source file. */
function ensureBuilt(): void {
  const main = path.join(ROOT, 'dist/main.js');
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  if (!existsSync(main) || statSync(main).mtimeMs < newest(path.join(ROOT, 'src'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
}

function cliOf(world: World): CliHarness {
  return {
    emu: world.emu,
    home: world.home,
    stateDir: world.stateDir,
    close: () => world.close(),
    cli: async (args) => {
      const io = new BufferIo({ BCSYNC_CLIENT_SECRET: world.emu.credentials.clientSecret }, false);
      const code = await run(['node', 'bcsync', '--home', world.home, ...args], { io });
      return { code, stdout: io.stdoutText, stderr: io.stderrText };
    },
  };
}

/** A quote written and activated in Sales by hand: a product line and a write-in line. */
function newQuote(emu: RunningEmulators, name: string, account: string, effectiveto: string): void {
  const accountId = emu.dataverse.list('accounts').find((a) => a.name === account)!.accountid;
  const product = emu.dataverse.list('products').find((p) => p.productnumber === '1009')!;
  const quote = emu.dataverse.insert('quotes', { name, _customerid_value: accountId, effectiveto });
  emu.dataverse.insert('quotedetails', { _quoteid_value: quote.quoteid, _productid_value: product.productid, quantity: 3, priceperunit: 349, ispriceoverridden: true });
  emu.dataverse.insert('quotedetails', { _quoteid_value: quote.quoteid, isproductoverridden: true, productdescription: `Installation for ${account}`, quantity: 1, priceperunit: 120 });
  emu.dataverse.update('quotes', String(quote.quoteid), { statecode: 1, statuscode: 2 });
}

/** Demo sandbox, its quotes processed once, then a salesperson's day in Sales: a revision, a win, two new quotes. */
async function preparedWorld(): Promise<World> {
  const world = await startWorld({ seed: 'demo' });
  const h = cliOf(world);
  await prepareDemo(h);
  const first = await h.cli(['quotes', 'process', '--all']);
  if (first.code !== 0) throw new Error(`the first quotes process failed (${first.code}): ${first.stderr}`);
  const emu = world.emu;
  const alpine = emu.dataverse.list('quotes').find((q) => q.quotenumber === 'QUO-01001-R8N4B2' && q.statecode === 1)!;
  await reviseInSales(emu, String(alpine.quoteid), (id) => {
    const line = emu.dataverse.list('quotedetails').find((l) => l._quoteid_value === id && l.sequencenumber === 1)!;
    emu.dataverse.update('quotedetails', String(line.quotedetailid), { quantity: 45 });
  });
  const fourthCoffee = emu.dataverse.list('quotes').find((q) => q.quotenumber === 'QUO-01003-M4C8T2' && q.statecode === 1)!;
  await winInSales(emu, String(fourthCoffee.quoteid));
  newQuote(emu, 'Trey Research filing', 'Trey Research', '2027-02-28');
  newQuote(emu, 'Coho Winery cellar office', 'Coho Winery', '2027-03-15');
  return world;
}

/** Business Central's documents by what names them (numbers and ids differ between runs), with their lines. */
function outcome(emu: RunningEmulators): Record<string, unknown> {
  const headers = emu.bc.list('salesHeaders');
  const lines = (set: string, id: unknown) =>
    emu.bc
      .list(set)
      .filter((l) => l.documentId === id)
      .map((l) => {
        // Complete includes what the custom API adds: a comment line's Attached to Line No.
        const attached = emu.bc.get('salesLines', String(l.id))?.attachedToLineNumber ?? 0;
        return `${String(l.lineType)} ${String(l.lineObjectNumber)} ${String(l.quantity)} ${String(l.unitPrice)} ${String(l.description)} ${String(attached)}`;
      });
  // Your Reference holds Dataverse's quote or order number, whose suffix Dataverse makes up: name it by the document's name.
  const named = new Map<unknown, unknown>([
    ...emu.dataverse.list('quotes').map((q) => [q.quotenumber, `quote "${String(q.name)}"`] as const),
    ...emu.dataverse.list('salesorders').map((o) => [o.ordernumber, `order "${String(o.name)}"`] as const),
  ]);
  const quotes = emu.bc.list('salesQuotes').map((q) => {
    const h = { ...headers.find((x) => x.id === q.id)! };
    h.yourReference = named.get(h.yourReference) ?? h.yourReference;
    const archives = emu.bc.list('salesHeaderArchives').filter((a) => a.documentType === 'Quote' && a.number === q.number).length;
    return [h.yourReference, q.externalDocumentNumber, q.customerNumber, q.validUntilDate, h.status, archives, ...lines('salesQuoteLines', q.id)].join(' | ');
  });
  const quoteReference = new Map(emu.bc.list('salesQuotes').map((q) => [q.number, named.get(headers.find((x) => x.id === q.id)!.yourReference)]));
  const orders = emu.bc.list('salesOrders').map((o) => {
    const h = { ...headers.find((x) => x.id === o.id)! };
    h.yourReference = named.get(h.yourReference) ?? h.yourReference;
    return [h.yourReference, o.customerNumber, quoteReference.get(h.quoteNumber) ?? '', ...lines('salesOrderLines', o.id)].join(' | ');
  });
  const dvOrders = emu.dataverse.list('salesorders').map((o) => `${String(o.name)} ${String(o.statecode)} ${o.lastbackofficesubmit ? 'processed' : ''}`);
  return { quotes: quotes.sort(), orders: orders.sort(), dvOrders: dvOrders.sort() };
}

describe('SIGKILL during quotes process --all (create, revise, won), then a plain rerun', () => {
  let clean: { outcome: Record<string, unknown>; couplings: Record<string, number>; events: number };

  beforeAll(async () => {
    ensureBuilt();
    const world = await preparedWorld();
    try {
      const r = await cliProcess(world, ['quotes', 'process', '--all']);
      if (r.code !== 0) throw new Error(`the clean quotes process exited ${r.code}: ${r.stderr}`);
      const summary = await stateSummary(world.stateDir);
      clean = { outcome: outcome(world.emu), couplings: summary.couplings, events: r.events };
    } finally {
      await world.close();
    }
  }, 180_000);

  test('the clean run did every kind of step, each document once', () => {
    const quotes = clean.outcome.quotes as string[];
    // 3 seeded BC quotes without Your Reference, 3 from the first run, 2 new ones.
    const quote = (name: string) => quotes.find((q) => q.startsWith(`quote "${name}"`))!;
    expect(quotes.filter((q) => q.startsWith('quote '))).toHaveLength(5);
    expect(quote('Alpine Ski House lodge chairs')).toContain('| Item 1004 45 279 LYRA Task Chair 0 |');
    expect(quote('Alpine Ski House lodge chairs')).toMatch(/\| Comment {2}0 0 LYRA Task Chair in the lodge's [^|]* 10000 \|/);
    // Revised once (1 archive); the won quote archived once when its order was linked.
    expect(quote('Alpine Ski House lodge chairs').split(' | ')[5]).toBe('1');
    expect(quote('Fourth Coffee cafe tables').split(' | ')[5]).toBe('1');
    expect((clean.outcome.orders as string[]).filter((o) => o.includes('| quote "Fourth Coffee cafe tables" |'))).toHaveLength(1);
    expect(clean.events).toBeGreaterThan(10);
  });

  test(`${KILLS} kills at seeded progress events (seed ${SEED}): every rerun ends as the clean run did`, async () => {
    const random = seededRandom(SEED);
    const killedAt: number[] = [];
    for (let trial = 0; trial < KILLS; trial++) {
      // Between the first progress event and the last write of a clean run.
      const at = 2 + Math.floor(random() * (clean.events - 3));
      const world = await preparedWorld();
      try {
        const killed = await cliProcess(world, ['quotes', 'process', '--all'], at);
        if (killed.signal === 'SIGKILL') killedAt.push(at);
        const rerun = await cliProcess(world, ['quotes', 'process', '--all']);
        const where = `trial ${trial} (seed ${SEED}, killed at progress event ${at} of ${clean.events})`;
        expect([where, rerun.code, rerun.code === 0 ? '' : rerun.stderr]).toEqual([where, 0, '']);
        const summary = await stateSummary(world.stateDir);
        expect([where, summary.openIntents, summary.duplicateTargets]).toEqual([where, 0, []]);
        expect([where, summary.couplings]).toEqual([where, clean.couplings]);
        expect([where, outcome(world.emu)]).toEqual([where, clean.outcome]);
      } finally {
        await world.close();
      }
    }
    expect(killedAt.length).toBe(KILLS);
  }, 300_000);
});

