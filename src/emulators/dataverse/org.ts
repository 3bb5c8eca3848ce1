/**
 * The emulated organization: tables, rows and the write pipeline the Web API enforces
 * (docs/protocols.md §2.5–§2.8, §6.1, §7.1): payloads, keys and references, state, ownership, cascades.
 * The rules of particular tables are in currency.ts, units.ts, pricing.ts and documents.ts. Every
 * create/update/delete runs atomically, so a failure half-way (a deep insert, a totals recalculation)
 * leaves nothing behind.
 */
import { buildSchema, columnForProperty, readName, stateModel, targetForSet, writeColumns } from './schema.js';
import type { ColumnDef, CollectionNav, Schema, TableDef } from './schema.js';
import { Store } from './store.js';
import type { Row } from './store.js';
import { OptionSets } from './optionsets.js';
import { GuidGenerator, normalizeGuid } from './ids.js';
import {
  DvCodes,
  DvError,
  badRequest,
  invalidArgument,
  payloadError,
  recordNotFound,
  segmentNotFound,
  unknownNavigationInPayload,
  unknownPropertyInPayload,
} from './errors.js';
import { formatDateTime, normalizeValue } from './values.js';
import { applyCurrency, currencyRules } from './currency.js';
import { createBaseUnit, productRules, uomRules } from './units.js';
import { priceListItemRules } from './pricing.js';
import { DOCUMENTS, LINES, assertParentEditable, headerRules, lineRules, recalculateDocument } from './documents.js';
import { setLookup, setValue, type LookupValue } from './row-values.js';

export { setLookup, setValue } from './row-values.js';

/** Who writes: the calling user. `person` marks in-process edits "as a person" (the UI may set any state). */
export interface Actor {
  userId: string;
  person?: boolean;
}

/** Resolves `$n` Content-ID references inside a `$batch` changeset to entity paths (`accounts(<id>)`). */
export interface BindContext {
  contentIds?: ReadonlyMap<string, string>;
}

/** A row being written: its table, the values and lookup targets it will be stored with, the row before, the payload. */
export interface RowWrite {
  table: TableDef;
  values: Record<string, unknown>;
  targets: Record<string, string>;
  previous: Row | undefined;
  parsed: ParsedPayload;
}

export interface ParsedPayload {
  values: Map<string, unknown>;
  lookups: Map<string, LookupValue | null>;
  key?: string;
  collections: Array<{ nav: string; def: CollectionNav; items: Array<Record<string, unknown>> }>;
  singles: Array<{ column: string; entitySet: string; body: Record<string, unknown> }>;
}

/** State changes the service only makes through a dedicated message, not through an update. */
const STATE_MESSAGES: Record<string, Record<number, string>> = {
  salesorder: { 2: 'CancelSalesOrder', 3: 'FulfillSalesOrder' },
  quote: { 2: 'WinQuote', 3: 'CloseQuote' },
  opportunity: { 1: 'WinOpportunity', 2: 'LoseOpportunity' },
};

/** Parental relationships: deleting the parent deletes these rows. Everything else is "remove link". */
const CASCADE: Array<[string, string]> = [
  ['salesorderdetails', 'salesorderid'],
  ['quotedetails', 'quoteid'],
  ['invoicedetails', 'invoiceid'],
  ['annotations', 'objectid'],
  ['posts', 'regardingobjectid'],
  ['ordercloses', 'salesorderid'],
  ['quotecloses', 'quoteid'],
  ['uoms', 'uomscheduleid'],
  ['productpricelevels', 'pricelevelid'],
  ['productpricelevels', 'productid'],
];

/** Lookups never cleared by a delete (system columns and owners: users and teams are not deletable that way). */
const NO_REMOVE_LINK = new Set(['createdby', 'modifiedby', 'ownerid', 'owninguser', 'owningteam', 'owningbusinessunit']);

/** Read-only columns a person may set through the in-process data access (what UI actions would set). */
const PERSON_SETTABLE = new Set(['quote.revisionnumber']);

