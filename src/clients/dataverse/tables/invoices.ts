import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Invoices (POSTEDSALESINV-INV mapping). */
export const invoices = defineTable({
  entitySet: 'invoices',
  logicalName: 'invoice',
  key: 'invoiceid',
  columns: {
    invoicenumber: col.text(),
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
    _salesorderid_value: col.ref(),
    duedate: col.text(),
    datedelivered: col.text(),
  },
});

export type InvoicesRow = DataverseRow<typeof invoices>;
