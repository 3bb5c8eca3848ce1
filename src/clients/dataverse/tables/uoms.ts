import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Units inside a unit group (ITEM UOM / RESOURCE UOM mappings). */
export const uoms = defineTable({
  entitySet: 'uoms',
  logicalName: 'uom',
  key: 'uomid',
  columns: {
    name: col.text(),
    quantity: col.number(),
    isschedulebaseuom: col.bool(),
    _baseuom_value: col.ref(),
    _uomscheduleid_value: col.ref(),
  },
  alwaysPresent: ['name'],
  system: false,
});

export type UomsRow = DataverseRow<typeof uoms>;