/** An annotation that binds a navigation property to a row. */
const BIND_SUFFIX = '@odata.bind';

const SERVICE_ROOT_RE = /^(?:https?:\/\/[^/]+)?\/?(?:api\/data\/v9\.\d\/)?/i;

export class Organization {
  readonly schema: Schema;
  readonly store: Store;
  readonly options: OptionSets;
  readonly ids: GuidGenerator;
  /** Set by the bootstrap (seed.ts). */
  baseCurrencyId = '';
  organizationId = '';
  rootBusinessUnitId = '';
  /** Document numbers handed out so far, per prefix (documents.ts). */
  readonly numberCounters = new Map<string, number>();
  /** entity set -> lookup columns elsewhere that point at it and are cleared when a row is deleted. */
  private readonly referencing = new Map<string, Array<{ table: TableDef; column: ColumnDef }>>();

  constructor(
    private readonly nowMs: () => number,
    seedText: string,
  ) {
    this.schema = buildSchema();
    this.ids = new GuidGenerator(seedText);
    const indexes: Array<[string, string]> = CASCADE.map(([set, column]) => [set, `_${column}_value`]);
    indexes.push(['contacts', '_parentcustomerid_value']);
    this.store = new Store(this.schema.bySet.keys(), indexes);
    this.options = new OptionSets(this.schema, this.store, this.ids);
    const cascading = new Set(CASCADE.map(([set, column]) => `${set}.${column}`));
    for (const table of this.schema.bySet.values()) {
      for (const column of table.columns.values()) {
        if (column.type !== 'lookup' || NO_REMOVE_LINK.has(column.name) || cascading.has(`${table.entitySet}.${column.name}`)) continue;
        for (const t of column.targets ?? []) {
          const list = this.referencing.get(t.entitySet) ?? [];
          list.push({ table, column });
          this.referencing.set(t.entitySet, list);
        }
      }
    }
  }

  nowText(): string {
    return formatDateTime(this.nowMs());
  }

  nowMsValue(): number {
    return this.nowMs();
  }

  table(entitySet: string): TableDef {
    const t = this.schema.bySet.get(entitySet);
    if (!t) throw segmentNotFound(entitySet);
    return t;
  }

  get(entitySet: string, id: string): Row | undefined {
    return this.store.get(entitySet, id);
  }

  // -------------------------------------------------------------------------------------------
  // Keys and references

