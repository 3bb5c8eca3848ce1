import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Archived versions of sales quotes and orders. Custom API, read-only. */
export const salesHeaderArchives = defineResource({
  entitySet: 'salesHeaderArchives',
  custom: true,
  columns: {
    documentType: col.text(),
    number: col.text(),
    docNoOccurrence: col.int(),
    versionNumber: col.int(),
    customerNumber: col.text(),
    yourReference: col.text(),
    externalDocumentNumber: col.text(),
    quoteNumber: col.text(),
    dateArchived: col.text(),
    documentDate: col.text(),
    shipmentDate: col.text(),
    invoice: col.bool(),
  },
});

export type SalesHeaderArchivesRow = BcRow<typeof salesHeaderArchives>;
