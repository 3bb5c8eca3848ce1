import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Sales header extras API v2.0 lacks (Your Reference, Quote Valid Until, Quote No., Payment Discount %, Shipping Agent Code, status, Last Shipment Date; release/reopen/archive) and the header fields as BC stores them. Custom API; ids are the v2.0 documents' ids. */
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
    currencyCode: col.text(),
    salespersonCode: col.text(),
    requestedDeliveryDate: col.text(),
    paymentTermsCode: col.text(),
    billToName: col.text(),
    billToAddress: col.text(),
    billToAddress2: col.text(),
    billToCity: col.text(),
    billToCountryCode: col.text(),
    billToPostCode: col.text(),
    billToCounty: col.text(),
    shipToName: col.text(),
    shipToAddress: col.text(),
    shipToAddress2: col.text(),
    shipToCity: col.text(),
    shipToCountryCode: col.text(),
    shipToPostCode: col.text(),
    shipToCounty: col.text(),
    amount: col.number(),
    amountIncludingVAT: col.number(),
    invoiceDiscountAmount: col.number(),
    prepaymentPercent: col.number(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type SalesHeadersRow = BcRow<typeof salesHeaders>;
