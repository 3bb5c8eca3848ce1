import { z } from 'zod';
import type { DataverseClient, DataverseOperation } from '../clients/dataverse/client.js';
import { and, or } from '../clients/odata/index.js';
import { tableByEntitySet } from '../clients/dataverse/tables/index.js';
import { DUPLICATE_KEY_CODES } from '../clients/dataverse/errors.js';
import { BcsyncError } from '../errors.js';
import { mapPages } from '../util/pool.js';
import { writeError } from './bc-side.js';
import { toODataFilter } from './filter.js';
import type { FilterCondition, ListQuery, OptionSets, Rec, Side, SideStats, SideTable, WriteOp, WriteOptions, WriteResult } from './types.js';

/** What a write's returned row is read for (see `toRec`). */
const WRITTEN_COLUMNS = (table: SideTable): string[] => [table.key, table.modifiedField, '_modifiedby_value'];

function toRec(table: SideTable, fields: Record<string, unknown>): Rec {
  const { ['@odata.etag']: etag, ...rest } = fields;
  const modifiedBy = fields._modifiedby_value;
  return {
    id: String(fields[table.key]).toLowerCase(),
    etag: typeof etag === 'string' ? etag : undefined,
    modifiedAt: String(fields[table.modifiedField] ?? ''),
    modifiedBy: typeof modifiedBy === 'string' ? modifiedBy.toLowerCase() : undefined,
    fields: rest,
  };
}

/** The headers of an upsert that creates: one object shared by every create of a batch (they are only read). */
const CREATE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ Prefer: 'return=representation', 'Content-Type': 'application/json' });

/** What a written op's `fields` become once its request is encoded (see `Side.write`): nothing to hold. */
const RELEASED: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Dataverse answers 429 beyond 52 concurrent requests per user (docs/protocols.md §5.2). */
export const DATAVERSE_MAX_PARALLEL = 52;

/**
 * Dataverse's combined execution time per user: 20 minutes of requests' execution in any 5 minutes (docs/protocols.md
 * §5.2). A run whose writes need more than that is paced by the service whatever its width.
 */
export const EXECUTION_BUDGET_MS = 1_200_000;

/**
 * Requests in flight for a run the execution budget will pace: twice what the budget sustains (20 minutes per 5 is 4
 * requests executing at once on average). Wider, such a run only sends its bursts sooner and then waits them out,
 * holding every batch in flight (and its encoded body) in memory meanwhile; measured at 1,000,000 customers in README
 * "Benchmarks".
 */
export const PACED_PARALLEL = 8;

/**
 * The least execution time a create inside a `$batch` is assumed to cost before any answer says: a floor, below the
 * emulator's model of 3 ms a create (`DEFAULT_LATENCY`); a slower service is found out from the first answers. A run
 * whose creates need more than the budget even at this cost is narrowed from its first request on, before a wide
 * first burst has grown the process's memory (README "Benchmarks", peak RSS).
 */
export const MIN_EXECUTION_MS_PER_CREATE = 2;

/** A run's expected creates, and what its answered writes took so far (see `expectCreates`). */
interface PacingEstimate {
  creates: number;
  writesAnswered: number;
  answeredMsBefore: number;
  paced: boolean;
}

function clampParallel(n: number): number {
  return Math.max(1, Math.min(DATAVERSE_MAX_PARALLEL, Math.floor(n)));
}

/** Dataverse through the typed client: pages of 5,000, multipart `$batch` of up to 1,000, upserts by key. */
export class DataverseSide implements Side {
  readonly name = 'dataverse' as const;
  readonly optionSets: OptionSets;
  private readonly configuredParallel: number;
  private readonly executionBudgetMs: number;
  private readonly onPaced?: () => void;
  private estimate?: PacingEstimate;

  /**
   * `parallelRequests`: requests in flight while no answer has carried `x-ms-dop-hint` yet (the profile's
   * `limits.dataverseParallelRequests`; default and maximum 52, the service's concurrency limit). `onPaced`: told
   * once a run is found to be one the execution budget will pace (`expectCreates`); `executionBudgetMs` is the
   * service's (tests make it smaller).
   */
  constructor(
    private readonly client: DataverseClient,
    options: { parallelRequests?: number; executionBudgetMs?: number; onPaced?: () => void } = {},
  ) {
    this.configuredParallel = clampParallel(options.parallelRequests ?? DATAVERSE_MAX_PARALLEL);
    this.executionBudgetMs = options.executionBudgetMs ?? EXECUTION_BUDGET_MS;
    this.onPaced = options.onPaced;
    this.optionSets = {
      list: async (table, attribute) => (await client.getOptionSet(table, attribute)).options,
      insert: (table, attribute, label, value) =>
        client.insertOptionValue({ entity: table, attribute, label, value }),
      relabel: (table, attribute, value, label) =>
        client.updateOptionValue({ entity: table, attribute, value, label }),
    };
  }

