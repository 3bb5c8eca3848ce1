import { z } from 'zod';
import type { BcClient } from '../clients/bc/client.js';
import type { BcOperation } from '../clients/bc/client.js';
import type { BcResource } from '../clients/bc/resource.js';
import { resourceByEntitySet } from '../clients/bc/resources/index.js';
import { idFilterChunks } from '../clients/odata/index.js';
import { mapPages, mapPool } from '../util/pool.js';
import { ApiError, ConflictError, NotFoundError, type BcsyncError } from '../errors.js';
import { toODataFilter } from './filter.js';
import type { FilterCondition, ListQuery, Rec, Side, SideStats, SideTable, WriteError, WriteOp, WriteResult } from './types.js';

const row = z.looseObject({ id: z.string() });
const IDS_PER_REQUEST = 100;

/**
 * A row read from a page: its object as parsed is the record's fields, annotations (`@odata.etag`) included. Not a
 * copy without them (as `toRec` makes): the copy of every row of a 20,000-row page was ~30 ms between the page's
 * arrival and the next page's request, and 20,000 objects more for the garbage collector. Fields are read by name.
 */
function pageRec(fields: Record<string, unknown>): Rec {
  const etag = fields['@odata.etag'];
  return {
    id: String(fields.id).toLowerCase(),
    etag: typeof etag === 'string' ? etag : undefined,
    modifiedAt: String(fields.lastModifiedDateTime ?? ''),
    fields,
  };
}

/** A written record as BC answered it: its fields without the ETag (what else BC answered says whether it sent the record back). */
export function toRec(fields: Record<string, unknown>): Rec {
  const { ['@odata.etag']: etag, ...rest } = fields;
  return {
    id: String(fields.id).toLowerCase(),
    etag: typeof etag === 'string' ? etag : undefined,
    modifiedAt: String(fields.lastModifiedDateTime ?? ''),
    fields: rest,
  };
}

export function writeError(error: BcsyncError | undefined, fallback: string): WriteError {
  if (!error) return { message: fallback };
  const api = error instanceof ApiError ? error : undefined;
  return {
    message: error.message.split('\n')[0]!,
    status: api?.status,
    code: api?.serviceCode,
    conflict: error instanceof ConflictError && api?.serviceCode !== 'Internal_EntityWithSameKeyExists',
    notFound: error instanceof NotFoundError,
  };
}

/** Business Central processes 5 requests per user at once (docs/protocols.md §5.4). */
export const BC_MAX_PARALLEL = 5;

/** Business Central through the typed client: pages of 20,000, JSON `$batch` of 100, If-Match on every write. */
export class BcSide implements Side {
  readonly name = 'bc' as const;
  readonly limits: Side['limits'];

  /** `parallelRequests`: the profile's `limits.bcParallelRequests` (default and maximum 5). */
  constructor(
    private readonly client: BcClient,
    options: { parallelRequests?: number } = {},
  ) {
    // Business Central processes 5 requests per user at once and queues the rest (docs/protocols.md §5.4).
    const parallel = Math.max(1, Math.min(BC_MAX_PARALLEL, Math.floor(options.parallelRequests ?? BC_MAX_PARALLEL)));
    this.limits = { batchSize: client.batchSize, pageSize: client.maxPageSize, parallelRequests: parallel };
  }

  /**
   * The typed resource of the entity set (its zod schema checks every answer: a missing or mistyped property fails
   * with the resource, record and property named); a loose one for entity sets the client has no file for.
   */
  private resource(table: SideTable): BcResource {
    const custom = table.api === 'custom';
    const typed = resourceByEntitySet(table.entitySet);
    if (typed && typed.custom === custom) return typed;
    return { entitySet: table.entitySet, custom, companyScoped: true, schema: row, alwaysPresent: ['id'] };
  }

  private select(table: SideTable): string[] | undefined {
    return table.select ? [...new Set([...table.select, 'id', table.modifiedField])] : undefined;
  }

  list(table: SideTable, query: ListQuery = {}): AsyncIterable<Rec[]> {
    const conditions: FilterCondition[] = [...(query.ignoreTableFilter ? [] : table.filter), ...(query.where ?? [])];
    if (query.modifiedAfter) conditions.push({ field: table.modifiedField, op: 'gt', value: query.modifiedAfter });
    const filter = toODataFilter(conditions) || undefined;
    const pages = this.client.list(this.resource(table), { filter, select: this.select(table) }, { pagesAhead: query.pagesAhead });
    return mapPages(pages, (r) => pageRec(r as Record<string, unknown>));
  }

