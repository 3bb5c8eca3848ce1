import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Unit groups (UNIT GROUP mapping). Custom API. */
export const unitGroups = defineResource({
  entitySet: 'unitGroups',
  custom: true,
  columns: {
    code: col.text(),
    sourceType: col.text(),
    sourceId: col.ref(),
    sourceNumber: col.text(),
    description: col.text(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type UnitGroupsRow = BcRow<typeof unitGroups>;