  /**
   * Requests in flight: what the service recommends (`x-ms-dop-hint`, as its answers arrive) when it says, else
   * the configured number; never beyond the configured number (a profile that asks for fewer leaves room for other
   * integrations of the same user, whatever the hint) nor beyond 52. Its combined-execution-time limit (20 min per
   * 5 min) is what bounds a sustained load, and the transport honours the Retry-After it answers with.
   */
  get limits(): Side['limits'] {
    const hint = this.client.dopHint;
    return {
      batchSize: this.client.batchSize,
      pageSize: this.client.maxPageSize,
      parallelRequests: hint !== undefined ? Math.min(clampParallel(hint), this.configuredParallel) : this.configuredParallel,
    };
  }

  /**
   * The run about to write expects `creates` creates here (a full sync's review counted them). The side estimates
   * the execution time they need: at MIN_EXECUTION_MS_PER_CREATE each before any answer, then at the answer time
   * per write so far. Past the execution budget, the service will pace the run whatever its width, so the side
   * narrows to PACED_PARALLEL and says so (`onPaced`) before the service has to. A run with no expectation is never
   * narrowed by this (the transport still halves its width at each 429).
   */
  expectCreates(creates: number): void {
    this.estimate = creates > 0 ? { creates, writesAnswered: 0, answeredMsBefore: this.client.transport.stats().answeredMs.batch, paced: false } : undefined;
    if (creates * MIN_EXECUTION_MS_PER_CREATE > this.executionBudgetMs) this.pacedNow();
  }

  private pacedNow(): void {
    this.estimate!.paced = true;
    this.onPaced?.();
  }

  /** Whether the current run was found to be one the execution budget paces (see `expectCreates`). */
  get pacedByBudget(): boolean {
    return Boolean(this.estimate?.paced);
  }

  /** A write request's answers arrived: its writes count in the estimate (see `expectCreates`). */
  private writesAnswered(writes: number): void {
    const estimate = this.estimate;
    if (!estimate || estimate.paced) return;
    estimate.writesAnswered += writes;
    const answeredMs = this.client.transport.stats().answeredMs.batch - estimate.answeredMsBefore;
    if ((answeredMs / estimate.writesAnswered) * estimate.creates > this.executionBudgetMs) this.pacedNow();
  }

  /**
   * What the side sends at once now, within `limits`: the transport's bound (halved by a 429 pause, then
   * recovering), and at most PACED_PARALLEL in a run the execution budget will pace (`expectCreates`).
   */
  sendingNow(): number {
    const now = Math.min(this.limits.parallelRequests, this.client.transport.stats().inFlightLimit);
    return this.estimate?.paced ? Math.min(now, PACED_PARALLEL) : now;
  }

  /** The typed table's schema (answers checked, the property named when one is off); a loose one otherwise. */
  private schema(table: SideTable): z.ZodType {
    return tableByEntitySet(table.entitySet)?.schema ?? z.looseObject({ [table.key]: z.string() });
  }

  private select(table: SideTable): string[] | undefined {
    return table.select ? [...new Set([...table.select, table.key, table.modifiedField, '_modifiedby_value'])] : undefined;
  }

  list(table: SideTable, query: ListQuery = {}): AsyncIterable<Rec[]> {
    const own = query.ignoreTableFilter ? [] : table.filter;
    const conditions: FilterCondition[] = [...own, ...(query.where ?? [])];
    if (query.modifiedAfter) conditions.push({ field: table.modifiedField, op: 'gt', value: query.modifiedAfter });
    const ours = query.exceptModifiedBy;
    // "Not modified by us since" = modified by someone else, or before: an `or` across fields, which Dataverse accepts.
    const exceptOurs = ours
      ? or(toODataFilter([{ field: '_modifiedby_value', op: 'ne', value: ours.userId }]), toODataFilter([{ field: table.modifiedField, op: 'lt', value: ours.since }]))
      : undefined;
    const filter = and(toODataFilter(conditions), exceptOurs) || undefined;
    return mapPages(this.client.list(table.entitySet, { filter, select: this.select(table) }, this.schema(table)), (r) => toRec(table, r as Record<string, unknown>));
  }

