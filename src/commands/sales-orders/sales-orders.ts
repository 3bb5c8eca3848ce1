/**
 * `bcsync sales-orders`: Business Central's order integration (issue 9). Thin: parse, open the session, hand
 * the Sides and couplings to src/processes/sales-orders, print.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { listSalesOrders, SALES_ORDER_MAPPING, type SalesOrderListing } from '../../processes/sales-orders/list.js';
import type { RegisterCommand } from '../registry.js';
import { findMapping, openSession } from '../../app/session.js';
import { JOB_QUEUE_PROCESSES } from '../../app/job-queue.js';
import { exitCodeOf, hasProblems, type MappingReport } from '../../engine/report.js';
import { ConfigError } from '../../errors.js';
import { printProblems, printSummary, runMappingShown, runProcessShown } from '../sync/render.js';

export async function salesOrdersListRun(deps: Deps): Promise<SalesOrderListing[]> {
  const session = await openSession(deps, 'sales-orders list');
  try {
    const coupledOrders = new Map([...session.state.couplings(SALES_ORDER_MAPPING)].map((c) => [c.dataverseId, c.bcId]));
    return await listSalesOrders({ bc: session.ctx.bc, dataverse: session.ctx.dataverse, coupledOrders, dataverseCompanyId: session.ctx.dataverseCompanyId });
  } finally {
    await session.close();
  }
}

export function printSalesOrders(deps: Deps, orders: SalesOrderListing[]): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ orders });
    return;
  }
  if (orders.length === 0) {
    out.info('No submitted orders wait for Business Central, and no order is coupled.');
    return;
  }
  out.table(
    orders.map((o) => ({ ...o, bcNumber: o.bcNumber ?? '' })),
    [
      { key: 'ordernumber', header: 'Order' },
      { key: 'name', header: 'Name' },
      { key: 'customer', header: 'Customer' },
      { key: 'bcNumber', header: 'BC order' },
      { key: 'status', header: 'Status' },
      { key: 'salesorderid', header: 'Dataverse id' },
    ],
  );
}

/** The order side of the job queue, run now: SALESORDER-ORDER, then the ORDER-STATUS and NOTES processes. */
export const SALES_ORDERS_SYNC_STEPS = ['ORDER-STATUS', 'NOTES'] as const;

export async function salesOrdersSyncRun(deps: Deps, opts: { dryRun?: boolean }): Promise<{ exitCode: number; reports: MappingReport[] }> {
  const session = await openSession(deps, 'sales-orders sync');
  const reports: MappingReport[] = [];
  try {
    const mode = session.profile.integration.orderSync;
    if (mode !== 'legacy') {
      throw new ConfigError(
        `"sales-orders sync" is the legacy order integration's job, and this profile's order sync is ${mode}; run "bcsync setup --order-sync legacy" first.`,
      );
    }
    reports.push(await runMappingShown(deps, session, findMapping(session.mappings, SALES_ORDER_MAPPING), { dryRun: opts.dryRun }));
    for (const name of SALES_ORDERS_SYNC_STEPS) {
      const process = JOB_QUEUE_PROCESSES.find((p) => p.name === name)!;
      reports.push(await runProcessShown(deps, session, process, { dryRun: opts.dryRun }));
    }
  } finally {
    await session.close();
  }
  const out = deps.out;
  if (out.json) out.writeJson({ ok: !reports.some(hasProblems), dryRun: Boolean(opts.dryRun), mappings: reports });
  else {
    printSummary(out, reports);
    if (opts.dryRun) out.info('Dry run: nothing was written.');
    else printProblems(out, reports);
  }
  return { exitCode: exitCodeOf(reports), reports };
}

function registerSalesOrdersSync(salesOrders: Command, act: Parameters<RegisterCommand>[1]): void {
  salesOrders
    .command('sync')
    .description('the order status back to Sales: coupled Released orders (SALESORDER-ORDER), timeline posts, Invoiced and deleted orders, notes')
    .option('-n, --dry-run', 'count what would be written, write nothing')
    .addHelpText(
      'after',
      `
Runs what Business Central's job queue runs for the legacy order integration:
SALESORDER-ORDER (coupled Released orders: Last Shipment Date -> Date
Fulfilled, requested delivery date, amounts, addresses; a Submitted order is
made Active for the write and Submitted again), ORDER-STATUS (one timeline post
per release, shipment and invoice; a fully invoiced order becomes Invoiced and
is uncoupled; an order deleted by hand resets the Sales order to Active with
Last Back Office Submit cleared) and NOTES (notes of coupled orders, both ways).
A second run writes nothing. "sync --all" runs the same steps.

Examples:
  $ bcsync sales-orders sync
  $ bcsync sales-orders sync --dry-run --json

Exit codes: 0 ok, 1 a service refused or could not be reached, 3 configuration
(order sync not legacy) or sign-in, 4 an order or note failed, 5 state locked.`,
    )
    .action((options: { dryRun?: boolean }, cmd: Command) => act(cmd, (deps) => salesOrdersSyncRun(deps, options)));
}

export const registerSalesOrders: RegisterCommand = (program: Command, act) => {
  const salesOrders = program
    .command('sales-orders')
    .description("sales orders submitted in Dynamics 365 Sales and their Business Central orders (BC's order integration)")
    .addHelpText(
      'after',
      `
Examples:
  $ bcsync sales-orders list
  $ bcsync sales-orders list --json
  $ bcsync sales-orders sync

Exit codes: 0 ok, 1 a service refused or could not be reached, 2 usage,
3 configuration or sign-in, 5 state locked or corrupt.`,
    );

  salesOrders
    .command('list')
    .description('submitted orders waiting for Business Central, and the coupled orders with their BC number and status')
    .addHelpText(
      'after',
      `
Waiting: Submitted orders never processed (Last Back Office Submit empty or
1900-01-01) that are unstamped or stamped with this profile's company; their
status is "to create". Coupled orders show the BC order number and its status
(Draft, In Review, Open, Released), or "deleted in Business Central".
--json prints {orders: [{salesorderid, ordernumber, name, customer, bcNumber,
status}]} (bcNumber null until the BC order exists).

Examples:
  $ bcsync sales-orders list
  $ bcsync sales-orders list --json`,
    )
    .action((_options: unknown, cmd: Command) => act(cmd, async (deps) => printSalesOrders(deps, await salesOrdersListRun(deps))));

  registerSalesOrdersSync(salesOrders, act);
};
