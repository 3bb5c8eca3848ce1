/**
 * `bcsync sales-orders sync` on the demo sandbox with the legacy order integration (docs/integration.md §8.1, §8.6):
 * a coupled order released, shipped and invoiced in Business Central as a person does it; its Sales order gets the
 * date fulfilled, one timeline post per event and the Invoiced state; an order deleted by hand resets its Sales order;
 * notes go both ways once. Through the real CLI, clients and emulators over HTTP; requests read from the log.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SALES_ORDER_MAPPING } from '../../src/processes/sales-orders/list.js';
import { NOTE_COUPLINGS } from '../../src/processes/notes/notes.js';
import { POST_TEXT } from '../../src/processes/sales-orders/posts.js';
import { StateStore } from '../../src/state/index.js';
import { enabledProcesses } from '../../src/app/job-queue.js';
import { defaultIntegrationOptions } from '../../src/mapping/index.js';
import { setupArgs, startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

type Row = Record<string, unknown>;

let h: CliHarness;
beforeAll(async () => {
  h = await startCli();
  const legacy = await h.cli([...setupArgs(h.emu), '--order-sync', 'legacy']);
  expect(legacy.code).toBe(0);
});
afterAll(async () => {
  await h?.close();
});

const dvOrder = (name: string): Row => h.emu.dataverse.list('salesorders').find((r) => r.name === name)!;

/**
 * A BC order for the first customer with one item line, coupled to the Sales order `name` (as "sales-orders create"
 * leaves it). No salesperson or payment terms: those need the master-data couplings a full synchronization makes.
 */
async function coupledOrder(name: string): Promise<{ bcId: string; number: string; dataverseId: string }> {
  const customer = h.emu.bc.list('customers')[0]!;
  const item = h.emu.bc.list('items').find((i) => i.type === 'Inventory')!;
  const order = h.emu.bc.insert('salesOrders', {
    customerId: customer.id,
    salesperson: '',
    paymentTermsId: '00000000-0000-0000-0000-000000000000',
    requestedDeliveryDate: '2026-12-24',
    salesOrderLines: [{ itemId: item.id, quantity: 2 }],
  });
  const dataverseId = String(dvOrder(name).salesorderid);
  const state = await StateStore.open(h.stateDir, { lock: true });
  state.couple({ mapping: SALES_ORDER_MAPPING, bcId: String(order.id), dataverseId });
  await state.close();
  return { bcId: String(order.id), number: String(order.number), dataverseId };
}

const postsOn = (salesorderid: string): string[] =>
  h.emu.dataverse
    .list('posts')
    .filter((p) => p._regardingobjectid_value === salesorderid)
    .map((p) => String(p.text));

/** The environment a profile's first run reads (cached afterwards): not the run's own work. */
const ENVIRONMENT = new Set(['WhoAmI', 'cdm_companies', 'organizations', 'companyInformation', 'currencyExchangeRates', 'salesSetup']);

