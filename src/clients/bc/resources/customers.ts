import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Customers (CUSTOMER mapping). */
export const customers = defineResource({
  entitySet: 'customers',
  columns: {
    number: col.text(),
    displayName: col.text(),
    type: col.text(),
    addressLine1: col.text(),
    addressLine2: col.text(),
    city: col.text(),
    state: col.text(),
    country: col.text(),
    postalCode: col.text(),
    phoneNumber: col.text(),
    email: col.text(),
    website: col.text(),
    salespersonCode: col.text(),
    balanceDue: col.number(),
    creditLimit: col.number(),
    taxLiable: col.bool(),
    taxAreaId: col.ref(),
    taxAreaDisplayName: col.text(),
    taxRegistrationNumber: col.text(),
    currencyId: col.ref(),
    currencyCode: col.text(),
    paymentTermsId: col.ref(),
    shipmentMethodId: col.ref(),
    paymentMethodId: col.ref(),
    blocked: col.text(),
  },
  alwaysPresent: ['number', 'displayName', 'lastModifiedDateTime'],
});

export type CustomersRow = BcRow<typeof customers>;
