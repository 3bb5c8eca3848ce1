import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Customer balances (customer statistics). */
export const customerFinancialDetails = defineResource({
  entitySet: 'customerFinancialDetails',
  columns: {
    number: col.text(),
    balance: col.number(),
    totalSalesExcludingTax: col.number(),
    overdueAmount: col.number(),
  },
  alwaysPresent: [],
});

export type CustomerFinancialDetailsRow = BcRow<typeof customerFinancialDetails>;
