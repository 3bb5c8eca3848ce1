import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { salesDocumentLineColumns } from './salesDocuments.js';

/** Quote lines. */
export const quotedetails = defineTable({
  entitySet: 'quotedetails',
  logicalName: 'quotedetail',
  key: 'quotedetailid',
  columns: {
    _quoteid_value: col.ref(),
    ...salesDocumentLineColumns,
  },
  system: false,
});

export type QuotedetailsRow = DataverseRow<typeof quotedetails>;
