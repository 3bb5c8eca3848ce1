import { col } from '../../shape.js';

/** The first (primary) address of accounts and contacts. */
export const address1Columns = {
  address1_line1: col.text(),
  address1_line2: col.text(),
  address1_city: col.text(),
  address1_stateorprovince: col.text(),
  address1_postalcode: col.text(),
  address1_country: col.text(),
};
