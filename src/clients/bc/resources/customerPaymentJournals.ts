import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Customer payment journals (payment registration). */
export const customerPaymentJournals = defineResource({
  entitySet: 'customerPaymentJournals',
  columns: {
    code: col.text(),
    displayName: col.text(),
    balancingAccountId: col.ref(),
    balancingAccountNumber: col.text(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type CustomerPaymentJournalsRow = BcRow<typeof customerPaymentJournals>;
