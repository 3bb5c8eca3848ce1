/**
 * The pure part of posting an invoice to Dataverse (docs/integration.md §8.4): lines with their tax and amounts, the
 * header totals, and the invoice status the customer ledger gives. No I/O: the readers hand in BC's records.
 */
import type { Rec } from '../../sides/types.js';

/** invoice statecode / statuscode pairs BC sets (docs/integration.md §2.5, §8.4). */
export interface InvoiceState {
  statecode: number;
  statuscode: number;
}

export const ACTIVE = 0;
export const NEW: InvoiceState = { statecode: ACTIVE, statuscode: 1 };
export const BILLED: InvoiceState = { statecode: ACTIVE, statuscode: 4 };
export const PAID_COMPLETE: InvoiceState = { statecode: 2, statuscode: 100001 };
export const PAID_PARTIAL: InvoiceState = { statecode: 2, statuscode: 100002 };
export const CANCELED: InvoiceState = { statecode: 3, statuscode: 100003 };

export function sameState(a: InvoiceState, b: { statecode?: unknown; statuscode?: unknown }): boolean {
  return a.statecode === b.statecode && a.statuscode === b.statuscode;
}

export function stateLabel(s: InvoiceState): string {
  if (sameState(PAID_COMPLETE, s)) return 'Paid/Complete';
  if (sameState(PAID_PARTIAL, s)) return 'Paid/Partial';
  if (sameState(CANCELED, s)) return 'Canceled';
  if (sameState(BILLED, s)) return 'Active/Billed';
  return `${s.statecode}/${s.statuscode}`;
}

/**
 * The status of an invoice from its customer ledger entry (docs/integration.md §8.4 "Payment status"): cancelled in BC → Canceled;
 * nothing remaining → Paid/Complete; something paid → Paid/Partial; otherwise Active/Billed.
 */
export function paymentState(entry: { cancelled: boolean; amount: number; remaining: number }): InvoiceState {
  if (entry.cancelled) return CANCELED;
  if (round2(entry.remaining) === 0) return PAID_COMPLETE;
  if (round2(entry.remaining) !== round2(entry.amount)) return PAID_PARTIAL;
  return BILLED;
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

export function round2(n: number): number {
  return Math.round((n + Number.EPSILON) * 100) / 100;
}

/** What a BC invoice line becomes: the product it is coupled to, or a write-in named "<No.> <Description>.". */
export type LineProduct = { productId: string } | { writeIn: string };

/** Lines the invoice carries over: every typed line (a comment line has no amount and no product). */
export function syncedLines(lines: readonly Rec[]): Rec[] {
  return lines.filter((l) => text(l.fields.lineType) !== 'Comment' && text(l.fields.lineType) !== '').sort((a, b) => num(a.fields.sequence) - num(b.fields.sequence));
}

export function writeInName(line: Rec): string {
  return `${text(line.fields.lineObjectNumber)} ${text(line.fields.description)}.`.trim();
}

/**
 * The invoicedetail of a BC line as created (POSTEDSALESLINE-INV field mappings plus docs/integration.md §8.4): line number, quantity,
 * the unit price (less its per-unit tax when prices include tax), the line discount, tax = Amount Incl. VAT − Amount.
 */
export function lineBody(line: Rec, product: LineProduct, pricesIncludeTax: boolean): Record<string, unknown> {
  const f = line.fields;
  const quantity = num(f.quantity);
  let price = num(f.unitPrice);
  if (pricesIncludeTax && quantity !== 0) price = round2(price - (num(f.netAmountIncludingTax) - num(f.netAmount)) / quantity);
  const body: Record<string, unknown> = {
    lineitemnumber: num(f.sequence),
    quantity,
    priceperunit: price,
    ispriceoverridden: true,
    manualdiscountamount: num(f.discountAmount),
    tax: round2(num(f.netAmountIncludingTax) - num(f.netAmount)),
  };
  if ('productId' in product) body['productid@odata.bind'] = `/products(${product.productId})`;
  else {
    body.isproductoverridden = true;
    body.productdescription = product.writeIn;
  }
  return body;
}

/** docs/integration.md §8.4 after insert: baseamount = Amount + Inv. Discount Amount + Line Discount Amount; extendedamount = Amount Incl. VAT + Inv. Discount Amount. */
export function lineAmounts(line: Rec): { baseamount: number; extendedamount: number; tax: number } {
  const f = line.fields;
  return {
    baseamount: round2(num(f.netAmount) + num(f.invoiceDiscountAllocation) + num(f.discountAmount)),
    extendedamount: round2(num(f.netAmountIncludingTax) + num(f.invoiceDiscountAllocation)),
    tax: round2(num(f.netAmountIncludingTax) - num(f.netAmount)),
  };
}

/**
 * Header totals (docs/integration.md §8.4): totallineitemdiscountamount = Σ line discounts; with order integration on, totalamount =
 * Amount Incl. VAT, totaltax = the tax, totalamountlessfreight = total − tax, totaldiscountamount = invoice
 * discount; otherwise no freight and no discount percentage, totaltax = total − total less freight,
 * totaldiscountamount = invoice discount + line discounts.
 */
export function headerTotals(invoice: Rec, lines: readonly Rec[], orderIntegration: boolean): Record<string, number> {
  const f = invoice.fields;
  const lineDiscounts = round2(lines.reduce((s, l) => s + num(l.fields.discountAmount), 0));
  const total = num(f.totalAmountIncludingTax);
  const lessFreight = num(f.totalAmountExcludingTax);
  const discount = num(f.discountAmount);
  if (orderIntegration) {
    const tax = round2(lines.reduce((s, l) => s + lineAmounts(l).tax, 0));
    return {
      totallineitemdiscountamount: lineDiscounts,
      totalamount: total,
      totaltax: tax,
      totalamountlessfreight: round2(total - tax),
      totaldiscountamount: discount,
    };
  }
  return {
    totallineitemdiscountamount: lineDiscounts,
    totalamount: total,
    totalamountlessfreight: lessFreight,
    freightamount: 0,
    discountpercentage: 0,
    totaltax: round2(total - lessFreight),
    totaldiscountamount: round2(discount + lineDiscounts),
  };
}

/** The values of `wanted` that differ from `current` (money compared to the cent). */
export function differing(wanted: Record<string, unknown>, current: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wanted)) {
    const now = current[k];
    if (typeof v === 'number' && typeof now === 'number' ? round2(v) === round2(now) : v === now) continue;
    if (typeof v === 'number' && now === null && v === 0) continue;
    out[k] = v;
  }
  return out;
}
