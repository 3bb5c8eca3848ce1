/**
 * Payment status of coupled invoices from the customer ledger (docs/integration.md §8.4 "Payment status"), as BC's
 * Statistics job and "Update Account Statistics" set it: the detailed ledger entries after the stored entry number
 * (BC's "Last Update Invoice Entry No.") name the ledger entries that moved; for each invoice entry whose posted
 * invoice is coupled, the Dataverse invoice becomes Canceled, Paid/Complete, Paid/Partial or Active/Billed; an
 * invoice that is not Active is first set back to Active/Billed. The mark advances only when every read succeeded.
 */
import type { MappingReport } from '../../engine/report.js';
import { bcTable } from '../../engine/tables.js';
import { POSTED_INVOICE_MAPPING, postedInvoiceMappings } from '../../mapping/index.js';
import type { WriteOp } from '../../sides/types.js';
import { advanceProcessMark, readProcessMark } from '../../state/index.js';
import { ACTIVE, BILLED, num, paymentState, sameState, text, type InvoiceState } from './convert.js';
import { startReport } from './report.js';
import { BC_DETAILED_LEDGER, BC_LEDGER, DV_STATE_COLUMNS, readAll, readWhereIn, table, type InvoiceProcessContext } from './sources.js';

/** The job-queue name of the payment-status run and the name of its entry-number mark. */
export const INVOICE_PAYMENTS = 'INVOICE-PAYMENTS';

const DV_INVOICE_STATES = table('invoices', 'invoiceid', [...DV_STATE_COLUMNS, 'invoicenumber']);

/**
 * Reads the ledger after the mark and sets the status of the coupled invoices it concerns. Exported for
 * `bcsync stats` (BC's Update Account Statistics runs the same step).
 */
export async function syncInvoicePaymentStatus(pc: InvoiceProcessContext, options: { dryRun?: boolean } = {}): Promise<MappingReport> {
  const { ctx } = pc;
  const dryRun = Boolean(options.dryRun);
  const r = startReport(INVOICE_PAYMENTS, ctx, dryRun);
  const counts = r.report.counts['to-dataverse'];
  // Without a coupled invoice no entry can change anything in Sales: no request (the mark stays where it is).
  if (ctx.state.couplings(POSTED_INVOICE_MAPPING).next().done) return r.finish();
  const mark = await readProcessMark(pc.stateDir, INVOICE_PAYMENTS);
  const detailed = await readAll(ctx.bc, BC_DETAILED_LEDGER, [{ field: 'entryNumber', op: 'gt', value: mark }]);
  if (detailed.length === 0) return r.finish();
  const newest = Math.max(...detailed.map((d) => num(d.fields.entryNumber)));
  const entryNumbers = [...new Set(detailed.filter((d) => text(d.fields.documentType) === 'Invoice').map((d) => num(d.fields.custLedgerEntryNumber)))];
  const entries = entryNumbers.length ? await readWhereIn(ctx.bc, BC_LEDGER, 'entryNumber', entryNumbers) : [];
  const invoiceEntries = entries.filter((e) => text(e.fields.documentType) === 'Invoice');
  const [header] = postedInvoiceMappings(pc.options);
  const bcInvoices = invoiceEntries.length ? await readWhereIn(ctx.bc, { ...bcTable(header!), select: ['number', 'status'] }, 'number', invoiceEntries.map((e) => text(e.fields.documentNumber))) : [];
  const byNumber = new Map(bcInvoices.map((i) => [text(i.fields.number), i]));
  const wanted = new Map<string, { state: InvoiceState; number: string; bcId: string }>();
  for (const entry of invoiceEntries) {
    const invoice = byNumber.get(text(entry.fields.documentNumber));
    const coupling = invoice ? ctx.state.byBcId(POSTED_INVOICE_MAPPING, invoice.id) : undefined;
    if (!invoice || !coupling) continue;
    const state = paymentState({ cancelled: text(invoice.fields.status) === 'Canceled', amount: num(entry.fields.amount), remaining: num(entry.fields.remainingAmount) });
    wanted.set(coupling.dataverseId, { state, number: text(invoice.fields.number), bcId: invoice.id });
  }
  const current = wanted.size ? await ctx.dataverse.get(DV_INVOICE_STATES, [...wanted.keys()]) : [];
  // Two rounds: reactivations (a Paid or Canceled invoice goes back to Active/Billed first), then the new states.
  const reactivate: WriteOp[] = [];
  const settle: WriteOp[] = [];
  for (const row of current) {
    const w = wanted.get(row.id)!;
    if (sameState(w.state, row.fields)) {
      counts.unchanged++;
      continue;
    }
    const notActive = num(row.fields.statecode) !== ACTIVE;
    if (notActive) reactivate.push({ kind: 'update', id: row.id, fields: { ...BILLED } });
    if (!(notActive && sameState(w.state, BILLED))) settle.push({ kind: 'update', id: row.id, fields: { ...w.state } });
    counts.modified++;
  }
  if (!dryRun) {
    for (const round of [reactivate, settle]) {
      if (round.length === 0) continue;
      for (const res of await ctx.dataverse.write(DV_INVOICE_STATES, round)) {
        if (res.ok) continue;
        const w = wanted.get(res.op.id)!;
        counts.modified--;
        r.fail(`invoice ${w.number}`, `invoice ${w.number}: the payment status was not set (${res.error?.message ?? 'no answer'})`, { bcId: w.bcId, dataverseId: res.op.id });
      }
    }
    // Every read succeeded (a failed read threw before here) and every status landed: the entries up to the
    // newest are done. A refused write keeps the mark, so the next run tries those invoices again.
    if (counts.failed === 0) await advanceProcessMark(pc.stateDir, INVOICE_PAYMENTS, newest);
  }
  return r.finish();
}
