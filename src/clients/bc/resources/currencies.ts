import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Currencies (CURRENCY mapping). */
export const currencies = defineResource({
  entitySet: 'currencies',
  columns: {
    code: col.text(),
    displayName: col.text(),
    symbol: col.text(),
    amountDecimalPlaces: col.text(),
    amountRoundingPrecision: col.number(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type CurrenciesRow = BcRow<typeof currencies>;
