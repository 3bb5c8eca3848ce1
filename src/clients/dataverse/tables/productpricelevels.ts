import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Price list items (SALESPRC-PRODPRICE / PLLINE-PRODPRICE mappings). */
export const productpricelevels = defineTable({
  entitySet: 'productpricelevels',
  logicalName: 'productpricelevel',
  key: 'productpricelevelid',
  columns: {
    _pricelevelid_value: col.ref(),
    _productid_value: col.ref(),
    _uomid_value: col.ref(),
    _uomscheduleid_value: col.ref(),
    amount: col.number(),
    percentage: col.number(),
    pricingmethodcode: col.int(),
    quantitysellingcode: col.int(),
    roundingpolicycode: col.int(),
    roundingoptioncode: col.int(),
    _transactioncurrencyid_value: col.ref(),
    _bcbi_companyid_value: col.ref(),
  },
});

export type ProductpricelevelsRow = DataverseRow<typeof productpricelevels>;
