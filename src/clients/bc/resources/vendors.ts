import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';
import { postalAddressColumns } from './address.js';

/** Vendors (VENDOR mapping). */
export const vendors = defineResource({
  entitySet: 'vendors',
  columns: {
    number: col.text(),
    displayName: col.text(),
    ...postalAddressColumns,
    phoneNumber: col.text(),
    email: col.text(),
    website: col.text(),
    taxRegistrationNumber: col.text(),
    currencyId: col.ref(),
    currencyCode: col.text(),
    irs1099Code: col.text(),
    paymentTermsId: col.ref(),
    paymentMethodId: col.ref(),
    taxLiable: col.bool(),
    blocked: col.text(),
    balance: col.number(),
  },
  alwaysPresent: ['number', 'displayName', 'lastModifiedDateTime'],
});

export type VendorsRow = BcRow<typeof vendors>;
