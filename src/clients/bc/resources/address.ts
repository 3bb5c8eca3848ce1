import { col } from '../../shape.js';

/** The postal address columns of customers, vendors and contacts. */
export const postalAddressColumns = {
  addressLine1: col.text(),
  addressLine2: col.text(),
  city: col.text(),
  state: col.text(),
  country: col.text(),
  postalCode: col.text(),
};
