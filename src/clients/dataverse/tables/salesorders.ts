import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { salesDocumentColumns } from './salesDocuments.js';

/** Sales orders (SALESORDER-ORDER mapping, order processing). */
export const salesorders = defineTable({
  entitySet: 'salesorders',
  logicalName: 'salesorder',
  key: 'salesorderid',
  columns: {
    ordernumber: col.text(),
    ...salesDocumentColumns,
    _quoteid_value: col.ref(),
    requestdeliveryby: col.text(),
    datefulfilled: col.text(),
    submitdate: col.text(),
    freighttermscode: col.int(),
    bcbi_businesscentralordernumber: col.text(),
    bcbi_businesscentraldocumentoccurrencenumber: col.int(),
  },
});

export type SalesordersRow = DataverseRow<typeof salesorders>;
