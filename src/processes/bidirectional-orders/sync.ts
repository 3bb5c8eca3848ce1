/**
 * SALESORDER-ORDER ⇄ with SOLINE-ORDERDETAIL (docs/integration.md §8.2), as one run: BC→Dataverse first (coupled
 * released orders whose BC record changed since the coupling last saw it), then Dataverse→BC (this company's
 * submitted orders changed since; new ones are created in BC). A record is "changed" when its modified time is
 * past the one stored on its coupling after the last write, so what a run wrote is not sent back (README.md).
 */
import { startProcessReport } from '../process-report.js';
import { counterpartId } from '../../engine/ids.js';
import { lookupsFor, type EngineContext } from '../../engine/run.js';
import { emptyCounts, type DirectionCounts, type MappingReport, type RecordOutcome } from '../../engine/report.js';
import type { Lookups } from '../../engine/lookups.js';
import { planFieldTransfer, BIDIRECTIONAL_HEADER_PROPERTIES, type IntegrationTableMapping, type PassDirection, type TransferPlan } from '../../mapping/index.js';
import type { Rec, Side, SideTable, WriteOp } from '../../sides/types.js';
import type { Coupling, Intent } from '../../state/index.js';
import { bcLineValues, dataverseLineValues, writeInProduct, type WriteInProduct } from './lines.js';
import { BC_HEADERS, BC_LINES, BC_ORDERS, BC_RESOURCES, BC_SALES_SETUP, DV_LINES, DV_ORDERS, DV_PRICE_LIST_ITEMS, DV_PRICE_LISTS, ORDER_STATE } from './tables.js';

/** Dataverse `modifiedon` has whole seconds: read from just under the watermark (docs/integration.md §5.2). */
const DATAVERSE_TOLERANCE_MS = 999;
/** Lines the order mappings carry (docs/integration.md §2.1: Type = Item | Resource). */
const SYNCED_LINE_TYPES = ['Item', 'Resource'];

export interface OrderMappings {
  header: IntegrationTableMapping;
  lines: IntegrationTableMapping;
}

export interface OrderSyncOptions {
  direction?: PassDirection;
  dryRun?: boolean;
  /** Extended pricing (price lists): each order gets its own Dataverse price list (docs/integration.md §8.2). */
  orderPriceLists?: boolean;
}

/** A record that could not be synchronized; the message says what to do. */
class OrderError extends Error {}

/** What one run reads once, when the first order needs it. */
interface RunData {
  writeIn: WriteInProduct;
  /** BC resource id → number, and number → id. */
  resourceNumbers: Map<string, string>;
  resourceIds: Map<string, string>;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const later = (a: string | undefined, b: string | undefined): string | undefined => (!a ? b : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

async function all(side: Side, table: SideTable, where: SideTable['filter'], modifiedAfter?: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const page of side.list(table, { where, modifiedAfter })) out.push(...page);
  return out;
}

/** One write, or an error naming the record and the service's message. */
async function writeOne(side: Side, table: SideTable, op: WriteOp, what: string): Promise<Rec | undefined> {
  const [result] = await side.write(table, [op]);
  if (!result?.ok) throw new OrderError(`${what} failed: ${result?.error?.message ?? 'no answer'}`);
  return result.record;
}

async function writeAll(side: Side, table: SideTable, ops: WriteOp[], what: string): Promise<Rec[]> {
  if (ops.length === 0) return [];
  const results = await side.write(table, ops);
  const failed = results.find((r) => !r.ok);
  if (failed) throw new OrderError(`${what} failed: ${failed.error?.message ?? 'no answer'}`);
  return results.map((r) => r.record!).filter(Boolean);
}

/** A field transfer whose lookups may first need an index read (the engine's Lookups, docs/integration.md §2.4). */
async function transfer(lookups: Lookups, m: IntegrationTableMapping, pass: PassDirection, source: Record<string, unknown>, destination: Record<string, unknown> | undefined): Promise<TransferPlan> {
  let plan = planFieldTransfer(m, pass, source, destination, lookups.context());
  if (lookups.missing.size > 0 && (await lookups.buildMissing())) plan = planFieldTransfer(m, pass, source, destination, lookups.context());
  return plan;
}

/** Splits header values between the v2.0 salesOrders page and the custom salesHeaders page. */
function splitHeaderValues(values: Record<string, unknown>): { v2: Record<string, unknown>; custom: Record<string, unknown> } {
  const v2: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) (BIDIRECTIONAL_HEADER_PROPERTIES.includes(k) ? custom : v2)[k] = v;
  return { v2, custom };
}

