import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Companies of the environment (no company needed to list them). */
export const companies = defineResource({
  entitySet: 'companies',
  companyScoped: false,
  columns: {
    systemVersion: col.text(),
    timestamp: col.number(),
    name: col.text(),
    displayName: col.text(),
    businessProfileId: col.text(),
    systemCreatedAt: col.text(),
    systemCreatedBy: col.ref(),
    systemModifiedAt: col.text(),
    systemModifiedBy: col.ref(),
  },
  alwaysPresent: ['name'],
});

export type CompaniesRow = BcRow<typeof companies>;
