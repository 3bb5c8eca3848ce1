/**
 * One Business Central company: its rows and the write pipeline every API page shares
 * (body validation, code/id links, number series, keys, lastModifiedDateTime, row versions).
 * Resource-specific logic (documents, payments, unit groups) lives in hooks.
 */
import { BcError, errors } from './errors.js';
import { HOOKS } from './hooks.js';
import { mirrorSalesHeader } from './sales-extras.js';
import { COMPUTED_PER_CUSTOMER, NUMBER_SERIES, POSTED_PAYMENTS, RESOURCE_BY_SET, RESOURCES } from './resources.js';
import type { LinkDef, ResourceDef } from './schema.js';
import { coerceValue, emptyValue } from './schema.js';
import type { Rec, Row } from './store.js';
import { Journal, Store } from './store.js';
import { BLANK_GUID, incrementNumber, isoDateTime, newGuid, normalizeGuid } from './values.js';

export interface WriteOptions {
  /** A person in the client (the `data` access), not the API: read-only fields may be set. */
  person: boolean;
  /** Header id from a nested URL (`salesOrders(<id>)/salesOrderLines`). */
  parentId?: string;
  /** Deep insert: the header recomputes its totals once after all its lines. */
  deferHeader?: boolean;
}

export interface CompanyInfo {
  id: string;
  name: string;
  displayName: string;
  systemVersion: string;
  createdAt: string;
}

/** Fields the master-data rules look rows up by: indexed, so seeding 100,000 items is not quadratic. */
const LOOKUP_INDEXES: Readonly<Record<string, readonly string[]>> = {
  unitGroups: ['sourceId'],
  itemUnitsOfMeasure: ['itemId'],
  resourceUnitsOfMeasure: ['resourceId'],
};

export class Company {
  readonly store: Store;
  /**
   * Customer balances brought forward from before the seeded documents (the seed's `balanceDue`
   * less what its posted invoices explain), so the seeded figures show and then move with postings.
   */
  readonly openingBalances = new Map<string, number>();

  constructor(
    readonly info: CompanyInfo,
    journal: Journal,
    nextRowVersion: () => number,
    private readonly clock: () => number,
    /** Local currency code, shown in `currencyCode` of records in local currency. */
    readonly lcyCode: string,
  ) {
    this.store = new Store(journal, nextRowVersion);
    for (const def of RESOURCES) {
      if (def.set === 'companies' || COMPUTED_PER_CUSTOMER.has(def.set)) continue;
      const indexFields: string[] = [...(LOOKUP_INDEXES[def.set] ?? [])];
      if (def.lineOf && !indexFields.includes(def.lineOf.field)) indexFields.push(def.lineOf.field);
      this.store.defineTable(def.set, { uniqueField: def.key, indexFields });
    }
    this.store.defineTable(POSTED_PAYMENTS, { indexFields: ['customerId'] });
    this.store.afterWrite = (table, id, row) => mirrorSalesHeader(this, table, id, row);
  }

  get journal(): Journal {
    return this.store.journal;
  }

  now(): number {
    return this.clock();
  }

  nowText(): string {
    const ms = this.clock();
    if (ms !== this.lastNow) {
      this.lastNow = ms;
      this.lastNowText = isoDateTime(ms);
      this.lastToday = this.lastNowText.slice(0, 10);
    }
    return this.lastNowText;
  }

  /** The work date: today's UTC date. */
  today(): string {
    this.nowText();
    return this.lastToday;
  }

  private lastNow = Number.NaN;
  private lastNowText = '';
  private lastToday = '';

  def(set: string): ResourceDef {
    const def = RESOURCE_BY_SET.get(set);
    if (!def) throw errors.resourceNotFound(set);
    return def;
  }

  /** A set whose rows are stored (not computed like companies and customerFinancialDetails). */
  private storedDef(set: string, method: string): ResourceDef {
    const def = this.def(set);
    if (!this.store.has(set)) throw errors.methodNotAllowed(method, set);
    return def;
  }

  get(set: string, id: string): Row | undefined {
    return this.store.get(set, id);
  }

  getByKey(set: string, value: string): Row | undefined {
    const id = this.store.findByKey(set, value);
    return id === undefined ? undefined : this.store.get(set, id);
  }

  /** Rows of a line table that belong to one header, in sequence order. */
  children(set: string, field: string, parentId: string): Row[] {
    const seqField = set === 'customerPayments' ? 'lineNumber' : 'sequence';
    return this.store
      .findBy(set, field, parentId)
      .map((id) => this.store.get(set, id)!)
      .sort((a, b) => Number(a.data[seqField]) - Number(b.data[seqField]));
  }

