import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Sales prices (SALESPRC-PRODPRICE mapping, old pricing). Custom API. */
export const salesPrices = defineResource({
  entitySet: 'salesPrices',
  custom: true,
  columns: {
    itemNumber: col.text(),
    salesType: col.text(),
    salesCode: col.text(),
    currencyCode: col.text(),
    startingDate: col.text(),
    unitOfMeasureCode: col.text(),
    minimumQuantity: col.number(),
    unitPrice: col.number(),
  },
});

export type SalesPricesRow = BcRow<typeof salesPrices>;
