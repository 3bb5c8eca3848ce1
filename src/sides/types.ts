/**
 * The engine's only view of a system (DESIGN.md "One small Side interface under a pure planner and a single
 * writer"). BcSide and DataverseSide implement it over the typed clients; the engine never sees HTTP.
 */
export type SideName = 'bc' | 'dataverse';

import type { FilterCondition, ReopenForWrite } from '../mapping/types.js';

export type { FilterCondition, ReopenForWrite };

/** Where a mapping's records live on one side. */
export interface SideTable {
  /** Entity set (Dataverse) or resource (BC), e.g. `accounts`, `customers`, `unitGroups`. */
  entitySet: string;
  /** BC only: standard API v2.0 or the bcsync custom API. */
  api?: 'v2.0' | 'custom';
  /** Primary key property (`id`, `accountid`). */
  key: string;
  /** Modified-on property (`lastModifiedDateTime`, `modifiedon`). */
  modifiedField: string;
  /** Conditions that are ANDed (a condition with op `in` is an OR over its values). */
  filter: FilterCondition[];
  /** Properties to read; undefined = all. */
  select?: string[];
  /** Dataverse only: rows in a read-only state are made editable for an update and put back after it (a Submitted order). */
  reopenForWrite?: ReopenForWrite;
}

/** One record as the engine sees it. */
export interface Rec {
  id: string;
  etag?: string;
  /** ISO-8601 UTC. */
  modifiedAt: string;
  /** Dataverse: `_modifiedby_value` (echo suppression). */
  modifiedBy?: string;
  fields: Record<string, unknown>;
}

export interface ListQuery {
  /** Only records modified strictly after this instant (ISO). */
  modifiedAfter?: string;
  /** Extra conditions for this query (e.g. match-based coupling). */
  where?: FilterCondition[];
  /** Skip the table's own filter (failed records are re-read by id without it, as BC does). */
  ignoreTableFilter?: boolean;
  /**
   * Dataverse only (Business Central records name no modifying user): leave out rows `userId` modified at or
   * after `since`, i.e. the rows this run's own writes produced, so a later pass does not read them back.
   */
  exceptModifiedBy?: { userId: string; since: string };
  /**
   * Business Central only: pages the side may have asked for that the reader has not taken, read as each page
   * arrives: 2 (the default) lets the chain of page requests run at the service's pace; 1 asks for the next page as
   * the reader takes one (a reader held up by its writes, whose pages fetched further ahead would only wait).
   */
  pagesAhead?: () => 1 | 2;
}

export type WriteOp =
  /**
   * Create. Where the table accepts a chosen id (`Side.acceptsChosenId`), the record is created with `id`, so a
   * create retried after a crash finds its own record. Elsewhere (BC's standard API v2.0) the service assigns the
   * id: `id` is not sent, and the result's `record` carries the id the service gave it.
   */
  | { kind: 'create'; id: string; fields: Record<string, unknown> }
  | { kind: 'update'; id: string; etag?: string; fields: Record<string, unknown> }
  | { kind: 'delete'; id: string; etag?: string };

export interface WriteError {
  message: string;
  status?: number;
  code?: string;
  /** The record changed since it was read (stale ETag). */
  conflict?: boolean;
  /** The record to update/delete does not exist. */
  notFound?: boolean;
}

export interface WriteResult {
  op: WriteOp;
  ok: boolean;
  /** The record as it is after the write (modifiedAt feeds echo suppression). */
  record?: Rec;
  /** A create found its record already there (an earlier run created it, then crashed). */
  alreadyExisted?: boolean;
  error?: WriteError;
}

/** How a caller takes part in a write (`Side.write`). */
export interface WriteOptions {
  /**
   * Called once the service's answers to the write's requests have arrived, before the side reads them; the side
   * reads them once the promise returned resolves. The requests no longer occupy the service from here, so a writer
   * can let another request leave and read these answers when it has time. A side may not call it (then the answers
   * are read at once); it calls it at most once per write.
   */
  answered?: () => Promise<void>;
}

export interface SideStats {
  requests: number;
  retries: number;
}

/** One option of a Dataverse option set (payment terms, shipment methods, shipping agents). */
export interface OptionValue {
  value: number;
  label: string;
}

/** Option-set metadata operations (Dataverse only): BC's option mappings couple codes to option values (docs/integration.md §5.8). */
export interface OptionSets {
  list(table: string, attribute: string): Promise<OptionValue[]>;
  /** Adds an option; returns its value. */
  insert(table: string, attribute: string, label: string, value?: number): Promise<number>;
  relabel(table: string, attribute: string, value: number, label: string): Promise<void>;
}

export interface Side {
  readonly name: SideName;
  /** Operations per write request, records per page. */
  readonly limits: { batchSize: number; pageSize: number; parallelRequests: number };
  /** Pages of records matching the table filter and the query. */
  list(table: SideTable, query?: ListQuery): AsyncIterable<Rec[]>;
  /** Records by id (missing ids are simply absent from the result). */
  get(table: SideTable, ids: string[]): Promise<Rec[]>;
  /** Number of records matching the table filter. */
  count(table: SideTable, where?: FilterCondition[]): Promise<number>;
  /**
   * Writes in as few requests as the API allows; one result per op, in order. The ops' `fields` are the side's
   * once called: it may release them (an op's `fields` then reads as an empty object) as soon as its requests are
   * encoded, so writes in flight hold their request bytes and not their records' values. Read nothing from
   * `op.fields` after calling it (the objects they were are untouched).
   */
  write(table: SideTable, ops: WriteOp[], options?: WriteOptions): Promise<WriteResult[]>;
  /**
   * Writes operations on one or more tables as one transaction: all land or none (BC: one JSON `$batch` with
   * `Isolation: snapshot`, all on one API; Dataverse: one changeset). One result per op, in order; when one
   * failed, the others report the rollback. Must fit in one batch request.
   */
  writeAtomic?(ops: ReadonlyArray<{ table: SideTable; op: WriteOp }>): Promise<WriteResult[]>;
  stats(): SideStats;
  /**
   * Requests the side sends at once right now: fewer than `limits.parallelRequests` while the service paces us
   * (Dataverse's 429 answers halve its transport's bound, which then recovers) or will pace the run whatever its
   * width (`expectCreates`). Absent: `limits.parallelRequests`.
   */
  sendingNow?(): number;
  /**
   * The run about to write expects this many creates on this side (a full sync's review counted them); 0 clears
   * it. A side whose service budgets execution time (Dataverse) may then hold fewer requests in flight for the run.
   */
  expectCreates?(creates: number): void;
  /**
   * Whether creates in this table keep the id the caller chose (Dataverse: always; BC: the custom API's pages
   * only, which insert with the given SystemId). Absent means yes.
   */
  acceptsChosenId?(table: SideTable): boolean;
  /**
   * Dataverse only: creates a row with the id chosen and its related rows in one request (deep insert: the
   * collection-valued navigation properties in `fields` hold the new child rows). One transaction: the row
   * exists with all its children or not at all.
   */
  createWithRelated?(table: SideTable, id: string, fields: Record<string, unknown>): Promise<WriteResult>;
  /** Dataverse only. */
  readonly optionSets?: OptionSets;
  /** BC only: a bound action of a record (`Microsoft.NAV.<action>`), e.g. release/reopen of a sales header. */
  runAction?(table: SideTable, id: string, action: string): Promise<void>;
  /** Dataverse only: the FulfillSalesOrder action (a sales order reaches Fulfilled only through it). */
  fulfillSalesOrder?(orderId: string): Promise<void>;
}
