/**
 * The emulated Dataverse Web API v9.2 (`/api/data/v9.2/`), written from docs/protocols.md
 * (§2, §3.1, §4.1, §5.1, §6.1, §7.1) and the tables docs/integration.md §2 and §8 touch.
 * The listener harness (core/server.ts) authenticates, throttles, injects faults and logs; this
 * module speaks the protocol and owns the data.
 */
import type { EmulatedApiModule } from '../core/api-module.js';
import type { EmuRequest, EmuResponse } from '../core/http-types.js';
import type { DataverseSeed } from '../seed/types.js';
import type { EmulatorDataAccess } from '../types.js';
import { Organization } from './org.js';
import type { Actor } from './org.js';
import { loadSeed } from './seed.js';
import type { ApplicationUserRoles } from '../types.js';
import { DataverseService, errorResponse, splitPath } from './service.js';
import { handleBatch } from './batch.js';
import { DvCodes, DvError, errorBody, MAX_URL_LENGTH, urlTooLong } from './errors.js';
import { formatRow } from './read.js';
import type { TableDef } from './schema.js';

export interface DataverseModuleOptions {
  /** Time source (ms since the epoch): createdon/modifiedon, delta tokens. */
  now: () => number;
  /** Environment URL (`http://host:port`). */
  orgUrl: string;
  /** Client id of the app registration whose application user the integration runs as. */
  applicationClientId: string;
  seed: DataverseSeed;
  /** How the application user holds its role (default: directly, a least-privilege role). */
  applicationUserRoles?: ApplicationUserRoles;
  /** ISO code of a seeded currency to make the organization's base currency (e.g. one that differs from BC's LCY). */
  baseCurrency?: string;
}

export type DataverseModule = EmulatedApiModule & {
  /** systemuserid of the application user (applicationid = applicationClientId). */
  integrationUserId: string;
  /** systemuserid of the person `data.insert/update/remove` act as. */
  personUserId: string;
};

export function createDataverseModule(opts: DataverseModuleOptions): DataverseModule {
  const org = new Organization(opts.now, `${opts.orgUrl}|${opts.applicationClientId}`);
  const { integrationUserId, personUserId } = loadSeed(org, opts.seed, {
    applicationClientId: opts.applicationClientId,
    orgUrl: opts.orgUrl,
    ...(opts.applicationUserRoles !== undefined ? { applicationUserRoles: opts.applicationUserRoles } : {}),
    ...(opts.baseCurrency !== undefined ? { baseCurrency: opts.baseCurrency } : {}),
  });
  const service = new DataverseService(org, integrationUserId);

  const handler = (req: EmuRequest): EmuResponse => {
    try {
      const urlLength = req.baseUrl.length + 1 + req.path.length + (req.rawQuery === '' ? 0 : 1 + req.rawQuery.length);
      if (urlLength > MAX_URL_LENGTH) throw urlTooLong(urlLength, MAX_URL_LENGTH, false);
      const first = splitPath(req.path)[0];
      if (first?.name === '$batch' && first.args === undefined && splitPath(req.path).length === 1) {
        return handleBatch(service, req, org.ids);
      }
      const { entityPath: _entityPath, ...res } = service.dispatch(req);
      void _entityPath;
      return res;
    } catch (err) {
      if (err instanceof DvError) return errorResponse(err);
      const message = err instanceof Error ? err.message : String(err);
      return { status: 500, body: errorBody(DvCodes.unavailable, `The emulated Dataverse failed to process the request: ${message}`) };
    }
  };

  return {
    handler,
    data: dataAccess(org, { userId: personUserId, person: true }),
    errorBody: (code: string, message: string) => errorBody(code, message),
    errorCodes: {
      unauthorized: DvCodes.unauthorized,
      rateLimited: DvCodes.rateLimited,
      concurrencyLimited: DvCodes.concurrencyLimited,
      executionTimeLimited: DvCodes.executionTimeLimited,
      unavailable: DvCodes.unavailable,
      notFound: DvCodes.resourceNotFound,
      internal: DvCodes.unavailable,
    },
    integrationUserId,
    personUserId,
  };
}

/** In-process access "as a person" (not the integration user), for tests and the demo. */
function dataAccess(org: Organization, person: Actor): EmulatorDataAccess {
  const tableOf = (entitySet: string): TableDef => {
    const t = org.schema.bySet.get(entitySet);
    if (!t) throw new Error(`The emulated Dataverse has no entity set '${entitySet}'. Use one of: ${[...org.schema.bySet.keys()].join(', ')}.`);
    return t;
  };
  const read = (table: TableDef, id: string): Record<string, unknown> => formatRow(org, table, org.get(table.entitySet, id)!, undefined);
  const rethrow = (err: unknown): never => {
    if (err instanceof DvError) throw new Error(`${err.message} (Dataverse ${err.status} ${err.code})`, { cause: err });
    throw err;
  };
  return {
    list: (entitySet) => {
      const table = tableOf(entitySet);
      return [...org.store.rows(entitySet)].map((r) => formatRow(org, table, r, undefined));
    },
    get: (entitySet, id) => {
      const table = tableOf(entitySet);
      const row = org.get(entitySet, id.toLowerCase());
      return row ? formatRow(org, table, row, undefined) : undefined;
    },
    insert: (entitySet, record) => {
      const table = tableOf(entitySet);
      try {
        const row = org.create(table, toPayload(org, table, record), person);
        return read(table, row.id);
      } catch (err) {
        return rethrow(err);
      }
    },
    update: (entitySet, id, changes) => {
      const table = tableOf(entitySet);
      try {
        const row = org.update(table, id.toLowerCase(), toPayload(org, table, changes), person);
        return read(table, row.id);
      } catch (err) {
        return rethrow(err);
      }
    },
    remove: (entitySet, id) => {
      const table = tableOf(entitySet);
      try {
        org.delete(table, id.toLowerCase(), person);
      } catch (err) {
        rethrow(err);
      }
    },
    count: (entitySet) => {
      tableOf(entitySet);
      return org.store.count(entitySet);
    },
  };
}

/** Read-shape lookups (`_x_value`) become `@odata.bind`s, so people's edits go through the same rules as the API's. */
function toPayload(org: Organization, table: TableDef, record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const m = /^_(.+)_value$/.exec(k);
    const column = m ? table.columns.get(m[1]!) : undefined;
    if (!m || !column || column.type !== 'lookup') {
      if (!k.startsWith('@')) out[k] = v;
      continue;
    }
    const targets = column.targets ?? [];
    if (v === null) {
      out[`${targets[0]!.nav}@odata.bind`] = null;
      continue;
    }
    const id = String(v).toLowerCase();
    const target = targets.find((t) => org.get(t.entitySet, id)) ?? targets[0]!;
    out[`${target.nav}@odata.bind`] = `/${target.entitySet}(${id})`;
  }
  return out;
}
