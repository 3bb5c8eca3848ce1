/**
 * Rows of one company, with an undo journal so a write (or a whole `Isolation: snapshot` batch) can be
 * rolled back as BC rolls back a transaction. Rows are immutable: every write stores a new object, so
 * the journal only keeps references to the previous rows.
 */
export type Rec = Record<string, unknown>;

export interface Row {
  readonly data: Readonly<Rec>;
  /** SQL-rowversion-like counter; the ETag is derived from it. */
  readonly rowVersion: number;
}

type UndoEntry =
  | { kind: 'row'; store: Store; table: string; id: string; previous: Row | undefined }
  | { kind: 'series'; store: Store; name: string; previous: string | undefined };

/** One undo journal shared by every company store, so a batch transaction spans them all. */
export class Journal {
  private entries: UndoEntry[] = [];
  private depth = 0;

  get active(): boolean {
    return this.depth > 0;
  }

  record(entry: UndoEntry): void {
    if (this.depth > 0) this.entries.push(entry);
  }

  /** Runs `fn` as one transaction: if it throws, everything it wrote is undone and the error rethrown. */
  atomic<T>(fn: () => T): T {
    const mark = this.entries.length;
    this.depth++;
    try {
      return fn();
    } catch (e) {
      this.rollbackTo(mark);
      throw e;
    } finally {
      this.depth--;
      if (this.depth === 0) this.entries = [];
    }
  }

  /**
   * Like `atomic`, but the caller decides: `fn` returns whether to keep its writes. Used by
   * `Isolation: snapshot` batches, whose failed operations answer normally but undo the batch.
   */
  transaction<T>(fn: () => { keep: boolean; result: T }): T {
    const mark = this.entries.length;
    this.depth++;
    try {
      const { keep, result } = fn();
      if (!keep) this.rollbackTo(mark);
      return result;
    } catch (e) {
      this.rollbackTo(mark);
      throw e;
    } finally {
      this.depth--;
      if (this.depth === 0) this.entries = [];
    }
  }

  private rollbackTo(mark: number): void {
    while (this.entries.length > mark) {
      const e = this.entries.pop()!;
      if (e.kind === 'row') e.store.restoreRow(e.table, e.id, e.previous);
      else e.store.restoreSeries(e.name, e.previous);
    }
  }
}

interface TableState {
  rows: Map<string, Row>;
  /** Bumped on every change; sorted views are cached per version. */
  version: number;
  /** Unique index: upper-cased key value -> id. */
  unique?: { field: string; map: Map<string, string> };
  /**
   * Non-unique indexes: field -> value -> ids, one id as itself (most values, e.g. an item's unit group, have one
   * row: a Set each was ~0.3 KB per row), more in a Set in the order they were added.
   */
  multi: Map<string, Map<string, string | Set<string>>>;
  sortCache: Map<string, { version: number; rows: Row[] }>;
}

export class Store {
  private readonly tables = new Map<string, TableState>();
  private readonly seriesLastUsed = new Map<string, string>();
  /**
   * Called after every write of a row (not on rollback): one table that is a view of another's rows (the Sales Header
   * page over the v2.0 documents) is kept in step here, inside the same transaction.
   */
  afterWrite?: (table: string, id: string, row: Row | undefined) => void;

  constructor(
    readonly journal: Journal,
    private readonly nextRowVersion: () => number,
  ) {}

  defineTable(name: string, options: { uniqueField?: string; indexFields?: readonly string[] } = {}): void {
    if (this.tables.has(name)) return;
    const multi = new Map<string, Map<string, string | Set<string>>>();
    for (const f of options.indexFields ?? []) multi.set(f, new Map());
    this.tables.set(name, {
      rows: new Map(),
      version: 0,
      unique: options.uniqueField ? { field: options.uniqueField, map: new Map() } : undefined,
      multi,
      sortCache: new Map(),
    });
  }

  has(name: string): boolean {
    return this.tables.has(name);
  }

  private table(name: string): TableState {
    const t = this.tables.get(name);
    if (!t) throw new Error(`BC emulator: table '${name}' is not defined`);
    return t;
  }

  get(table: string, id: string): Row | undefined {
    return this.table(table).rows.get(id);
  }

  rows(table: string): IterableIterator<Row> {
    return this.table(table).rows.values();
  }

  count(table: string): number {
    return this.table(table).rows.size;
  }

  version(table: string): number {
    return this.table(table).version;
  }

  /** Id of the row whose unique key equals `value` (case-insensitive, as Code values are upper case). */
  findByKey(table: string, value: string): string | undefined {
    return this.table(table).unique?.map.get(value.toUpperCase());
  }

