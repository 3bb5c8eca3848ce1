/**
 * `bcsync stats`: Business Central's "Update Account Statistics" and Customer Statistics job (docs/integration.md
 * §8.5). Thin: parse, open the session, hand over to src/app/statistics.ts, print.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { ExitCode, UsageError } from '../../errors.js';
import { logReport, openSession } from '../../app/session.js';
import { runStatistics, statisticsResults } from '../../app/statistics.js';
import { invoiceContext } from '../../app/invoices.js';
import { hasProblems, type MappingReport } from '../../engine/report.js';
import { syncInvoicePaymentStatus } from '../../processes/invoices/payments.js';
import { startProcessReport } from '../../processes/process-report.js';
import { STATISTICS_PROCESS, type AccountStatistics } from '../../processes/statistics/statistics.js';
import { recordsOutcome } from '../../processes/statistics/report.js';
import type { RegisterCommand, CommandOutcome } from '../registry.js';

export interface StatsOptions {
  customer?: string;
  all?: boolean;
  dryRun?: boolean;
}

function checkFlags(opts: StatsOptions): void {
  if (opts.all && opts.customer !== undefined) throw new UsageError('--customer and --all cannot be combined; pass one of them.');
  if (!opts.all && opts.customer === undefined) throw new UsageError('Missing --customer X or --all: say which customers\' statistics to update.');
  if (opts.customer !== undefined && opts.customer.trim() === '') throw new UsageError('--customer needs a customer number or id, e.g. --customer 10000.');
}

export async function statsRun(deps: Deps, opts: StatsOptions): Promise<CommandOutcome> {
  checkFlags(opts);
  const dryRun = Boolean(opts.dryRun);
  const session = await openSession(deps, 'stats');
  let accounts: AccountStatistics[];
  let payments: MappingReport | undefined;
  try {
    const finish = startProcessReport(session.ctx, STATISTICS_PROCESS);
    const scope = opts.all ? { all: true as const } : { customer: opts.customer! };
    const run = await runStatistics(session, scope, dryRun);
    accounts = run.accounts;
    await logReport(session.log, finish(recordsOutcome(STATISTICS_PROCESS, statisticsResults(run), dryRun)));
    // BC's statistics job also sets the payment status of coupled invoices (docs/integration.md §8.4); --all does too.
    if (opts.all) {
      payments = await syncInvoicePaymentStatus(invoiceContext(session), { dryRun });
      await logReport(session.log, payments);
    }
  } finally {
    await session.close();
  }
  printAccounts(deps, accounts, dryRun, payments);
  const failed = accounts.some((a) => a.result === 'failed') || (payments !== undefined && hasProblems(payments));
  return { exitCode: failed ? ExitCode.partial : ExitCode.ok };
}

function printAccounts(deps: Deps, accounts: AccountStatistics[], dryRun: boolean, payments: MappingReport | undefined): void {
  const out = deps.out;
  const invoicePayments = payments?.counts['to-dataverse'];
  if (out.json) {
    out.writeJson({ ...(dryRun ? { dryRun } : {}), accounts, ...(invoicePayments ? { invoicePayments } : {}) });
    return;
  }
  if (invoicePayments) out.info(`Invoice payment status: ${invoicePayments.modified} updated, ${invoicePayments.unchanged} unchanged, ${invoicePayments.failed} failed.`);
  if (accounts.length === 0) out.info('No coupled customer has changed since the last run; nothing to update.');
  else {
    out.table(
      accounts.map((a) => ({ ...a, statisticsId: a.statisticsId ?? '', message: a.message ?? '' })),
      [
        { key: 'customerNumber', header: 'Customer' },
        { key: 'accountid', header: 'Account id' },
        { key: 'statisticsId', header: 'Statistics id' },
        { key: 'result', header: 'Result' },
        { key: 'message', header: 'Note' },
      ],
    );
  }
  if (dryRun) out.info('Dry run: nothing was written.');
  for (const a of accounts.filter((x) => x.result === 'failed')) out.warn(`customer ${a.customerNumber || a.accountid}: ${a.message ?? 'failed'}`);
}

export const registerStats: RegisterCommand = (program: Command, act) => {
  program
    .command('stats')
    .description("update the Business Central account statistics of coupled accounts (BC's Update Account Statistics)")
    .option('--customer <customer>', 'one coupled customer: its BC number or id, or the account id')
    .option('-a, --all', 'every coupled customer whose ledger entries or sales documents changed since the last run, and every one not uploaded yet')
    .option('-n, --dry-run', 'show what would be written; only reads')
    .addHelpText(
      'after',
      `
The first upload creates the account's nav_accountstatistics row and links it
from the account; later runs write the figures that changed: balance,
outstanding orders, shipped not invoiced, outstanding invoices, total, credit
limit, overdue amounts (as of the work date), total sales, invoiced
prepayments, all in LCY. --all also sets the payment status of coupled invoices
(as INVOICE-PAYMENTS). "sync --all" runs both as job-queue processes.
--json prints {accounts: [{accountid, customerNumber, statisticsId, result}]}
(result: inserted, modified, unchanged or failed; failed ones carry a message)
and, with --all, invoicePayments (the payment-status counts).

Examples:
  $ bcsync stats --all
  $ bcsync stats --customer 10000 --dry-run
  $ bcsync stats --all --json

Exit codes: 0 ok, 1 a service refused or could not be reached, 2 usage,
3 configuration or sign-in, 4 a customer or account is missing (failed),
5 state locked or corrupt.`,
    )
    .action((options: StatsOptions, cmd: Command) => act(cmd, (deps) => statsRun(deps, options)));
};
