import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** The company's information; `currencyCode` is its local currency (LCY). One row per company. */
export const companyInformation = defineResource({
  entitySet: 'companyInformation',
  columns: {
    displayName: col.text(),
    currencyCode: col.text(),
  },
});

export type CompanyInformationRow = BcRow<typeof companyInformation>;