/** A Dataverse order line and the BC line coupled to it, with BC's Line No. */
interface LinePair {
  dataverseId: string;
  bcId: string;
  sequence: number;
}

/** A BC order found by an intent's keys must be modified at or after the intent, less this much clock skew. */
const INTENT_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** What finds a new BC order again after a kill: its customer and its lines' quantities in order. */
function orderKeys(customerId: unknown, lines: ReadonlyArray<Record<string, unknown>>): { customerId: string; quantities: string } {
  return { customerId: text(customerId).toLowerCase(), quantities: lines.map((l) => num(l.quantity)).join(',') };
}

/** Orders whose prepayment is due stay Open (docs/integration.md §8.2); the emulator and BC post no prepayment invoice here. */
const prepaymentDue = (header: Rec): boolean => num(header.fields.prepaymentPercent) > 0;

export class BidirectionalOrderSync {
  private readonly counts: Record<PassDirection, DirectionCounts> = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  private readonly records: RecordOutcome[] = [];
  private readonly lookups: Lookups;
  private data?: RunData;

  constructor(
    private readonly ctx: EngineContext,
    private readonly m: OrderMappings,
    private readonly options: OrderSyncOptions = {},
  ) {
    this.lookups = lookupsFor(ctx);
  }

  private get state() {
    return this.ctx.state;
  }

  async run(): Promise<MappingReport> {
    const finish = startProcessReport(this.ctx, this.m.header.name);
    const directions: PassDirection[] = [];
    if (this.options.direction !== 'from-dataverse') {
      directions.push('to-dataverse');
      await this.toDataverse();
    }
    if (this.options.direction !== 'to-dataverse') {
      directions.push('from-dataverse');
      await this.fromDataverse();
    }
    if (!this.options.dryRun) await this.state.commit();
    const dryRun = Boolean(this.options.dryRun);
    // A create whose answer never came stays an open intent: the run did not finish it, so it does not exit 0.
    return { ...finish({ directions, counts: this.counts, records: this.records, dryRun }), openIntents: dryRun ? 0 : this.ctx.intents.open(this.m.header.name).length };
  }

  private async runData(): Promise<RunData> {
    if (this.data) return this.data;
    const [setup] = await all(this.ctx.bc, BC_SALES_SETUP, []);
    const resourceNumbers = new Map<string, string>();
    const resourceIds = new Map<string, string>();
    if (this.state.couplings('RESOURCE-PRODUCT').next().done === false) {
      for (const r of await all(this.ctx.bc, BC_RESOURCES, [])) {
        resourceNumbers.set(r.id, text(r.fields.number));
        resourceIds.set(text(r.fields.number).toUpperCase(), r.id);
      }
    }
    this.data = { writeIn: writeInProduct(setup), resourceNumbers, resourceIds };
    return this.data;
  }

  private fail(direction: PassDirection, ids: { bcId?: string; dataverseId?: string }, label: string, error: unknown): void {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    this.counts[direction].failed++;
    this.records.push({ mapping: this.m.header.name, direction, ...ids, label, outcome: 'failed', error: message });
    if (this.options.dryRun) return;
    const outcome = this.state.markFailure(this.m.header.name, ids, direction, message);
    if (outcome.skipped) {
      this.counts[direction].failed--;
      this.counts[direction].skipped++;
      this.records[this.records.length - 1]!.outcome = 'skipped';
    }
  }

  private isArchived(c: Coupling | undefined): boolean {
    return c?.extra?.archived === true;
  }

  // -------------------------------------------------------------------------------------------
  // BC → Dataverse

  private async toDataverse(): Promise<void> {
    const name = this.m.header.name;
    const mark = this.state.watermark(name).bc;
    const headers = await all(this.ctx.bc, BC_HEADERS, [{ field: 'status', op: 'eq', value: 'Released' }], mark);
    let seen = mark;
    for (const h of headers) {
      seen = later(seen, h.modifiedAt);
      const c = this.state.byBcId(name, h.id);
      // Only coupled orders go to Dataverse; archived ones are the archived-orders job's.
      if (!c || this.isArchived(c) || c.skipped) continue;
      if (c.bcModifiedAt && Date.parse(h.modifiedAt) <= Date.parse(c.bcModifiedAt) && c.lastResultToDataverse !== 'failure') {
        this.counts['to-dataverse'].unchanged++;
        continue;
      }
      try {
        await this.pushOrder(h, c);
      } catch (error) {
        this.fail('to-dataverse', { bcId: h.id, dataverseId: c.dataverseId }, `order ${text(h.fields.number)}`, error);
      }
    }
    if (!this.options.dryRun && seen && seen !== mark) this.state.setWatermark(name, 'bc', seen);
  }

