import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Invoice lines (POSTEDSALESLINE-INV mapping). */
export const invoicedetails = defineTable({
  entitySet: 'invoicedetails',
  logicalName: 'invoicedetail',
  key: 'invoicedetailid',
  columns: {
    _invoiceid_value: col.ref(),
    _productid_value: col.ref(),
    _uomid_value: col.ref(),
    quantity: col.number(),
    priceperunit: col.number(),
    ispriceoverridden: col.bool(),
    isproductoverridden: col.bool(),
    productdescription: col.text(),
    description: col.text(),
    manualdiscountamount: col.number(),
    tax: col.number(),
    baseamount: col.number(),
    extendedamount: col.number(),
    lineitemnumber: col.int(),
    sequencenumber: col.int(),
    _transactioncurrencyid_value: col.ref(),
    quantityshipped: col.number(),
  },
  system: false,
});

export type InvoicedetailsRow = DataverseRow<typeof invoicedetails>;
