import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Salespeople and purchasers (SALESPEOPLE mapping). */
export const salespeoplePurchasers = defineResource({
  entitySet: 'salespeoplePurchasers',
  columns: {
    code: col.text(),
    displayName: col.text(),
    email: col.text(),
    eMail: col.text(),
    email2: col.text(),
    phoneNo: col.text(),
    jobTitle: col.text(),
    commisionPercent: col.number(),
    privacyBlocked: col.bool(),
    blocked: col.bool(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type SalespeoplePurchasersRow = BcRow<typeof salespeoplePurchasers>;
