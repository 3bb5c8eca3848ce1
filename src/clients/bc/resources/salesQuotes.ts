import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';
import { salesDocumentColumns, salesDocumentLineColumns } from './salesDocuments.js';

/** Sales quotes; actions `Microsoft.NAV.send`, `makeInvoice`, `makeOrder`. */
export const salesQuotes = defineResource({
  entitySet: 'salesQuotes',
  columns: {
    ...salesDocumentColumns,
    documentDate: col.text(),
    dueDate: col.text(),
    sentDate: col.text(),
    validUntilDate: col.text(),
    acceptedDate: col.text(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type SalesQuotesRow = BcRow<typeof salesQuotes>;

/** Sales quote lines: read `under(salesQuotes, id, salesQuoteLines)`; the company-level set needs a documentId filter. */
export const salesQuoteLines = defineResource({
  entitySet: 'salesQuoteLines',
  columns: salesDocumentLineColumns,
  alwaysPresent: ['documentId', 'sequence'],
});

export type SalesQuoteLinesRow = BcRow<typeof salesQuoteLines>;
