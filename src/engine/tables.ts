import { dataverseFilter, propertiesToRead } from '../mapping/index.js';
import type { IntegrationTableMapping } from '../mapping/index.js';
import type { SideTable } from '../sides/types.js';

/** Where a mapping's BC records are, as the Side interface wants it. */
export function bcTable(m: IntegrationTableMapping): SideTable {
  return {
    entitySet: m.bc.entitySet,
    api: m.bc.api,
    key: m.bc.key,
    modifiedField: m.bc.modifiedField,
    filter: m.bc.filter,
    select: propertiesToRead(m, 'bc'),
  };
}

/** Where a mapping's Dataverse rows are; `companyId` adds the company filter of docs/integration.md §2. */
export function dataverseTable(m: IntegrationTableMapping, companyId: string | undefined): SideTable {
  return {
    entitySet: m.dataverse.entitySet,
    key: m.dataverse.key,
    modifiedField: m.dataverse.modifiedField ?? 'modifiedon',
    filter: dataverseFilter(m, companyId),
    select: propertiesToRead(m, 'dataverse'),
    reopenForWrite: m.dataverse.reopenForWrite,
  };
}