  /** Next number of a series, skipping numbers already taken in `takenIn` (seeded or typed in by hand). */
  nextNumber(series: string, takenIn?: string): string {
    const def = NUMBER_SERIES[series];
    if (!def) throw new Error(`BC emulator: no number series '${series}'`);
    const last = this.store.seriesGet(series);
    let candidate = last === undefined ? def.start : incrementNumber(last, def.increment)!;
    while (takenIn !== undefined && this.store.findByKey(takenIn, candidate) !== undefined) {
      candidate = incrementNumber(candidate, def.increment)!;
    }
    this.store.seriesSet(series, candidate);
    return candidate;
  }

  /** A new row of `def` with every property at BC's empty value. */
  blank(def: ResourceDef): Rec {
    let template = this.blanks.get(def.set);
    if (!template) {
      template = {};
      for (const [name, f] of Object.entries(def.fields)) template[name] = emptyValue(f);
      for (const link of def.links ?? []) if (link.lcy && link.codeField) template[link.codeField] = this.lcyCode;
      this.blanks.set(def.set, template);
    }
    return { ...template };
  }

  private readonly blanks = new Map<string, Rec>();

  // ---------------------------------------------------------------------------------------------
  // Write pipeline

  /**
   * Reads a request body: rejects unknown and (for the API) read-only properties, converts values,
   * and splits off nested line collections (deep insert).
   */
  readBody(def: ResourceDef, body: unknown, mode: 'insert' | 'update', previous: Readonly<Rec> | undefined, opts: WriteOptions): { values: Rec; nested: Record<string, unknown[]> } {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.badBody('Invalid Request Body');
    const values: Rec = {};
    const nested: Record<string, unknown[]> = {};
    for (const [name, raw] of Object.entries(body as Rec)) {
      if (name.includes('@')) continue; // @odata.etag, @odata.context and other annotations
      const nav = def.navs?.find((n) => n.name === name);
      if (nav) {
        if (nav.kind === 'single') {
          throw errors.badBody(`'${name}' is a navigation property and cannot be written; set its id or code property instead.`);
        }
        if (mode === 'update') {
          throw errors.badBody(
            `Deep update is not supported: '${name}' cannot be written through '${def.set}'. Write the lines through their own URL.`,
          );
        }
        if (!Array.isArray(raw)) throw errors.badBody(`'${name}' must be an array of ${name} for a deep insert.`);
        nested[name] = raw;
        continue;
      }
      const field = def.fields[name];
      if (!field) {
        throw errors.badBody(
          `The property '${name}' does not exist on type 'Microsoft.NAV.${def.entity}'. Make sure to only use property names that are defined by the type.`,
        );
      }
      if (name === 'id') {
        // Standard API v2.0 pages bind `id` to SystemId with Editable = false and insert with Insert(true): BC picks
        // the id. The companion extension's pages make it editable and insert with Insert(true, true) (docs/custom-api.md).
        if (!opts.person && def.api !== 'custom') throw errors.readOnly(name);
        const id = typeof raw === 'string' ? normalizeGuid(raw) : undefined;
        if (!id) throw errors.invalidGuid();
        if (mode === 'update' && id !== previous?.id) throw errors.dialog('The "id" cannot be changed.');
        if (mode === 'insert') values.id = id;
        continue;
      }
      if (field.readOnly && !opts.person) throw errors.readOnly(name);
      values[name] = coerceValue(name, field, raw);
    }
    return { values, nested };
  }

  /**
   * Resolves code/id pairs for the properties sent (docs/protocols.md §6.2): either view may be sent,
   * both must agree, blank means none.
   */
  resolveLinks(def: ResourceDef, data: Rec, sent: Rec): void {
    for (const link of def.links ?? []) this.resolveLink(link, data, sent);
  }

