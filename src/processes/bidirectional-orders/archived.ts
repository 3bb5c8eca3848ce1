/**
 * The archived-orders step (Business Central's "Archived Sales Orders" job, docs/integration.md §8.2): a coupled
 * order that BC deleted after posting is flagged archived (regular synchronization leaves it alone from then on),
 * and the newest archive version of its number and occurrence is written to the Dataverse order: shipment date
 * as `datefulfilled`, per line quantity, quantity shipped, line discount and amounts (lines the archive lacks are
 * deleted), and Invoiced when the archive says the order was invoiced. Each version is applied once.
 */
import { startProcessReport } from '../process-report.js';
import type { EngineContext } from '../../engine/run.js';
import { emptyCounts, type DirectionCounts, type MappingReport, type RecordOutcome } from '../../engine/report.js';
import type { Rec, Side, SideTable, WriteOp } from '../../sides/types.js';
import type { Coupling } from '../../state/index.js';
import { BC_HEADER_ARCHIVES, BC_HEADERS, BC_LINE_ARCHIVES, DV_LINES, DV_ORDERS, INVOICED_STATUS, ORDER_STATE } from './tables.js';

export const ARCHIVED_ORDERS_PROCESS = 'ARCHIVED-ORDERS';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const text = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

async function all(side: Side, table: SideTable, where: SideTable['filter']): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const page of side.list(table, { where })) out.push(...page);
  return out;
}

async function write(side: Side, table: SideTable, ops: WriteOp[], what: string): Promise<Rec | undefined> {
  if (ops.length === 0) return undefined;
  const results = await side.write(table, ops);
  const failed = results.find((r) => !r.ok);
  if (failed) throw new Error(`${what} failed: ${failed.error?.message ?? 'no answer'}`);
  return results[results.length - 1]?.record;
}

/** The Dataverse line values an archived line gives (only those that differ). */
function lineChanges(archived: Rec, current: Rec): Record<string, unknown> {
  const a = archived.fields;
  const wanted: Record<string, number> = {
    quantity: num(a.quantity),
    quantityshipped: num(a.quantityShipped),
    manualdiscountamount: num(a.lineDiscountAmount),
    baseamount: num(a.amount),
    extendedamount: num(a.amountIncludingVat),
  };
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wanted)) if (num(current.fields[k]) !== v) changes[k] = v;
  return changes;
}

export async function updateArchivedOrders(ctx: EngineContext, mapping: string, options: { dryRun?: boolean } = {}): Promise<MappingReport> {
  const finish = startProcessReport(ctx, ARCHIVED_ORDERS_PROCESS);
  const counts: DirectionCounts = emptyCounts();
  const records: RecordOutcome[] = [];
  const state = ctx.state;

  // Orders BC deleted since: their couplings become archived couplings (100 ids per read).
  const live = [...state.couplings(mapping)].filter((c) => c.extra?.archived !== true);
  const gone = new Set<string>();
  if (live.length > 0) {
    const present = new Set((await ctx.bc.get(BC_HEADERS, live.map((c) => c.bcId))).map((r) => r.id));
    for (const c of live) {
      if (present.has(c.bcId)) continue;
      gone.add(c.bcId);
      if (!options.dryRun) state.update(mapping, c.bcId, { extra: { archived: true } });
    }
  }

  const archived = [...state.couplings(mapping)].filter((c) => c.extra?.archived === true || gone.has(c.bcId));
  for (const c of archived) {
    try {
      const outcome = await updateOne(ctx, mapping, c, Boolean(options.dryRun));
      counts[outcome]++;
    } catch (error) {
      counts.failed++;
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      records.push({ mapping: ARCHIVED_ORDERS_PROCESS, direction: 'to-dataverse', bcId: c.bcId, dataverseId: c.dataverseId, label: `archived order ${text(c.extra?.number)}`, outcome: 'failed', error: message });
    }
  }
  if (!options.dryRun) await state.commit();
  return finish({ directions: ['to-dataverse'], counts: { 'to-dataverse': counts }, records, dryRun: Boolean(options.dryRun) });
}