/** Requests since the last resetLog, as `api METHOD entity set`, the environment reads left out. */
const requests = (): string[] =>
  h.emu.requestLog
    .filter((e) => e.api !== 'token')
    .map((e) => ({ api: e.api, method: e.method, set: e.path.replace(/^.*\/(?=[^/]+$)/, '').replace(/\(.*$/, '') }))
    .filter((e) => !ENVIRONMENT.has(e.set))
    .map((e) => `${e.api} ${e.method} ${e.set}`);

async function salesOrdersSync(): Promise<void> {
  const r = await h.cli(['sales-orders', 'sync']);
  expect([r.code, r.stderr.split('\n').filter((l) => /fail|refused/i.test(l))]).toEqual([0, []]);
}

describe('bcsync sales-orders sync (legacy order integration)', () => {
  test('release, ship, invoice: datefulfilled, three timeline posts, Invoiced and uncoupled; a second sync writes nothing', async () => {
    const o = await coupledOrder('Relecloud desks and chairs');
    expect(dvOrder('Relecloud desks and chairs').statecode).toBe(1);
    h.emu.bc.act!('salesHeaders', o.bcId, 'release');
    h.emu.bc.act!('salesOrders', o.bcId, 'ship');
    const shippedOn = String(h.emu.bc.get('salesHeaders', o.bcId)!.lastShipmentDate);

    h.emu.resetLog();
    await salesOrdersSync();
    const after = dvOrder('Relecloud desks and chairs');
    expect(after).toMatchObject({ datefulfilled: shippedOn, requestdeliveryby: '2026-12-24', ordernumber: o.number, statecode: 1, statuscode: 3 });
    expect(after.totalamount).toBe(h.emu.bc.get('salesOrders', o.bcId)!.totalAmountIncludingTax);
    expect(postsOn(o.dataverseId).sort()).toEqual([POST_TEXT.released, POST_TEXT.shipped].sort());
    // SALESORDER-ORDER: the Released headers changed, the Sales order, its state (Submitted), then one batch: Active,
    // the header fields, Submitted again. ORDER-STATUS: the coupled headers, posted invoices of the shipped order, the
    // posts' ids, one batch of posts. NOTES: the coupled order's notes on each side.
    expect(requests()).toEqual([
      ...['bc GET salesHeaders', 'dataverse GET salesorders', 'dataverse GET salesorders', 'dataverse POST $batch'],
      ...['bc GET salesHeaders', 'bc GET salesInvoices', 'dataverse GET posts', 'dataverse POST $batch'],
      ...['dataverse GET annotations', 'bc GET recordLinks'],
    ]);

    h.emu.bc.act!('salesOrders', o.bcId, 'invoice');
    expect(h.emu.bc.get('salesOrders', o.bcId)).toBeUndefined();
    h.emu.resetLog();
    await salesOrdersSync();
    // The order is gone from the Released headers; ORDER-STATUS finds its posted invoice, posts once, sets Invoiced and
    // uncouples it, so NOTES has no order left to read.
    expect(requests()).toEqual([
      'bc GET salesHeaders',
      ...['bc GET salesHeaders', 'bc GET salesInvoices', 'dataverse GET posts', 'dataverse POST $batch', 'dataverse POST $batch'],
    ]);
    expect(dvOrder('Relecloud desks and chairs')).toMatchObject({ statecode: 4, statuscode: 100003, datefulfilled: shippedOn });
    expect(postsOn(o.dataverseId).sort()).toEqual(Object.values(POST_TEXT).sort());
    const state = await StateStore.open(h.stateDir, { lock: false });
    expect(state.byBcId(SALES_ORDER_MAPPING, o.bcId)).toBeUndefined();
    await state.close();

    h.emu.resetLog();
    await salesOrdersSync();
    expect(writesIn(h.emu)).toEqual([]);
    // Nothing coupled is left: one read of the Released headers changed since the last run, nothing else.
    expect(requests()).toEqual(['bc GET salesHeaders']);
    expect(postsOn(o.dataverseId)).toHaveLength(3);
  });

  test('a coupled order deleted by hand: the Sales order is Active/Pending again, lastbackofficesubmit cleared, uncoupled', async () => {
    // The seeded order BC already processed (Submitted, Last Back Office Submit set).
    const o = await coupledOrder('Wingtip Toys reception');
    expect(dvOrder('Wingtip Toys reception')).toMatchObject({ statecode: 1, lastbackofficesubmit: expect.stringMatching(/^\d{4}-/) });
    h.emu.bc.remove('salesOrders', o.bcId);
    h.emu.resetLog();
    await salesOrdersSync();
    expect(dvOrder('Wingtip Toys reception')).toMatchObject({ statecode: 0, statuscode: 2, lastbackofficesubmit: null });
    expect(postsOn(o.dataverseId)).toEqual([]);
    const state = await StateStore.open(h.stateDir, { lock: false });
    expect(state.byDataverseId(SALES_ORDER_MAPPING, o.dataverseId)).toBeUndefined();
    await state.close();
    h.emu.resetLog();
    await salesOrdersSync();
    expect(writesIn(h.emu)).toEqual([]);
  });

  test('notes: a note added on either side appears on the other once; an edit updates it; a rerun writes nothing', async () => {
    // An order without seeded notes (the demo's Alpine Ski House order carries one).
    const o = await coupledOrder('Rush chairs for Relecloud');
    const annotation = h.emu.dataverse.insert('annotations', {
      subject: 'Delivery',
      notetext: 'Use the service entrance.',
      _objectid_value: o.dataverseId,
      objecttypecode: 'salesorder',
    });
    const link = h.emu.bc.insert('recordLinks', { tableNumber: 36, recordId: o.bcId, description: 'Credit check', note: 'Approved by finance.' });
    await salesOrdersSync();
    const bcNotes = (): Row[] => h.emu.bc.list('recordLinks').filter((l) => l.recordId === o.bcId);
    const dvNotes = (): Row[] => h.emu.dataverse.list('annotations').filter((a) => a._objectid_value === o.dataverseId && a.isdocument === false);
    expect(bcNotes().map((l) => [l.description, l.note]).sort()).toEqual([['Credit check', 'Approved by finance.'], ['Delivery', 'Use the service entrance.']]);
    expect(dvNotes().map((a) => [a.subject, a.notetext]).sort()).toEqual([['Credit check', 'Approved by finance.'], ['Delivery', 'Use the service entrance.']]);

    h.emu.dataverse.update('annotations', String(annotation.annotationid), { notetext: 'Use the service entrance, gate B.' });
    h.emu.bc.update('recordLinks', String(link.id), { note: 'Approved by finance (limit raised).' });
    await salesOrdersSync();
    const edited = ['Approved by finance (limit raised).', 'Use the service entrance, gate B.'];
    expect(bcNotes().map((l) => l.note).sort()).toEqual(edited);
    expect(dvNotes().map((a) => a.notetext).sort()).toEqual(edited);

    h.emu.resetLog();
    await salesOrdersSync();
    expect(writesIn(h.emu)).toEqual([]);
    expect([bcNotes().length, dvNotes().length]).toEqual([2, 2]);
    const state = await StateStore.open(h.stateDir, { lock: false });
    expect([...state.couplings(NOTE_COUPLINGS)].filter((c) => c.dataverseId === annotation.annotationid)).toHaveLength(1);
    await state.close();
  });

  test('posts written but not yet recorded (a kill in between): the rerun finds them by their ids and posts nothing twice', async () => {
    const o = await coupledOrder('Fourth Coffee lighting');
    h.emu.bc.act!('salesHeaders', o.bcId, 'release');
    await salesOrdersSync();
    expect(postsOn(o.dataverseId)).toEqual([POST_TEXT.released]);
    // The state as a kill before its commit leaves it: the posts exist, the coupling does not know.
    const state = await StateStore.open(h.stateDir, { lock: true });
    state.update(SALES_ORDER_MAPPING, o.bcId, { extra: { posted: undefined } });
    await state.close();
    h.emu.resetLog();
    await salesOrdersSync();
    expect(postsOn(o.dataverseId)).toHaveLength(1);
    expect(writesIn(h.emu)).toEqual([]);
    expect(requests()).toEqual(['bc GET salesHeaders', 'bc GET salesHeaders', 'dataverse GET posts', 'dataverse GET annotations', 'bc GET recordLinks']);
  });

  test('mappings list: the legacy SALESORDER-ORDER mapping with BC\'s schedule (every 30 min, idle after 720)', async () => {
    const r = await h.cli(['--json', 'mappings', 'list']);
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.stdout) as { mappings: Array<Record<string, unknown>> }).mappings;
    expect(rows.at(-1)).toEqual({
      name: 'SALESORDER-ORDER',
      kind: 'record',
      bcTable: 'salesHeaders',
      dataverseTable: 'salesorders',
      direction: 'to-dataverse',
      schedule: 'every 30 min, idle after 720 min',
      couplings: expect.any(Number),
      customized: false,
    });
  });

  test('--dry-run counts what the run would write and writes nothing; order sync off is a configuration error', async () => {
    const o = await coupledOrder('Adatum lab benches');
    h.emu.bc.act!('salesHeaders', o.bcId, 'release');
    h.emu.resetLog();
    const dry = await h.cli(['--json', 'sales-orders', 'sync', '--dry-run']);
    expect(dry.code).toBe(0);
    const reports = (JSON.parse(dry.stdout) as { mappings: Array<{ mapping: string; counts: Record<string, Record<string, number>> }> }).mappings;
    expect(reports.map((m) => [m.mapping, m.counts['to-dataverse']!.modified, m.counts['to-dataverse']!.inserted])).toEqual([
      ['SALESORDER-ORDER', 1, 0],
      ['ORDER-STATUS', 0, 1],
      ['NOTES', 0, 0],
    ]);
    expect(writesIn(h.emu)).toEqual([]);
    expect(postsOn(o.dataverseId)).toEqual([]);

    const off = await h.cli([...setupArgs(h.emu), '--order-sync', 'off']);
    expect(off.code).toBe(0);
    const refused = await h.cli(['sales-orders', 'sync']);
    expect(refused.code).toBe(3);
    expect(refused.stderr.split('\n')[0]).toMatch(/order sync is off; run "bcsync setup --order-sync legacy" first/);
  });
});

describe('job queue (docs/integration.md §4.2, §9)', () => {
  test('legacy order sync switches on ORDER-STATUS (every 7 min) and NOTES (every 5); bidirectional NOTES only; off neither', () => {
    const names = (orderSync: 'off' | 'legacy' | 'bidirectional') =>
      enabledProcesses({ ...defaultIntegrationOptions, orderSync })
        .filter((p) => p.name === 'ORDER-STATUS' || p.name === 'NOTES')
        .map((p) => `${p.name} ${p.intervalMinutes}`);
    expect(names('legacy')).toEqual(['ORDER-STATUS 7', 'NOTES 5']);
    expect(names('bidirectional')).toEqual(['NOTES 5']);
    expect(names('off')).toEqual([]);
  });
});
