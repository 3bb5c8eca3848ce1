import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { salesDocumentLineColumns } from './salesDocuments.js';

/** Sales order lines (SOLINE-ORDERDETAIL mapping). */
export const salesorderdetails = defineTable({
  entitySet: 'salesorderdetails',
  logicalName: 'salesorderdetail',
  key: 'salesorderdetailid',
  columns: {
    _salesorderid_value: col.ref(),
    ...salesDocumentLineColumns,
    quantityshipped: col.number(),
    quantitybackordered: col.number(),
    quantitycancelled: col.number(),
    requestdeliveryby: col.text(),
    bcbi_businesscentrallinenumber: col.int(),
  },
  system: false,
});

export type SalesorderdetailsRow = DataverseRow<typeof salesorderdetails>;
