import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { salesDocumentColumns } from './salesDocuments.js';

/** Invoices (POSTEDSALESINV-INV mapping). */
export const invoices = defineTable({
  entitySet: 'invoices',
  logicalName: 'invoice',
  key: 'invoiceid',
  columns: {
    invoicenumber: col.text(),
    ...salesDocumentColumns,
    _salesorderid_value: col.ref(),
    duedate: col.text(),
    datedelivered: col.text(),
  },
});

export type InvoicesRow = DataverseRow<typeof invoices>;
