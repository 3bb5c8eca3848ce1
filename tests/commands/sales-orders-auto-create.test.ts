/**
 * `--auto-create-orders` (legacy order integration) makes `sync --all` run SALES-ORDERS-CREATE after the
 * mappings (issue 9 acceptance): the waiting submitted orders are created in Business Central, an order submitted
 * later is created by the next run, and a run with nothing new writes nothing. The process's requests, read from
 * the emulator's request log, stay batched: a fixed set of reads for all orders, then a constant number of
 * writes per order.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import type { MappingReport } from '../../src/engine/report.js';
import { SALES_ORDERS_CREATE } from '../../src/processes/sales-orders/create.js';
import { DEMO_CONVERSION_READS, DEMO_ORDER_WRITES } from './sales-orders-requests.js';
import { startCli, type CliHarness } from './sync-cli-helper.js';

/**
 * The requests of the SALES-ORDERS-CREATE process: from its read of the waiting orders, as many as its report
 * counts (the processes after it, e.g. ORDER-STATUS and CUSTOMER-STATISTICS, send their own).
 */
function processRequests(h: CliHarness, report: MappingReport): string[] {
  const log = h.emu.requestLog.filter((e) => e.api !== 'token');
  const start = log.findIndex((e) => e.api === 'dataverse' && e.method === 'GET' && e.path.endsWith('salesorders') && e.query.includes('lastbackofficesubmit'));
  expect(start).toBeGreaterThanOrEqual(0);
  return log.slice(start, start + report.requests.bc + report.requests.dataverse).map((e) => `${e.api} ${e.method} ${e.path.replace(/^.*\//, '')}`);
}

function processReport(stdout: string): MappingReport {
  const out = JSON.parse(stdout) as { mappings: MappingReport[] };
  const report = out.mappings.find((m) => m.mapping === SALES_ORDERS_CREATE);
  expect(report).toBeDefined();
  return report!;
}

describe('sync --all with --auto-create-orders (demo sandbox)', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
    const full = await h.cli(['full-sync', ...DEMO_MATCH.flatMap((m) => ['--match', m])]);
    expect([0, 4]).toContain(full.code);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  test('without the option sync --all creates no order', async () => {
    const r = await h.cli(['--json', 'sync', '--all']);
    expect((JSON.parse(r.stdout) as { mappings: MappingReport[] }).mappings.some((m) => m.mapping === SALES_ORDERS_CREATE)).toBe(false);
    expect(h.emu.bc.list('salesOrders')).toHaveLength(3);
  });

  test('with it, sync --all creates the waiting orders after the mappings; requests batched', async () => {
    expect((await h.cli(['setup', '--yes', '--order-sync', 'legacy', '--auto-create-orders'])).code).toBe(0);
    h.emu.resetLog();
    const r = await h.cli(['--json', 'sync', '--all']);
    expect(r.code).toBe(4); // Adatum's order waits for its customer to be coupled
    const report = processReport(r.stdout);
    expect(report.counts['from-dataverse']).toMatchObject({ inserted: 4, failed: 1 });
    expect(report.records.map((x) => x.label)).toEqual(['ORD-01006-A2B9K3']);
    expect(h.emu.bc.list('salesOrders')).toHaveLength(7);
    const requests = processRequests(h, report);
    expect(requests).toEqual([...DEMO_CONVERSION_READS, ...DEMO_ORDER_WRITES]);
    // The report counts the same requests the log shows.
    expect(report.requests).toEqual({ bc: requests.filter((x) => x.startsWith('bc ')).length, dataverse: requests.filter((x) => x.startsWith('dataverse ')).length });
    expect(report.requests).toEqual({ bc: 16, dataverse: 12 });
  });

  test('an order submitted later is created by the next sync --all; a run with nothing new writes nothing', async () => {
    const fourthCoffee = h.emu.dataverse.list('accounts').find((a) => a.name === 'Fourth Coffee')!;
    const desk = h.emu.dataverse.list('products').find((p) => p.productnumber === '1000')!;
    const order = h.emu.dataverse.insert('salesorders', {
      name: 'Fourth Coffee second site',
      'customerid_account@odata.bind': `/accounts(${String(fourthCoffee.accountid)})`,
      'pricelevelid@odata.bind': `/pricelevels(${String(h.emu.dataverse.list('salesorders')[0]!._pricelevelid_value)})`,
    });
    h.emu.dataverse.insert('salesorderdetails', {
      'salesorderid@odata.bind': `/salesorders(${String(order.salesorderid)})`,
      'productid@odata.bind': `/products(${String(desk.productid)})`,
      quantity: 3,
      sequencenumber: 1,
    });
    h.emu.dataverse.update('salesorders', String(order.salesorderid), { statecode: 1, statuscode: 3 });

    h.emu.resetLog();
    const r = await h.cli(['--json', 'sync', '--all']);
    expect(r.code).toBe(4);
    const report = processReport(r.stdout);
    expect(report.counts['from-dataverse']).toMatchObject({ inserted: 1, failed: 1 });
    const bcOrder = h.emu.bc.list('salesOrders').find((o) => o.externalDocumentNumber === 'FOURTH COFFEE SECOND SITE')!;
    expect(bcOrder).toBeDefined();
    expect(h.emu.bc.list('salesOrderLines').filter((l) => l.documentId === bcOrder.id).map((l) => [l.lineObjectNumber, l.quantity])).toEqual([['1000', 3]]);
    expect(h.emu.bc.list('salesHeaders').find((x) => x.id === bcOrder.id)!.yourReference).toBe(h.emu.dataverse.get('salesorders', String(order.salesorderid))!.ordernumber);
    const writes = processRequests(h, report).filter((x) => !x.includes(' GET '));
    expect(writes).toEqual(['bc POST $batch', 'bc POST $batch', 'dataverse POST $batch']);

    h.emu.resetLog();
    const again = await h.cli(['--json', 'sync', '--all']);
    expect(processReport(again.stdout).counts['from-dataverse']).toMatchObject({ inserted: 0, failed: 1 });
    expect(processRequests(h, processReport(again.stdout)).filter((x) => !x.includes(' GET '))).toEqual([]);
    expect(h.emu.bc.list('salesOrders')).toHaveLength(8);
  });
});
