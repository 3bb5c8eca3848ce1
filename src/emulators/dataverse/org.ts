/**
 * The emulated organization: tables, rows and the write rules the Web API enforces
 * (protocols.md §2.5–§2.8, §6.1, §7.1). Every create/update/delete runs atomically, so a failure
 * half-way (a deep insert, a totals recalculation) leaves nothing behind.
 */
import { buildSchema, columnForProperty, readName, stateModel, targetForSet } from './schema.js';
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
import { formatDateTime, normalizeValue, roundTo } from './values.js';

/** Who writes: the calling user. `person` marks in-process edits "as a person" (the UI may set any state). */
export interface Actor {
  userId: string;
  person?: boolean;
}

/** Resolves `$n` Content-ID references inside a `$batch` changeset to entity paths (`accounts(<id>)`). */
export interface BindContext {
  contentIds?: ReadonlyMap<string, string>;
}

interface LookupValue {
  id: string;
  logicalName: string;
}

interface ParsedPayload {
  values: Map<string, unknown>;
  lookups: Map<string, LookupValue | null>;
  key?: string;
  collections: Array<{ nav: string; def: CollectionNav; items: Array<Record<string, unknown>> }>;
  singles: Array<{ column: string; entitySet: string; body: Record<string, unknown> }>;
}

interface DocumentRule {
  lineSet: string;
  via: string;
  numberColumn: string;
  prefix: string;
  /** States in which the document (and its lines) can be edited. */
  editableStates: number[];
}

const DOCUMENTS: Record<string, DocumentRule> = {
  salesorder: { lineSet: 'salesorderdetails', via: 'salesorderid', numberColumn: 'ordernumber', prefix: 'ORD', editableStates: [0] },
  quote: { lineSet: 'quotedetails', via: 'quoteid', numberColumn: 'quotenumber', prefix: 'QUO', editableStates: [0] },
  invoice: { lineSet: 'invoicedetails', via: 'invoiceid', numberColumn: 'invoicenumber', prefix: 'INV', editableStates: [0, 1] },
};

const LINES: Record<string, { parentSet: string; parentLogical: string; via: string }> = {
  salesorderdetail: { parentSet: 'salesorders', parentLogical: 'salesorder', via: 'salesorderid' },
  quotedetail: { parentSet: 'quotes', parentLogical: 'quote', via: 'quoteid' },
  invoicedetail: { parentSet: 'invoices', parentLogical: 'invoice', via: 'invoiceid' },
};

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
  ['uoms', 'uomscheduleid'],
  ['productpricelevels', 'pricelevelid'],
  ['productpricelevels', 'productid'],
];

/** Lookups never cleared by a delete (system columns and owners: users and teams are not deletable that way). */
const NO_REMOVE_LINK = new Set(['createdby', 'modifiedby', 'ownerid', 'owninguser', 'owningteam', 'owningbusinessunit']);

/** Read-only columns a person may set through the in-process data access (what UI actions would set). */
const PERSON_SETTABLE = new Set(['quote.revisionnumber']);