  /** The id in a key segment: `<guid>` or `<key>=<guid>`; alternate keys are not defined on these tables. */
  parseKey(table: TableDef, keyText: string): string {
    const text = keyText.trim();
    const bare = normalizeGuid(text);
    if (bare) return bare;
    const eq = text.indexOf('=');
    if (eq > 0) {
      const name = text.slice(0, eq).trim();
      const id = normalizeGuid(text.slice(eq + 1).trim());
      // systemuser/team inherit their key from principal: the named form is refused (docs/protocols.md §2.7).
      const principal = table.logicalName === 'systemuser' || table.logicalName === 'team';
      if (name === table.key && id && !principal) return id;
    }
    throw badRequest(
      `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${table.logicalName}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
      DvCodes.payloadError,
    );
  }

  /**
   * References already resolved, by their text (a batch's creates bind the same currency and company 1,000 times);
   * `$n` references and texts that fail are never kept. Cleared when full, so it stays small.
   */
  private readonly resolvedReferences = new Map<string, Readonly<{ table: TableDef; id: string }>>();

  /** `/accounts(<id>)`, `accounts(<id>)`, an absolute URL or a `$n` Content-ID reference -> set and id. */
  resolveReference(text: string, bind: BindContext | undefined, payloadSet: string): { table: TableDef; id: string } {
    const known = this.resolvedReferences.get(text);
    if (known) return known;
    const resolved = this.resolveReferenceText(text, bind, payloadSet);
    if (!text.trim().startsWith('$')) {
      if (this.resolvedReferences.size >= 256) this.resolvedReferences.clear();
      this.resolvedReferences.set(text, Object.freeze(resolved));
    }
    return resolved;
  }

  private resolveReferenceText(text: string, bind: BindContext | undefined, payloadSet: string): { table: TableDef; id: string } {
    let ref = text.trim();
    if (ref.startsWith('$')) {
      const mapped = bind?.contentIds?.get(ref);
      if (!mapped) throw badRequest(`Content-ID Reference: '${ref}' does not exist in the batch context.`);
      ref = mapped;
    }
    ref = ref.replace(SERVICE_ROOT_RE, '');
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/.exec(ref);
    if (!m) throw payloadError(payloadSet, `The value '${text}' of an @odata.bind annotation is not a URI of an entity.`);
    const table = this.schema.bySet.get(m[1]!);
    if (!table) throw payloadError(payloadSet, `Resource not found for the segment '${m[1]}'.`);
    return { table, id: this.parseKey(table, m[2]!) };
  }

  // -------------------------------------------------------------------------------------------
  // Payloads

  private parsePayload(table: TableDef, body: unknown, mode: 'create' | 'update', bind: BindContext | undefined, person = false): ParsedPayload {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw payloadError(table.entitySet, 'The request body must be a JSON object describing the record.');
    }
    const parsed: ParsedPayload = { values: new Map(), lookups: new Map(), collections: [], singles: [] };
    const fields = body as Record<string, unknown>;
    for (const name of Object.keys(fields)) {
      const raw = fields[name];
      const at = name.indexOf('@');
      if (at === 0) continue; // @odata.type, @odata.context, @odata.etag
      if (at > 0) {
        // Instance annotations (formatted values) are ignored; `<nav>@odata.bind` sets a lookup.
        if (name.length - at !== BIND_SUFFIX.length || !name.endsWith(BIND_SUFFIX)) continue;
        this.parseBind(table, name.slice(0, at), raw, parsed, bind, mode);
        continue;
      }
      if (name.length > 7 && name.charCodeAt(0) === 95 && name.endsWith('_value')) {
        if (columnForProperty(table, name)) {
          throw payloadError(table.entitySet, 'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.');
        }
        throw unknownPropertyInPayload(table.entitySet, table.logicalName, name);
      }
      const collection = table.collections.get(name);
      if (collection) {
        if (mode === 'update') throw badRequest(`Deep update of '${name}' is not supported; create or update the related rows on their own.`);
        if (!Array.isArray(raw) || raw.some((i) => i === null || typeof i !== 'object' || Array.isArray(i))) {
          throw payloadError(table.entitySet, `The value of the collection navigation property '${name}' must be an array of objects.`);
        }
        parsed.collections.push({ nav: name, def: collection, items: raw as Array<Record<string, unknown>> });
        continue;
      }
      const nav = table.navs.get(name);
      if (nav) {
        if (raw === null) {
          parsed.lookups.set(nav.column, null);
          continue;
        }
        if (typeof raw !== 'object' || Array.isArray(raw)) {
          throw payloadError(
            table.entitySet,
            `A 'PrimitiveValue' node with non-null value was found when trying to read the value of the navigation property '${name}'; use '${name}@odata.bind' to set a lookup.`,
          );
        }
        if (mode === 'update') throw badRequest(`Deep update of '${name}' is not supported; bind an existing row with '${name}@odata.bind'.`);
        parsed.singles.push({ column: nav.column, entitySet: nav.entitySet, body: raw as Record<string, unknown> });
        continue;
      }
      const column = table.columns.get(name);
      if (!column || column.type === 'lookup') throw unknownPropertyInPayload(table.entitySet, table.logicalName, name);
      if (column.type === 'key') {
        const id = normalizeValue(table, column, raw, this.options);
        if (typeof id === 'string') parsed.key = id;
        continue;
      }
      // The service computes read-only columns and ignores what is sent; a person staging data in-process
      // may set the few a UI action would (a revised quote's revisionnumber).
      if (column.readOnly && !(person && PERSON_SETTABLE.has(`${table.logicalName}.${name}`))) continue;
      if (mode === 'create' && column.updateOnly) {
        throw invalidArgument(`'${name}' is not valid on create of ${table.logicalName}; set it with an update after the record exists.`);
      }
      parsed.values.set(name, normalizeValue(table, column, raw, this.options));
    }
    return parsed;
  }

  private parseBind(
    table: TableDef,
    navName: string,
    raw: unknown,
    parsed: ParsedPayload,
    bind: BindContext | undefined,
    mode: 'create' | 'update',
  ): void {
    const nav = table.navs.get(navName);
    if (!nav) {
      if (table.collections.has(navName)) {
        throw badRequest(`Binding existing rows to the collection '${navName}' is not supported here; set the lookup on each related row instead.`);
      }
      throw unknownNavigationInPayload(table.entitySet, navName);
    }
    const column = table.columns.get(nav.column)!;
    if (column.readOnly) return;
    if (mode === 'create' && column.updateOnly) {
      throw invalidArgument(`'${column.name}' is not valid on create of ${table.logicalName}; set it with an update after the record exists.`);
    }
    if (raw === null) {
      parsed.lookups.set(column.name, null);
      return;
    }
    if (typeof raw !== 'string') throw payloadError(table.entitySet, `The value of '${navName}@odata.bind' must be an entity URI string.`);
    const ref = this.resolveReference(raw, bind, table.entitySet);
    const target = (column.targets ?? []).find((t) => t.nav === navName && t.entitySet === ref.table.entitySet);
    if (!target) {
      throw payloadError(
        table.entitySet,
        `The navigation property '${navName}' cannot point at '${ref.table.entitySet}'; it accepts ${(column.targets ?? [])
          .filter((t) => t.nav === navName)
          .map((t) => t.entitySet)
          .join(' or ')}.`,
      );
    }
    const bound = this.store.get(ref.table.entitySet, ref.id);
    if (!bound) throw recordNotFound(ref.table.logicalName, ref.id);
    // The stored row's own id (the same text): rows that point at one row share one string, not one each.
    parsed.lookups.set(column.name, { id: bound.id, logicalName: ref.table.logicalName });
  }

  // -------------------------------------------------------------------------------------------
  // Create

  create(table: TableDef, body: unknown, actor: Actor, opts: { id?: string; bind?: BindContext } = {}): Row {
    return this.store.atomic(() => this.createInner(table, body, actor, opts));
  }

  private createInner(table: TableDef, body: unknown, actor: Actor, opts: { id?: string; bind?: BindContext }): Row {
    if (!table.writable) {
      throw new DvError(405, DvCodes.notSupported, `The 'Create' method does not support entities of type '${table.logicalName}'.`);
    }
    const parsed = this.parsePayload(table, body, 'create', opts.bind, actor.person === true);
    if (opts.id && parsed.key && parsed.key !== opts.id) {
      throw badRequest(`The ${table.key} in the body (${parsed.key}) does not match the key in the URL (${opts.id}).`);
    }
    const id = opts.id ?? parsed.key ?? this.ids.next();
    if (this.store.get(table.entitySet, id)) {
      throw new DvError(412, DvCodes.duplicateRecord, `Cannot insert duplicate key. A ${table.logicalName} with ${table.key} = ${id} already exists.`);
    }
    for (const single of parsed.singles) {
      const target = this.table(single.entitySet);
      const child = this.createInner(target, single.body, actor, { ...(opts.bind ? { bind: opts.bind } : {}) });
      parsed.lookups.set(single.column, { id: child.id, logicalName: target.logicalName });
    }
    const values: Record<string, unknown> = { [table.key]: id };
    const targets: Record<string, string> = {};
    for (const [name, value] of writeColumns(table).defaults) values[name] = value;
    for (const [name, v] of parsed.values) setValue(values, name, v);
    for (const [column, v] of parsed.lookups) setLookup(values, targets, column, v);

    this.applyState(table, values, parsed, undefined, actor);
    const now = this.nowText();
    const overridden = parsed.values.get('overriddencreatedon');
    values['createdon'] = typeof overridden === 'string' ? overridden : now;
    values['modifiedon'] = now;
    setLookup(values, targets, 'createdby', { id: actor.userId, logicalName: 'systemuser' });
    setLookup(values, targets, 'modifiedby', { id: actor.userId, logicalName: 'systemuser' });
    this.applyOwnership(table, values, targets, actor, true);
    this.applyRules({ table, values, targets, previous: undefined, parsed });
    applyCurrency(this, table, values, targets);
    this.checkRequired(table, values);
    const row = this.commitRow(table, id, values, targets);
    this.afterWrite(table, undefined, row, actor);

    for (const collection of parsed.collections) {
      const childTable = this.table(collection.def.entitySet);
      const viaColumn = childTable.columns.get(collection.def.via)!;
      const navToParent = targetForSet(viaColumn, table.entitySet)!.nav;
      for (const item of collection.items) {
        const childBody: Record<string, unknown> = { ...item, [`${navToParent}@odata.bind`]: `/${table.entitySet}(${id})` };
        this.createInner(childTable, childBody, actor, { ...(opts.bind ? { bind: opts.bind } : {}) });
      }
    }
    return this.store.get(table.entitySet, id)!;
  }

  // -------------------------------------------------------------------------------------------
  // Update

  update(table: TableDef, id: string, body: unknown, actor: Actor, opts: { bind?: BindContext } = {}): Row {
    return this.store.atomic(() => {
      const row = this.store.get(table.entitySet, id);
      if (!row) throw recordNotFound(table.logicalName, id);
      return this.updateInner(table, row, body, actor, opts.bind);
    });
  }

  private updateInner(table: TableDef, row: Row, body: unknown, actor: Actor, bind: BindContext | undefined): Row {
    if (!table.updatable) {
      throw new DvError(405, DvCodes.notSupported, `The 'Update' method does not support entities of type '${table.logicalName}'.`);
    }
    const parsed = this.parsePayload(table, body, 'update', bind, actor.person === true);
    if (parsed.key && parsed.key !== row.id) {
      throw badRequest(`The ${table.key} in the body (${parsed.key}) does not match the record being updated (${row.id}).`);
    }
    for (const [name, v] of parsed.values) {
      const c = table.columns.get(name)!;
      if (c.createOnly && !sameValue(row.values[name], v)) {
        throw invalidArgument(`'${name}' of ${table.logicalName} can only be set when the record is created.`);
      }
    }
    for (const [column, v] of parsed.lookups) {
      const c = table.columns.get(column)!;
      if (c.createOnly && (row.values[`_${column}_value`] ?? null) !== (v?.id ?? null)) {
        throw invalidArgument(`'${column}' of ${table.logicalName} can only be set when the record is created.`);
      }
    }
    const values: Record<string, unknown> = { ...row.values };
    const targets: Record<string, string> = { ...row.targets };
    for (const [name, v] of parsed.values) setValue(values, name, v);
    for (const [column, v] of parsed.lookups) setLookup(values, targets, column, v);
    this.applyState(table, values, parsed, row, actor);
    values['modifiedon'] = this.nowText();
    setLookup(values, targets, 'modifiedby', { id: actor.userId, logicalName: 'systemuser' });
    this.applyOwnership(table, values, targets, actor, false);
    this.applyRules({ table, values, targets, previous: row, parsed });
    applyCurrency(this, table, values, targets);
    this.checkRequired(table, values);
    const updated = this.commitRow(table, row.id, values, targets);
    this.afterWrite(table, row, updated, actor);
    return this.store.get(table.entitySet, row.id)!;
  }

  /** A write the platform makes itself (totals, cleared lookups): bumps modifiedon and the version. */
  systemUpdate(table: TableDef, row: Row, changes: Record<string, unknown>, actor: Actor): void {
    const values: Record<string, unknown> = { ...row.values };
    const targets: Record<string, string> = { ...row.targets };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined) {
        delete values[k];
        const m = /^_(.+)_value$/.exec(k);
        if (m) delete targets[m[1]!];
      } else values[k] = v;
    }
    values['modifiedon'] = this.nowText();
    setLookup(values, targets, 'modifiedby', { id: actor.userId, logicalName: 'systemuser' });
    this.commitRow(table, row.id, values, targets);
  }

  /**
   * Lookup targets as stored: rows whose targets are alike (same columns in the same order, same tables) share one
   * frozen object; the few shapes seen last are compared in place, as a table's writes mostly repeat one.
   */
  private readonly recentTargets: Array<{ targets: Readonly<Record<string, string>>; columns: readonly string[] }> = [];

  private shareTargets(targets: Record<string, string>): Readonly<Record<string, string>> {
    for (const recent of this.recentTargets) {
      let i = 0;
      let same = true;
      for (const column in targets) {
        if (recent.columns[i] !== column || recent.targets[column] !== targets[column]) {
          same = false;
          break;
        }
        i++;
      }
      if (same && i === recent.columns.length) return recent.targets;
    }
    const shared = Object.freeze({ ...targets });
    this.recentTargets.unshift({ targets: shared, columns: Object.keys(shared) });
    if (this.recentTargets.length > 8) this.recentTargets.pop();
    return shared;
  }

  /**
   * Stores a row with the next version number. The values are stored as a copy: an object built up by name (more
   * than a dozen properties added one by one, or one deleted) is kept by V8 as a hash table of ~1.6 KB for an
   * account, while the copy's properties sit in a shared layout (~0.3 KB), which the GC marks and moves far faster.
   */
  commitRow(table: TableDef, id: string, values: Record<string, unknown>, targets: Record<string, string>): Row {
    const version = this.store.nextVersion();
    values['versionnumber'] = version;
    const row: Row = { id, values: { ...values }, targets: this.shareTargets(targets), version };
    this.store.put(table.entitySet, row);
    return row;
  }

  // -------------------------------------------------------------------------------------------
  // Delete

  delete(table: TableDef, id: string, actor: Actor): void {
    this.store.atomic(() => this.deleteInner(table, id, actor, false));
  }

  private deleteInner(table: TableDef, id: string, actor: Actor, parentGoing: boolean): void {
    if (!table.deletable) {
      throw new DvError(405, DvCodes.notSupported, `The 'Delete' method does not support entities of type '${table.logicalName}'.`);
    }
    const row = this.store.get(table.entitySet, id);
    if (!row) throw recordNotFound(table.logicalName, id);
    const line = LINES[table.logicalName];
    if (line && !parentGoing) assertParentEditable(this, table, row.values, line);
    for (const [childSet, column] of CASCADE) {
      const childTable = this.table(childSet);
      const c = childTable.columns.get(column)!;
      if (!targetForSet(c, table.entitySet)) continue;
      for (const childId of [...this.store.lookup(childSet, `_${column}_value`, id)]) {
        const child = this.store.get(childSet, childId);
        if (child && child.targets[column] === table.logicalName) this.deleteInner(childTable, childId, actor, true);
      }
    }
    for (const { table: refTable, column } of this.referencing.get(table.entitySet) ?? []) {
      const property = `_${column.name}_value`;
      const hits: Row[] = [];
      if (this.store.isIndexed(refTable.entitySet, property)) {
        for (const refId of this.store.lookup(refTable.entitySet, property, id)) hits.push(this.store.get(refTable.entitySet, refId)!);
      } else {
        for (const r of this.store.rows(refTable.entitySet)) if (r.values[property] === id) hits.push(r);
      }
      for (const hit of hits) {
        if (hit.id === id && refTable === table) continue;
        if (hit.targets[column.name] !== table.logicalName) continue;
        this.systemUpdate(refTable, hit, { [property]: null }, actor);
      }
    }
    if (table.logicalName === 'role') {
      for (const [userId, roleId] of this.store.pairsOf('systemuserroles_association')) {
        if (roleId === id) this.store.removePair('systemuserroles_association', userId, roleId);
      }
    }
    this.store.remove(table.entitySet, id);
    if (line && !parentGoing) {
      const parentId = row.values[`_${line.via}_value`];
      if (typeof parentId === 'string') recalculateDocument(this, line.parentSet, parentId, actor);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  private checkRequired(table: TableDef, values: Record<string, unknown>): void {
    for (const c of writeColumns(table).required) {
      const v = values[readName(c)];
      if (v === undefined || v === null || v === '') {
        throw invalidArgument(`'${c.name}' is required for ${table.logicalName}: the record cannot be saved without a value for it.`);
      }
    }
  }

  private applyState(table: TableDef, values: Record<string, unknown>, parsed: ParsedPayload, previous: Row | undefined, actor: Actor): void {
    const model = stateModel(table);
    if (!model) return;
    const hasState = parsed.values.has('statecode') && parsed.values.get('statecode') !== null;
    const hasStatus = parsed.values.has('statuscode') && parsed.values.get('statuscode') !== null;
    if (parsed.values.get('statecode') === null || parsed.values.get('statuscode') === null) {
      throw invalidArgument(`statecode and statuscode of ${table.logicalName} cannot be null.`);
    }
    const stateColumn = table.columns.get('statecode')!;
    const firstState = stateColumn.defaultValue as number;
    const currentState = previous ? (previous.values['statecode'] as number) : firstState;
    const currentStatus = previous ? (previous.values['statuscode'] as number) : model.defaultStatus.get(firstState)!;
    let state = currentState;
    if (hasState) state = parsed.values.get('statecode') as number;
    else if (hasStatus) state = model.stateOfStatus.get(parsed.values.get('statuscode') as number) ?? currentState;
    let status = hasStatus ? (parsed.values.get('statuscode') as number) : hasState ? model.defaultStatus.get(state)! : currentStatus;
    if (!previous && !hasState && !hasStatus) status = model.defaultStatus.get(state)!;
    const label = (v: number): string => this.options.label(table.logicalName, 'statecode', v) ?? String(v);
    if (!previous && table.stateOnCreate === 'refused' && !actor.person && (hasState || state !== firstState)) {
      throw invalidArgument(
        `statecode is not valid on create of ${table.logicalName}: a new ${table.logicalName} starts in the ${label(firstState)} state. Create it first, then update statecode and statuscode.`,
      );
    }
    if (model.stateOfStatus.get(status) !== state) {
      const entity = table.logicalName.charAt(0).toUpperCase() + table.logicalName.slice(1);
      throw invalidArgument(
        `${status} is not a valid status code for state code ${entity}State.${label(state).replace(/\s+/g, '')} on ${table.logicalName} with Id ${String(values[table.key])}.`,
      );
    }
    const message = STATE_MESSAGES[table.logicalName]?.[state];
    if (message && state !== currentState && !actor.person) {
      const entity = table.logicalName.charAt(0).toUpperCase() + table.logicalName.slice(1);
      throw invalidArgument(
        `This message can not be used to set the state of ${entity} to ${label(state)}. In order to set state of ${entity}, use the ${message}Request message instead.`,
      );
    }
    const doc = DOCUMENTS[table.logicalName];
    if (doc && previous) {
      const changesOtherThanState =
        [...parsed.values.keys()].some((k) => k !== 'statecode' && k !== 'statuscode') || parsed.lookups.size > 0;
      if (changesOtherThanState && !doc.editableStates.includes(currentState) && !doc.editableStates.includes(state)) {
        throw invalidArgument(
          `This ${table.logicalName} is ${label(currentState)} and cannot be edited. Set statecode to ${doc.editableStates
            .map(label)
            .join(' or ')} first, then change it.`,
        );
      }
    }
    values['statecode'] = state;
    values['statuscode'] = status;
  }

  private applyOwnership(table: TableDef, values: Record<string, unknown>, targets: Record<string, string>, actor: Actor, creating: boolean): void {
    if (table.ownership === 'business') {
      if (table.columns.has('businessunitid') && !values['_businessunitid_value'] && this.rootBusinessUnitId) {
        setLookup(values, targets, 'businessunitid', { id: this.rootBusinessUnitId, logicalName: 'businessunit' });
      }
      return;
    }
    if (table.ownership !== 'user') return;
    if (creating && !values['_ownerid_value']) setLookup(values, targets, 'ownerid', { id: actor.userId, logicalName: 'systemuser' });
    const ownerId = values['_ownerid_value'];
    if (typeof ownerId !== 'string') throw invalidArgument(`ownerid of ${table.logicalName} cannot be null.`);
    const ownerKind = targets['ownerid'] ?? 'systemuser';
    const owner = this.store.get(ownerKind === 'team' ? 'teams' : 'systemusers', ownerId);
    const bu = owner?.values['_businessunitid_value'] ?? this.rootBusinessUnitId;
    if (typeof bu === 'string' && bu) setLookup(values, targets, 'owningbusinessunit', { id: bu, logicalName: 'businessunit' });
    setLookup(values, targets, 'owninguser', ownerKind === 'systemuser' ? { id: ownerId, logicalName: 'systemuser' } : null);
    setLookup(values, targets, 'owningteam', ownerKind === 'team' ? { id: ownerId, logicalName: 'team' } : null);
  }

  private applyRules(write: RowWrite): void {
    const { table, values, targets, previous, parsed } = write;
    switch (table.logicalName) {
      case 'contact':
      case 'lead':
      case 'systemuser': {
        const first = typeof values['firstname'] === 'string' ? (values['firstname'] as string) : '';
        const last = typeof values['lastname'] === 'string' ? (values['lastname'] as string) : '';
        const full = [first, last].filter((s) => s.trim() !== '').join(' ');
        if (full !== '' || parsed.values.has('firstname') || parsed.values.has('lastname')) setValue(values, 'fullname', full === '' ? null : full);
        return;
      }
      case 'uom':
        uomRules(this, values, targets, previous);
        return;
      case 'product':
        productRules(this, values);
        return;
      case 'productpricelevel':
        priceListItemRules(this, values, targets, previous);
        return;
      case 'transactioncurrency':
        currencyRules(this, values, previous);
        return;
      case 'post':
        setValue(values, 'regardingobjecttypecode', targets['regardingobjectid'] ?? null);
        return;
      case 'annotation': {
        setValue(values, 'objecttypecode', targets['objectid'] ?? null);
        const body = values['documentbody'];
        values['filesize'] = typeof body === 'string' ? Buffer.from(body, 'base64').length : 0;
        if (parsed.values.has('documentbody') && !parsed.values.has('isdocument')) values['isdocument'] = typeof body === 'string' && body !== '';
        return;
      }
      default:
        break;
    }
    const doc = DOCUMENTS[table.logicalName];
    if (doc) {
      headerRules(this, write, doc);
      return;
    }
    const line = LINES[table.logicalName];
    if (line) lineRules(this, write, line);
  }

  private afterWrite(table: TableDef, previous: Row | undefined, row: Row, actor: Actor): void {
    if (table.logicalName === 'uomschedule' && !previous) {
      createBaseUnit(this, row, actor);
      return;
    }
    const line = LINES[table.logicalName];
    if (line) {
      const parentId = row.values[`_${line.via}_value`];
      if (typeof parentId === 'string') recalculateDocument(this, line.parentSet, parentId, actor);
    }
  }

  /** For the seed loader: stores a row as given, with exchange rate and base amounts filled. */
  loadRow(table: TableDef, values: Record<string, unknown>, targets: Record<string, string>): Row {
    applyCurrency(this, table, values, targets);
    return this.commitRow(table, values[table.key] as string, values, targets);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}

