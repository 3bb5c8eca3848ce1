import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Currencies (CURRENCY mapping). */
export const transactioncurrencies = defineTable({
  entitySet: 'transactioncurrencies',
  logicalName: 'transactioncurrency',
  key: 'transactioncurrencyid',
  columns: {
    isocurrencycode: col.text(),
    currencyname: col.text(),
    currencysymbol: col.text(),
    exchangerate: col.number(),
    currencyprecision: col.int(),
    statecode: col.int(),
    statuscode: col.int(),
  },
  alwaysPresent: ['isocurrencycode'],
  system: false,
});

export type TransactioncurrenciesRow = DataverseRow<typeof transactioncurrencies>;
