import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Security roles (setup check: the application user needs one). */
export const roles = defineTable({
  entitySet: 'roles',
  logicalName: 'role',
  key: 'roleid',
  columns: {
    name: col.text(),
    _businessunitid_value: col.ref(),
    _roletemplateid_value: col.ref(),
    _parentroleid_value: col.ref(),
  },
  alwaysPresent: ['name'],
  system: false,
});

export type RolesRow = DataverseRow<typeof roles>;