async function updateOne(ctx: EngineContext, mapping: string, c: Coupling, dryRun: boolean): Promise<'modified' | 'unchanged'> {
  const [order] = await ctx.dataverse.get(DV_ORDERS, [c.dataverseId]);
  if (!order) throw new Error(`The Dataverse order ${c.dataverseId} no longer exists; uncouple it ("bcsync uncouple --mapping ${mapping}").`);
  const number = text(c.extra?.number) || text(order.fields.bcbi_businesscentralordernumber);
  const occurrence = num(c.extra?.occurrence) || num(order.fields.bcbi_businesscentraldocumentoccurrencenumber) || 1;
  const versions = await all(ctx.bc, BC_HEADER_ARCHIVES, [
    { field: 'number', op: 'eq', value: number },
    { field: 'docNoOccurrence', op: 'eq', value: occurrence },
  ]);
  const newest = versions.sort((a, b) => num(b.fields.versionNumber) - num(a.fields.versionNumber))[0];
  if (!newest || num(newest.fields.versionNumber) <= num(c.extra?.archivedVersion)) return 'unchanged';
  if (dryRun) return 'modified';
  const version = num(newest.fields.versionNumber);
  const archivedLines = await all(ctx.bc, BC_LINE_ARCHIVES, [
    { field: 'documentType', op: 'eq', value: 'Order' },
    { field: 'documentNumber', op: 'eq', value: number },
    { field: 'docNoOccurrence', op: 'eq', value: occurrence },
    { field: 'versionNumber', op: 'eq', value: version },
  ]);
  const byLineNumber = new Map(archivedLines.map((l) => [num(l.fields.lineNumber), l]));
  const dvLines = await all(ctx.dataverse, DV_LINES, [{ field: '_salesorderid_value', op: 'eq', value: c.dataverseId }]);
  const ops: WriteOp[] = [];
  for (const l of dvLines) {
    const archivedLine = byLineNumber.get(num(l.fields.bcbi_businesscentrallinenumber));
    if (!archivedLine) {
      ops.push({ kind: 'delete', id: l.id });
      continue;
    }
    const changes = lineChanges(archivedLine, l);
    if (Object.keys(changes).length > 0) ops.push({ kind: 'update', id: l.id, fields: changes });
  }
  const header: Record<string, unknown> = {};
  const shipped = text(newest.fields.shipmentDate);
  if (shipped && shipped !== '0001-01-01' && text(order.fields.datefulfilled).slice(0, 10) !== shipped) header.datefulfilled = shipped;
  const invoiced = newest.fields.invoice === true;
  const state = num(order.fields.statecode);
  // The order's lines only change while it is Active; it ends Invoiced, or in the state it had.
  if (ops.length > 0 || Object.keys(header).length > 0) {
    if (state !== ORDER_STATE.active) await write(ctx.dataverse, DV_ORDERS, [{ kind: 'update', id: c.dataverseId, fields: { statecode: ORDER_STATE.active } }], 'Setting the Dataverse order Active');
    await write(ctx.dataverse, DV_LINES, ops, 'Updating the Dataverse order lines from the archive');
    if (!invoiced && state === ORDER_STATE.fulfilled) {
      // Fulfilled is reached only through FulfillSalesOrder, so it is given back that way.
      if (Object.keys(header).length > 0) await write(ctx.dataverse, DV_ORDERS, [{ kind: 'update', id: c.dataverseId, fields: header }], 'Updating the Dataverse order from the archive');
      await ctx.dataverse.fulfillSalesOrder!(c.dataverseId);
    } else {
      const final = invoiced ? { statecode: ORDER_STATE.invoiced, statuscode: INVOICED_STATUS } : { statecode: ORDER_STATE.submitted };
      await write(ctx.dataverse, DV_ORDERS, [{ kind: 'update', id: c.dataverseId, fields: { ...header, ...final } }], 'Updating the Dataverse order from the archive');
    }
  } else if (invoiced && state !== ORDER_STATE.invoiced) {
    await write(ctx.dataverse, DV_ORDERS, [{ kind: 'update', id: c.dataverseId, fields: { statecode: ORDER_STATE.invoiced, statuscode: INVOICED_STATUS } }], 'Setting the Dataverse order Invoiced');
  }
  ctx.state.update(mapping, c.bcId, { extra: { archivedVersion: version } });
  return 'modified';
}