/** Totals a client may write on a document header (BC writes them for posted invoices). */
const HEADER_TOTALS = ['totalamount', 'totalamountlessfreight', 'totaltax', 'totaldiscountamount', 'totallineitemdiscountamount'];

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
  private readonly numberCounters = new Map<string, number>();
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
      // systemuser/team inherit their key from principal: the named form is refused (protocols.md §2.7).
      const principal = table.logicalName === 'systemuser' || table.logicalName === 'team';
      if (name === table.key && id && !principal) return id;
    }
    throw badRequest(
      `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${table.logicalName}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
      DvCodes.payloadError,
    );
  }

  /** `/accounts(<id>)`, `accounts(<id>)`, an absolute URL or a `$n` Content-ID reference -> set and id. */
  resolveReference(text: string, bind: BindContext | undefined, payloadSet: string): { table: TableDef; id: string } {
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
    for (const [name, raw] of Object.entries(body as Record<string, unknown>)) {
      const at = name.indexOf('@');
      if (at === 0) continue; // @odata.type, @odata.context, @odata.etag
      if (at > 0) {
        const annotation = name.slice(at + 1);
        if (annotation !== 'odata.bind') continue; // instance annotations (formatted values) are ignored
        this.parseBind(table, name.slice(0, at), raw, parsed, bind, mode);
        continue;
      }
      if (/^_.+_value$/.test(name)) {
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
    if (!this.store.get(ref.table.entitySet, ref.id)) throw recordNotFound(ref.table.logicalName, ref.id);
    parsed.lookups.set(column.name, { id: ref.id, logicalName: ref.table.logicalName });
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
    for (const c of table.columns.values()) if (c.defaultValue !== undefined) values[readName(c)] = c.defaultValue;
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
    this.applyRules(table, values, targets, undefined, parsed, actor);
    this.applyCurrency(table, values, targets);
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
    this.applyRules(table, values, targets, row, parsed, actor);
    this.applyCurrency(table, values, targets);
    this.checkRequired(table, values);
    const updated = this.commitRow(table, row.id, values, targets);
    this.afterWrite(table, row, updated, actor);
    return this.store.get(table.entitySet, row.id)!;
  }

  /** A write the platform makes itself (totals, cleared lookups): bumps modifiedon and the version. */
  private systemUpdate(table: TableDef, row: Row, changes: Record<string, unknown>, actor: Actor): void {
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

  private commitRow(table: TableDef, id: string, values: Record<string, unknown>, targets: Record<string, string>): Row {
    const version = this.store.nextVersion();
    values['versionnumber'] = version;
    const row: Row = { id, values, targets, version };
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
    if (line && !parentGoing) this.assertParentEditable(table, row.values, line);
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
      if (typeof parentId === 'string') this.recalculateDocument(line.parentSet, parentId, actor);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  private checkRequired(table: TableDef, values: Record<string, unknown>): void {
    for (const c of table.columns.values()) {
      if (!c.required) continue;
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

  private applyCurrency(table: TableDef, values: Record<string, unknown>, targets: Record<string, string>): void {
    const currencyColumn = table.columns.get('transactioncurrencyid');
    if (!currencyColumn || table.logicalName === 'transactioncurrency') return;
    if (!values['_transactioncurrencyid_value'] && !currencyColumn.required && this.baseCurrencyId) {
      setLookup(values, targets, 'transactioncurrencyid', { id: this.baseCurrencyId, logicalName: 'transactioncurrency' });
    }
    const currencyId = values['_transactioncurrencyid_value'];
    const currency = typeof currencyId === 'string' ? this.store.get('transactioncurrencies', currencyId) : undefined;
    const rate = typeof currency?.values['exchangerate'] === 'number' ? (currency.values['exchangerate'] as number) : 1;
    if (table.columns.has('exchangerate')) values['exchangerate'] = rate;
    for (const c of table.columns.values()) {
      if (c.type !== 'money' || c.name.endsWith('_base')) continue;
      const v = values[c.name];
      if (typeof v === 'number') values[`${c.name}_base`] = roundTo(v / rate, 4);
      else delete values[`${c.name}_base`];
    }
  }

  private applyRules(
    table: TableDef,
    values: Record<string, unknown>,
    targets: Record<string, string>,
    previous: Row | undefined,
    parsed: ParsedPayload,
    actor: Actor,
  ): void {
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
        this.uomRules(values, targets, previous);
        return;
      case 'product':
        this.productRules(values);
        return;
      case 'productpricelevel':
        this.priceListItemRules(values, targets, previous);
        return;
      case 'transactioncurrency':
        this.currencyRules(values, previous);
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
      if (!previous && typeof values[doc.numberColumn] !== 'string') values[doc.numberColumn] = this.nextDocumentNumber(doc.prefix);
      if (!previous && !values['_transactioncurrencyid_value']) {
        const priceList = typeof values['_pricelevelid_value'] === 'string' ? this.store.get('pricelevels', values['_pricelevelid_value'] as string) : undefined;
        const currencyId = priceList?.values['_transactioncurrencyid_value'];
        if (typeof currencyId === 'string') setLookup(values, targets, 'transactioncurrencyid', { id: currencyId, logicalName: 'transactioncurrency' });
      }
      this.computeDocumentTotals(table, values, doc, new Set([...parsed.values.keys()]));
      return;
    }
    const line = LINES[table.logicalName];
    if (line) this.lineRules(table, values, targets, previous, parsed, line, actor);
  }

  private currencyRules(values: Record<string, unknown>, previous: Row | undefined): void {
    const id = values['transactioncurrencyid'];
    if (id === this.baseCurrencyId && values['exchangerate'] !== 1) {
      throw invalidArgument('The exchange rate of the base currency is always 1 and cannot be changed.');
    }
    if (previous) return;
    const iso = String(values['isocurrencycode'] ?? '').toLowerCase();
    for (const other of this.store.rows('transactioncurrencies')) {
      if (String(other.values['isocurrencycode'] ?? '').toLowerCase() === iso) {
        throw new DvError(
          400,
          DvCodes.duplicateRecord,
          `A currency with the ISO code '${String(values['isocurrencycode'])}' already exists (transactioncurrencyid ${other.id}); use that currency instead of creating another.`,
        );
      }
    }
  }

  private uomRules(values: Record<string, unknown>, targets: Record<string, string>, previous: Row | undefined): void {
    const scheduleId = values['_uomscheduleid_value'];
    if (typeof scheduleId !== 'string') return;
    const siblings = [...this.store.lookup('uoms', '_uomscheduleid_value', scheduleId)].map((id) => this.store.get('uoms', id)!);
    if (!previous && !values['_baseuom_value']) {
      const base = siblings.find((u) => u.values['isschedulebaseuom'] === true);
      if (base) setLookup(values, targets, 'baseuom', { id: base.id, logicalName: 'uom' });
    }
    const name = values['name'];
    if (typeof name === 'string') {
      const clash = siblings.find((u) => u.id !== values['uomid'] && typeof u.values['name'] === 'string' && (u.values['name'] as string).toLowerCase() === name.toLowerCase());
      if (clash) throw new DvError(400, DvCodes.duplicateRecord, `A unit named '${name}' already exists in this unit group. Unit names must be unique within a unit group.`);
    }
  }

  private productRules(values: Record<string, unknown>): void {
    const uomId = values['_defaultuomid_value'];
    const scheduleId = values['_defaultuomscheduleid_value'];
    if (typeof uomId === 'string' && typeof scheduleId === 'string') {
      const uom = this.store.get('uoms', uomId);
      if (uom && uom.values['_uomscheduleid_value'] !== scheduleId) {
        throw invalidArgument(`The default unit ${uomId} does not belong to the unit group ${scheduleId} of the product. Choose a unit of the product's unit group.`);
      }
    }
  }

  private priceListItemRules(values: Record<string, unknown>, targets: Record<string, string>, previous: Row | undefined): void {
    const productId = values['_productid_value'];
    const uomId = values['_uomid_value'];
    const priceListId = values['_pricelevelid_value'];
    const product = typeof productId === 'string' ? this.store.get('products', productId) : undefined;
    const uom = typeof uomId === 'string' ? this.store.get('uoms', uomId) : undefined;
    if (product) setValue(values, 'productnumber', (product.values['productnumber'] as string | undefined) ?? null);
    if (uom) {
      const schedule = uom.values['_uomscheduleid_value'];
      if (product && schedule !== product.values['_defaultuomscheduleid_value']) {
        throw invalidArgument(`The unit ${String(uomId)} does not belong to the unit group of product ${String(productId)}. Use a unit of the product's unit group.`);
      }
      if (typeof schedule === 'string') setLookup(values, targets, 'uomscheduleid', { id: schedule, logicalName: 'uomschedule' });
    }
    if (!values['_transactioncurrencyid_value'] && typeof priceListId === 'string') {
      const currencyId = this.store.get('pricelevels', priceListId)?.values['_transactioncurrencyid_value'];
      if (typeof currencyId === 'string') setLookup(values, targets, 'transactioncurrencyid', { id: currencyId, logicalName: 'transactioncurrency' });
    }
    const changedIdentity =
      !previous ||
      previous.values['_productid_value'] !== productId ||
      previous.values['_uomid_value'] !== uomId ||
      previous.values['_pricelevelid_value'] !== priceListId;
    if (changedIdentity && typeof priceListId === 'string') {
      for (const otherId of this.store.lookup('productpricelevels', '_pricelevelid_value', priceListId)) {
        if (otherId === values['productpricelevelid']) continue;
        const other = this.store.get('productpricelevels', otherId)!;
        if (other.values['_productid_value'] === productId && other.values['_uomid_value'] === uomId) {
          throw new DvError(400, DvCodes.duplicateProductPriceLevel, 'This product and unit combination has a price for this price list.');
        }
      }
    }
  }

  private lineRules(
    table: TableDef,
    values: Record<string, unknown>,
    targets: Record<string, string>,
    previous: Row | undefined,
    parsed: ParsedPayload,
    line: { parentSet: string; parentLogical: string; via: string },
    actor: Actor,
  ): void {
    void actor;
    const parent = this.assertParentEditable(table, values, line);
    const currency = parent.values['_transactioncurrencyid_value'];
    if (typeof currency === 'string') setLookup(values, targets, 'transactioncurrencyid', { id: currency, logicalName: 'transactioncurrency' });
    const productId = values['_productid_value'];
    const product = typeof productId === 'string' ? this.store.get('products', productId) : undefined;
    if (values['isproductoverridden'] === true) {
      if (product) throw invalidArgument(`A write-in ${table.logicalName} (isproductoverridden = true) cannot also have a productid.`);
      if (typeof values['productdescription'] !== 'string' || values['productdescription'] === '') {
        throw invalidArgument(`A write-in ${table.logicalName} needs productdescription (the name of the write-in product).`);
      }
      setValue(values, 'productname', null);
      setValue(values, 'productnumber', null);
    } else {
      if (!product) throw invalidArgument(`${table.logicalName} needs productid, or isproductoverridden = true with a productdescription for a write-in product.`);
      setValue(values, 'productname', (product.values['name'] as string | undefined) ?? null);
      setValue(values, 'productnumber', (product.values['productnumber'] as string | undefined) ?? null);
      if (!values['_uomid_value'] && typeof product.values['_defaultuomid_value'] === 'string') {
        setLookup(values, targets, 'uomid', { id: product.values['_defaultuomid_value'] as string, logicalName: 'uom' });
      }
      const uom = typeof values['_uomid_value'] === 'string' ? this.store.get('uoms', values['_uomid_value'] as string) : undefined;
      if (uom && uom.values['_uomscheduleid_value'] !== product.values['_defaultuomscheduleid_value']) {
        throw invalidArgument(`The unit ${uom.id} does not belong to the unit group of product ${product.id}. Use a unit of the product's unit group.`);
      }
      const repricing = !previous || parsed.lookups.has('productid') || parsed.lookups.has('uomid') || parsed.values.has('ispriceoverridden');
      if (values['ispriceoverridden'] !== true && parent.values['ispricelocked'] !== true && repricing) {
        const listPrice = this.listPrice(parent.values['_pricelevelid_value'], product, values['_uomid_value']);
        if (listPrice !== undefined) values['priceperunit'] = listPrice;
      }
    }
    if (typeof values['priceperunit'] !== 'number') values['priceperunit'] = typeof product?.values['price'] === 'number' ? product.values['price'] : 0;
    if (!previous && typeof values['sequencenumber'] !== 'number') {
      let max = 0;
      for (const id of this.store.lookup(table.entitySet, `_${line.via}_value`, parent.id)) {
        const s = this.store.get(table.entitySet, id)?.values['sequencenumber'];
        if (typeof s === 'number' && s > max) max = s;
      }
      values['sequencenumber'] = max + 1;
    }
    const precision = this.currencyPrecision(currency);
    const quantity = typeof values['quantity'] === 'number' ? (values['quantity'] as number) : 0;
    const price = values['priceperunit'] as number;
    const manual = num(values['manualdiscountamount']);
    const volume = num(values['volumediscountamount']);
    const tax = num(values['tax']);
    // On create the amounts are always computed; an update may set them explicitly (BC writes posted amounts).
    const explicitBase = previous !== undefined && parsed.values.has('baseamount');
    const explicitExtended = previous !== undefined && parsed.values.has('extendedamount');
    if (!explicitBase) values['baseamount'] = roundTo(price * quantity, precision);
    if (!explicitExtended) values['extendedamount'] = roundTo(num(values['baseamount']) - manual - volume + tax, precision);
  }

  private listPrice(priceListId: unknown, product: Row, uomId: unknown): number | undefined {
    if (typeof priceListId !== 'string') return undefined;
    for (const id of this.store.lookup('productpricelevels', '_pricelevelid_value', priceListId)) {
      const item = this.store.get('productpricelevels', id)!;
      if (item.values['_productid_value'] !== product.id || item.values['_uomid_value'] !== uomId) continue;
      const method = item.values['pricingmethodcode'];
      if (method === 2 && typeof item.values['percentage'] === 'number') {
        return roundTo((num(product.values['price']) * (item.values['percentage'] as number)) / 100, 4);
      }
      return typeof item.values['amount'] === 'number' ? (item.values['amount'] as number) : undefined;
    }
    return undefined;
  }

  private assertParentEditable(table: TableDef, values: Readonly<Record<string, unknown>>, line: { parentSet: string; parentLogical: string; via: string }): Row {
    const parentId = values[`_${line.via}_value`];
    const parent = typeof parentId === 'string' ? this.store.get(line.parentSet, parentId) : undefined;
    if (!parent) throw invalidArgument(`${table.logicalName} needs ${line.via}: bind it to an existing ${line.parentLogical}.`);
    const doc = DOCUMENTS[line.parentLogical]!;
    const state = parent.values['statecode'] as number;
    if (!doc.editableStates.includes(state)) {
      const label = this.options.label(line.parentLogical, 'statecode', state) ?? String(state);
      throw invalidArgument(`The ${line.parentLogical} ${parent.id} is ${label}; its lines cannot be changed. Set the ${line.parentLogical} back to an editable state first.`);
    }
    return parent;
  }

  private currencyPrecision(currencyId: unknown): number {
    const currency = typeof currencyId === 'string' ? this.store.get('transactioncurrencies', currencyId) : undefined;
    const p = currency?.values['currencyprecision'];
    return typeof p === 'number' ? p : 2;
  }

  /** Header totals from the lines (order/quote/invoice); totals written explicitly in this payload win. */
  private computeDocumentTotals(table: TableDef, values: Record<string, unknown>, doc: DocumentRule, explicit: ReadonlySet<string>): void {
    const precision = this.currencyPrecision(values['_transactioncurrencyid_value']);
    let detail = 0;
    let lineDiscounts = 0;
    let tax = 0;
    const id = values[table.key] as string;
    for (const lineId of this.store.lookup(doc.lineSet, `_${doc.via}_value`, id)) {
      const l = this.store.get(doc.lineSet, lineId)!.values;
      detail += num(l['baseamount']) - num(l['manualdiscountamount']) - num(l['volumediscountamount']);
      lineDiscounts += num(l['manualdiscountamount']);
      tax += num(l['tax']);
    }
    const headerDiscount = num(values['discountamount']) + (detail * num(values['discountpercentage'])) / 100;
    const lessFreight = detail - headerDiscount;
    const computed: Record<string, number> = {
      totallineitemamount: roundTo(detail, precision),
      totallineitemdiscountamount: roundTo(lineDiscounts, precision),
      totaldiscountamount: roundTo(headerDiscount, precision),
      totalamountlessfreight: roundTo(lessFreight, precision),
      totaltax: roundTo(tax, precision),
      totalamount: roundTo(lessFreight + num(values['freightamount']) + tax, precision),
    };
    for (const [k, v] of Object.entries(computed)) {
      if (explicit.has(k) && HEADER_TOTALS.includes(k)) continue;
      values[k] = v;
    }
  }

  private recalculateDocument(parentSet: string, parentId: string, actor: Actor): void {
    const table = this.table(parentSet);
    const row = this.store.get(parentSet, parentId);
    if (!row) return;
    const doc = DOCUMENTS[table.logicalName]!;
    const values: Record<string, unknown> = { ...row.values };
    this.computeDocumentTotals(table, values, doc, new Set());
    const changes: Record<string, unknown> = {};
    for (const k of ['totallineitemamount', 'totallineitemdiscountamount', 'totaldiscountamount', 'totalamountlessfreight', 'totaltax', 'totalamount']) {
      if (values[k] !== row.values[k]) changes[k] = values[k];
    }
    if (Object.keys(changes).length === 0) return;
    const rate = typeof row.values['exchangerate'] === 'number' ? (row.values['exchangerate'] as number) : 1;
    for (const [k, v] of Object.entries(changes)) changes[`${k}_base`] = roundTo((v as number) / rate, 4);
    this.systemUpdate(table, row, changes, actor);
  }

  private afterWrite(table: TableDef, previous: Row | undefined, row: Row, actor: Actor): void {
    if (table.logicalName === 'uomschedule' && !previous) {
      this.createBaseUnit(row, actor);
      return;
    }
    const line = LINES[table.logicalName];
    if (line) {
      const parentId = row.values[`_${line.via}_value`];
      if (typeof parentId === 'string') this.recalculateDocument(line.parentSet, parentId, actor);
    }
  }

  /** A new unit group comes with its base unit, named by `baseuomname` (protocols.md §6.1). */
  private createBaseUnit(schedule: Row, actor: Actor): void {
    const uoms = this.table('uoms');
    const id = this.ids.next();
    const now = this.nowText();
    const values: Record<string, unknown> = {
      uomid: id,
      name: schedule.values['baseuomname'],
      quantity: 1,
      isschedulebaseuom: true,
      createdon: now,
      modifiedon: now,
    };
    const targets: Record<string, string> = {};
    setLookup(values, targets, 'uomscheduleid', { id: schedule.id, logicalName: 'uomschedule' });
    setLookup(values, targets, 'baseuom', { id, logicalName: 'uom' });
    setLookup(values, targets, 'createdby', { id: actor.userId, logicalName: 'systemuser' });
    setLookup(values, targets, 'modifiedby', { id: actor.userId, logicalName: 'systemuser' });
    this.commitRow(uoms, id, values, targets);
  }

  private nextDocumentNumber(prefix: string): string {
    const n = (this.numberCounters.get(prefix) ?? 1000) + 1;
    this.numberCounters.set(prefix, n);
    const suffix = this.ids.next().replace(/-/g, '').slice(0, 6).toUpperCase();
    return `${prefix}-${String(n).padStart(5, '0')}-${suffix}`;
  }

  /** For the seed loader: stores a row as given, with exchange rate and base amounts filled. */
  loadRow(table: TableDef, values: Record<string, unknown>, targets: Record<string, string>): Row {
    this.applyCurrency(table, values, targets);
    return this.commitRow(table, values[table.key] as string, values, targets);
  }

  /** Seeded documents get totals that agree with their lines (modifiedon kept: nobody edited them). */
  refreshDocumentTotals(): void {
    for (const [logicalName, doc] of Object.entries(DOCUMENTS)) {
      const table = this.schema.byLogical.get(logicalName)!;
      for (const row of [...this.store.rows(table.entitySet)]) {
        const values: Record<string, unknown> = { ...row.values };
        const targets: Record<string, string> = { ...row.targets };
        this.computeDocumentTotals(table, values, doc, new Set(Object.keys(row.values).filter((k) => HEADER_TOTALS.includes(k))));
        this.applyCurrency(table, values, targets);
        this.commitRow(table, row.id, values, targets);
      }
    }
  }
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function sameValue(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}

/** Stores sparse rows: null clears the property. */
export function setValue(values: Record<string, unknown>, name: string, v: unknown): void {
  if (v === null || v === undefined) delete values[name];
  else values[name] = v;
}

export function setLookup(values: Record<string, unknown>, targets: Record<string, string>, column: string, v: LookupValue | null): void {
  const property = `_${column}_value`;
  if (v === null) {
    delete values[property];
    delete targets[column];
  } else {
    values[property] = v.id;
    targets[column] = v.logicalName;
  }
}
