/**
 * The business processes `sync --all` runs after the mappings, as Business Central's job queue runs them next to
 * the integration table mappings (docs/integration.md §9): creating submitted orders, processing quotes, order
 * status, posted invoices and payments, account statistics, item availability. Each process is switched on by the
 * profile's integration options and reports in the shape of a mapping report, so `sync --all` prints, logs and
 * exits on it as on a mapping (a process that left documents refused exits 4).
 *
 * A process registers itself here with one entry; the process itself lives in src/processes/.
 */
import type { MappingReport } from '../engine/report.js';
import { syncNotes } from '../processes/notes/notes.js';
import { updateOrderStatus } from '../processes/sales-orders/status.js';
import type { IntegrationOptions } from '../mapping/integration-options.js';
import { SALES_ORDERS_CREATE } from '../processes/sales-orders/create.js';
import { POSTED_INVOICES, syncCoupledInvoices } from '../processes/invoices/posted.js';
import { INVOICE_PAYMENTS, syncInvoicePaymentStatus } from '../processes/invoices/payments.js';
import { invoiceContext } from './invoices.js';
import { QUOTES_PROCESS } from './quotes.js';
import type { MappingRunView } from './run-mapping.js';
import { runSalesOrdersCreate } from './sales-orders-create.js';
import type { Session } from './session.js';
import { BIDIRECTIONAL_ORDER_MAPPING } from '../mapping/index.js';
import { ARCHIVED_ORDERS_PROCESS, updateArchivedOrders } from '../processes/bidirectional-orders/archived.js';
import { statisticsJob } from './statistics.js';
import { availabilityJob } from './availability.js';

export interface JobQueueProcessOptions {
  dryRun?: boolean;
}

export interface JobQueueProcess {
  /** The name the sync log and the report carry, e.g. `SALES-ORDERS-CREATE` (never a mapping's name). */
  name: string;
  /** What the job queue entry does, in the words `sync --all --help` would use. */
  description: string;
  /** Whether the profile's integration options switch it on. */
  enabled(options: IntegrationOptions): boolean;
  /** Business Central's job queue interval for it (docs/integration.md §9). */
  intervalMinutes: number;
  run(session: Session, options: JobQueueProcessOptions, view?: MappingRunView): Promise<MappingReport>;
}

/**
 * The processes, in the order `sync --all` runs them (after every mapping, so the master data they refer to is
 * coupled first). Append an entry for a new process; keep the order of the lead-to-cash flow.
 */
export const JOB_QUEUE_PROCESSES: JobQueueProcess[] = [
  {
    name: SALES_ORDERS_CREATE,
    description: 'create Business Central orders from submitted Sales orders (Auto Create Sales Orders)',
    enabled: (o) => o.autoCreateOrders && o.orderSync === 'legacy',
    intervalMinutes: 30,
    run: async (session, options, view) => (await runSalesOrdersCreate(session, { all: true, dryRun: options.dryRun }, view)).report,
  },
  {
    name: 'ORDER-STATUS',
    description: 'order status back to Sales: timeline posts on release, shipment and invoice; fully invoiced orders Invoiced; deleted orders reset',
    enabled: (o) => o.orderSync === 'legacy',
    intervalMinutes: 7,
    run: (session, options) => updateOrderStatus(session.ctx, options),
  },
  {
    name: 'NOTES',
    description: 'notes of coupled sales orders: Dataverse notes ⇄ Business Central record-link notes',
    enabled: (o) => o.orderSync !== 'off',
    intervalMinutes: 5,
    run: (session, options) => syncNotes(session.ctx, options),
  },
  {
    name: ARCHIVED_ORDERS_PROCESS,
    description: 'bidirectional orders: quantities shipped, discounts and Invoiced from the newest archive of orders posted and deleted in Business Central',
    enabled: (options) => options.orderSync === 'bidirectional',
    intervalMinutes: 30,
    run: (session, options) => updateArchivedOrders(session.ctx, BIDIRECTIONAL_ORDER_MAPPING, options),
  },
  {
    // Business Central's POSTEDSALESINV-INV job (docs/integration.md §2.1): only the coupled invoices.
    name: POSTED_INVOICES,
    description: 'coupled posted sales invoices brought in line in Dynamics 365 Sales (POSTEDSALESINV-INV)',
    enabled: (options) => options.orderSync !== 'off',
    intervalMinutes: 30,
    run: (session, options, view) => syncCoupledInvoices(invoiceContext(session, view), options),
  },
  {
    // The payment-status step of Business Central's Statistics job (docs/integration.md §8.4, §9).
    name: INVOICE_PAYMENTS,
    description: 'payment status of coupled invoices from the customer ledger (Billed, Paid/Partial, Paid/Complete, Canceled)',
    enabled: (options) => options.orderSync !== 'off',
    intervalMinutes: 30,
    run: (session, options, view) => syncInvoicePaymentStatus(invoiceContext(session, view), options),
  },
  QUOTES_PROCESS,
  {
    name: 'CUSTOMER-STATISTICS',
    description: 'account statistics (nav_accountstatistics) of coupled customers whose ledger entries or sales documents changed',
    // BC schedules it with the Dataverse connection; it runs wherever customers are coupled (the CUSTOMER mapping).
    enabled: () => true,
    intervalMinutes: 30,
    run: (session, options) => statisticsJob(session, options),
  },
  {
    name: 'ITEM-AVAILABILITY',
    description: 'inventory of coupled items whose item ledger entries changed → product quantity on hand',
    enabled: (options) => options.itemAvailability,
    intervalMinutes: 30,
    run: (session, options) => availabilityJob(session, options),
  },
];

/** The processes this profile switches on. */
export function enabledProcesses(options: IntegrationOptions): JobQueueProcess[] {
  return JOB_QUEUE_PROCESSES.filter((p) => p.enabled(options));
}
