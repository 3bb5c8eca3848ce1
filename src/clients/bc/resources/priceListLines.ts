import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Price list lines (PLLINE-PRODPRICE mapping, new pricing). Custom API. */
export const priceListLines = defineResource({
  entitySet: 'priceListLines',
  custom: true,
  columns: {
    priceListCode: col.text(),
    lineNumber: col.int(),
    priceType: col.text(),
    amountType: col.text(),
    assetType: col.text(),
    assetNumber: col.text(),
    unitOfMeasureCode: col.text(),
    currencyCode: col.text(),
    minimumQuantity: col.number(),
    unitPrice: col.number(),
    startingDate: col.text(),
    endingDate: col.text(),
  },
});

export type PriceListLinesRow = BcRow<typeof priceListLines>;
