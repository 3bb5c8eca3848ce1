import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Sales order lines (SOLINE-ORDERDETAIL mapping). */
export const salesorderdetails = defineTable({
  entitySet: 'salesorderdetails',
  logicalName: 'salesorderdetail',
  key: 'salesorderdetailid',
  columns: {
    _salesorderid_value: col.ref(),
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
    quantitybackordered: col.number(),
    quantitycancelled: col.number(),
    requestdeliveryby: col.text(),
    bcbi_businesscentrallinenumber: col.int(),
  },
  system: false,
});

export type SalesorderdetailsRow = DataverseRow<typeof salesorderdetails>;
