import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Opportunities (OPPORTUNITY mapping). */
export const opportunities = defineTable({
  entitySet: 'opportunities',
  logicalName: 'opportunity',
  key: 'opportunityid',
  columns: {
    name: col.text(),
    description: col.text(),
    _customerid_value: col.ref(),
    _parentaccountid_value: col.ref(),
    _parentcontactid_value: col.ref(),
    estimatedvalue: col.number(),
    estimatedclosedate: col.text(),
    actualvalue: col.number(),
    actualclosedate: col.text(),
    closeprobability: col.int(),
    _pricelevelid_value: col.ref(),
    _transactioncurrencyid_value: col.ref(),
    _bcbi_companyid_value: col.ref(),
  },
  alwaysPresent: ['name'],
});

export type OpportunitiesRow = DataverseRow<typeof opportunities>;
