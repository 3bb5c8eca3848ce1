/**
 * `bcsync sales-orders`: Business Central's order integration (issue 9). Thin: parse, open the session, hand
 * the Sides and couplings to src/processes/sales-orders, print.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { listSalesOrders, SALES_ORDER_MAPPING, type SalesOrderListing } from '../../processes/sales-orders/list.js';
import type { CommandOutcome, RegisterCommand } from '../registry.js';
import { findMapping, logReport, openSession } from '../../app/session.js';
import { JOB_QUEUE_PROCESSES } from '../../app/job-queue.js';
import { runSalesOrdersCreate, type SalesOrdersCreateRun } from '../../app/sales-orders-create.js';
import { exitCodeOf, hasProblems, type MappingReport } from '../../engine/report.js';
import { ConfigError, UsageError } from '../../errors.js';
import type { BcDocument } from '../../processes/documents/index.js';
import { SALES_ORDERS_CREATE } from '../../processes/sales-orders/create.js';
import { mappingRunView, printProblems, printSummary, runMappingShown, runProcessShown } from '../sync/render.js';

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

interface CreateFlags {
  all?: boolean;
  dryRun?: boolean;
}

export async function salesOrdersCreateRun(deps: Deps, orders: string[], flags: CreateFlags): Promise<SalesOrdersCreateRun> {
  if (flags.all && orders.length) throw new UsageError('Give either order numbers (or salesorderids) or --all, not both; see "bcsync sales-orders create --help".');
  if (!flags.all && !orders.length) throw new UsageError('Name the orders to create (order number or salesorderid), or pass --all for every waiting order; "bcsync sales-orders list" shows them.');
  const session = await openSession(deps, 'sales-orders create');
  try {
    const view = mappingRunView(deps.out, SALES_ORDERS_CREATE, Boolean(flags.dryRun));
    const run = await runSalesOrdersCreate(session, { orders, all: flags.all, dryRun: flags.dryRun }, view);
    view.finished(run.report);
    await logReport(session.log, run.report);
    return run;
  } finally {
    await session.close();
  }
}

const LINE_COLUMNS = [
  { key: 'lineNumber', header: 'Line No.', align: 'right' as const },
  { key: 'lineType', header: 'Type' },
  { key: 'number', header: 'No.' },
  { key: 'description', header: 'Description' },
  { key: 'quantity', header: 'Quantity', align: 'right' as const },
  { key: 'unitOfMeasureCode', header: 'Unit' },
  { key: 'unitPrice', header: 'Unit Price', align: 'right' as const },
  { key: 'discountAmount', header: 'Line Discount', align: 'right' as const },
  { key: 'attachedToLineNumber', header: 'Attached to' },
];

/** The header and lines of a BC order a dry run would create. */
function printDocument(deps: Deps, ordernumber: string, d: BcDocument): void {
  const out = deps.out;
  const header: Array<[string, unknown]> = [
    ['Customer', `${d.customerNumber} ${d.customerName}`],
    ['External Document No.', d.externalDocumentNumber],
    ['Your Reference', d.yourReference],
    ['Currency', d.currencyCode || '(local currency)'],
    ['Requested Delivery Date', d.requestedDeliveryDate ?? ''],
    ['Ship-to', d.shipTo ? [d.shipTo.name, d.shipTo.addressLine1, d.shipTo.city, d.shipTo.state, d.shipTo.postCode, d.shipTo.country].filter(Boolean).join(', ') : '(customer)'],
    ['Payment Discount %', d.paymentDiscountPercent],
    ['Invoice Discount Amount', d.invoiceDiscountAmount],
    ['Shipping Agent', d.shippingAgentCode ?? ''],
  ];
  out.line(`Order ${ordernumber} would become this Business Central order (status Open):`);
  for (const [k, v] of header) out.line(`  ${k}: ${String(v)}`);
  out.table(d.lines.map((l) => ({ ...l })), LINE_COLUMNS);
  out.line();
}

export function printCreated(deps: Deps, run: SalesOrdersCreateRun, dryRun: boolean): CommandOutcome {
  const out = deps.out;
  const { outcomes } = run;
  if (out.json) {
    out.writeJson({ ok: exitCodeOf([run.report]) === 0, dryRun, orders: outcomes.map(({ document, ...o }) => (dryRun ? { ...o, document } : o)), requests: run.report.requests });
  } else {
    if (dryRun) for (const o of outcomes) if (o.document) printDocument(deps, o.ordernumber, o.document);
    if (outcomes.length === 0) out.info('No submitted orders wait for Business Central.');
    else {
      out.table(
        outcomes.map((o) => ({ ...o, bcNumber: o.bcNumber ?? '' })),
        [
          { key: 'ordernumber', header: 'Order' },
          { key: 'name', header: 'Name' },
          { key: 'result', header: 'Result' },
          { key: 'bcNumber', header: 'BC order' },
          { key: 'salesorderid', header: 'Dataverse id' },
        ],
      );
    }
  }
  for (const o of outcomes) if (o.error) out.warn(o.error);
  return { exitCode: exitCodeOf([run.report]) };
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
  $ bcsync sales-orders create --all
  $ bcsync sales-orders sync

Exit codes: 0 ok, 1 a service refused or could not be reached, 2 usage,
3 configuration or sign-in, 4 an order was refused, 5 state locked or corrupt.`,
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

  salesOrders
    .command('create')
    .description('create Business Central orders from submitted Sales orders ("Create in Business Central")')
    .argument('[orders...]', 'order numbers or salesorderids')
    .option('--all', 'every submitted order waiting for Business Central')
    .option('-n, --dry-run', 'show the Business Central order each would become (header and lines); write nothing')
    .addHelpText(
      'after',
      `
Each order becomes a BC order with status Open: the customer coupled to its
account (a contact's parent account), External Document No. = the order name
(upper-cased, 35 characters), Your Reference = the order number, lines in
sequence order (write-in lines on the write-in item of Sales & Receivables
Setup, long descriptions continued on comment lines of at most 100
characters, freight on the freight G/L account), the order discount. The BC
order is coupled, the order's notes are copied, and the Sales order is stamped
as submitted to the back office. An order that cannot be created is reported
on one line saying what to do; the others still are. A run that is stopped
anywhere is finished by the next one (no order is created twice).

Examples:
  $ bcsync sales-orders create --all --dry-run
  $ bcsync sales-orders create --all
  $ bcsync sales-orders create ORD-01001-K7M2Q8

Exit codes: 0 ok, 1 a service refused or could not be reached, 2 usage,
3 configuration or sign-in, 4 an order was refused, 5 state locked or corrupt.`,
    )
    .action((orders: string[], options: CreateFlags, cmd: Command) =>
      act(cmd, async (deps) => printCreated(deps, await salesOrdersCreateRun(deps, orders, options), Boolean(options.dryRun))),
    );
  registerSalesOrdersSync(salesOrders, act);
};
