/**
 * The pure rules of posting an invoice to Dataverse (docs/integration.md §8.4): status from the ledger entry, line
 * body and amounts after insert, header totals with and without an order integration.
 */
import { describe, expect, test } from '@jest/globals';
import {
  BILLED,
  CANCELED,
  PAID_COMPLETE,
  PAID_PARTIAL,
  differing,
  headerTotals,
  lineAmounts,
  lineBody,
  paymentState,
  syncedLines,
} from '../../src/processes/invoices/convert.js';
import type { Rec } from '../../src/sides/types.js';

const rec = (fields: Record<string, unknown>): Rec => ({ id: String(fields.id ?? 'x'), modifiedAt: '', fields });

// 4 × 100 with a line discount of 40 and an invoice discount share of 36, 10 % tax on what is left (324).
const line = rec({ id: 'l1', sequence: 20000, lineType: 'Item', lineObjectNumber: '1000', description: 'Desk', quantity: 4, unitPrice: 100, discountAmount: 40, invoiceDiscountAllocation: 36, netAmount: 324, netAmountIncludingTax: 356.4 });
const other = rec({ id: 'l2', sequence: 10000, lineType: 'Item', quantity: 1, unitPrice: 100, discountAmount: 0, invoiceDiscountAllocation: 0, netAmount: 100, netAmountIncludingTax: 110 });
const invoice = rec({ totalAmountExcludingTax: 424, totalTaxAmount: 42.4, totalAmountIncludingTax: 466.4, discountAmount: 36 });

describe('invoice rules', () => {
  test('status from the ledger entry: cancelled, nothing remaining, partly paid, unpaid', () => {
    expect(paymentState({ cancelled: true, amount: 100, remaining: 0 })).toEqual(CANCELED);
    expect(paymentState({ cancelled: false, amount: 100, remaining: 0 })).toEqual(PAID_COMPLETE);
    expect(paymentState({ cancelled: false, amount: 100, remaining: 40 })).toEqual(PAID_PARTIAL);
    expect(paymentState({ cancelled: false, amount: 100, remaining: 100 })).toEqual(BILLED);
  });

  test('a line: number, price, discount, tax; a product or a write-in; prices including tax lose their unit tax', () => {
    expect(lineBody(line, { productId: 'p1' }, false)).toEqual({
      lineitemnumber: 20000,
      quantity: 4,
      priceperunit: 100,
      ispriceoverridden: true,
      manualdiscountamount: 40,
      tax: 32.4,
      'productid@odata.bind': '/products(p1)',
    });
    expect(lineBody(line, { writeIn: '1000 Desk.' }, true)).toMatchObject({ priceperunit: 91.9, isproductoverridden: true, productdescription: '1000 Desk.' });
    expect(lineAmounts(line)).toEqual({ baseamount: 400, extendedamount: 392.4, tax: 32.4 });
    expect(syncedLines([line, rec({ lineType: 'Comment' }), other]).map((l) => l.id)).toEqual(['l2', 'l1']);
  });

  test('header totals with an order integration and without', () => {
    expect(headerTotals(invoice, [line, other], true)).toEqual({
      totallineitemdiscountamount: 40,
      totalamount: 466.4,
      totaltax: 42.4,
      totalamountlessfreight: 424,
      totaldiscountamount: 36,
    });
    expect(headerTotals(invoice, [line, other], false)).toEqual({
      totallineitemdiscountamount: 40,
      totalamount: 466.4,
      totalamountlessfreight: 424,
      freightamount: 0,
      discountpercentage: 0,
      totaltax: 42.4,
      totaldiscountamount: 76,
    });
  });

  test('only values that differ are written (money to the cent; an unset 0 is no change)', () => {
    expect(differing({ a: 1.004, b: 2, c: 0, d: 'x' }, { a: 1, b: 3, c: null, d: 'x' })).toEqual({ b: 2 });
  });
});