  private async pushOrder(header: Rec, c: Coupling): Promise<void> {
    const { bc, dataverse } = this.ctx;
    const [order] = await bc.get(BC_ORDERS, [header.id]);
    const [dvOrder] = await dataverse.get(DV_ORDERS, [c.dataverseId]);
    if (!order) throw new OrderError(`Business Central order ${text(header.fields.number)} is not readable through salesOrders.`);
    if (!dvOrder) throw new OrderError(`The coupled Dataverse order ${c.dataverseId} no longer exists; uncouple the order ("bcsync uncouple --mapping ${this.m.header.name}") to create it again.`);
    const state = num(dvOrder.fields.statecode);
    if (state === ORDER_STATE.fulfilled || state === ORDER_STATE.invoiced) {
      // A closed Dataverse order accepts no writes; BC leaves it as it is.
      this.counts['to-dataverse'].unchanged++;
      if (!this.options.dryRun) this.state.markSuccess(this.m.header.name, c.bcId, 'to-dataverse', { bcModifiedAt: header.modifiedAt });
      return;
    }
    const data = await this.runData();
    const bcLines = (await all(bc, BC_LINES, [{ field: 'documentId', op: 'eq', value: header.id }])).filter((l) => SYNCED_LINE_TYPES.includes(text(l.fields.lineType)));
    const dvLines = await all(dataverse, DV_LINES, [{ field: '_salesorderid_value', op: 'eq', value: c.dataverseId }]);
    const merged = { ...order.fields, ...header.fields, id: header.id };
    const plan = await transfer(this.lookups, this.m.header, 'to-dataverse', merged, dvOrder.fields);
    if (plan.errors.length) throw new OrderError(plan.errors.map((e) => e.message).join('; '));
    const values = { ...plan.values };

    // Lines (SOLINE-ORDERDETAIL): Dataverse lines whose BC line vanished go; every BC line is pushed.
    const lineMapping = this.m.lines.name;
    const bcById = new Map(bcLines.map((l) => [l.id, l]));
    const dvById = new Map(dvLines.map((l) => [l.id, l]));
    const ops: WriteOp[] = [];
    const uncouple: string[] = [];
    const couple: Array<{ bcId: string; dataverseId: string }> = [];
    for (const l of dvLines) {
      const lc = this.state.byDataverseId(lineMapping, l.id);
      if (lc && !bcById.has(lc.bcId)) {
        ops.push({ kind: 'delete', id: l.id });
        uncouple.push(lc.bcId);
      }
    }
    let lineDiscounts = 0;
    for (const l of bcLines) {
      lineDiscounts += num(l.fields.discountAmount);
      const lc = this.state.byBcId(lineMapping, l.id);
      const current = lc ? dvById.get(lc.dataverseId) : undefined;
      const result = dataverseLineValues(l, current, this.m.lines, { state: this.state, transfer: this.lookups.context(), writeIn: data.writeIn, resourceIds: data.resourceIds });
      if (!result.ok) throw new OrderError(`line ${text(l.fields.sequence)}: ${result.message}`);
      if (!current) {
        const id = counterpartId(lineMapping, 'dataverse', l.id);
        ops.push({ kind: 'create', id, fields: { ...result.values, 'salesorderid@odata.bind': `/salesorders(${c.dataverseId})` } });
        couple.push({ bcId: l.id, dataverseId: id });
      } else if (Object.keys(result.values).length > 0) ops.push({ kind: 'update', id: current.id, fields: result.values });
    }
    if (num(dvOrder.fields.totallineitemdiscountamount) !== lineDiscounts) values.totallineitemdiscountamount = lineDiscounts;

    // Extended pricing: the order's own price list, "Business Central Order <No.> Price List" (docs/integration.md §8.2).
    const priceListId = this.options.orderPriceLists ? counterpartId(this.m.header.name, 'dataverse', `price list of ${header.id}`) : undefined;
    if (priceListId && text(dvOrder.fields._pricelevelid_value).toLowerCase() !== priceListId) values['pricelevelid@odata.bind'] = `/pricelevels(${priceListId})`;

    const fulfil = header.fields.completelyShipped === true;
    const wantedState = fulfil ? ORDER_STATE.fulfilled : ORDER_STATE.submitted;
    const changed = Object.keys(values).length > 0 || ops.length > 0;
    if (!changed && state === wantedState) {
      this.counts['to-dataverse'].unchanged++;
      if (!this.options.dryRun) this.state.markSuccess(this.m.header.name, c.bcId, 'to-dataverse', { bcModifiedAt: header.modifiedAt, dataverseModifiedAt: dvOrder.modifiedAt });
      return;
    }
    this.counts['to-dataverse'].modified++;
    if (this.options.dryRun) return;
    // A submitted order accepts no edits (docs/integration.md §8.2): Active for the write, then its state again.
    if (changed && state !== ORDER_STATE.active) await writeOne(dataverse, DV_ORDERS, { kind: 'update', id: c.dataverseId, fields: { statecode: ORDER_STATE.active } }, 'Setting the Dataverse order Active');
    await writeAll(dataverse, DV_LINES, ops, 'Writing the Dataverse order lines');
    if (priceListId) await this.orderPriceList(priceListId, header, dvOrder, bcLines, c.dataverseId);
    let last: Rec | undefined;
    if (fulfil) {
      if (Object.keys(values).length > 0) await writeOne(dataverse, DV_ORDERS, { kind: 'update', id: c.dataverseId, fields: values }, 'Updating the Dataverse order');
      await dataverse.fulfillSalesOrder!(c.dataverseId);
      [last] = await dataverse.get(DV_ORDERS, [c.dataverseId]);
    } else {
      last = await writeOne(dataverse, DV_ORDERS, { kind: 'update', id: c.dataverseId, fields: { ...values, statecode: ORDER_STATE.submitted } }, 'Updating the Dataverse order');
    }
    for (const bcId of uncouple) this.state.uncouple(lineMapping, { bcId });
    for (const pair of couple) this.state.couple({ mapping: lineMapping, ...pair, syncedDirection: 'to-dataverse' });
    this.state.markSuccess(this.m.header.name, c.bcId, 'to-dataverse', { bcModifiedAt: header.modifiedAt, dataverseModifiedAt: last?.modifiedAt || undefined });
  }

