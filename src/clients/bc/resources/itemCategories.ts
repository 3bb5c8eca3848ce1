import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Item categories. */
export const itemCategories = defineResource({
  entitySet: 'itemCategories',
  columns: {
    code: col.text(),
    displayName: col.text(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type ItemCategoriesRow = BcRow<typeof itemCategories>;
