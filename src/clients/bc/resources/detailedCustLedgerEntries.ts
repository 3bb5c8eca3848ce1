import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Detailed customer ledger entries (applications, read after an entry-number watermark for payment status). Custom API, read-only. */
export const detailedCustLedgerEntries = defineResource({
  entitySet: 'detailedCustLedgerEntries',
  custom: true,
  columns: {
    entryNumber: col.int(),
    custLedgerEntryNumber: col.int(),
    entryType: col.text(),
    postingDate: col.text(),
    documentType: col.text(),
    documentNumber: col.text(),
    customerNumber: col.text(),
    amount: col.number(),
  },
});

export type DetailedCustLedgerEntriesRow = BcRow<typeof detailedCustLedgerEntries>;