  /**
   * By id in as few requests as the URL limits allow (docs/protocols.md §2.9, §3.1): one GET for a few hundred
   * ids, else one `$batch` of GETs per thousand URLs of ~1,400 ids each (a window of 20,000 is one request).
   */
  async get(table: SideTable, ids: string[]): Promise<Rec[]> {
    const rows = await this.client.listByIds(table.entitySet, table.key, ids, { select: this.select(table) }, this.schema(table), {
      parallel: this.limits.parallelRequests,
    });
    return (rows as Record<string, unknown>[]).map((r) => toRec(table, r));
  }

  /** One `$count` request; past Dataverse's cap of 5,000 the keys are read and counted (exact either way). */
  async count(table: SideTable, where: FilterCondition[] = []): Promise<number> {
    const filter = toODataFilter([...table.filter, ...where]) || undefined;
    const answer = await this.client.count(table.entitySet, { filter });
    if (!answer.capped) return answer.count;
    let n = 0;
    for await (const page of this.list({ ...table, select: [table.key] }, { where })) n += page.length;
    return n;
  }

  /** Every Dataverse table creates a row with the primary key the caller chose (upsert to the key URL). */
  acceptsChosenId(): boolean {
    return true;
  }

  async createWithRelated(table: SideTable, id: string, fields: Record<string, unknown>): Promise<WriteResult> {
    const op: WriteOp = { kind: 'create', id, fields };
    try {
      // POST with our key in the body: deep insert is only defined for POST (an upsert PATCH creates no children).
      const created = await this.client.create(table.entitySet, { ...fields, [table.key]: id }, { returnRepresentation: true, select: WRITTEN_COLUMNS(table) });
      return { op, ok: true, record: created.row ? toRec(table, created.row) : undefined };
    } catch (error) {
      const failure = writeError(error instanceof BcsyncError ? error : undefined, String((error as Error)?.message ?? error));
      if (failure.code !== undefined && DUPLICATE_KEY_CODES.has(failure.code)) return { op, ok: true, alreadyExisted: true };
      return { op, ok: false, error: failure };
    }
  }

  async write(table: SideTable, ops: WriteOp[], options: WriteOptions = {}): Promise<WriteResult[]> {
    const locked = await this.lockedRows(table, ops);
    const { answer, slots } = this.send(table, ops, locked, options.answered);
    const results = await answer;
    return ops.map((op, i) => {
      const slot = slots[i]!;
      const opened = slot.open === undefined ? undefined : results[slot.open]!;
      const r = opened && !opened.ok ? opened : results[slot.main]!;
      if (!r.ok) return { op, ok: false, error: writeError(r.error, `HTTP ${r.status}`) };
      const last = slot.close === undefined ? r : results[slot.close]!.ok ? results[slot.close]! : r;
      const body = last.body && typeof last.body === 'object' ? (last.body as Record<string, unknown>) : undefined;
      return { op, ok: true, record: body ? toRec(table, body) : undefined };
    });
  }

