import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Units of measure (UNIT OF MEASURE mapping). */
export const unitsOfMeasure = defineResource({
  entitySet: 'unitsOfMeasure',
  columns: {
    code: col.text(),
    displayName: col.text(),
    internationalStandardCode: col.text(),
    symbol: col.text(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type UnitsOfMeasureRow = BcRow<typeof unitsOfMeasure>;
