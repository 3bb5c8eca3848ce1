import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Customer payments: read `under(customerPaymentJournals, id, customerPayments)`; the company-level set needs a journal filter. */
export const customerPayments = defineResource({
  entitySet: 'customerPayments',
  columns: {
    journalId: col.ref(),
    journalDisplayName: col.text(),
    lineNumber: col.int(),
    customerId: col.ref(),
    customerNumber: col.text(),
    contactId: col.ref(),
    postingDate: col.text(),
    documentNumber: col.text(),
    externalDocumentNumber: col.text(),
    amount: col.number(),
    appliesToInvoiceId: col.ref(),
    appliesToInvoiceNumber: col.text(),
    description: col.text(),
    comment: col.text(),
  },
});

export type CustomerPaymentsRow = BcRow<typeof customerPayments>;
