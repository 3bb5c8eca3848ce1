import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';
import { salesDocumentColumns, salesDocumentLineColumns } from './salesDocuments.js';

/** Sales orders (SALESORDER-ORDER mapping); `Microsoft.NAV.shipAndInvoice` posts them. */
export const salesOrders = defineResource({
  entitySet: 'salesOrders',
  columns: {
    ...salesDocumentColumns,
    orderDate: col.text(),
    partialShipping: col.bool(),
    requestedDeliveryDate: col.text(),
    fullyShipped: col.bool(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type SalesOrdersRow = BcRow<typeof salesOrders>;

/** Sales order lines (SOLINE-ORDERDETAIL mapping): read `under(salesOrders, id, salesOrderLines)`; the company-level set needs a documentId filter. */
export const salesOrderLines = defineResource({
  entitySet: 'salesOrderLines',
  columns: {
    ...salesDocumentLineColumns,
    shipmentDate: col.text(),
    shippedQuantity: col.number(),
    invoicedQuantity: col.number(),
    invoiceQuantity: col.number(),
    shipQuantity: col.number(),
  },
  alwaysPresent: ['documentId', 'sequence'],
});

export type SalesOrderLinesRow = BcRow<typeof salesOrderLines>;
