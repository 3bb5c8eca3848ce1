import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Activity feed posts (status messages on coupled records). */
export const posts = defineTable({
  entitySet: 'posts',
  logicalName: 'post',
  key: 'postid',
  columns: {
    text: col.text(),
    source: col.int(),
    type: col.int(),
    _regardingobjectid_value: col.ref(),
    _createdby_value: col.ref(),
  },
  system: false,
});

export type PostsRow = DataverseRow<typeof posts>;
