import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Lines of archived sales documents. Custom API, read-only. */
export const salesLineArchives = defineResource({
  entitySet: 'salesLineArchives',
  custom: true,
  columns: {
    documentType: col.text(),
    documentNumber: col.text(),
    docNoOccurrence: col.int(),
    versionNumber: col.int(),
    lineNumber: col.int(),
    lineType: col.text(),
    lineObjectNumber: col.text(),
    description: col.text(),
    quantity: col.number(),
    quantityShipped: col.number(),
    quantityInvoiced: col.number(),
    unitPrice: col.number(),
    lineDiscountPercent: col.number(),
    lineDiscountAmount: col.number(),
    amount: col.number(),
    amountIncludingVat: col.number(),
  },
});

export type SalesLineArchivesRow = BcRow<typeof salesLineArchives>;