  /**
   * The order's price list, created or updated: named after the BC order, in the order's currency, with an item per
   * product and unit of the order's lines at BC's unit price. Reads the list and its items (two requests) and
   * writes only what differs.
   */
  private async orderPriceList(id: string, header: Rec, dvOrder: Rec, bcLines: Rec[], orderId: string): Promise<void> {
    const dataverse = this.ctx.dataverse;
    const name = `Business Central Order ${text(header.fields.number)} Price List`;
    const [list] = await dataverse.get(DV_PRICE_LISTS, [id]);
    if (!list || text(list.fields.name) !== name) {
      const fields: Record<string, unknown> = { name };
      if (!list) {
        fields['transactioncurrencyid@odata.bind'] = `/transactioncurrencies(${text(dvOrder.fields._transactioncurrencyid_value)})`;
        if (this.ctx.dataverseCompanyId) fields['bcbi_companyid@odata.bind'] = `/cdm_companies(${this.ctx.dataverseCompanyId})`;
      }
      await writeOne(dataverse, DV_PRICE_LISTS, { kind: list ? 'update' : 'create', id, fields }, `Writing the price list ${name}`);
    }
    // Units come from the Dataverse lines as they are now (a new line takes its product's default unit).
    const dvLines = await all(dataverse, DV_LINES, [{ field: '_salesorderid_value', op: 'eq', value: orderId }]);
    const existing = new Map((await all(dataverse, DV_PRICE_LIST_ITEMS, [{ field: '_pricelevelid_value', op: 'eq', value: id }])).map((r) => [r.id, r]));
    const bcById = new Map(bcLines.map((l) => [l.id, l]));
    const ops = new Map<string, WriteOp>();
    for (const l of dvLines) {
      const product = text(l.fields._productid_value).toLowerCase();
      const unit = text(l.fields._uomid_value).toLowerCase();
      const bcLine = bcById.get(this.state.byDataverseId(this.m.lines.name, l.id)?.bcId ?? '');
      if (!product || !unit || !bcLine) continue;
      const itemId = counterpartId(this.m.header.name, 'dataverse', `${id}/${product}/${unit}`);
      const amount = num(bcLine.fields.unitPrice);
      const current = existing.get(itemId);
      if (current && num(current.fields.amount) === amount) continue;
      ops.set(
        itemId,
        current
          ? { kind: 'update', id: itemId, fields: { amount } }
          : { kind: 'create', id: itemId, fields: { 'pricelevelid@odata.bind': `/pricelevels(${id})`, 'productid@odata.bind': `/products(${product})`, 'uomid@odata.bind': `/uoms(${unit})`, amount } },
      );
    }
    await writeAll(dataverse, DV_PRICE_LIST_ITEMS, [...ops.values()], `Writing the items of the price list ${name}`);
  }

  // -------------------------------------------------------------------------------------------
  // Dataverse → BC

