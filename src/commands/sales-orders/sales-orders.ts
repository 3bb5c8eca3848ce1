/**
 * `bcsync sales-orders`: Business Central's order integration (issue 9). Thin: parse, open the session, hand
 * the Sides and couplings to src/processes/sales-orders, print.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { listSalesOrders, SALES_ORDER_MAPPING, type SalesOrderListing } from '../../processes/sales-orders/list.js';
import type { RegisterCommand } from '../registry.js';
import { openSession } from '../../app/session.js';

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
};
