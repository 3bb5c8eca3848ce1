import { z } from 'zod';
import { col } from '../shape.js';

/**
 * A Business Central API resource as the client reads it: entity set, which API serves it (standard v2.0 or
 * the bcsync/integration/v1.0 custom API of the companion extension) and a loose zod schema. Only `id` is
 * required in the type: with `$select` the service returns just the selected properties; `alwaysPresent`
 * lists what a full read always has.
 */
export interface BcResource<S extends z.ZodType = z.ZodType> {
  entitySet: string;
  /** Served by the custom API `bcsync/integration/v1.0` (docs/custom-api.md). */
  custom: boolean;
  /** Addressed under `companies({id})` (everything but `companies` itself). */
  companyScoped: boolean;
  schema: S;
  alwaysPresent: readonly string[];
}

export type BcRow<T extends BcResource> = z.infer<T['schema']>;

/** Lines of one document, e.g. `salesOrders({id})/salesOrderLines`. */
export interface BcNested<S extends z.ZodType = z.ZodType> {
  parent: BcResource;
  parentId: string;
  resource: BcResource<S>;
}

export type BcTarget<S extends z.ZodType = z.ZodType> = BcResource<S> | BcNested<S>;

export function isNested(target: BcTarget): target is BcNested {
  return (target as BcNested).parent !== undefined;
}

/** `under(salesOrders, orderId, salesOrderLines)`: the lines of one order. */
export function under<S extends z.ZodType>(parent: BcResource, parentId: string, resource: BcResource<S>): BcNested<S> {
  return { parent, parentId, resource };
}

const baseColumns = {
  '@odata.etag': z.string().optional(),
  lastModifiedDateTime: col.text(),
};

export function defineResource<Shape extends z.ZodRawShape>(definition: {
  entitySet: string;
  custom?: boolean;
  companyScoped?: boolean;
  columns: Shape;
  /** Besides `id`. Default: `lastModifiedDateTime`. */
  alwaysPresent?: readonly string[];
}) {
  const schema = z.looseObject({ ...baseColumns, ...definition.columns, id: z.guid() } as typeof baseColumns & Shape & { id: z.ZodGUID });
  return {
    entitySet: definition.entitySet,
    custom: definition.custom ?? false,
    companyScoped: definition.companyScoped ?? true,
    schema,
    alwaysPresent: ['id', ...(definition.alwaysPresent ?? ['lastModifiedDateTime'])],
  } satisfies BcResource;
}
