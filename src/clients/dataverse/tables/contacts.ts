import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';
import { address1Columns } from './address.js';

/** People (CONTACT mapping). */
export const contacts = defineTable({
  entitySet: 'contacts',
  logicalName: 'contact',
  key: 'contactid',
  columns: {
    firstname: col.text(),
    middlename: col.text(),
    lastname: col.text(),
    fullname: col.text(),
    emailaddress1: col.text(),
    telephone1: col.text(),
    mobilephone: col.text(),
    fax: col.text(),
    pager: col.text(),
    jobtitle: col.text(),
    websiteurl: col.text(),
    ...address1Columns,
    _parentcustomerid_value: col.ref(),
    _transactioncurrencyid_value: col.ref(),
    _bcbi_companyid_value: col.ref(),
  },
});

export type ContactsRow = DataverseRow<typeof contacts>;
