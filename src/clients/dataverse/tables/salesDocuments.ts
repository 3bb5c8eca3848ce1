import { col } from '../../shape.js';

/**
 * Columns every sales document table (salesorders, quotes, invoices) has after its number column; each table
 * adds its own after them.
 */
export const salesDocumentColumns = {
  name: col.text(),
  description: col.text(),
  _customerid_value: col.ref(),
  _pricelevelid_value: col.ref(),
  _transactioncurrencyid_value: col.ref(),
  _opportunityid_value: col.ref(),
  discountamount: col.number(),
  discountpercentage: col.number(),
  freightamount: col.number(),
  totalamount: col.number(),
  totallineitemamount: col.number(),
  totaltax: col.number(),
  totaldiscountamount: col.number(),
  totalamountlessfreight: col.number(),
  billto_name: col.text(),
  billto_line1: col.text(),
  billto_line2: col.text(),
  billto_city: col.text(),
  billto_stateorprovince: col.text(),
  billto_postalcode: col.text(),
  billto_country: col.text(),
  shipto_name: col.text(),
  shipto_line1: col.text(),
  shipto_line2: col.text(),
  shipto_city: col.text(),
  shipto_stateorprovince: col.text(),
  shipto_postalcode: col.text(),
  shipto_country: col.text(),
  paymenttermscode: col.int(),
  shippingmethodcode: col.int(),
  ispricelocked: col.bool(),
  _bcbi_companyid_value: col.ref(),
};

/** Columns every sales document line table (salesorderdetails, quotedetails, invoicedetails) has after the lookup to its document. */
export const salesDocumentLineColumns = {
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
};