  async get(table: SideTable, ids: string[]): Promise<Rec[]> {
    const chunks = idFilterChunks('id', ids, { maxPerChunk: IDS_PER_REQUEST });
    const found = await mapPool(chunks, this.limits.parallelRequests, async (filter) => {
      const rows: Rec[] = [];
      for await (const page of this.client.list(this.resource(table), { filter, select: this.select(table) })) {
        rows.push(...page.map((r) => pageRec(r as Record<string, unknown>)));
      }
      return rows;
    });
    return found.flat();
  }

  /** One `$count` request, whatever the number of records. */
  async count(table: SideTable, where: FilterCondition[] = []): Promise<number> {
    const filter = toODataFilter([...table.filter, ...where]) || undefined;
    return this.client.count(this.resource(table), { filter });
  }

  /** Standard API v2.0 pages make `id` read-only (BC assigns it); the companion extension's pages accept one. */
  acceptsChosenId(table: SideTable): boolean {
    return table.api === 'custom';
  }

  /** A write as a client operation; `id` goes along only where the table keeps the id we chose. */
  private operation(table: SideTable, op: WriteOp): BcOperation {
    const target = this.resource(table);
    if (op.kind === 'create') {
      const { id: _ignored, ...fields } = op.fields;
      return { kind: 'create', target, body: this.acceptsChosenId(table) ? { ...fields, id: op.id } : fields };
    }
    if (op.kind === 'update') return { kind: 'update', target, id: op.id, body: op.fields, etag: op.etag ?? '*' };
    return { kind: 'delete', target, id: op.id, etag: op.etag ?? '*' };
  }

  async write(table: SideTable, ops: WriteOp[]): Promise<WriteResult[]> {
    const chosenIds = this.acceptsChosenId(table);
    const operations = ops.map((op) => this.operation(table, op));
    const results = await this.client.batch(operations, { continueOnError: true });
    const out: WriteResult[] = results.map((r, i) => {
      const op = ops[i]!;
      if (r.ok) {
        const body = r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : undefined;
        return { op, ok: true, record: body ? toRec(body) : undefined };
      }
      const error = writeError(r.error, `HTTP ${r.status}`);
      // A create repeated after a crash: the record with our id is there already. Read it back below.
      if (op.kind === 'create' && chosenIds && error.code === 'Internal_EntityWithSameKeyExists') return { op, ok: true, alreadyExisted: true };
      return { op, ok: false, error };
    });
    // Only an id we know can be read back: an update's, or a create's where the table kept our id.
    const readBack = (r: WriteResult): boolean => r.ok && !r.record && (r.op.kind === 'update' || (r.op.kind === 'create' && chosenIds));
    const missing = out.filter(readBack).map((r) => r.op.id);
    if (missing.length) {
      const found = new Map((await this.get(table, missing)).map((rec) => [rec.id, rec]));
      for (const r of out) if (readBack(r)) r.record = found.get(r.op.id.toLowerCase());
    }
    return out;
  }

  /** One JSON `$batch` with `Isolation: snapshot` (docs/protocols.md §3.2): every operation lands, or none does. */
  async writeAtomic(ops: ReadonlyArray<{ table: SideTable; op: WriteOp }>): Promise<WriteResult[]> {
    const results = await this.client.batch(
      ops.map(({ table, op }) => this.operation(table, op)),
      { atomic: true },
    );
    return results.map((r, i) => {
      const op = ops[i]!.op;
      if (!r || !r.ok) return { op, ok: false, error: writeError(r?.error, `HTTP ${r?.status ?? 'not sent'}`) };
      const body = r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : undefined;
      return { op, ok: true, record: body ? toRec(body) : undefined };
    });
  }

  async runAction(table: SideTable, id: string, action: string): Promise<void> {
    await this.client.action(this.resource(table), id, action);
  }

  stats(): SideStats {
    const s = this.client.transport.stats();
    return { requests: s.requests, retries: s.retries };
  }
}
