/**
 * `bcsync sales-orders create` on the demo sandbox, as a script would run it (issue 9 acceptance): after the
 * demo's full synchronization, `create --all` turns the seeded submitted orders into Business Central orders
 * with External Document No. = the order name as BC stores it, Your Reference = the order number, write-in lines
 * on the write-in item, comment lines of at most 100 characters continuing long descriptions, the freight line
 * and the order discount; the uncoupled customer's order is refused on one line naming the customer and the
 * couple command (exit 4); a second run creates nothing; `--dry-run` reads only. Through the real CLI, clients
 * and emulators over HTTP; request counts from the emulator's request log.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import type { OrderOutcome } from '../../src/processes/sales-orders/create.js';
import { SALES_ORDER_MAPPING, type SalesOrderListing } from '../../src/processes/sales-orders/list.js';
import { readOpenIntents, StateStore } from '../../src/state/index.js';
import { DEMO_CONVERSION_READS, DEMO_ORDER_WRITES } from './sales-orders-requests.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

type Row = Record<string, unknown>;

const CREATED = ['ORD-01001-K7M2Q8', 'ORD-01002-P3X9D4', 'ORD-01004-A8L2P5', 'ORD-01005-R4C7H2'];
const ADATUM = 'ORD-01006-A2B9K3';
const ADATUM_ACCOUNT = '70269652-892d-5651-ad31-cd4e72c37671';

const requests = (h: CliHarness): string[] => h.emu.requestLog.filter((e) => e.api !== 'token').map((e) => `${e.api} ${e.method} ${e.path.replace(/^.*\//, '')}`);

describe('bcsync sales-orders create (demo sandbox)', () => {
  let h: CliHarness;
  let bcOrdersBefore: number;
  beforeAll(async () => {
    h = await startCli();
    const full = await h.cli(['full-sync', ...DEMO_MATCH.flatMap((m) => ['--match', m])]);
    // The demo's full sync leaves some records it cannot couple (exit 4); what matters here is that it ran.
    expect([0, 4]).toContain(full.code);
    bcOrdersBefore = h.emu.bc.list('salesOrders').length;
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  test('the write-in item is never synchronized, so it stays uncoupled', async () => {
    const item9000 = h.emu.bc.list('items').find((i) => i.number === '9000')!;
    const state = await StateStore.open(h.stateDir, { lock: false });
    try {
      expect(state.byBcId('ITEM-PRODUCT', String(item9000.id))).toBeUndefined();
    } finally {
      await state.close();
    }
    expect(h.emu.dataverse.list('products').some((p) => p.productnumber === '9000')).toBe(false);
  });

  test('--dry-run shows the BC order each would become and writes nothing (GETs only)', async () => {
    h.emu.resetLog();
    const r = await h.cli(['--json', 'sales-orders', 'create', '--all', '--dry-run']);
    expect(r.code).toBe(4); // the run would refuse Adatum's order
    const out = JSON.parse(r.stdout) as { dryRun: boolean; orders: OrderOutcome[] };
    expect(out.dryRun).toBe(true);
    expect(out.orders.map((o) => [o.ordernumber, o.result])).toEqual([...CREATED.map((n) => [n, 'would create']), [ADATUM, 'refused']]);
    const alpine = out.orders.find((o) => o.ordernumber === 'ORD-01004-A8L2P5')!.document!;
    expect(alpine).toMatchObject({ externalDocumentNumber: 'ALPINE SKI HOUSE LODGE FURNITURE', yourReference: 'ORD-01004-A8L2P5', invoiceDiscountAmount: 190.6 });
    expect(h.emu.requestLog.filter((e) => e.api !== 'token').every((e) => e.method === 'GET')).toBe(true);
    expect(writesIn(h.emu)).toEqual([]);
    expect(h.emu.bc.list('salesOrders')).toHaveLength(bcOrdersBefore);

    const table = await h.cli(['sales-orders', 'create', '--all', '--dry-run']);
    expect(table.stdout).toContain('Order ORD-01004-A8L2P5 would become this Business Central order (status Open):');
    expect(table.stdout).toMatch(/\n70000\tAccount\t6810\tFreight Amount\t1\t\t125\t/);
  });

  test('create --all: four BC orders, Adatum refused on one line naming the customer and the couple command (exit 4)', async () => {
    h.emu.resetLog();
    const r = await h.cli(['sales-orders', 'create', '--all']);
    expect(r.code).toBe(4);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toEqual([
      `warning: Order ${ADATUM} "Adatum lab benches": customer Adatum Corporation is not coupled to a Business Central customer; couple account ${ADATUM_ACCOUNT} with ` +
        `"bcsync couple --mapping CUSTOMER --dataverse ${ADATUM_ACCOUNT} --bc <customer no.>" (or --create-in bc), then run the command again.`,
    ]);

    const dvOrders = h.emu.dataverse.list('salesorders');
    const bcOrders = h.emu.bc.list('salesOrders');
    expect(bcOrders).toHaveLength(bcOrdersBefore + 4);
    const state = await StateStore.open(h.stateDir, { lock: false });
    const headers = new Map(h.emu.bc.list('salesHeaders').map((x) => [x.id, x]));
    const lines = h.emu.bc.list('salesOrderLines');
    const custom = new Map(h.emu.bc.list('salesLines').map((x) => [x.id, x]));
    const orderOf = (number: string): { dv: Row; bc: Row; lines: Row[] } => {
      const dv = dvOrders.find((o) => o.ordernumber === number)!;
      const c = state.byDataverseId(SALES_ORDER_MAPPING, String(dv.salesorderid))!;
      expect(c).toBeDefined();
      const bc = bcOrders.find((o) => o.id === c.bcId)!;
      return { dv, bc, lines: lines.filter((l) => l.documentId === bc.id).sort((a, b) => Number(a.sequence) - Number(b.sequence)) };
    };
    try {
      for (const number of CREATED) {
        const { dv, bc } = orderOf(number);
        // External Document No. is a Code[35]: upper-cased and cut to 35, as BC stores the order name.
        expect(bc.externalDocumentNumber).toBe(String(dv.name).toUpperCase().slice(0, 35));
        expect(headers.get(bc.id)).toMatchObject({ yourReference: number, status: 'Open', documentType: 'Order' });
        expect(dv).toMatchObject({ statecode: 1, lastbackofficesubmit: new Date().toISOString().slice(0, 10), _bcbi_companyid_value: expect.any(String) });
      }
      expect(state.byDataverseId(SALES_ORDER_MAPPING, String(dvOrders.find((o) => o.ordernumber === ADATUM)!.salesorderid))).toBeUndefined();

      // Alpine Ski House: long description continued on attached comment lines, write-in on item 9000, freight, 5 % discount.
      const alpine = orderOf('ORD-01004-A8L2P5');
      expect(alpine.bc).toMatchObject({ customerNumber: '40000', requestedDeliveryDate: '2026-12-18', discountAmount: 190.6 });
      expect(headers.get(alpine.bc.id)).toMatchObject({ paymentDiscountPercent: 5 });
      expect(alpine.lines.map((l) => [l.sequence, l.lineType, l.lineObjectNumber, custom.get(l.id)!.attachedToLineNumber])).toEqual([
        [10000, 'Item', '1000', 0],
        [20000, 'Comment', '', 10000],
        [30000, 'Comment', '', 10000],
        [40000, 'Item', '9000', 0],
        [50000, 'Comment', '', 40000],
        [60000, 'Item', '1004', 0],
        [70000, 'Account', '6810', 0],
      ]);
      for (const l of alpine.lines) expect(String(l.description).length).toBeLessThanOrEqual(100);
      expect(`${alpine.lines[1]!.description} ${alpine.lines[2]!.description}`).toBe(
        'Desks for the ski school office: light oak top, cable tray fitted on the left-hand side, assembled on site before the season opens.',
      );
      expect(`${alpine.lines[3]!.description} ${alpine.lines[4]!.description}`).toBe(
        "Custom engraved brass name plates for every desk, with the Alpine Ski House logo and each instructor's name in block capitals",
      );
      expect(alpine.lines[5]).toMatchObject({ quantity: 4, unitPrice: 279, discountAmount: 40 });
      expect(alpine.lines[6]).toMatchObject({ description: 'Freight Amount', quantity: 1, unitPrice: 125 });
      // The note is copied as a record link of the BC order; the attached document is not.
      expect(h.emu.bc.list('recordLinks').filter((l) => l.recordId === alpine.bc.id).map((l) => [l.description, l.type])).toEqual([['Delivery contact', 'Note']]);

      // Relecloud's rush order: its customer is a contact (Priya Shah), so the order goes to her account's customer; 100 discount.
      const rush = orderOf('ORD-01005-R4C7H2');
      const relecloud = orderOf('ORD-01001-K7M2Q8');
      expect(rush.bc.customerNumber).toBe(relecloud.bc.customerNumber);
      expect(rush.bc.discountAmount).toBe(100);
      expect(rush.lines.map((l) => [l.lineType, l.lineObjectNumber, l.description])).toEqual([
        ['Item', '1004', 'LYRA Task Chair'],
        ['Item', '9000', 'Express courier delivery'],
      ]);
      // Fourth Coffee: the units of the coupled item units of measure; shipment method and shipping agent through the option couplings.
      const fourth = orderOf('ORD-01002-P3X9D4');
      expect(fourth.lines.map((l) => l.unitOfMeasureCode)).toEqual(['PCS', 'BOX']);
      const code = (set: string, id: unknown): unknown => h.emu.bc.list(set).find((x) => x.id === id)?.code;
      expect(code('shipmentMethods', fourth.bc.shipmentMethodId)).toBe('FOB');
      expect(headers.get(fourth.bc.id)).toMatchObject({ shippingAgentCode: 'FEDEX' });
      // Alpine Ski House: the order's payment terms (Net 30), not its customer's (Net 45).
      expect(code('paymentTerms', alpine.bc.paymentTermsId)).toBe('NET 30');
      expect(code('paymentTerms', h.emu.bc.list('customers').find((c) => c.number === '40000')!.paymentTermsId)).toBe('NET 45');
    } finally {
      await state.close();
    }
    expect(await readOpenIntents(h.stateDir)).toEqual([]);

    // Reads once for all orders; per order a constant number of writes, whatever its lines.
    expect(requests(h)).toEqual([...DEMO_CONVERSION_READS, ...DEMO_ORDER_WRITES]);
    const completion = h.emu.requestLog.filter((e) => e.api === 'bc' && e.method === 'POST');
    expect(completion.map((e) => e.operations)).toEqual([1, 1, 1, 1, 1, 4, 1, 1, 1]);
  });

  test('a second create --all creates nothing; list shows the coupled orders with their BC number and status', async () => {
    h.emu.resetLog();
    const r = await h.cli(['--json', 'sales-orders', 'create', '--all']);
    expect(r.code).toBe(4); // Adatum still waits for its customer
    const out = JSON.parse(r.stdout) as { orders: OrderOutcome[] };
    expect(out.orders.map((o) => [o.ordernumber, o.result])).toEqual([[ADATUM, 'refused']]);
    expect(writesIn(h.emu)).toEqual([]);
    expect(h.emu.bc.list('salesOrders')).toHaveLength(bcOrdersBefore + 4);

    const list = await h.cli(['--json', 'sales-orders', 'list']);
    const orders = (JSON.parse(list.stdout) as { orders: SalesOrderListing[] }).orders;
    expect(orders.filter((o) => o.bcNumber !== null).map((o) => o.ordernumber).sort()).toEqual(CREATED);
    expect(orders.find((o) => o.ordernumber === ADATUM)).toMatchObject({ bcNumber: null, status: 'to create' });
  });

  test('one order by number: an order not submitted is refused with what to do; bad usage exits 2', async () => {
    const r = await h.cli(['sales-orders', 'create', 'ORD-01003-W5T1H6']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('Order ORD-01003-W5T1H6 "Contoso Suites lobby sofas" is not submitted; submit it in Dynamics 365 Sales first');
    const coupled = await h.cli(['--json', 'sales-orders', 'create', 'ORD-01001-K7M2Q8']);
    expect(coupled.code).toBe(0);
    expect((JSON.parse(coupled.stdout) as { orders: OrderOutcome[] }).orders[0]!.result).toBe('already coupled');
    expect((await h.cli(['sales-orders', 'create'])).code).toBe(2);
    expect((await h.cli(['sales-orders', 'create', '--all', 'ORD-01001-K7M2Q8'])).code).toBe(2);
    const unknown = await h.cli(['sales-orders', 'create', 'ORD-99999']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('Order ORD-99999 does not exist in Dynamics 365 Sales');
  });
});
