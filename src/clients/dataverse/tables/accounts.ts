import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { address1Columns } from './address.js';

/** Customers and vendors (CUSTOMER / VENDOR mappings). */
export const accounts = defineTable({
  entitySet: 'accounts',
  logicalName: 'account',
  key: 'accountid',
  columns: {
    name: col.text(),
    accountnumber: col.text(),
    telephone1: col.text(),
    fax: col.text(),
    emailaddress1: col.text(),
    websiteurl: col.text(),
    ...address1Columns,
    address1_primarycontactname: col.text(),
    address1_freighttermscode: col.int(),
    address1_shippingmethodcode: col.int(),
    paymenttermscode: col.int(),
    accountcategorycode: col.int(),
    customertypecode: col.int(),
    creditonhold: col.bool(),
    creditlimit: col.number(),
    revenue: col.number(),
    description: col.text(),
    _primarycontactid_value: col.ref(),
    _parentaccountid_value: col.ref(),
    _transactioncurrencyid_value: col.ref(),
    _bcbi_companyid_value: col.ref(),
    _nav_accountstatisticsid_value: col.ref(),
  },
  alwaysPresent: ['name'],
});

export type AccountsRow = DataverseRow<typeof accounts>;
