/**
 * Business Central's Order Status job for the legacy order integration (docs/integration.md §8.1): what happened to
 * each coupled BC order since the last run goes back to its Dataverse order.
 *
 * - Released, shipped, invoiced: one timeline post per event on the Dataverse order (posts.ts). BC buffers the events
 *   as they happen; bcsync derives them from the order as it is now (status Released, a Last Shipment Date, posted
 *   invoices with the order's id) and keeps the events already posted on the coupling, so a rerun posts nothing.
 * - Fully invoiced (posted, then deleted by posting): the Dataverse order becomes Invoiced (statecode 4, statuscode
 *   100003) and the coupling is removed.
 * - Deleted by hand (gone, no posted invoice): the coupling is removed and the Dataverse order reset to Active/Pending
 *   with `lastbackofficesubmit` cleared, so it can be submitted again.
 *
 * The header fields themselves (Last Shipment Date → datefulfilled, amounts, addresses) are the SALESORDER-ORDER
 * mapping's: the engine writes them, before this job runs.
 */
import type { EngineContext } from '../../engine/context.js';
import { emptyCounts, type MappingReport, type RecordOutcome } from '../../engine/report.js';
import { startProcessReport } from '../process-report.js';
import { SALES_ORDER_STATE, SALES_ORDER_STATUS } from '../../mapping/defaults/orders.js';
import type { Rec, SideTable, WriteOp } from '../../sides/types.js';
import type { Coupling } from '../../state/index.js';
import { SALES_ORDER_MAPPING } from './list.js';
import { createPosts, ORDER_EVENTS, type OrderEvent, type PostToCreate } from './posts.js';

export const ORDER_STATUS_PROCESS = 'ORDER-STATUS';

/** Coupling extra: the events already posted (comma-separated) and the BC order number (for messages once it is gone). */
const POSTED_KEY = 'posted';
const NUMBER_KEY = 'bcNumber';

/** Ids per `or` filter on the invoices' order id (the URL stays short). */
const ORDER_IDS_PER_READ = 50;

const SALES_HEADERS: SideTable = {
  entitySet: 'salesHeaders',
  api: 'custom',
  key: 'id',
  modifiedField: 'lastModifiedDateTime',
  filter: [],
  select: ['number', 'documentType', 'status', 'lastShipmentDate', 'completelyShipped'],
};
const POSTED_INVOICES: SideTable = {
  entitySet: 'salesInvoices',
  api: 'v2.0',
  key: 'id',
  modifiedField: 'lastModifiedDateTime',
  filter: [],
  select: ['number', 'orderId', 'status'],
};
const SALES_ORDERS: SideTable = { entitySet: 'salesorders', key: 'salesorderid', modifiedField: 'modifiedon', filter: [], select: ['statecode', 'statuscode'] };

const POSTED_STATUSES = new Set(['Open', 'Paid', 'Corrective', 'Canceled']);

function isDate(value: unknown): boolean {
  return typeof value === 'string' && value !== '' && value !== '0001-01-01';
}

function postedEvents(c: Coupling): Set<OrderEvent> {
  const raw = c.extra?.[POSTED_KEY];
  return new Set(typeof raw === 'string' && raw ? (raw.split(',') as OrderEvent[]) : []);
}

/** What one coupled order needs: its new events and what becomes of the Dataverse order. */
interface OrderPlan {
  coupling: Coupling;
  label: string;
  events: OrderEvent[];
  /** `invoiced`: Invoiced and uncoupled; `deleted`: back to Active/Pending, uncoupled. */
  outcome?: 'invoiced' | 'deleted';
}

/** Events the order's present state shows (posting releases an order, so a posted order was released too). */
function eventsOf(header: Rec | undefined, invoiced: boolean): Set<OrderEvent> {
  const events = new Set<OrderEvent>();
  if (invoiced) ORDER_EVENTS.forEach((e) => events.add(e));
  if (header && isDate(header.fields.lastShipmentDate)) events.add('released').add('shipped');
  if (header && header.fields.status === 'Released') events.add('released');
  return events;
}

async function postedInvoiceOrders(ctx: EngineContext, orderIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < orderIds.length; i += ORDER_IDS_PER_READ) {
    const where = [{ field: 'orderId', op: 'in' as const, value: orderIds.slice(i, i + ORDER_IDS_PER_READ) }];
    for await (const page of ctx.bc.list(POSTED_INVOICES, { where })) {
      for (const r of page) if (POSTED_STATUSES.has(String(r.fields.status))) found.add(String(r.fields.orderId).toLowerCase());
    }
  }
  return found;
}

