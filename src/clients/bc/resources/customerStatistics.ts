import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Customer statistics figures in LCY (account statistics). Custom API, read-only. */
export const customerStatistics = defineResource({
  entitySet: 'customerStatistics',
  custom: true,
  columns: {
    number: col.text(),
    balance: col.number(),
    outstandingOrders: col.number(),
    shippedNotInvoiced: col.number(),
    outstandingInvoices: col.number(),
    totalAmount: col.number(),
    creditLimit: col.number(),
    overdueAmount: col.number(),
    overdueAsOfDate: col.text(),
    totalSales: col.number(),
    invoicedPrepayments: col.number(),
  },
});

export type CustomerStatisticsRow = BcRow<typeof customerStatistics>;
