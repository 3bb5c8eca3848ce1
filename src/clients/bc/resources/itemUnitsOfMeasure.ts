import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Item units of measure (ITEM UOM mapping). Custom API. */
export const itemUnitsOfMeasure = defineResource({
  entitySet: 'itemUnitsOfMeasure',
  custom: true,
  columns: {
    itemId: col.ref(),
    itemNumber: col.text(),
    code: col.text(),
    qtyPerUnitOfMeasure: col.number(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type ItemUnitsOfMeasureRow = BcRow<typeof itemUnitsOfMeasure>;
