import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Unit groups (UNIT GROUP / UNIT OF MEASURE mappings). */
export const uomschedules = defineTable({
  entitySet: 'uomschedules',
  logicalName: 'uomschedule',
  key: 'uomscheduleid',
  columns: {
    name: col.text(),
    baseuomname: col.text(),
    description: col.text(),
  },
  alwaysPresent: ['name'],
});

export type UomschedulesRow = DataverseRow<typeof uomschedules>;
