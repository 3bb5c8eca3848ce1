import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Companies of the integration solution (bcbi_companyid on records points here). */
export const cdmCompanies = defineTable({
  entitySet: 'cdm_companies',
  logicalName: 'cdm_company',
  key: 'cdm_companyid',
  columns: {
    cdm_name: col.text(),
    cdm_companycode: col.text(),
    _cdm_defaultowningteam_value: col.ref(),
    cdm_isenabledfordualwrite: col.bool(),
  },
});

export type CdmCompaniesRow = DataverseRow<typeof cdmCompanies>;