  private async fromDataverse(): Promise<void> {
    const name = this.m.header.name;
    const mark = this.state.watermark(name).dataverse;
    const after = mark ? new Date(Date.parse(mark) - DATAVERSE_TOLERANCE_MS).toISOString() : undefined;
    const company = this.ctx.dataverseCompanyId;
    const where = [
      { field: 'statecode', op: 'eq' as const, value: ORDER_STATE.submitted },
      { field: '_bcbi_companyid_value', op: 'in' as const, value: company ? [null, company] : [null] },
    ];
    const orders = await all(this.ctx.dataverse, DV_ORDERS, where, after);
    if (!this.options.dryRun) await this.resolveIntents(orders);
    let seen = mark;
    for (const o of orders) {
      seen = later(seen, o.modifiedAt);
      const c = this.state.byDataverseId(name, o.id);
      if (this.isArchived(c) || c?.skipped) continue;
      if (c?.dataverseModifiedAt && Date.parse(o.modifiedAt) <= Date.parse(c.dataverseModifiedAt) && c.lastResultToBc !== 'failure') {
        this.counts['from-dataverse'].unchanged++;
        continue;
      }
      try {
        if (c) await this.updateBcOrder(o, c);
        else await this.createBcOrder(o);
      } catch (error) {
        this.fail('from-dataverse', { dataverseId: o.id, bcId: c?.bcId }, `order ${text(o.fields.ordernumber)}`, error);
      }
    }
    if (!this.options.dryRun && seen && seen !== mark) this.state.setWatermark(name, 'dataverse', seen);
  }

  /**
   * Creates an earlier run started and did not see through (docs/design.md "Idempotent creates"): the BC order of
   * an open intent is looked up by the intent's keys (customer, the lines' quantities, made at or after the intent,
   * coupled to nothing), coupled, and finished in this run as an update; with none found the intent is closed and
   * the order created as if new. Orders the intents name are read when the change window left them out.
   */
  private async resolveIntents(orders: Rec[]): Promise<void> {
    const name = this.m.header.name;
    const open = this.ctx.intents.open(name);
    if (open.length === 0) return;
    for (const intent of open) {
      if (!this.state.byDataverseId(name, intent.sourceId)) {
        const found = await this.findCreated(intent);
        if (found) {
          const dvLines = await all(this.ctx.dataverse, DV_LINES, [{ field: '_salesorderid_value', op: 'eq', value: intent.sourceId }]);
          const ordered = [...dvLines].sort((a, b) => num(a.fields.sequencenumber) - num(b.fields.sequencenumber)).map((l) => l.id);
          await this.coupleCreated(intent.sourceId, found.id, text(found.fields.number), ordered);
        }
      }
      await this.ctx.intents.close([intent]);
      if (!orders.some((o) => o.id === intent.sourceId)) orders.push(...(await this.ctx.dataverse.get(DV_ORDERS, [intent.sourceId])));
    }
  }

  private async findCreated(intent: Intent): Promise<Rec | undefined> {
    const keys = intent.keys;
    if (!keys?.customerId) return undefined;
    const since = Date.parse(intent.at) - INTENT_CLOCK_SKEW_MS;
    const candidates = (await all(this.ctx.bc, BC_ORDERS, [{ field: 'customerId', op: 'eq', value: keys.customerId }])).filter(
      (o) => Date.parse(o.modifiedAt) >= since && !this.state.byBcId(this.m.header.name, o.id),
    );
    for (const o of candidates) {
      const lines = (await all(this.ctx.bc, BC_LINES, [{ field: 'documentId', op: 'eq', value: o.id }])).filter((l) => l.fields.lineType !== 'Comment');
      if (orderKeys(keys.customerId, lines.sort((a, b) => num(a.fields.sequence) - num(b.fields.sequence)).map((l) => l.fields)).quantities === keys.quantities) return o;
    }
    return undefined;
  }

  private progress(phase: string): void {
    this.ctx.onProgress?.(this.m.header.name, phase, 0, 0);
  }

  /** The BC line values of every Dataverse line, in sequence order (errors name the line and what to do). */
  private async bcLinesFor(dvLines: Rec[], current: (l: Rec) => Rec | undefined): Promise<Array<{ line: Rec; values: Record<string, unknown> }>> {
    const data = await this.runData();
    const sorted = [...dvLines].sort((a, b) => num(a.fields.sequencenumber) - num(b.fields.sequencenumber));
    return sorted.map((line) => {
      const result = bcLineValues(line, current(line), this.m.lines, { state: this.state, transfer: this.lookups.context(), writeIn: data.writeIn, resourceNumbers: data.resourceNumbers });
      if (!result.ok) throw new OrderError(`line ${num(line.fields.sequencenumber)}: ${result.message}`);
      return { line, values: result.values };
    });
  }

