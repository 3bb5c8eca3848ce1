import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Notes on records (record links), addressed by table number and the record's SystemId. Custom API. */
export const recordLinks = defineResource({
  entitySet: 'recordLinks',
  custom: true,
  columns: {
    linkId: col.int(),
    tableNumber: col.int(),
    recordId: col.ref(),
    description: col.text(),
    note: col.text(),
    type: col.text(),
    created: col.text(),
  },
});

export type RecordLinksRow = BcRow<typeof recordLinks>;
