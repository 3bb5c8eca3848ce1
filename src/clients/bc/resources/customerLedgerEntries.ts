import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Customer ledger entries (payment status of posted invoices). Custom API, read-only. */
export const customerLedgerEntries = defineResource({
  entitySet: 'customerLedgerEntries',
  custom: true,
  columns: {
    entryNumber: col.int(),
    customerNumber: col.text(),
    postingDate: col.text(),
    documentType: col.text(),
    documentNumber: col.text(),
    description: col.text(),
    currencyCode: col.text(),
    amount: col.number(),
    remainingAmount: col.number(),
    open: col.bool(),
    closedAtDate: col.text(),
    reversed: col.bool(),
  },
});

export type CustomerLedgerEntriesRow = BcRow<typeof customerLedgerEntries>;
