import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Price list headers (PLHEADER-PRICE mapping, new pricing). Custom API. */
export const priceListHeaders = defineResource({
  entitySet: 'priceListHeaders',
  custom: true,
  columns: {
    code: col.text(),
    description: col.text(),
    priceType: col.text(),
    amountType: col.text(),
    currencyCode: col.text(),
    startingDate: col.text(),
    endingDate: col.text(),
    status: col.text(),
    allowUpdatingDefaults: col.bool(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type PriceListHeadersRow = BcRow<typeof priceListHeaders>;
