import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Resources (RESOURCE-PRODUCT mapping). Custom API. */
export const resources = defineResource({
  entitySet: 'resources',
  custom: true,
  columns: {
    number: col.text(),
    name: col.text(),
    type: col.text(),
    baseUnitOfMeasureCode: col.text(),
    unitPrice: col.number(),
    unitCost: col.number(),
    vendorNumber: col.text(),
    capacity: col.number(),
    blocked: col.bool(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type ResourcesRow = BcRow<typeof resources>;
