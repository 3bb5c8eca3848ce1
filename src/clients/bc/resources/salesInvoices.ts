import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';
import { salesDocumentColumns, salesDocumentLineColumns } from './salesDocuments.js';

/** Sales invoices (POSTEDSALESINV-INV mapping); actions `Microsoft.NAV.post`, `postAndSend`, `send`, `cancel`, ... */
export const salesInvoices = defineResource({
  entitySet: 'salesInvoices',
  columns: {
    ...salesDocumentColumns,
    invoiceDate: col.text(),
    dueDate: col.text(),
    promisedPayDate: col.text(),
    customerPurchaseOrderReference: col.text(),
    orderId: col.ref(),
    orderNumber: col.text(),
    disputeStatusId: col.ref(),
    disputeStatus: col.text(),
    remainingAmount: col.number(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type SalesInvoicesRow = BcRow<typeof salesInvoices>;

/** Sales invoice lines (POSTEDSALESLINE-INV mapping): read `under(salesInvoices, id, salesInvoiceLines)`; the company-level set needs a documentId filter. */
export const salesInvoiceLines = defineResource({
  entitySet: 'salesInvoiceLines',
  columns: {
    ...salesDocumentLineColumns,
    shipmentDate: col.text(),
  },
  alwaysPresent: ['documentId', 'sequence'],
});

export type SalesInvoiceLinesRow = BcRow<typeof salesInvoiceLines>;