  /** Releases the order, unless its prepayment is due (it stays Open); returns the header as it is after. */
  private async release(bcId: string): Promise<Rec> {
    const [header] = await this.ctx.bc.get(BC_HEADERS, [bcId]);
    if (!header) throw new OrderError(`Business Central order ${bcId} has no Sales Header row (is the companion extension installed?).`);
    if (prepaymentDue(header) || header.fields.status === 'Released') return header;
    await this.ctx.bc.runAction!(BC_HEADERS, bcId, 'release');
    const [released] = await this.ctx.bc.get(BC_HEADERS, [bcId]);
    return released!;
  }

  /**
   * Writes BC's numbers back to Dataverse (order number and occurrence on the order, line numbers on new lines):
   * the order is set Active for it and Submitted again. Returns the order row as it is after.
   */
  private async writeBack(order: Rec, header: Rec, lineNumbers: Array<{ dataverseId: string; sequence: number }>): Promise<Rec | undefined> {
    const dataverse = this.ctx.dataverse;
    const values: Record<string, unknown> = {};
    if (text(order.fields.bcbi_businesscentralordernumber) !== text(header.fields.number)) values.bcbi_businesscentralordernumber = header.fields.number;
    if (num(order.fields.bcbi_businesscentraldocumentoccurrencenumber) !== num(header.fields.docNoOccurrence)) {
      values.bcbi_businesscentraldocumentoccurrencenumber = header.fields.docNoOccurrence;
    }
    if (this.ctx.dataverseCompanyId && !order.fields._bcbi_companyid_value) values['bcbi_companyid@odata.bind'] = `/cdm_companies(${this.ctx.dataverseCompanyId})`;
    if (Object.keys(values).length === 0 && lineNumbers.length === 0) return undefined;
    if (lineNumbers.length > 0) {
      await writeOne(dataverse, DV_ORDERS, { kind: 'update', id: order.id, fields: { statecode: ORDER_STATE.active } }, 'Setting the Dataverse order Active');
      const ops: WriteOp[] = lineNumbers.map((l) => ({ kind: 'update', id: l.dataverseId, fields: { bcbi_businesscentrallinenumber: l.sequence } }));
      await writeAll(dataverse, DV_LINES, ops, 'Writing line numbers to the Dataverse order lines');
      return writeOne(dataverse, DV_ORDERS, { kind: 'update', id: order.id, fields: { ...values, statecode: ORDER_STATE.submitted } }, 'Submitting the Dataverse order again');
    }
    // Order fields only: Active and back to Submitted in one update each way would be two writes; the platform
    // accepts a state change with the fields of the editable state it moves to, so Active + fields, then Submitted.
    await writeOne(dataverse, DV_ORDERS, { kind: 'update', id: order.id, fields: { ...values, statecode: ORDER_STATE.active } }, 'Writing the BC order number to Dataverse');
    return writeOne(dataverse, DV_ORDERS, { kind: 'update', id: order.id, fields: { statecode: ORDER_STATE.submitted } }, 'Submitting the Dataverse order again');
  }

  private async createBcOrder(order: Rec): Promise<void> {
    const { bc, dataverse } = this.ctx;
    const name = this.m.header.name;
    const dvLines = await all(dataverse, DV_LINES, [{ field: '_salesorderid_value', op: 'eq', value: order.id }]);
    const plan = await transfer(this.lookups, this.m.header, 'from-dataverse', order.fields, undefined);
    if (plan.errors.length) throw new OrderError(plan.errors.map((e) => e.message).join('; '));
    const lines = await this.bcLinesFor(dvLines, () => undefined);
    if (lines.length === 0) throw new OrderError('The order has no lines; add a product line in Sales and submit it again.');
    this.counts['from-dataverse'].inserted++;
    if (this.options.dryRun) return;
    const { v2, custom } = splitHeaderValues(plan.values);
    // Write-ahead intent (the standard API picks the order's id): a run killed before the coupling below is
    // committed leaves it open, and the next run finds the order by its customer, time and lines (resolveIntents).
    const [intent] = await this.ctx.intents.record([
      { mapping: name, direction: 'from-dataverse', target: 'bc', entitySet: 'salesOrders', sourceId: order.id, sourceModifiedAt: order.modifiedAt, keys: orderKeys(v2.customerId, lines.map((l) => l.values)) },
    ]);
    this.progress('creating the order in Business Central');
    const [result] = await bc.write(BC_ORDERS, [{ kind: 'create', id: counterpartId(name, 'bc', order.id), fields: { ...v2, salesOrderLines: lines.map((l) => l.values) } }]);
    if (!result?.ok || !result.record) {
      // The deep insert is one transaction: refused means nothing was created.
      await this.ctx.intents.close([intent!]);
      throw new OrderError(`Creating the Business Central order failed: ${result?.error?.message ?? 'no answer'}`);
    }
    this.progress('order created');
    const bcId = result.record.id;
    const pairs = await this.coupleCreated(order.id, bcId, text(result.record.fields.number), lines.map((l) => l.line.id));
    await this.ctx.intents.close([intent!]);
    this.progress('order coupled');
    await this.finishCreated(order, bcId, custom, pairs);
  }

