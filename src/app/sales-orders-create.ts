/**
 * Wiring of Business Central's "Create in Business Central" (src/processes/sales-orders/create.ts): the session's
 * Sides, state and intents handed to the process, and its outcomes reported like a mapping's run, so that
 * `sales-orders create` and the SALES-ORDERS-CREATE job-queue process of `sync --all` print, log and exit alike.
 */
import { emptyCounts, type MappingReport, type RecordOutcome } from '../engine/report.js';
import { copyOrderNotes } from '../processes/notes/notes.js';
import { startProcessReport } from '../processes/process-report.js';
import { createSalesOrders, SALES_ORDERS_CREATE, type OrderOutcome } from '../processes/sales-orders/create.js';
import type { MappingRunView } from './run-mapping.js';
import type { Session } from './session.js';

export interface SalesOrdersCreateRun {
  outcomes: OrderOutcome[];
  report: MappingReport;
}

export interface SalesOrdersCreateOptions {
  orders?: string[];
  all?: boolean;
  dryRun?: boolean;
}

/** Runs the conversion over the session; a dry run resolves nothing and writes nothing (intents stay in memory). */
export async function runSalesOrdersCreate(session: Session, options: SalesOrdersCreateOptions, view?: MappingRunView): Promise<SalesOrdersCreateRun> {
  const { ctx } = session;
  const finish = startProcessReport(ctx, SALES_ORDERS_CREATE);
  const outcomes = await createSalesOrders(
    {
      bc: ctx.bc,
      dataverse: ctx.dataverse,
      state: session.state,
      intents: options.dryRun ? ctx.intents.detached() : ctx.intents,
      lcyCode: ctx.bcLcyCode,
      dataverseCompanyId: ctx.dataverseCompanyId,
      now: () => ctx.clock.now(),
      copyNotes: async (order) => (await copyOrderNotes(ctx, [order])).records[0]?.error,
    },
    { orders: options.orders, all: options.all, dryRun: options.dryRun, progress: view ? (phase, done, total) => view.progress(phase, done, total) : undefined },
  );
  const c = emptyCounts();
  const records: RecordOutcome[] = [];
  for (const o of outcomes) {
    if (o.result === 'created' || o.result === 'completed' || o.result === 'would create' || o.result === 'would complete') {
      c.inserted++;
      c.coupled++;
    } else if (o.result === 'already coupled') c.unchanged++;
    else {
      c.failed++;
      records.push({ mapping: SALES_ORDERS_CREATE, direction: 'from-dataverse', dataverseId: o.salesorderid || undefined, bcId: o.bcId ?? undefined, label: o.ordernumber || o.salesorderid, outcome: 'failed', error: o.error });
    }
  }
  const dryRun = Boolean(options.dryRun);
  const report: MappingReport = {
    ...finish({ directions: ['from-dataverse'], counts: { 'from-dataverse': c }, records, dryRun }),
    openIntents: dryRun ? 0 : ctx.intents.open(SALES_ORDERS_CREATE).length,
  };
  return { outcomes, report };
}
