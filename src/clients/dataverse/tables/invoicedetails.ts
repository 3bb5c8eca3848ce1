import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { salesDocumentLineColumns } from './salesDocuments.js';

/** Invoice lines (POSTEDSALESLINE-INV mapping). */
export const invoicedetails = defineTable({
  entitySet: 'invoicedetails',
  logicalName: 'invoicedetail',
  key: 'invoicedetailid',
  columns: {
    _invoiceid_value: col.ref(),
    ...salesDocumentLineColumns,
    quantityshipped: col.number(),
  },
  system: false,
});

export type InvoicedetailsRow = DataverseRow<typeof invoicedetails>;
