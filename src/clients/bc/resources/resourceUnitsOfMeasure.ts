import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Resource units of measure (RESOURCE UOM mapping). Custom API. */
export const resourceUnitsOfMeasure = defineResource({
  entitySet: 'resourceUnitsOfMeasure',
  custom: true,
  columns: {
    resourceId: col.ref(),
    resourceNumber: col.text(),
    code: col.text(),
    qtyPerUnitOfMeasure: col.number(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type ResourceUnitsOfMeasureRow = BcRow<typeof resourceUnitsOfMeasure>;
