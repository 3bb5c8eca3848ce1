import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';
import { postalAddressColumns } from './address.js';

/** Customers (CUSTOMER mapping). */
export const customers = defineResource({
  entitySet: 'customers',
  columns: {
    number: col.text(),
    displayName: col.text(),
    type: col.text(),
    ...postalAddressColumns,
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
