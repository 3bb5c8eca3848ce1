import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Sales header extras API v2.0 lacks (Your Reference, Quote Valid Until, Quote No., Payment Discount %, Shipping Agent Code, status; release/reopen/archive). Custom API; ids are the v2.0 documents' ids. */
export const salesHeaders = defineResource({
  entitySet: 'salesHeaders',
  custom: true,
  columns: {
    documentType: col.text(),
    number: col.text(),
    yourReference: col.text(),
    quoteValidUntilDate: col.text(),
    quoteNumber: col.text(),
    paymentDiscountPercent: col.number(),
    shippingAgentCode: col.text(),
    status: col.text(),
    completelyShipped: col.bool(),
    lastShipmentDate: col.text(),
    docNoOccurrence: col.int(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type SalesHeadersRow = BcRow<typeof salesHeaders>;
