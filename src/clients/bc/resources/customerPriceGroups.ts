import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Customer price groups (CUSTPRCGRP-PRICE mapping). Custom API. */
export const customerPriceGroups = defineResource({
  entitySet: 'customerPriceGroups',
  custom: true,
  columns: {
    code: col.text(),
    description: col.text(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type CustomerPriceGroupsRow = BcRow<typeof customerPriceGroups>;
