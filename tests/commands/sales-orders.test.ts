/**
 * `bcsync sales-orders list` on the demo sandbox, as a script would run it: the seeded submitted orders that
 * wait for Business Central, and coupled orders with their BC number and status. Through the real CLI,
 * clients and emulators over HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SALES_ORDER_MAPPING, type SalesOrderListing as Listed } from '../../src/processes/sales-orders/list.js';
import { StateStore } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

const WAITING = [
  { ordernumber: 'ORD-01001-K7M2Q8', name: 'Relecloud desks and chairs', customer: 'Relecloud' },
  { ordernumber: 'ORD-01002-P3X9D4', name: 'Fourth Coffee lighting', customer: 'Fourth Coffee' },
  { ordernumber: 'ORD-01004-A8L2P5', name: 'Alpine Ski House lodge furniture', customer: 'Alpine Ski House' },
  { ordernumber: 'ORD-01005-R4C7H2', name: 'Rush chairs for Relecloud', customer: 'Priya Shah' },
  { ordernumber: 'ORD-01006-A2B9K3', name: 'Adatum lab benches', customer: 'Adatum Corporation' },
];

describe('bcsync sales-orders list (demo sandbox)', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
  });
  afterAll(async () => {
    await h?.close();
  });

  const listJson = async (): Promise<Listed[]> => {
    const r = await h.cli(['--json', 'sales-orders', 'list']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    return (JSON.parse(r.stdout) as { orders: Listed[] }).orders;
  };

  test('--json: the five seeded submitted orders waiting for CRONUS USA, in order-number order; nothing written', async () => {
    await listJson(); // the first run of a profile also reads the environment; count the second
    h.emu.resetLog();
    const orders = await listJson();
    expect(orders.map(({ salesorderid: _id, ...rest }) => rest)).toEqual(WAITING.map((o) => ({ ...o, bcNumber: null, status: 'to create' })));
    for (const o of orders) expect(o.salesorderid).toBe(h.emu.dataverse.list('salesorders').find((r) => r.name === o.name)!.salesorderid);
    // Left out: the Active order, the one already processed, the one stamped with CRONUS Canada.
    expect(orders.map((o) => o.name)).not.toEqual(expect.arrayContaining(['Contoso Suites lobby sofas']));
    expect(orders.map((o) => o.name)).not.toEqual(expect.arrayContaining(['Wingtip Toys reception']));
    expect(orders.map((o) => o.name)).not.toEqual(expect.arrayContaining(['Northern Lights Cafe seating']));
    expect(writesIn(h.emu)).toEqual([]);
    // One read of the orders, one of the accounts, one of the contacts (Priya Shah is a contact customer); no BC read without couplings.
    const reads = h.emu.requestLog.filter((e) => e.api !== 'token').map((e) => `${e.api} ${e.method} ${e.path.replace(/^.*\//, '')}`);
    expect(reads).toEqual(['dataverse GET salesorders', 'dataverse GET accounts', 'dataverse GET contacts']);
  });

  test('piped: TSV with a header line of the JSON keys, one row per order', async () => {
    const r = await h.cli(['sales-orders', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.split('\t')).toEqual(['ordernumber', 'name', 'customer', 'bcNumber', 'status', 'salesorderid']);
    expect(lines.slice(1).map((l) => l.split('\t').slice(0, 5))).toEqual(WAITING.map((o) => [o.ordernumber, o.name, o.customer, '', 'to create']));
  });

  test('coupled orders show their BC number and status, or that the BC order is gone; they are no longer waiting', async () => {
    const bcOrder = h.emu.bc.list('salesOrders')[0]!;
    const relecloud = h.emu.dataverse.list('salesorders').find((r) => r.name === 'Relecloud desks and chairs')!;
    const wingtip = h.emu.dataverse.list('salesorders').find((r) => r.name === 'Wingtip Toys reception')!;
    const state = await StateStore.open(h.stateDir, { lock: true });
    state.couple({ mapping: SALES_ORDER_MAPPING, bcId: String(bcOrder.id), dataverseId: String(relecloud.salesorderid) });
    state.couple({ mapping: SALES_ORDER_MAPPING, bcId: '0badc0de-0000-4000-8000-000000000001', dataverseId: String(wingtip.salesorderid) });
    await state.close();

    h.emu.resetLog();
    const orders = await listJson();
    expect(orders.filter((o) => o.name === 'Relecloud desks and chairs')).toEqual([
      { salesorderid: relecloud.salesorderid, ordernumber: 'ORD-01001-K7M2Q8', name: 'Relecloud desks and chairs', customer: 'Relecloud', bcNumber: bcOrder.number, status: bcOrder.status },
    ]);
    expect(orders.find((o) => o.name === 'Wingtip Toys reception')).toMatchObject({ bcNumber: null, status: 'deleted in Business Central' });
    expect(orders).toHaveLength(6);
    expect(writesIn(h.emu)).toEqual([]);
    const reads = h.emu.requestLog.filter((e) => e.api !== 'token').map((e) => `${e.api} ${e.method} ${e.path.replace(/^.*\//, '')}`);
    expect(reads).toEqual(['dataverse GET salesorders', 'dataverse GET salesorders', 'bc GET salesOrders', 'dataverse GET accounts', 'dataverse GET contacts']);
  });
});
