/**
 * `bcsync invoices`: posted sales invoices in Dynamics 365 Sales (issue 10). Thin: parse, open the session, run
 * src/processes/invoices through the wiring, print the reports like `sync` does, return the exit code.
 */
import type { Command } from 'commander';
import { invoiceContext } from '../../app/invoices.js';
import { logReport, openSession } from '../../app/session.js';
import type { Deps } from '../../deps.js';
import { exitCodeOf, hasProblems, type MappingReport } from '../../engine/report.js';
import { UsageError } from '../../errors.js';
import { INVOICE_PAYMENTS, syncInvoicePaymentStatus } from '../../processes/invoices/payments.js';
import { createPostedInvoices, POSTED_INVOICES, syncCoupledInvoices } from '../../processes/invoices/posted.js';
import type { CommandOutcome, RegisterCommand } from '../registry.js';
import { mappingRunView, printProblems, printSummary } from '../sync/render.js';

export interface InvoicesCreateOptions {
  all?: boolean;
  dryRun?: boolean;
}

export interface InvoicesResult extends CommandOutcome {
  reports: MappingReport[];
}

type Step = (session: Awaited<ReturnType<typeof openSession>>, view: ReturnType<typeof mappingRunView>) => Promise<MappingReport>;

async function runSteps(deps: Deps, command: string, dryRun: boolean, steps: Array<{ name: string; run: Step }>): Promise<InvoicesResult> {
  const session = await openSession(deps, command);
  const reports: MappingReport[] = [];
  try {
    for (const step of steps) {
      const view = mappingRunView(deps.out, step.name, dryRun);
      try {
        const report = await step.run(session, view);
        await logReport(session.log, report);
        view.finished(report);
        reports.push(report);
      } catch (error) {
        view.stopped(error);
        throw error;
      }
    }
  } finally {
    await session.close();
  }
  const out = deps.out;
  if (out.json) out.writeJson({ ok: !reports.some(hasProblems), dryRun, mappings: reports });
  else {
    if (dryRun) out.info('Dry run: nothing was written.');
    printSummary(out, reports);
    if (!dryRun) printProblems(out, reports);
  }
  return { exitCode: exitCodeOf(reports), reports };
}

export async function invoicesCreateRun(deps: Deps, invoice: string | undefined, opts: InvoicesCreateOptions): Promise<InvoicesResult> {
  if (opts.all && invoice !== undefined) throw new UsageError(`Give one invoice or --all, not both ("${invoice}" and --all).`);
  if (!opts.all && (invoice === undefined || invoice.trim() === '')) {
    throw new UsageError('Missing the invoice: give a posted invoice number or id (e.g. "bcsync invoices create 103001"), or --all.');
  }
  const selection = opts.all ? { all: true as const } : { invoice: invoice! };
  const dryRun = Boolean(opts.dryRun);
  return runSteps(deps, 'invoices create', dryRun, [
    { name: 'POSTEDSALESINV-INV', run: (session, view) => createPostedInvoices(invoiceContext(session, view), selection, { dryRun }) },
  ]);
}

export async function invoicesSyncRun(deps: Deps, opts: { dryRun?: boolean }): Promise<InvoicesResult> {
  const dryRun = Boolean(opts.dryRun);
  return runSteps(deps, 'invoices sync', dryRun, [
    { name: POSTED_INVOICES, run: (session, view) => syncCoupledInvoices(invoiceContext(session, view), { dryRun }) },
    { name: INVOICE_PAYMENTS, run: (session, view) => syncInvoicePaymentStatus(invoiceContext(session, view), { dryRun }) },
  ]);
}

const EXIT_CODES = `Exit codes: 0 ok, 1 a service refused or could not be reached, 2 usage,
3 configuration or sign-in, 4 an invoice was refused (the reason on stderr and in
"bcsync log --failed") or its outcome is unknown, 5 state locked or corrupt.
--dry-run exits with the code the real run would.`;

export const registerInvoices: RegisterCommand = (program: Command, act) => {
  const invoices = program
    .command('invoices')
    .description('posted sales invoices in Dynamics 365 Sales and their payment status (POSTEDSALESINV-INV)')
    .addHelpText(
      'after',
      `
Examples:
  $ bcsync invoices create 103001
  $ bcsync invoices create --all --dry-run
  $ bcsync invoices sync

${EXIT_CODES}`,
    );

  invoices
    .command('create [invoice]')
    .description('Business Central\'s "Create Invoice in Dynamics 365 Sales": a posted invoice (number or id), or --all')
    .option('-a, --all', 'every posted invoice not yet in Dynamics 365 Sales; coupled ones are completed')
    .option('-n, --dry-run', 'read and plan only; nothing is written')
    .addHelpText(
      'after',
      `
The invoice is created with its lines in one request and coupled
(POSTEDSALESINV-INV, lines POSTEDSALESLINE-INV). Your Reference equal to a Sales
order number links it to that order (opportunity, order, price list, name,
customer and owner from it); otherwise it is named by its number, on the default
price list (LCY) or "Price List in <currency>". Items and resources not coupled
become write-in lines "<No.> <Description>.". Totals and tax are Business
Central's; the status is Billed, or Paid/Partial, Paid/Complete, Canceled as the
customer ledger says. An invoice with lines of blocked items, or whose customer
is not coupled, is refused with the reason. A second run writes nothing. --json
(global) prints {ok, dryRun, mappings: [report]}.

Examples:
  $ bcsync invoices create 103001
  $ bcsync invoices create --all
  $ bcsync --json invoices create --all --dry-run

${EXIT_CODES}`,
    )
    .action((invoice: string | undefined, options: InvoicesCreateOptions, cmd: Command) => act(cmd, (deps) => invoicesCreateRun(deps, invoice, options)));

  invoices
    .command('sync')
    .description('the scheduled runs: coupled invoices brought in line, then payment status from the customer ledger')
    .option('-n, --dry-run', 'read and plan only; nothing is written and the ledger watermark stays')
    .addHelpText(
      'after',
      `
Runs what "sync --all" runs when an order integration is on (POSTED-INVOICES
and INVOICE-PAYMENTS): coupled invoices still Active are brought in line; then
the customer ledger entries after the stored entry number set each coupled
invoice to Canceled, Paid/Complete, Paid/Partial or Active/Billed (a paid or
canceled invoice is set back to Active first when it must change). The entry
number advances only after a run without errors. A second run writes nothing.

Examples:
  $ bcsync invoices sync
  $ bcsync invoices sync --dry-run

${EXIT_CODES}`,
    )
    .action((options: { dryRun?: boolean }, cmd: Command) => act(cmd, (deps) => invoicesSyncRun(deps, options)));
};