  /**
   * The batch requests of a write, sent. Creates are upserts to our deterministic id (PATCH to the key URL):
   * repeating one after a crash updates the row the first attempt made instead of duplicating it. Every write asks
   * for the row back, so the modified-on the write produced can be stored for echo suppression without another
   * read; only the columns kept from it (key, modified-on, modified-by; the ETag comes along) are asked for, not
   * the whole row the engine just sent.
   *
   * `client.batch` encodes every request before it returns (`continueOnError` sends them all at once): from then
   * on the values are bytes on their way, and neither the operations nor the ops hold them (`RELEASED`), so 52
   * batches of 1,000 in flight hold their request bodies, not 52,000 objects of values. Not an async function:
   * no suspended frame keeps the operations referenced.
   */
  private send(table: SideTable, ops: WriteOp[], locked: Map<string, { statecode: number; statuscode: number }>, answered?: () => Promise<void>) {
    const returned = `$select=${WRITTEN_COLUMNS(table).join(',')}`;
    const patch = (id: string, body: Record<string, unknown>, etag: string): DataverseOperation => ({
      kind: 'raw',
      method: 'PATCH',
      path: `${table.entitySet}(${id})?${returned}`,
      body,
      headers: { Prefer: 'return=representation', 'Content-Type': 'application/json', 'If-Match': etag },
    });
    const operations: DataverseOperation[] = [];
    /** Per op: the index of its own write, and of the state changes around it when the row had to be reopened. */
    const slots: Array<{ main: number; open?: number; close?: number }> = [];
    for (const op of ops) {
      if (op.kind === 'delete') {
        slots.push({ main: operations.push({ kind: 'delete', table: table.entitySet, id: op.id, etag: op.etag }) - 1 });
        continue;
      }
      const state = op.kind === 'update' ? locked.get(op.id.toLowerCase()) : undefined;
      if (op.kind === 'create' || !state || !table.reopenForWrite) {
        const headers = op.kind === 'update' ? { ...CREATE_HEADERS, 'If-Match': op.etag ?? '*' } : CREATE_HEADERS;
        slots.push({ main: operations.push({ kind: 'raw', method: 'PATCH', path: `${table.entitySet}(${op.id})?${returned}`, body: op.fields, headers }) - 1 });
        continue;
      }
      // Reopen, write, put the state back: in order in one batch, the put-back sent even when the write fails.
      const open = operations.push(patch(op.id, { ...table.reopenForWrite.open }, op.etag ?? '*')) - 1;
      const main = operations.push(patch(op.id, op.fields, '*')) - 1;
      const close = operations.push(patch(op.id, { ...state }, '*')) - 1;
      slots.push({ open, main, close });
    }
    const writes = ops.length;
    const onAnswered = async () => {
      this.writesAnswered(writes);
      await answered?.();
    };
    const answer = this.client.batch(operations, { continueOnError: true, answered: onAnswered });
    for (const o of operations) if (o.kind === 'raw') o.body = undefined;
    for (const op of ops) if (op.kind !== 'delete') op.fields = RELEASED;
    return { answer, slots };
  }

  /** One changeset (docs/protocols.md §3.1): every operation lands, or none does. Creates are upserts to the chosen id. */
  async writeAtomic(ops: ReadonlyArray<{ table: SideTable; op: WriteOp }>): Promise<WriteResult[]> {
    const operations: DataverseOperation[] = ops.map(({ table, op }) => {
      if (op.kind === 'delete') return { kind: 'delete', table: table.entitySet, id: op.id, etag: op.etag };
      const headers: Record<string, string> = { Prefer: 'return=representation', 'Content-Type': 'application/json' };
      if (op.kind === 'update') headers['If-Match'] = op.etag ?? '*';
      return { kind: 'raw', method: 'PATCH', path: `${table.entitySet}(${op.id})?$select=${WRITTEN_COLUMNS(table).join(',')}`, body: op.fields, headers };
    });
    const results = await this.client.batch(operations, { atomic: true });
    return results.map((r, i) => {
      const { table, op } = ops[i]!;
      if (!r || !r.ok) return { op, ok: false, error: writeError(r?.error, `HTTP ${r?.status ?? 'not sent'}`) };
      const body = r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : undefined;
      return { op, ok: true, record: body ? toRec(table, body) : undefined };
    });
  }

  /**
   * The state and status of rows an update would change in a read-only state (`reopenForWrite`), by id (`get`),
   * only for tables that declare it and updates that change more than the state.
   */
  private async lockedRows(table: SideTable, ops: WriteOp[]): Promise<Map<string, { statecode: number; statuscode: number }>> {
    const locked = new Map<string, { statecode: number; statuscode: number }>();
    const reopen = table.reopenForWrite;
    if (!reopen) return locked;
    const ids = ops
      .filter((op) => op.kind === 'update' && Object.keys(op.fields).some((k) => k !== 'statecode' && k !== 'statuscode'))
      .map((op) => op.id);
    if (ids.length === 0) return locked;
    for (const rec of await this.get({ ...table, select: ['statecode', 'statuscode'] }, ids)) {
      const statecode = Number(rec.fields.statecode);
      if (reopen.lockedStates.includes(statecode)) locked.set(rec.id, { statecode, statuscode: Number(rec.fields.statuscode) });
    }
    return locked;
  }

  async fulfillSalesOrder(orderId: string): Promise<void> {
    await this.client.fulfillSalesOrder(orderId);
  }

  stats(): SideStats {
    const s = this.client.transport.stats();
    return { requests: s.requests, retries: s.retries };
  }
}
