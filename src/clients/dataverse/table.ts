import { z } from 'zod';
import { col } from '../shape.js';

/**
 * A Dataverse table as the client reads it: entity set, key and a loose zod schema (unknown extra columns
 * pass through). Only the key is required in the type: with `$select` the service returns just the selected
 * columns, so everything else is optional; `alwaysPresent` lists what a full read always has.
 */
export interface DataverseTable<S extends z.ZodType = z.ZodType> {
  entitySet: string;
  logicalName: string;
  key: string;
  schema: S;
  alwaysPresent: readonly string[];
}

export type DataverseRow<T extends DataverseTable> = z.infer<T['schema']>;

/** Columns every table has (docs/protocols.md §6.1): audit columns, version, owner, state. */
export const systemColumns = {
  '@odata.etag': z.string().optional(),
  createdon: col.text(),
  modifiedon: col.text(),
  versionnumber: col.bigint(),
  _createdby_value: col.ref(),
  _modifiedby_value: col.ref(),
  _ownerid_value: col.ref(),
  _owningbusinessunit_value: col.ref(),
  statecode: col.int(),
  statuscode: col.int(),
};

export function defineTable<const K extends string, Shape extends z.ZodRawShape>(definition: {
  entitySet: string;
  logicalName: string;
  key: K;
  columns: Shape;
  /** Besides the key and modifiedon. */
  alwaysPresent?: readonly string[];
  /** Tables without the standard owner/state columns (e.g. transactioncurrency has no owner). */
  system?: boolean;
}) {
  const schema = z.looseObject({
    ...(definition.system === false ? { '@odata.etag': z.string().optional(), modifiedon: col.text(), createdon: col.text(), versionnumber: col.bigint() } : systemColumns),
    ...definition.columns,
    [definition.key]: z.guid(),
  } as typeof systemColumns & Shape & Record<K, z.ZodGUID>);
  return {
    entitySet: definition.entitySet,
    logicalName: definition.logicalName,
    key: definition.key,
    schema,
    alwaysPresent: [definition.key, 'modifiedon', ...(definition.alwaysPresent ?? [])],
  } satisfies DataverseTable;
}