  /**
   * Couples a new BC order and its lines (the deep insert numbered the lines in the order they were sent), at once
   * and without modified times: if the run stops before the rest, the next run finds the order changed and finishes
   * it as an update (Your Reference, release, numbers written back) instead of creating it again.
   */
  private async coupleCreated(dataverseId: string, bcId: string, number: string, dvLineIds: string[]): Promise<LinePair[]> {
    const bcLines = (await all(this.ctx.bc, BC_LINES, [{ field: 'documentId', op: 'eq', value: bcId }]))
      .filter((l) => l.fields.lineType !== 'Comment')
      .sort((a, b) => num(a.fields.sequence) - num(b.fields.sequence));
    this.state.couple({ mapping: this.m.header.name, bcId, dataverseId, syncedDirection: 'from-dataverse', extra: { number, occurrence: 1 } });
    const pairs: LinePair[] = [];
    dvLineIds.forEach((id, i) => {
      const line = bcLines[i];
      if (!line) return;
      this.state.couple({ mapping: this.m.lines.name, bcId: line.id, dataverseId: id, syncedDirection: 'from-dataverse' });
      pairs.push({ dataverseId: id, bcId: line.id, sequence: num(line.fields.sequence) });
    });
    await this.state.commit();
    return pairs;
  }

  /** Your Reference, the release and BC's numbers written back, for an order just created and coupled. */
  private async finishCreated(order: Rec, bcId: string, custom: Record<string, unknown>, pairs: LinePair[]): Promise<void> {
    const bc = this.ctx.bc;
    const name = this.m.header.name;
    if (Object.keys(custom).length > 0) await writeOne(bc, BC_HEADERS, { kind: 'update', id: bcId, fields: custom }, 'Writing Your Reference on the Business Central order');
    this.progress('Your Reference written');
    const header = await this.release(bcId);
    this.progress('order released');
    const after = await this.writeBack(order, header, pairs);
    this.progress('numbers written back to Dataverse');
    this.state.update(name, bcId, { extra: { number: text(header.fields.number), occurrence: num(header.fields.docNoOccurrence) } });
    this.state.markSuccess(name, bcId, 'from-dataverse', { bcModifiedAt: header.modifiedAt, dataverseModifiedAt: after?.modifiedAt ?? order.modifiedAt });
    this.counts['from-dataverse'].coupled++;
    await this.state.commit();
  }

