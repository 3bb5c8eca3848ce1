import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Leads. */
export const leads = defineTable({
  entitySet: 'leads',
  logicalName: 'lead',
  key: 'leadid',
  columns: {
    subject: col.text(),
    firstname: col.text(),
    lastname: col.text(),
    fullname: col.text(),
    companyname: col.text(),
    emailaddress1: col.text(),
    telephone1: col.text(),
    _parentaccountid_value: col.ref(),
    _parentcontactid_value: col.ref(),
  },
  alwaysPresent: ['subject'],
});

export type LeadsRow = DataverseRow<typeof leads>;
