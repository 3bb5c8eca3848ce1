import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Price lists (CUSTPRCGRP-PRICE / PLHEADER-PRICE mappings). */
export const pricelevels = defineTable({
  entitySet: 'pricelevels',
  logicalName: 'pricelevel',
  key: 'pricelevelid',
  columns: {
    name: col.text(),
    description: col.text(),
    _transactioncurrencyid_value: col.ref(),
    begindate: col.text(),
    enddate: col.text(),
    _bcbi_companyid_value: col.ref(),
  },
  alwaysPresent: ['name'],
});

export type PricelevelsRow = DataverseRow<typeof pricelevels>;