  private async updateBcOrder(order: Rec, c: Coupling): Promise<void> {
    const { bc, dataverse } = this.ctx;
    const name = this.m.header.name;
    const lineMapping = this.m.lines.name;
    const [bcOrder] = await bc.get(BC_ORDERS, [c.bcId]);
    const [header] = await bc.get(BC_HEADERS, [c.bcId]);
    if (!bcOrder || !header) {
      // Deleted in BC (posted): the coupling is archived, and the archived-orders job takes over (docs/integration.md §8.2).
      if (!this.options.dryRun) this.state.update(name, c.bcId, { extra: { archived: true } });
      this.counts['from-dataverse'].unchanged++;
      return;
    }
    const bcLines = (await all(bc, BC_LINES, [{ field: 'documentId', op: 'eq', value: c.bcId }])).filter((l) => SYNCED_LINE_TYPES.includes(text(l.fields.lineType)));
    const dvLines = await all(dataverse, DV_LINES, [{ field: '_salesorderid_value', op: 'eq', value: order.id }]);
    const merged = { ...bcOrder.fields, ...header.fields, id: c.bcId };
    const plan = await transfer(this.lookups, this.m.header, 'from-dataverse', order.fields, merged);
    if (plan.errors.length) throw new OrderError(plan.errors.map((e) => e.message).join('; '));
    const bcById = new Map(bcLines.map((l) => [l.id, l]));
    const dvIds = new Set(dvLines.map((l) => l.id));
    const ops: WriteOp[] = [];
    const gone: string[] = [];
    for (const l of bcLines) {
      const lc = this.state.byBcId(lineMapping, l.id);
      if (lc && !dvIds.has(lc.dataverseId)) {
        ops.push({ kind: 'delete', id: l.id });
        gone.push(l.id);
      }
    }
    const planned = await this.bcLinesFor(dvLines, (l) => {
      const lc = this.state.byDataverseId(lineMapping, l.id);
      return lc ? bcById.get(lc.bcId) : undefined;
    });
    const added: Rec[] = [];
    for (const { line, values } of planned) {
      const lc = this.state.byDataverseId(lineMapping, line.id);
      const current = lc ? bcById.get(lc.bcId) : undefined;
      if (!current) {
        ops.push({ kind: 'create', id: counterpartId(lineMapping, 'bc', line.id), fields: { ...values, documentId: c.bcId } });
        added.push(line);
      } else if (Object.keys(values).length > 0) ops.push({ kind: 'update', id: current.id, fields: values });
    }
    const { v2, custom } = splitHeaderValues(plan.values);
    const wantsRelease = !prepaymentDue(header) && header.fields.status !== 'Released';
    // BC's numbers missing in Dataverse (a run that stopped after creating the order) are written back too.
    const numbersMissing =
      text(order.fields.bcbi_businesscentralordernumber) !== text(header.fields.number) ||
      dvLines.some((l) => {
        const bcLine = bcById.get(this.state.byDataverseId(lineMapping, l.id)?.bcId ?? '');
        return bcLine !== undefined && num(l.fields.bcbi_businesscentrallinenumber) !== num(bcLine.fields.sequence);
      });
    if (ops.length === 0 && Object.keys(plan.values).length === 0 && !wantsRelease && !numbersMissing) {
      this.counts['from-dataverse'].unchanged++;
      if (!this.options.dryRun) this.state.markSuccess(name, c.bcId, 'from-dataverse', { dataverseModifiedAt: order.modifiedAt });
      return;
    }
    this.counts['from-dataverse'].modified++;
    if (this.options.dryRun) return;
    // Before the field transfer the BC order is set Open (docs/integration.md §8.2).
    if (header.fields.status !== 'Open' && (ops.length > 0 || Object.keys(plan.values).length > 0)) await bc.runAction!(BC_HEADERS, c.bcId, 'reopen');
    if (Object.keys(v2).length > 0) await writeOne(bc, BC_ORDERS, { kind: 'update', id: c.bcId, fields: v2 }, 'Updating the Business Central order');
    if (Object.keys(custom).length > 0) await writeOne(bc, BC_HEADERS, { kind: 'update', id: c.bcId, fields: custom }, 'Updating the Business Central order');
    const written = await bc.write(BC_LINES, ops);
    const failed = written.find((r) => !r.ok);
    if (failed) throw new OrderError(`Writing the Business Central order lines failed: ${failed.error?.message ?? 'no answer'}`);
    const released = await this.release(c.bcId);
    const newLines = added.map((line) => {
      const result = written.find((r) => r.op.kind === 'create' && r.op.id === counterpartId(lineMapping, 'bc', line.id));
      const record = result?.record;
      if (!record) throw new OrderError(`Business Central did not return the new line of Dataverse line ${line.id}.`);
      return { dataverseId: line.id, bcId: record.id, sequence: num(record.fields.sequence) };
    });
    // BC's line numbers go to every Dataverse line that does not show its own yet (new lines, or a run that stopped).
    const numbers = [...newLines];
    for (const l of dvLines) {
      const bcLine = bcById.get(this.state.byDataverseId(lineMapping, l.id)?.bcId ?? '');
      if (bcLine && !gone.includes(bcLine.id) && num(l.fields.bcbi_businesscentrallinenumber) !== num(bcLine.fields.sequence)) {
        numbers.push({ dataverseId: l.id, bcId: bcLine.id, sequence: num(bcLine.fields.sequence) });
      }
    }
    const after = await this.writeBack(order, released, numbers);
    for (const bcId of gone) this.state.uncouple(lineMapping, { bcId });
    for (const p of newLines) this.state.couple({ mapping: lineMapping, bcId: p.bcId, dataverseId: p.dataverseId, syncedDirection: 'from-dataverse' });
    this.state.markSuccess(name, c.bcId, 'from-dataverse', { bcModifiedAt: released.modifiedAt, dataverseModifiedAt: after?.modifiedAt ?? order.modifiedAt });
    await this.state.commit();
  }
}

/** Runs SALESORDER-ORDER with its lines (both passes unless `direction` picks one). */
export async function syncBidirectionalOrders(ctx: EngineContext, mappings: OrderMappings, options: OrderSyncOptions = {}): Promise<MappingReport> {
  return new BidirectionalOrderSync(ctx, mappings, options).run();
}
