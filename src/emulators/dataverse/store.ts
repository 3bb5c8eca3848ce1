/**
 * In-memory rows of the emulated organization, with one global row-version counter (Dataverse's
 * `versionnumber`), tombstones for change tracking, and an undo journal so a `$batch` changeset
 * can roll back every operation it made.
 */

export interface Row {
  id: string;
  /** Read-shape values: logical names, lookups as `_x_value`. Replaced, never mutated in place. */
  values: Readonly<Record<string, unknown>>;
  /** Lookup column -> logical name of the row it points at (polymorphic lookups, annotations). */
  targets: Readonly<Record<string, string>>;
  version: number;
}

export interface Tombstone {
  id: string;
  version: number;
}

class TableRows {
  readonly rows = new Map<string, Row>();
  readonly tombstones: Tombstone[] = [];
  /** Indexed property -> value -> ids of rows holding it. */
  readonly indexes = new Map<string, Map<string, Set<string>>>();
}

const EMPTY: ReadonlySet<string> = new Set();

export class Store {
  /** Last version handed out; versions only grow (a rolled-back write does not give its number back). */
  private version = 0;
  private readonly tables = new Map<string, TableRows>();
  private readonly undo: Array<Array<() => void>> = [];
  /** N:N relationship name -> "a|b" pairs (systemuserroles_association: systemuserid|roleid). */
  private readonly pairs = new Map<string, Set<string>>();

  /** `indexes`: [entity set, property] pairs looked up by value (child rows by parent, for instance). */
  constructor(entitySets: Iterable<string>, indexes: Iterable<[string, string]> = []) {
    for (const set of entitySets) this.tables.set(set, new TableRows());
    for (const [set, property] of indexes) this.table(set).indexes.set(property, new Map());
  }

  /** Ids of rows in `set` whose indexed `property` equals `value` (empty when none). */
  lookup(set: string, property: string, value: string): ReadonlySet<string> {
    const index = this.table(set).indexes.get(property);
    if (!index) throw new Error(`'${property}' of '${set}' is not indexed.`);
    return index.get(value) ?? EMPTY;
  }

  isIndexed(set: string, property: string): boolean {
    return this.table(set).indexes.has(property);
  }

  /** Sets or clears a row, keeping the indexes in step. */
  private setRow(t: TableRows, id: string, row: Row | undefined): void {
    const before = t.rows.get(id);
    for (const [property, index] of t.indexes) {
      const oldValue = before?.values[property];
      const newValue = row?.values[property];
      if (oldValue === newValue) continue;
      if (typeof oldValue === 'string') {
        const ids = index.get(oldValue);
        ids?.delete(id);
        if (ids && ids.size === 0) index.delete(oldValue);
      }
      if (typeof newValue === 'string') {
        let ids = index.get(newValue);
        if (!ids) {
          ids = new Set();
          index.set(newValue, ids);
        }
        ids.add(id);
      }
    }
    if (row) t.rows.set(id, row);
    else t.rows.delete(id);
  }

  currentVersion(): number {
    return this.version;
  }

  nextVersion(): number {
    this.version += 1;
    return this.version;
  }

  private table(set: string): TableRows {
    const t = this.tables.get(set);
    if (!t) throw new Error(`No table for entity set '${set}'.`);
    return t;
  }

  get(set: string, id: string): Row | undefined {
    return this.table(set).rows.get(id);
  }

  rows(set: string): IterableIterator<Row> {
    return this.table(set).rows.values();
  }

  count(set: string): number {
    return this.table(set).rows.size;
  }

  tombstones(set: string): readonly Tombstone[] {
    return this.table(set).tombstones;
  }

  put(set: string, row: Row): void {
    const t = this.table(set);
    const previous = t.rows.get(row.id);
    this.setRow(t, row.id, row);
    this.record(() => this.setRow(t, row.id, previous));
  }

  /**
   * Another user saved the row without changing its data: a fresh version (and ETag), outside the undo
   * journal, so a rolled-back changeset of ours does not undo it.
   */
  bumpVersion(set: string, id: string): void {
    const t = this.table(set);
    const row = t.rows.get(id);
    if (!row) return;
    const version = this.nextVersion();
    this.setRow(t, id, { ...row, values: { ...row.values, versionnumber: version }, version });
  }

  /** Removes a row and leaves a tombstone carrying a fresh version for delta links. */
  remove(set: string, id: string): void {
    const t = this.table(set);
    const previous = t.rows.get(id);
    if (!previous) return;
    this.setRow(t, id, undefined);
    const tombstone = { id, version: this.nextVersion() };
    t.tombstones.push(tombstone);
    this.record(() => {
      this.setRow(t, id, previous);
      const i = t.tombstones.lastIndexOf(tombstone);
      if (i >= 0) t.tombstones.splice(i, 1);
    });
  }

  hasPair(relationship: string, a: string, b: string): boolean {
    return this.pairs.get(relationship)?.has(`${a}|${b}`) ?? false;
  }

  pairsOf(relationship: string): Array<[string, string]> {
    return [...(this.pairs.get(relationship) ?? [])].map((p) => p.split('|') as [string, string]);
  }

  addPair(relationship: string, a: string, b: string): void {
    let set = this.pairs.get(relationship);
    if (!set) {
      set = new Set();
      this.pairs.set(relationship, set);
    }
    const key = `${a}|${b}`;
    if (set.has(key)) return;
    set.add(key);
    const s = set;
    this.record(() => s.delete(key));
  }

  removePair(relationship: string, a: string, b: string): void {
    const set = this.pairs.get(relationship);
    const key = `${a}|${b}`;
    if (!set?.has(key)) return;
    set.delete(key);
    this.record(() => set.add(key));
  }

  /** Registers an undo step for state kept outside the store (option sets). */
  record(step: () => void): void {
    const journal = this.undo[this.undo.length - 1];
    if (journal) journal.push(step);
  }

  /** Starts a transaction; nested transactions fold into the outer one on commit. */
  begin(): void {
    this.undo.push([]);
  }

  commit(): void {
    const journal = this.undo.pop();
    const outer = this.undo[this.undo.length - 1];
    if (journal && outer) outer.push(...journal);
  }

  rollback(): void {
    const journal = this.undo.pop();
    if (!journal) return;
    for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
  }

  /** Runs `fn` atomically: any throw undoes everything it wrote. */
  atomic<T>(fn: () => T): T {
    this.begin();
    try {
      const result = fn();
      this.commit();
      return result;
    } catch (err) {
      this.rollback();
      throw err;
    }
  }
}