  /** Ids of rows whose indexed `field` equals `value`. */
  findBy(table: string, field: string, value: string): string[] {
    const index = this.table(table).multi.get(field);
    if (!index) {
      const out: string[] = [];
      for (const [id, row] of this.table(table).rows) if (row.data[field] === value) out.push(id);
      return out;
    }
    const ids = index.get(value);
    return ids === undefined ? [] : typeof ids === 'string' ? [ids] : [...ids];
  }

  /**
   * Writes a row with a new row version. The store takes ownership of `data` (it is frozen) and keeps a frozen copy
   * of it made property by property from an empty object: a record built up key by key or spread from another
   * (an item's 22 properties) otherwise reaches the store with a layout of its own (a hidden class and descriptor
   * array per row, ~0.7 KB each, that every major GC marks), while the copies of a table's rows share one.
   */
  put(table: string, id: string, data: Rec): Row {
    Object.freeze(data);
    const row: Row = { data: Object.freeze(Object.fromEntries(Object.entries(data))), rowVersion: this.nextRowVersion() };
    const previous = this.table(table).rows.get(id);
    this.journal.record({ kind: 'row', store: this, table, id, previous });
    this.restoreRow(table, id, row);
    this.afterWrite?.(table, id, row);
    return row;
  }

  /**
   * Another user saved the row without changing its data: a new row version (and ETag), outside any
   * transaction of ours, so a rolled-back batch does not undo it.
   */
  bumpVersion(table: string, id: string): void {
    const row = this.table(table).rows.get(id);
    if (row) this.restoreRow(table, id, { data: row.data, rowVersion: this.nextRowVersion() });
  }

  delete(table: string, id: string): void {
    const previous = this.table(table).rows.get(id);
    if (!previous) return;
    this.journal.record({ kind: 'row', store: this, table, id, previous });
    this.restoreRow(table, id, undefined);
    this.afterWrite?.(table, id, undefined);
  }

  /** Sets a row as-is (journal replay and the two methods above); keeps indexes in step. */
  restoreRow(table: string, id: string, row: Row | undefined): void {
    const t = this.table(table);
    const old = t.rows.get(id);
    if (old) this.unindex(t, id, old.data);
    if (row) {
      t.rows.set(id, row);
      this.index(t, id, row.data);
    } else {
      t.rows.delete(id);
    }
    t.version++;
  }

  private index(t: TableState, id: string, data: Readonly<Rec>): void {
    if (t.unique) {
      const v = data[t.unique.field];
      if (typeof v === 'string' && v !== '') t.unique.map.set(v.toUpperCase(), id);
    }
    for (const [field, map] of t.multi) {
      const v = String(data[field] ?? '');
      const ids = map.get(v);
      if (ids === undefined) map.set(v, id);
      else if (typeof ids !== 'string') ids.add(id);
      else if (ids !== id) map.set(v, new Set([ids, id]));
    }
  }

  private unindex(t: TableState, id: string, data: Readonly<Rec>): void {
    if (t.unique) {
      const v = data[t.unique.field];
      if (typeof v === 'string' && t.unique.map.get(v.toUpperCase()) === id) t.unique.map.delete(v.toUpperCase());
    }
    for (const [field, map] of t.multi) {
      const v = String(data[field] ?? '');
      const ids = map.get(v);
      if (ids === id) map.delete(v);
      else if (ids !== undefined && typeof ids !== 'string') {
        ids.delete(id);
        if (ids.size === 0) map.delete(v);
      }
    }
  }

  /** Rows in a cached order per sort signature; `sort` runs only when the table changed since. Do not mutate. */
  sortedRows(table: string, signature: string, sort: (rows: Row[]) => Row[]): readonly Row[] {
    const t = this.table(table);
    const cached = t.sortCache.get(signature);
    if (cached && cached.version === t.version) return cached.rows;
    const rows = sort([...t.rows.values()]);
    if (t.sortCache.size > 16) t.sortCache.clear();
    t.sortCache.set(signature, { version: t.version, rows });
    return rows;
  }

  seriesGet(name: string): string | undefined {
    return this.seriesLastUsed.get(name);
  }

  seriesSet(name: string, value: string): void {
    this.journal.record({ kind: 'series', store: this, name, previous: this.seriesLastUsed.get(name) });
    this.seriesLastUsed.set(name, value);
  }

  restoreSeries(name: string, value: string | undefined): void {
    if (value === undefined) this.seriesLastUsed.delete(name);
    else this.seriesLastUsed.set(name, value);
  }
}
