import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Payment terms (PAYMENT TERMS option mapping). */
export const paymentTerms = defineResource({
  entitySet: 'paymentTerms',
  columns: {
    code: col.text(),
    displayName: col.text(),
    dueDateCalculation: col.text(),
    discountDateCalculation: col.text(),
    discountPercent: col.number(),
    calculateDiscountOnCreditMemos: col.bool(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type PaymentTermsRow = BcRow<typeof paymentTerms>;
