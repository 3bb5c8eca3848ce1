import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Sales line extras API v2.0 lacks: Line No. and Attached to Line No. (comment lines tied to their line). Custom API; ids are the v2.0 lines' ids. */
export const salesLines = defineResource({
  entitySet: 'salesLines',
  custom: true,
  columns: {
    documentType: col.text(),
    documentNumber: col.text(),
    lineNumber: col.int(),
    lineType: col.text(),
    lineObjectNumber: col.text(),
    description: col.text(),
    attachedToLineNumber: col.int(),
  },
});

export type SalesLinesRow = BcRow<typeof salesLines>;
