import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Currency exchange rates (one row per currency and starting date; CURRENCY exchange rate). */
export const currencyExchangeRates = defineResource({
  entitySet: 'currencyExchangeRates',
  columns: {
    currencyId: col.ref(),
    currencyCode: col.text(),
    startingDate: col.text(),
    exchangeRateAmount: col.number(),
    relationalCurrencyCode: col.text(),
    relationalExchangeRateAmount: col.number(),
  },
});

export type CurrencyExchangeRatesRow = BcRow<typeof currencyExchangeRates>;
