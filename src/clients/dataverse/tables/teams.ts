import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Teams (owners under the Team ownership model). */
export const teams = defineTable({
  entitySet: 'teams',
  logicalName: 'team',
  key: 'teamid',
  columns: {
    name: col.text(),
    teamtype: col.int(),
    isdefault: col.bool(),
    azureactivedirectoryobjectid: col.ref(),
    _businessunitid_value: col.ref(),
    _administratorid_value: col.ref(),
  },
  alwaysPresent: ['name'],
});

export type TeamsRow = DataverseRow<typeof teams>;
