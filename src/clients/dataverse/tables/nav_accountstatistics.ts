import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Customer statistics of the integration solution (statistics job). Organization-owned. */
export const navAccountstatistics = defineTable({
  entitySet: 'nav_accountstatisticses',
  logicalName: 'nav_accountstatistics',
  key: 'nav_accountstatisticsid',
  columns: {
    nav_name: col.text(),
    nav_customerno: col.text(),
    nav_balancelcy: col.number(),
    nav_outstandingorderslcy: col.number(),
    nav_shippednotinvoicedlcy: col.number(),
    nav_outstandinginvoiceslcy: col.number(),
    nav_outstandingserviceorderslcy: col.number(),
    nav_servshippednotinvoicedlcy: col.number(),
    nav_outstandingservinvoiceslcy: col.number(),
    nav_totallcy: col.number(),
    nav_creditlimitlcy: col.number(),
    nav_overdueamountslcy: col.number(),
    nav_overdueamountsasof: col.text(),
    nav_totalsaleslcy: col.number(),
    nav_invoicedprepaymentamountlcy: col.number(),
    _transactioncurrencyid_value: col.ref(),
    statecode: col.int(),
    statuscode: col.int(),
  },
  system: false,
});

export type NavAccountstatisticsRow = DataverseRow<typeof navAccountstatistics>;
