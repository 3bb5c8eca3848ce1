import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';
import { postalAddressColumns } from './address.js';

/** Contacts (CONTACT mapping). */
export const contacts = defineResource({
  entitySet: 'contacts',
  columns: {
    number: col.text(),
    type: col.text(),
    displayName: col.text(),
    jobTitle: col.text(),
    companyNumber: col.text(),
    companyName: col.text(),
    contactBusinessRelation: col.text(),
    ...postalAddressColumns,
    phoneNumber: col.text(),
    mobilePhoneNumber: col.text(),
    email: col.text(),
    website: col.text(),
    searchName: col.text(),
    privacyBlocked: col.bool(),
    taxRegistrationNumber: col.text(),
    lastInteractionDate: col.text(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type ContactsRow = BcRow<typeof contacts>;
