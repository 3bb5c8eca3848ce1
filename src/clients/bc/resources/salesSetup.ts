import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Sales & Receivables Setup: the write-in product and the freight account. Custom API, one row per company. */
export const salesSetup = defineResource({
  entitySet: 'salesSetup',
  custom: true,
  columns: {
    writeInProductType: col.text(),
    writeInProductNumber: col.text(),
    freightAccountNumber: col.text(),
  },
});

export type SalesSetupRow = BcRow<typeof salesSetup>;