/** Reads what the coupled orders look like in BC now and plans each order's posts and state. */
async function planOrders(ctx: EngineContext, couplings: Coupling[]): Promise<OrderPlan[]> {
  const headers = new Map((await ctx.bc.get(SALES_HEADERS, couplings.map((c) => c.bcId))).map((r) => [r.id, r]));
  // Posted invoices matter only for orders that could have one not posted about yet: gone, or shipped.
  const ask = couplings.filter((c) => {
    const h = headers.get(c.bcId);
    return !postedEvents(c).has('invoiced') && (!h || isDate(h.fields.lastShipmentDate));
  });
  const invoiced = ask.length ? await postedInvoiceOrders(ctx, ask.map((c) => c.bcId)) : new Set<string>();
  const plans: OrderPlan[] = [];
  for (const c of couplings) {
    const header = headers.get(c.bcId);
    const number = String(header?.fields.number ?? c.extra?.[NUMBER_KEY] ?? c.bcId);
    const hasInvoice = invoiced.has(c.bcId) || postedEvents(c).has('invoiced');
    const done = postedEvents(c);
    const events = ORDER_EVENTS.filter((e) => eventsOf(header, hasInvoice).has(e) && !done.has(e));
    const outcome = header ? undefined : hasInvoice ? 'invoiced' : 'deleted';
    if (events.length || outcome || (header && c.extra?.[NUMBER_KEY] !== number)) plans.push({ coupling: c, label: `order ${number}`, events, outcome });
  }
  return plans;
}

function stateChange(p: OrderPlan): WriteOp | undefined {
  const id = p.coupling.dataverseId;
  if (p.outcome === 'invoiced') return { kind: 'update', id, fields: { statecode: SALES_ORDER_STATE.invoiced, statuscode: SALES_ORDER_STATUS.invoiced } };
  if (p.outcome === 'deleted') {
    return { kind: 'update', id, fields: { statecode: SALES_ORDER_STATE.active, statuscode: SALES_ORDER_STATUS.pending, lastbackofficesubmit: null } };
  }
  return undefined;
}

/**
 * The Order Status job: posts, Invoiced and deleted orders for every SALESORDER-ORDER coupling. Reads: the coupled
 * Sales Headers (one request per 100 orders) and, for orders gone or shipped and not yet posted as invoiced, their
 * posted invoices (one per 50); writes only what changed: a run after a run writes nothing.
 */
export async function updateOrderStatus(ctx: EngineContext, options: { dryRun?: boolean } = {}): Promise<MappingReport> {
  const report = startProcessReport(ctx, ORDER_STATUS_PROCESS);
  const counts = emptyCounts();
  const records: RecordOutcome[] = [];
  const couplings = [...ctx.state.couplings(SALES_ORDER_MAPPING)];
  const plans = couplings.length ? await planOrders(ctx, couplings) : [];
  const fail = (p: OrderPlan, error: string): void => {
    counts.failed++;
    records.push({ mapping: ORDER_STATUS_PROCESS, direction: 'to-dataverse', bcId: p.coupling.bcId, dataverseId: p.coupling.dataverseId, label: p.label, outcome: 'failed', error });
  };

  const posts: PostToCreate[] = plans.flatMap((p) => p.events.map((event) => ({ salesOrderId: p.coupling.dataverseId, event })));
  const failedOrders = new Set<string>();
  if (options.dryRun) counts.inserted += posts.length;
  else {
    for (const r of await createPosts(ctx.dataverse, posts)) {
      const p = plans.find((x) => x.coupling.dataverseId === r.post.salesOrderId)!;
      if (r.ok) counts.inserted++;
      else if (!failedOrders.has(p.coupling.bcId)) {
        failedOrders.add(p.coupling.bcId);
        fail(p, `the timeline post "${r.post.event}" was refused: ${r.error}`);
      }
    }
  }
  // What was posted is kept on the coupling before the order's state changes (which may remove the coupling).
  for (const p of plans) {
    if (options.dryRun || failedOrders.has(p.coupling.bcId)) continue;
    const posted = [...new Set([...postedEvents(p.coupling), ...p.events])];
    const number = p.label.replace(/^order /, '');
    ctx.state.update(SALES_ORDER_MAPPING, p.coupling.bcId, { extra: { [POSTED_KEY]: ORDER_EVENTS.filter((e) => posted.includes(e)).join(','), [NUMBER_KEY]: number } });
  }
  if (!options.dryRun) await ctx.state.commit();

  const changes = plans.filter((p) => p.outcome && !failedOrders.has(p.coupling.bcId));
  const ops = changes.map(stateChange).filter((op): op is WriteOp => op !== undefined);
  const results = options.dryRun || ops.length === 0 ? ops.map((op) => ({ op, ok: true, error: undefined })) : await ctx.dataverse.write(SALES_ORDERS, ops);
  results.forEach((r, i) => {
    const p = changes[i]!;
    if (!r.ok) return fail(p, `Dataverse refused the ${p.outcome === 'invoiced' ? 'Invoiced state' : 'reset to Active'}: ${r.error?.message ?? 'refused'}`);
    counts.modified++;
    counts.uncoupled++;
    if (!options.dryRun) ctx.state.uncouple(SALES_ORDER_MAPPING, { bcId: p.coupling.bcId });
  });
  if (!options.dryRun) await ctx.state.commit();

  return report({ directions: ['to-dataverse'], counts: { 'to-dataverse': counts }, records, dryRun: Boolean(options.dryRun) });
}
