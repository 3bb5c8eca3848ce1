/**
 * Whether an integration table mapping can run against these environments: one `$top=1` read of its Business
 * Central entity set (selecting every BC property it maps, so a missing property shows too), one `$top=1` read
 * of its Dataverse table, and Dataverse's attribute metadata for every column it maps. Read-only.
 */
import { z } from 'zod';
import type { BcClient } from '../clients/bc/client.js';
import type { BcResource } from '../clients/bc/resource.js';
import type { DataverseClient } from '../clients/dataverse/client.js';
import { odataString } from '../clients/odata/literals.js';
import { AuthError, EntitySetMissingError } from '../errors.js';
import type { IntegrationTableMapping } from '../mapping/index.js';

export interface MappingAccess {
  mapping: string;
  bcEntitySet: string;
  bcApi: 'v2.0' | 'custom';
  dataverseTable: string;
  ok: boolean;
  /** One line per problem, each naming what is missing. */
  problems: string[];
  /** What to do, once per mapping. */
  fix?: string;
}

const loose = z.looseObject({});
const attribute = z.looseObject({ LogicalName: z.string() });

/** The BC properties and Dataverse columns a mapping reads or writes (enabled field mappings the API exposes). */
export function mappedColumns(mapping: IntegrationTableMapping): { bc: string[]; dataverse: string[] } {
  const enabled = mapping.fields.filter((f) => f.status === 'enabled' && f.bcExposed);
  const bc = new Set<string>();
  const dataverse = new Set<string>();
  for (const f of enabled) {
    if (f.bc !== undefined) bc.add(f.bc);
    // A targetType row (owneridtype) travels inside its lookup's bind and is no Web API column of its own.
    if (f.dataverse !== undefined && f.transform.kind !== 'targetType') dataverse.add(f.dataverse);
  }
  if (mapping.kind === 'option') dataverse.add(mapping.dataverse.key);
  return { bc: [...bc], dataverse: [...dataverse] };
}

function bcResource(mapping: IntegrationTableMapping): BcResource {
  return { entitySet: mapping.bc.entitySet, custom: mapping.bc.api === 'custom', companyScoped: true, schema: loose, alwaysPresent: ['id'] };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

async function drain(pages: AsyncIterable<unknown[]>): Promise<void> {
  for await (const _page of pages) {
    // one page of at most one row is all a check needs
  }
}

/** Attribute logical names per Dataverse table, read once per table however many mappings use it. */
export class AttributeCache {
  private readonly tables = new Map<string, Promise<Set<string>>>();
  constructor(private readonly dataverse: DataverseClient) {}

  attributes(table: string): Promise<Set<string>> {
    let found = this.tables.get(table);
    if (!found) {
      found = (async () => {
        const names = new Set<string>();
        const path = `EntityDefinitions(LogicalName=${odataString(table)})/Attributes`;
        for await (const page of this.dataverse.list(path, { select: ['LogicalName'] }, attribute)) for (const a of page) names.add(a.LogicalName);
        return names;
      })();
      this.tables.set(table, found);
    }
    return found;
  }
}

export async function checkMappingAccess(
  services: { bc: BcClient; dataverse: DataverseClient },
  mapping: IntegrationTableMapping,
  attributes: AttributeCache,
): Promise<MappingAccess> {
  const columns = mappedColumns(mapping);
  const result: MappingAccess = {
    mapping: mapping.name,
    bcEntitySet: mapping.bc.entitySet,
    bcApi: mapping.bc.api,
    dataverseTable: mapping.dataverse.entitySet,
    ok: true,
    problems: [],
  };
  const fixes: string[] = [];
  const problem = (text: string, fix: string): void => {
    result.ok = false;
    result.problems.push(text);
    if (!fixes.includes(fix)) fixes.push(fix);
  };

  try {
    await drain(services.bc.list(bcResource(mapping), { top: 1, select: columns.bc }, { maxPageSize: 1 }));
  } catch (error) {
    if (error instanceof EntitySetMissingError && mapping.bc.api === 'custom') {
      problem(`Business Central has no ${mapping.bc.entitySet} in bcsync/integration/v1.0`, 'install the companion extension (bc-extension/README.md)');
    } else if (error instanceof EntitySetMissingError) {
      problem(`Business Central has no ${mapping.bc.entitySet}`, "check the Business Central URL (environment and API version) in the profile");
    } else if (error instanceof AuthError) {
      problem(`Business Central denied reading ${mapping.bc.entitySet}`, 'assign the BCSYNC INTEGRATION permission set to the Entra application in Business Central');
    } else {
      problem(`Business Central could not read ${mapping.bc.entitySet}: ${firstLine(error)}`, 'fix what the message names, then run "bcsync doctor" again');
    }
  }

  try {
    await drain(services.dataverse.list(mapping.dataverse.entitySet, { top: 1 }, loose, { maxPageSize: 1 }));
    const known = await attributes.attributes(mapping.dataverse.table);
    const missing = columns.dataverse.filter((c) => !known.has(c));
    if (missing.length > 0) {
      problem(`Dataverse table ${mapping.dataverse.table} has no column ${missing.join(', ')}`, 'install the Dataverse solution that adds these columns, or turn the field mappings off ("bcsync mappings set")');
    }
  } catch (error) {
    if (error instanceof EntitySetMissingError) {
      problem(`Dataverse has no table ${mapping.dataverse.entitySet}`, 'install the Dataverse solution that adds it, or leave this mapping out of the profile');
    } else if (error instanceof AuthError) {
      problem(`Dataverse denied reading ${mapping.dataverse.entitySet}`, `give the application user's security role read and write privileges on ${mapping.dataverse.table}`);
    } else {
      problem(`Dataverse could not read ${mapping.dataverse.entitySet}: ${firstLine(error)}`, 'fix what the message names, then run "bcsync doctor" again');
    }
  }
  if (fixes.length > 0) result.fix = fixes.join('; ');
  return result;
}
