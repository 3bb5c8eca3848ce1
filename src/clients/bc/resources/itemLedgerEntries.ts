import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Item ledger entries (item availability): API v2.0, read-only. */
export const itemLedgerEntries = defineResource({
  entitySet: 'itemLedgerEntries',
  columns: {
    entryNumber: col.int(),
    itemNumber: col.text(),
    postingDate: col.text(),
    entryType: col.text(),
    sourceNumber: col.text(),
    sourceType: col.text(),
    documentNumber: col.text(),
    documentType: col.text(),
    description: col.text(),
    quantity: col.number(),
    salesAmountActual: col.number(),
    costAmountActual: col.number(),
  },
});

export type ItemLedgerEntriesRow = BcRow<typeof itemLedgerEntries>;