  /** The linked row (null = none), or undefined when neither view of the link was sent. */
  resolveLink(link: LinkDef, data: Rec, sent: Rec): Row | null | undefined {
    const idSent = link.idField !== undefined && link.idField in sent;
    const codeSent = link.codeField !== undefined && link.codeField in sent;
    if (!idSent && !codeSent) return undefined;
    let byId: Row | null | undefined;
    let byCode: Row | null | undefined;
    if (idSent) {
      const v = data[link.idField!] as string;
      if (v === BLANK_GUID) byId = null;
      else {
        byId = this.store.get(link.target, v) ?? undefined;
        if (!byId) throw errors.dialog(link.notFoundMessage ?? `The "${link.idField}" does not match to a ${link.caption}.`);
      }
    }
    if (codeSent) {
      const v = data[link.codeField!] as string;
      if (v === '' || (link.lcy && v.toUpperCase() === this.lcyCode.toUpperCase())) byCode = null;
      else {
        byCode = this.getByKey(link.target, v);
        if (!byCode && link.relation) throw errors.tableRelation(link.relation.fieldCaption, link.relation.tableCaption, v, link.caption);
        if (!byCode) throw errors.dialog(link.notFoundMessage ?? `The "${link.codeField}" does not match to a ${link.caption}.`);
      }
    }
    if (idSent && codeSent && (byId?.data.id ?? null) !== (byCode?.data.id ?? null)) {
      throw errors.dialog(link.mismatchMessage ?? `The ${link.caption.toLowerCase()} values do not match to a specific ${link.caption}.`);
    }
    const target = idSent ? byId! : byCode!;
    if (link.idField) data[link.idField] = target ? target.data.id : BLANK_GUID;
    if (link.codeField) data[link.codeField] = target ? target.data[link.targetField] : link.lcy ? this.lcyCode : '';
    return target;
  }

  private checkKeys(def: ResourceDef, data: Rec, id: string): void {
    if (def.key) {
      const value = data[def.key] as string;
      if (value === '') {
        throw errors.fieldValidation(`${def.keyCaption ?? def.key} must have a value in ${def.caption}: ${def.keyCaption ?? def.key}=. It cannot be zero or empty.`);
      }
      const other = this.store.findByKey(def.set, value);
      if (other !== undefined && other !== id) throw errors.duplicateKey(def.caption, `${def.keyCaption ?? def.key}='${value}'`);
    }
    if (def.compositeKey) {
      const candidates = def.lineOf
        ? this.store.findBy(def.set, def.lineOf.field, String(data[def.lineOf.field]))
        : [...this.store.rows(def.set)].map((r) => r.data.id as string);
      for (const otherId of candidates) {
        if (otherId === id) continue;
        const other = this.store.get(def.set, otherId)!.data;
        if (def.compositeKey.every((k) => String(other[k]).toUpperCase() === String(data[k]).toUpperCase())) {
          throw errors.duplicateKey(def.caption, def.compositeKey.map((k) => `${k}='${String(data[k])}'`).join(','));
        }
      }
    }
  }

  insert(set: string, body: unknown, opts: WriteOptions): Row {
    const def = this.storedDef(set, 'POST');
    if ((def.readOnly || def.singleton) && !opts.person) throw errors.methodNotAllowed('POST', set, 'Collection');
    return this.journal.atomic(() => {
      const { values, nested } = this.readBody(def, body, 'insert', undefined, opts);
      const id = (values.id as string | undefined) ?? newGuid();
      if (this.store.get(set, id)) throw errors.duplicateKey(def.caption, `SystemId='{${id.toUpperCase()}}'`);
      const data: Rec = { ...this.blank(def), ...values, id };
      if (def.lineOf && opts.parentId !== undefined) {
        const fk = def.lineOf.field;
        if (fk in values && values[fk] !== opts.parentId) {
          throw errors.dialog(`The "${fk}" in the body does not match the ${def.lineOf.header} record in the URL.`);
        }
        data[fk] = opts.parentId;
      }
      this.resolveLinks(def, data, values);
      for (const link of def.links ?? []) {
        if (link.requiredMessage && link.idField && data[link.idField] === BLANK_GUID) throw errors.dialog(link.requiredMessage);
      }
      const hooks = HOOKS[set];
      hooks?.beforeInsert?.(this, data, values, opts);
      if (def.key && def.numberSeries && data[def.key] === '') data[def.key] = this.nextNumber(def.numberSeries, set);
      this.checkKeys(def, data, id);
      if (def.tracksModified) data.lastModifiedDateTime = this.nowText();
      const row = this.store.put(set, id, data);
      hooks?.afterInsert?.(this, row, nested, opts);
      return this.store.get(set, id)!;
    });
  }

