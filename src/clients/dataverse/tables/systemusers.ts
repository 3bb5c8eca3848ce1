import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Users; salespeople come from here (SALESPEOPLE mapping), and so does the application user. */
export const systemusers = defineTable({
  entitySet: 'systemusers',
  logicalName: 'systemuser',
  key: 'systemuserid',
  columns: {
    fullname: col.text(),
    firstname: col.text(),
    lastname: col.text(),
    domainname: col.text(),
    internalemailaddress: col.text(),
    mobilephone: col.text(),
    azureactivedirectoryobjectid: col.ref(),
    applicationid: col.ref(),
    isdisabled: col.bool(),
    islicensed: col.bool(),
    isintegrationuser: col.bool(),
    accessmode: col.int(),
    _businessunitid_value: col.ref(),
  },
});

export type SystemusersRow = DataverseRow<typeof systemusers>;
