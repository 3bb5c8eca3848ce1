import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { salesDocumentColumns } from './salesDocuments.js';

/** Quotes (quote processing). */
export const quotes = defineTable({
  entitySet: 'quotes',
  logicalName: 'quote',
  key: 'quoteid',
  columns: {
    quotenumber: col.text(),
    ...salesDocumentColumns,
    revisionnumber: col.int(),
    effectivefrom: col.text(),
    effectiveto: col.text(),
    requestdeliveryby: col.text(),
    freighttermscode: col.int(),
  },
});

export type QuotesRow = DataverseRow<typeof quotes>;
