/**
 * The customer ledger as posting writes it (docs/integration.md §8.4, tables Cust. Ledger Entry 21 and Detailed
 * Cust. Ledg. Entry 379): a posted invoice opens an invoice entry with an "Initial Entry" detailed entry; a posted
 * payment opens a payment entry and, applied to an invoice, adds an "Application" detailed entry on each of the
 * two entries and lowers both remaining amounts; cancelling a posted invoice posts a corrective credit memo
 * applied to it in full. Entry numbers only grow, so a reader can keep a watermark on them. Served read-only
 * through the custom API (`customerLedgerEntries`, `detailedCustLedgerEntries`, docs/custom-api.md).
 */
import type { Company } from './company.js';
import { RESOURCE_BY_SET } from './resources.js';
import type { Rec } from './store.js';
import { BLANK_GUID, newGuid, round2 } from './values.js';

const ENTRIES = 'customerLedgerEntries';
const DETAILED = 'detailedCustLedgerEntries';

type DetailedType = 'Initial Entry' | 'Application';

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function nextEntryNumber(c: Company, set: string): number {
  let max = 0;
  for (const row of c.store.rows(set)) max = Math.max(max, num(row.data.entryNumber));
  return max + 1;
}

function insertRow(c: Company, set: string, values: Rec): Rec {
  const id = newGuid();
  const data: Rec = { ...c.blank(RESOURCE_BY_SET.get(set)!), ...values, id, entryNumber: nextEntryNumber(c, set), lastModifiedDateTime: c.nowText() };
  c.store.put(set, id, data);
  return data;
}

function detailed(c: Company, entry: Readonly<Rec>, entryType: DetailedType, amount: number, postingDate: string): void {
  insertRow(c, DETAILED, {
    custLedgerEntryNumber: entry.entryNumber,
    entryType,
    postingDate,
    documentType: entry.documentType,
    documentNumber: entry.documentNumber,
    customerNumber: entry.customerNumber,
    amount: round2(amount),
  });
}

/** The customer a document is posted to: the bill-to customer, else the sell-to customer. */
function customerNumberOf(c: Company, doc: Readonly<Rec>): string {
  const id = (doc.billToCustomerId !== BLANK_GUID && doc.billToCustomerId ? doc.billToCustomerId : doc.customerId) as string;
  const customer = id && id !== BLANK_GUID ? c.get('customers', id)?.data : undefined;
  return String(customer?.number ?? doc.billToCustomerNumber ?? doc.customerNumber ?? '');
}

/** The ledger keeps BC's own blank currency code for the local currency. */
function ledgerCurrency(c: Company, code: unknown): string {
  return typeof code === 'string' && code !== c.lcyCode ? code : '';
}

function openEntry(c: Company, values: Rec, postingDate: string): Rec {
  const amount = round2(num(values.amount));
  const entry = insertRow(c, ENTRIES, { ...values, postingDate, amount, remainingAmount: amount, open: amount !== 0, reversed: false });
  detailed(c, entry, 'Initial Entry', amount, postingDate);
  return entry;
}

/** The open invoice entry of a posted invoice number, if any. */
export function invoiceEntry(c: Company, invoiceNumber: string): Rec | undefined {
  for (const row of c.store.rows(ENTRIES)) {
    if (row.data.documentType === 'Invoice' && row.data.documentNumber === invoiceNumber) return row.data;
  }
  return undefined;
}

/** Posting a sales invoice: its invoice entry for the amount including tax. Posting the same invoice twice is a no-op. */
export function postInvoiceEntry(c: Company, invoice: Readonly<Rec>): void {
  const number = String(invoice.number);
  if (invoiceEntry(c, number)) return;
  openEntry(
    c,
    {
      customerNumber: customerNumberOf(c, invoice),
      documentType: 'Invoice',
      documentNumber: number,
      description: `Invoice ${number}`,
      currencyCode: ledgerCurrency(c, invoice.currencyCode),
      amount: num(invoice.totalAmountIncludingTax),
    },
    String(invoice.postingDate || c.today()),
  );
}

