import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Opportunities (OPPORTUNITY mapping); in v2.0 the estimated fields are read-only. */
export const opportunities = defineResource({
  entitySet: 'opportunities',
  columns: {
    number: col.text(),
    contactNumber: col.text(),
    contactName: col.text(),
    contactCompanyName: col.text(),
    salespersonCode: col.text(),
    description: col.text(),
    status: col.text(),
    closed: col.bool(),
    creationDate: col.text(),
    dateClosed: col.text(),
    calculatedCurrentValue: col.number(),
    chancesOfSuccessPrc: col.number(),
    completedPrc: col.number(),
    estimatedClosingDate: col.text(),
    estimatedValue: col.number(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type OpportunitiesRow = BcRow<typeof opportunities>;
