import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Notes (notes synchronization of coupled orders). */
export const annotations = defineTable({
  entitySet: 'annotations',
  logicalName: 'annotation',
  key: 'annotationid',
  columns: {
    subject: col.text(),
    notetext: col.text(),
    isdocument: col.bool(),
    filename: col.text(),
    mimetype: col.text(),
    documentbody: col.text(),
    filesize: col.int(),
    _objectid_value: col.ref(),
    objecttypecode: col.text(),
  },
});

export type AnnotationsRow = DataverseRow<typeof annotations>;