/** Applies `amount` of the credit entry `credit` (payment, credit memo) to the invoice entry: both remaining amounts move. */
function apply(c: Company, invoice: Readonly<Rec>, credit: Readonly<Rec>, amount: number, postingDate: string): void {
  if (amount <= 0) return;
  for (const [entry, delta] of [
    [invoice, -amount],
    [credit, amount],
  ] as const) {
    const remaining = round2(num(entry.remainingAmount) + delta);
    detailed(c, entry, 'Application', delta, postingDate);
    c.touch(ENTRIES, entry.id as string, { remainingAmount: remaining, open: remaining !== 0, closedAtDate: remaining === 0 ? postingDate : '0001-01-01' });
  }
}

/** A posted customer payment: its payment entry, applied to the invoice it names (`applied` of `amount`). */
export function postPaymentEntry(c: Company, payment: { customerNumber: string; documentNumber: string; amount: number; applied: number; invoiceNumber?: string; postingDate: string }): void {
  const entry = openEntry(
    c,
    { customerNumber: payment.customerNumber, documentType: 'Payment', documentNumber: payment.documentNumber, description: `Payment ${payment.documentNumber}`, amount: -payment.amount },
    payment.postingDate,
  );
  const invoice = payment.invoiceNumber ? invoiceEntry(c, payment.invoiceNumber) : undefined;
  if (invoice) apply(c, invoice, c.get(ENTRIES, entry.id as string)!.data, payment.applied, payment.postingDate);
}

/** Cancelling a posted invoice: a corrective credit memo for its remaining amount, applied to it. */
export function postCancellationEntry(c: Company, invoice: Readonly<Rec>, creditMemoNumber: string): void {
  const entry = invoiceEntry(c, String(invoice.number));
  if (!entry) return;
  const today = c.today();
  const memo = openEntry(
    c,
    {
      customerNumber: entry.customerNumber,
      documentType: 'Credit Memo',
      documentNumber: creditMemoNumber,
      description: `Correction of invoice ${String(invoice.number)}`,
      currencyCode: entry.currencyCode,
      amount: -num(entry.remainingAmount),
    },
    today,
  );
  apply(c, c.get(ENTRIES, entry.id as string)!.data, c.get(ENTRIES, memo.id as string)!.data, num(entry.remainingAmount), today);
}

/**
 * A seeded company's ledger, from its posted invoices as seeded: every posted invoice has its invoice entry; what a
 * seeded invoice shows as paid (total less remaining) was a payment applied to it; a seeded Canceled invoice was
 * cancelled by a corrective credit memo.
 */
export function seedLedger(c: Company): void {
  const invoices = [...c.store.rows('salesInvoices')].map((r) => r.data).filter((d) => ['Open', 'Paid', 'Canceled', 'Corrective'].includes(String(d.status)));
  invoices.sort((a, b) => String(a.postingDate).localeCompare(String(b.postingDate)) || String(a.number).localeCompare(String(b.number)));
  for (const invoice of invoices) {
    const total = num(invoice.totalAmountIncludingTax);
    postInvoiceEntry(c, { ...invoice, totalAmountIncludingTax: total });
    const paid = invoice.status === 'Canceled' ? 0 : round2(total - num(invoice.remainingAmount));
    if (paid > 0) {
      postPaymentEntry(c, {
        customerNumber: customerNumberOf(c, invoice),
        documentNumber: c.nextNumber('paymentDocuments'),
        amount: paid,
        applied: paid,
        invoiceNumber: String(invoice.number),
        postingDate: String(invoice.postingDate || c.today()),
      });
    }
    if (invoice.status === 'Canceled') postCancellationEntry(c, invoice, c.nextNumber('postedCreditMemos'));
  }
}
