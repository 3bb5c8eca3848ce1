import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Items (ITEM-PRODUCT mapping). */
export const items = defineResource({
  entitySet: 'items',
  columns: {
    number: col.text(),
    displayName: col.text(),
    displayName2: col.text(),
    type: col.text(),
    itemCategoryId: col.ref(),
    itemCategoryCode: col.text(),
    blocked: col.bool(),
    gtin: col.text(),
    inventory: col.number(),
    unitPrice: col.number(),
    priceIncludesTax: col.bool(),
    unitCost: col.number(),
    taxGroupId: col.ref(),
    taxGroupCode: col.text(),
    baseUnitOfMeasureId: col.ref(),
    baseUnitOfMeasureCode: col.text(),
    generalProductPostingGroupId: col.ref(),
    generalProductPostingGroupCode: col.text(),
    inventoryPostingGroupId: col.ref(),
    inventoryPostingGroupCode: col.text(),
  },
  alwaysPresent: ['number', 'lastModifiedDateTime'],
});

export type ItemsRow = BcRow<typeof items>;