  update(set: string, id: string, body: unknown, opts: WriteOptions): Row {
    const def = this.storedDef(set, 'PATCH');
    if (def.readOnly && !opts.person) throw errors.methodNotAllowed('PATCH', set);
    const previousRow = this.store.get(set, id);
    if (!previousRow) throw errors.recordNotFound(def.caption, id);
    return this.journal.atomic(() => {
      const previous = previousRow.data;
      const { values } = this.readBody(def, body, 'update', previous, opts);
      const data: Rec = { ...previous, ...values };
      if (def.lineOf && def.lineOf.field in values && values[def.lineOf.field] !== previous[def.lineOf.field]) {
        throw errors.dialog(`The "${def.lineOf.field}" cannot be changed.`);
      }
      this.resolveLinks(def, data, values);
      const hooks = HOOKS[set];
      hooks?.beforeUpdate?.(this, data, values, previous, opts);
      this.checkKeys(def, data, id);
      const changed = Object.keys(data).some((k) => data[k] !== previous[k]);
      if (!changed) return previousRow; // BC skips a Modify that changes nothing: same row version, same timestamp.
      if (def.tracksModified) data.lastModifiedDateTime = this.nowText();
      const row = this.store.put(set, id, data);
      if (def.key && data[def.key] !== previous[def.key]) this.cascadeRename(set, id, data[def.key] as string);
      hooks?.afterUpdate?.(this, row, previous, opts);
      return this.store.get(set, id)!;
    });
  }

  remove(set: string, id: string, opts: WriteOptions): void {
    const def = this.storedDef(set, 'DELETE');
    if ((def.readOnly || def.singleton) && !opts.person) throw errors.methodNotAllowed('DELETE', set);
    const row = this.store.get(set, id);
    if (!row) throw errors.recordNotFound(def.caption, id);
    this.journal.atomic(() => {
      const hooks = HOOKS[set];
      hooks?.beforeDelete?.(this, row, opts);
      this.store.delete(set, id);
      hooks?.afterDelete?.(this, row, opts);
    });
  }

  /** Re-stores a row with changes made by the server (totals, status), bumping lastModifiedDateTime. */
  touch(set: string, id: string, changes: Rec = {}): Row {
    const row = this.store.get(set, id);
    if (!row) throw new Error(`BC emulator: ${set}(${id}) vanished`);
    const data: Rec = { ...row.data, ...changes };
    if (this.def(set).tracksModified) data.lastModifiedDateTime = this.nowText();
    return this.store.put(set, id, data);
  }

  /** Like `touch` but only when something changed, and without a new timestamp (FlowField-like updates). */
  patchSilently(set: string, id: string, changes: Rec): void {
    const row = this.store.get(set, id);
    if (!row) return;
    if (Object.keys(changes).every((k) => row.data[k] === changes[k])) return;
    this.store.put(set, id, { ...row.data, ...changes });
  }

  /** A renamed primary key flows into every record that links to it (AL's rename cascade). */
  private cascadeRename(set: string, id: string, newValue: string): void {
    for (const def of RESOURCES) {
      for (const link of def.links ?? []) {
        if (link.target !== set || !link.idField || !link.codeField) continue;
        for (const row of [...this.store.rows(def.set)]) {
          if (row.data[link.idField] === id) this.store.put(def.set, row.data.id as string, { ...row.data, [link.codeField]: newValue });
        }
      }
    }
    HOOKS[set]?.afterRename?.(this, id, newValue);
  }

  /**
   * Runs a bound action (`Microsoft.NAV.<name>`). `lookIn` lists the tables the id may live in
   * (`journals(<id>)/Microsoft.NAV.post` posts any journal batch, customer payment journals included).
   */
  runAction(set: string, id: string, action: string, lookIn: readonly string[] = [set]): void {
    const def = this.def(set);
    let row: Row | undefined;
    for (const t of lookIn) row ??= this.store.get(t, id);
    if (!row) throw errors.recordNotFound(def.caption, id);
    const fn = HOOKS[set]?.actions?.[action];
    if (!fn || !def.actions?.includes(action)) {
      if (!def.actions || def.actions.length === 0) throw new BcError(400, 'BadRequest_MethodNotImplemented', 'Entity does not support bound actions');
      throw new BcError(
        400,
        'BadRequest_MethodNotImplemented',
        `The bound action 'Microsoft.NAV.${action}' is not supported on '${set}'. Supported actions: ${def.actions.join(', ')}.`,
      );
    }
    this.journal.atomic(() => fn(this, row));
  }

  /** A person runs an action in the client: the page's bound actions and the person-only ones (docs of each hook). */
  runPersonAction(set: string, id: string, action: string): void {
    const row = this.store.get(set, id);
    if (!row) throw errors.recordNotFound(this.def(set).caption, id);
    const fn = HOOKS[set]?.personActions?.[action] ?? HOOKS[set]?.actions?.[action];
    if (!fn) throw new Error(`BC emulator: a person cannot run '${action}' on ${set}.`);
    this.journal.atomic(() => fn(this, row));
  }
}
