/**
 * Field transfer for one record in one pass (docs/integration.md §1.2, §2.4, §5.3 step 6): which destination values to
 * write, which field mappings changed, and which failed. Pure: every lookup goes through the context.
 */
import { EMPTY_GUID, isGuid } from './filters.js';
import { dataverseReadName, isSelected } from './fields.js';
import type { FieldMapping, FieldTransform, IntegrationTableMapping, LookupKey, PassDirection } from './types.js';

/** A lookup key with its scope values filled in from the BC record of the pass. */
export interface ResolvedLookupKey {
  bcProperty: string;
  scope: Record<string, string>;
}

export interface TransferContext {
  /** BC's local currency code (General Ledger Setup "LCY Code"). */
  bcLcyCode: string;
  /** transactioncurrencyid of the Dataverse currency whose ISO code is the BC LCY code. */
  dataverseBaseCurrencyId: string | undefined;
  /**
   * Couplings of `mappingName`. to-dataverse: `value` is the referenced BC record's `key.bcProperty`
   * (within `key.scope`); returns the coupled Dataverse id. from-dataverse: `value` is a Dataverse id;
   * returns the coupled BC record's `key.bcProperty`. Undefined when not coupled.
   */
  lookupCoupled(mappingName: string, direction: PassDirection, value: string, key: ResolvedLookupKey): string | undefined;
  /**
   * Option couplings of `mappingName`. to-dataverse: `value` is the BC record's id or code (`bcKey`);
   * returns the option value. from-dataverse: `value` is the option value; returns the BC id or code.
   */
  lookupOption(
    mappingName: string,
    direction: PassDirection,
    value: string | number,
    bcKey: 'id' | 'code',
  ): string | number | undefined;
  /** BC's current exchange rate of a currency (CURRENCY); undefined when BC has none. */
  exchangeRate?(bcCurrencyCode: string): number | undefined;
  /** The organization's default currency precision (CURRENCY inserts). */
  dataverseCurrencyPrecision?: number;
  /**
   * The base unit (uomid) of the Dataverse unit group coupled through `mappingName` to the BC unit `code`;
   * undefined when not coupled or not known (yet). Asks for everything it needs at once, so one re-plan finds it.
   */
  baseUnitOfCoupledGroup?(mappingName: string, code: string): string | undefined;
}

export interface FieldError {
  fieldId: string;
  message: string;
}

export interface TransferPlan {
  /** Destination property → value. Insert: every mapped value; modify: only values that differ. */
  values: Record<string, unknown>;
  /** Ids of the field mappings whose values are written. */
  changed: string[];
  /** The ⇄ field mappings among `changed` (update-conflict detection, docs/integration.md §5.4). */
  bidirectionalChanged: string[];
  errors: FieldError[];
}

type Outcome =
  | { kind: 'skip' }
  | { kind: 'error'; message: string }
  | { kind: 'write'; key: string; value: unknown; same: boolean }
  | { kind: 'writeMany'; entries: Record<string, unknown>; same: boolean };

const SKIP: Outcome = { kind: 'skip' };
const BC_BLANK_DATE = '0001-01-01';

/**
 * Plans the field transfer of one record. `destination` is the current destination record in its API's
 * read shape, or undefined on insert. Throws only for misuse (option mappings are synchronized through
 * option couplings, docs/integration.md §5.8, not field by field).
 */
export function planFieldTransfer(
  mapping: IntegrationTableMapping,
  passDirection: PassDirection,
  source: Record<string, unknown>,
  destination: Record<string, unknown> | undefined,
  ctx: TransferContext,
): TransferPlan {
  if (mapping.kind === 'option') {
    throw new Error(`planFieldTransfer: ${mapping.name} is an option mapping; option values are synchronized through option couplings.`);
  }
  const plan: TransferPlan = { values: {}, changed: [], bidirectionalChanged: [], errors: [] };
  const insert = destination === undefined;
  // Once per record and field of a large sync: no list of the selected fields, no copies of each field's entries.
  for (const field of mapping.fields) {
    if (!isSelected(field, passDirection)) continue;
    if (field.insertOnly && !insert) continue;
    const outcome =
      passDirection === 'to-dataverse'
        ? toDataverse(field, source, destination, ctx)
        : fromDataverse(field, source, destination, ctx);
    if (outcome.kind === 'skip') continue;
    if (outcome.kind === 'error') {
      plan.errors.push({ fieldId: field.id, message: outcome.message });
      continue;
    }
    if (!insert && outcome.same) continue;
    let wrote = false;
    if (outcome.kind === 'write') {
      wrote = put(plan.values, outcome.key, outcome.value, insert);
      // The shared outcome keeps no value of this record once it is read.
      outcome.value = undefined;
    } else for (const key in outcome.entries) wrote = put(plan.values, key, outcome.entries[key], insert) || wrote;
    if (!wrote) continue;
    plan.changed.push(field.id);
    if (field.direction === 'bidirectional') plan.bidirectionalChanged.push(field.id);
  }
  return plan;
}

/** Sets one destination value; on insert an empty lookup is simply not bound (a null bind only clears one). */
function put(values: Record<string, unknown>, key: string, value: unknown, insert: boolean): boolean {
  if (insert && value === null && key.endsWith('@odata.bind')) return false;
  values[key] = value;
  return true;
}

// ---------------------------------------------------------------------------------------------
// BC → Dataverse
// ---------------------------------------------------------------------------------------------

function toDataverse(
  field: FieldMapping,
  bcRecord: Record<string, unknown>,
  dataverseRecord: Record<string, unknown> | undefined,
  ctx: TransferContext,
): Outcome {
  const column = field.dataverse as string;
  const raw = field.bc === undefined ? undefined : bcRecord[field.bc];
  const current = dataverseRecord === undefined ? undefined : dataverseRecord[dataverseReadName(field) as string];
  const t = field.transform;
  switch (t.kind) {
    case 'copy':
    case 'truncate':
    case 'nonNegative':
    case 'format': {
      let value = bcValueForDataverse(field, raw);
      if (t.kind === 'copy' && t.emptyFallback !== undefined && (value === null || value === '')) {
        value = bcValueForDataverse(field, bcRecord[t.emptyFallback]);
      }
      if (t.kind === 'nonNegative' && typeof value === 'number' && value < 0) value = 0;
      if (t.kind === 'format') value = t.template.replace('{}', textOf(raw));
      if (typeof value === 'string') {
        value = cut(value, t.kind === 'truncate' ? t.length : undefined, field.dataverseMaxLength);
        if (value === '') value = null;
      }
      return write(column, value, sameDataverse(field, current, value));
    }
    case 'constant':
      return write(column, t.value, sameDataverse(field, current, t.value));
    case 'personName': {
      const { first, last } = splitPersonName(textOf(raw), field.dataverseMaxLength);
      const same = dataverseRecord !== undefined && textOf(dataverseRecord.firstname) === first && textOf(dataverseRecord.lastname) === last;
      return writeMany({ firstname: first === '' ? null : first, [column]: last === '' ? null : last }, same);
    }
    case 'valueMap': {
      const value = t.map[textOf(raw)] ?? t.otherwise;
      return write(column, value, sameDataverse(field, current, value));
    }
    case 'stateFromBlocked': {
      // product statecode/statuscode: Retired 1/2, Active 0/1 (docs/integration.md §2.5).
      const blocked = raw === true || raw === 'true';
      const entries = { statecode: blocked ? 1 : 0, statuscode: blocked ? 2 : 1 };
      return writeMany(entries, current !== undefined && Number(current) === entries.statecode);
    }
    case 'lookup': {
      const chosen = chooseLookup(t, bcRecord);
      const value = textOf(raw).trim();
      let id: string | null = null;
      if (value !== '') {
        const found = ctx.lookupCoupled(chosen.mapping, 'to-dataverse', value, resolveKey(chosen.key, bcRecord));
        if (found === undefined) {
          if (!field.clearValueOnFailedSync) return notCoupled(field, value, chosen.mapping);
        } else id = found;
      }
      return bindDataverse(field, t.navigation, t.target, id, current);
    }
    case 'currency': {
      const code = textOf(raw).trim();
      let id: string | undefined;
      if (code === '' || sameCode(code, ctx.bcLcyCode)) {
        id = ctx.dataverseBaseCurrencyId;
        if (id === undefined) return baseCurrencyMissing(field, ctx);
      } else {
        id = ctx.lookupCoupled('CURRENCY', 'to-dataverse', code, { bcProperty: 'code', scope: {} });
        if (id === undefined) {
          if (!field.clearValueOnFailedSync) return notCoupled(field, code, 'CURRENCY');
          return bindDataverse(field, 'transactioncurrencyid', 'transactioncurrencies', null, current);
        }
      }
      return bindDataverse(field, 'transactioncurrencyid', 'transactioncurrencies', id, current);
    }
    case 'baseCurrency': {
      const id = ctx.dataverseBaseCurrencyId;
      if (id === undefined) return baseCurrencyMissing(field, ctx);
      return bindDataverse(field, column, 'transactioncurrencies', id, current);
    }
    case 'groupBaseUnit': {
      const code = textOf(raw).trim();
      if (code === '') return field.clearValueOnFailedSync ? bindDataverse(field, column, 'uoms', null, current) : SKIP;
      const unit = ctx.baseUnitOfCoupledGroup?.(t.mapping, code);
      if (unit !== undefined) return bindDataverse(field, column, 'uoms', unit, current);
      if (ctx.lookupCoupled(t.mapping, 'to-dataverse', code, { bcProperty: 'code', scope: {} }) === undefined) return notCoupled(field, code, t.mapping);
      return { kind: 'error', message: `${label(field)}: the Dataverse unit group coupled to ${code} has no base unit; synchronize ${t.mapping} again.` };
    }
    case 'option': {
      const value = textOf(raw).trim();
      if (value === '' || value === EMPTY_GUID) return write(column, null, current === null || current === undefined);
      const option = ctx.lookupOption(t.mapping, 'to-dataverse', value, t.bcKey);
      if (option === undefined) {
        if (field.clearValueOnFailedSync) return write(column, null, current === null || current === undefined);
        return notCoupled(field, value, t.mapping);
      }
      const optionValue = Number(option);
      return write(column, optionValue, current !== null && current !== undefined && Number(current) === optionValue);
    }
    case 'owner': {
      const code = textOf(raw).trim();
      // Not Null: without a salesperson the current owner stays.
      if (code === '') return SKIP;
      const userId = ctx.lookupCoupled('SALESPEOPLE', 'to-dataverse', code, { bcProperty: 'code', scope: {} });
      if (userId === undefined) {
        if (field.clearValueOnFailedSync) return SKIP;
        return notCoupled(field, code, 'SALESPEOPLE');
      }
      return bindDataverse(field, 'ownerid', 'systemusers', userId, current);
    }
    case 'exchangeRate': {
      const code = textOf(raw).trim();
      const rate = ctx.exchangeRate?.(code);
      if (rate === undefined) {
        return {
          kind: 'error',
          message: `${label(field)}: Business Central has no exchange rate for currency ${code}; add one (Currencies > Exchange Rates) and synchronize again.`,
        };
      }
      return write(column, rate, current !== null && current !== undefined && Number(current) === rate);
    }
    case 'currencyPrecision': {
      if (ctx.dataverseCurrencyPrecision === undefined) return SKIP;
      return write(column, ctx.dataverseCurrencyPrecision, Number(current) === ctx.dataverseCurrencyPrecision);
    }
    case 'targetType':
      return SKIP;
    case 'blockedFromState':
      return unsupported(field, 'to-dataverse');
  }
}

function bcValueForDataverse(field: FieldMapping, raw: unknown): unknown {
  switch (field.bcType) {
    case 'decimal':
    case 'integer':
      return raw === null || raw === undefined || raw === '' ? 0 : Number(raw);
    case 'boolean':
      return raw === true || raw === 'true';
    case 'date': {
      const date = dateOf(raw);
      if (date === null) return null;
      return field.dataverseDateTime ? `${date}T00:00:00Z` : date;
    }
    default:
      return textOf(raw);
  }
}

function sameDataverse(field: FieldMapping, current: unknown, value: unknown): boolean {
  if (current === undefined && value !== null) return false;
  if (typeof value === 'number') return current !== null && current !== undefined && Number(current) === value;
  if (typeof value === 'boolean') return current === value;
  if (field.bcType === 'date') return dateOf(current) === dateOf(value);
  return textOf(current) === textOf(value);
}

function bindDataverse(
  field: FieldMapping,
  navigation: string,
  target: string,
  id: string | null,
  current: unknown,
): Outcome {
  if (id === null && field.notNull) return SKIP;
  const same = id === null ? current === null || current === undefined : sameGuid(current, id);
  return write(bindKey(navigation), id === null ? null : bindValue(target, id), same);
}

/** `<navigation>@odata.bind`, made once per navigation property (a new key string per record costs a lookup to use it). */
const bindKeys = new Map<string, string>();

function bindKey(navigation: string): string {
  let key = bindKeys.get(navigation);
  if (key === undefined) {
    key = `${navigation}@odata.bind`;
    if (bindKeys.size < 1000) bindKeys.set(navigation, key);
  }
  return key;
}

/** `/<entity set>(<id>)`; the last one per entity set is reused (every record of a window binds the same currency). */
const lastBinds = new Map<string, { id: string; value: string }>();

function bindValue(target: string, id: string): string {
  const last = lastBinds.get(target);
  if (last !== undefined && last.id === id) return last.value;
  const value = `/${target}(${id})`;
  if (last !== undefined) {
    last.id = id;
    last.value = value;
  } else if (lastBinds.size < 1000) lastBinds.set(target, { id, value });
  return value;
}

// ---------------------------------------------------------------------------------------------
// Dataverse → BC
// ---------------------------------------------------------------------------------------------

function fromDataverse(
  field: FieldMapping,
  dataverseRecord: Record<string, unknown>,
  bcRecord: Record<string, unknown> | undefined,
  ctx: TransferContext,
): Outcome {
  const property = field.bc as string;
  const raw = field.dataverse === undefined ? undefined : dataverseRecord[dataverseReadName(field) as string];
  const current = bcRecord?.[property];
  const t = field.transform;
  switch (t.kind) {
    case 'copy':
    case 'truncate':
    case 'nonNegative': {
      let value = dataverseValueForBc(field, raw);
      if (t.kind === 'nonNegative' && typeof value === 'number' && value < 0) value = 0;
      if (typeof value === 'string') value = cut(value, t.kind === 'truncate' ? t.length : undefined, field.bcMaxLength);
      return write(property, value, sameBc(field, current, value));
    }
    case 'constant':
      return write(property, t.value, sameBc(field, current, t.value));
    case 'personName': {
      const value = cut([dataverseRecord.firstname, dataverseRecord.middlename, raw].map(textOf).filter((p) => p.trim() !== '').join(' ').trim(), field.bcMaxLength);
      return write(property, value, textOf(current).trim() === value);
    }
    case 'blockedFromState': {
      // Only a non-active Dataverse row blocks; an active one leaves BC as it is.
      if (raw === null || raw === undefined || Number(raw) === 0) return SKIP;
      return write(property, t.blockedValue, current === t.blockedValue);
    }
    case 'lookup': {
      const chosen = chooseLookup(t, bcRecord ?? {});
      const id = textOf(raw).trim();
      let value = '';
      if (id !== '' && id !== EMPTY_GUID) {
        const found = ctx.lookupCoupled(chosen.mapping, 'from-dataverse', id, resolveKey(chosen.key, bcRecord ?? {}));
        if (found === undefined && !field.clearValueOnFailedSync) return notCoupled(field, id, chosen.mapping);
        value = found ?? '';
      }
      if (value === '' && field.clearValueOnFailedSync) {
        // docs/integration.md §2.4: a blank incoming value keeps an existing BC value unless that value's record is coupled.
        const existing = textOf(current).trim();
        if (existing !== '') {
          const coupled = ctx.lookupCoupled(chosen.mapping, 'to-dataverse', existing, resolveKey(chosen.key, bcRecord ?? {}));
          if (coupled === undefined) return SKIP;
        }
      }
      const written = blankFor(field, value);
      return write(property, written, sameBc(field, current, written));
    }
    case 'currency': {
      const id = textOf(raw).trim();
      let code = '';
      if (id !== '' && id !== EMPTY_GUID && !sameGuid(id, ctx.dataverseBaseCurrencyId ?? '')) {
        const found = ctx.lookupCoupled('CURRENCY', 'from-dataverse', id, { bcProperty: 'code', scope: {} });
        if (found === undefined) {
          if (!field.clearValueOnFailedSync) return notCoupled(field, id, 'CURRENCY');
        } else code = found;
      }
      // The API shows a blank currency as the LCY code; both mean local currency.
      const currentCode = textOf(current).trim();
      const same = bcRecord !== undefined && normalizeLcy(currentCode, ctx) === normalizeLcy(code, ctx);
      return write(property, code, same);
    }
    case 'option': {
      if (raw === null || raw === undefined || raw === '') return SKIP;
      const bcValue = ctx.lookupOption(t.mapping, 'from-dataverse', Number(raw), t.bcKey);
      if (bcValue === undefined) {
        if (field.clearValueOnFailedSync) return SKIP;
        return notCoupled(field, String(raw), t.mapping);
      }
      const written = String(bcValue);
      const same =
        t.bcKey === 'id' ? sameGuid(current, written) : bcRecord !== undefined && sameCode(textOf(current), written);
      return write(property, written, same);
    }
    case 'owner': {
      const ownerId = textOf(raw).trim();
      if (ownerId === '') return SKIP;
      // Team owners are ignored (docs/integration.md §2.4).
      if (dataverseRecord['_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] === 'team') return SKIP;
      const code = ctx.lookupCoupled('SALESPEOPLE', 'from-dataverse', ownerId, { bcProperty: 'code', scope: {} });
      if (code === undefined) {
        if (field.clearValueOnFailedSync) return SKIP;
        return {
          kind: 'error',
          message: `${label(field)}: owner ${ownerId} must be coupled to a salesperson first (couple mapping SALESPEOPLE)`,
        };
      }
      return write(property, code, bcRecord !== undefined && sameCode(textOf(current), code));
    }
    case 'format':
    case 'baseCurrency':
    case 'groupBaseUnit':
    case 'stateFromBlocked':
    case 'valueMap':
    case 'exchangeRate':
    case 'currencyPrecision':
    case 'targetType':
      return unsupported(field, 'from-dataverse');
  }
}

function dataverseValueForBc(field: FieldMapping, raw: unknown): unknown {
  switch (field.bcType) {
    case 'decimal':
    case 'integer':
      return raw === null || raw === undefined || raw === '' ? 0 : Number(raw);
    case 'boolean':
      return raw === true || raw === 'true';
    case 'date':
      return dateOf(raw) ?? BC_BLANK_DATE;
    case 'code':
      // BC Code fields hold upper-cased, trimmed text.
      return textOf(raw).trim().toUpperCase();
    default:
      return textOf(raw);
  }
}

function sameBc(field: FieldMapping, current: unknown, value: unknown): boolean {
  if (current === undefined) return false;
  switch (field.bcType) {
    case 'decimal':
    case 'integer':
      return Number(current ?? 0) === Number(value);
    case 'boolean':
      return (current === true || current === 'true') === value;
    case 'date':
      return (dateOf(current) ?? BC_BLANK_DATE) === (dateOf(value) ?? BC_BLANK_DATE);
    case 'code':
      return textOf(current).trim().toUpperCase() === textOf(value).trim().toUpperCase();
    case 'guid':
      return sameGuid(current, textOf(value));
    default:
      return textOf(current) === textOf(value);
  }
}

function blankFor(field: FieldMapping, value: string): string {
  if (value !== '') return field.bcType === 'code' ? value.trim().toUpperCase() : value;
  return field.bcType === 'guid' ? EMPTY_GUID : '';
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/**
 * The outcome of most transforms: one object, filled in and read by `planFieldTransfer` before the next field is
 * planned (an object per field and record was a large share of a full sync's garbage).
 */
const WRITE: Extract<Outcome, { kind: 'write' }> = { kind: 'write', key: '', value: undefined, same: false };

/** One destination property (most transforms): no object keyed by a computed name per field and record. */
function write(key: string, value: unknown, same: boolean): Outcome {
  WRITE.key = key;
  WRITE.value = value;
  WRITE.same = same;
  return WRITE;
}

function writeMany(entries: Record<string, unknown>, same: boolean): Outcome {
  return { kind: 'writeMany', entries, same };
}

function chooseLookup(
  t: Extract<FieldTransform, { kind: 'lookup' }>,
  bcRecord: Record<string, unknown>,
): { mapping: string; key: LookupKey } {
  if (t.switchOn) {
    const chosen = t.switchOn.cases[textOf(bcRecord[t.switchOn.property])];
    if (chosen) return chosen;
  }
  return { mapping: t.mapping, key: t.key };
}

function resolveKey(key: LookupKey, bcRecord: Record<string, unknown>): ResolvedLookupKey {
  const scope: Record<string, string> = {};
  for (const [name, source] of Object.entries(key.scope ?? {})) {
    scope[name] = 'value' in source ? source.value : textOf(bcRecord[source.fromBc]);
  }
  return { bcProperty: key.bcProperty, scope };
}

function label(field: FieldMapping): string {
  return field.bc ?? field.dataverse ?? field.id;
}

function notCoupled(field: FieldMapping, value: string, mapping: string): Outcome {
  return { kind: 'error', message: `${label(field)}: ${value} must be coupled first (couple mapping ${mapping})` };
}

function baseCurrencyMissing(field: FieldMapping, ctx: TransferContext): Outcome {
  return {
    kind: 'error',
    message: `${label(field)}: Dataverse has no currency with ISO code ${ctx.bcLcyCode} (the BC local currency); add it in Dataverse and synchronize again.`,
  };
}

function unsupported(field: FieldMapping, pass: PassDirection): Outcome {
  return {
    kind: 'error',
    message: `${label(field)}: transform ${field.transform.kind} cannot run ${pass}; reset the direction of field mapping ${field.id}.`,
  };
}

/** "Anna Maria Lopez" → first "Anna Maria", last "Lopez"; a single word is the last name. */
export function splitPersonName(fullName: string, maxLength?: number): { first: string; last: string } {
  const words = fullName.trim().split(/\s+/).filter(Boolean);
  const last = words.pop() ?? '';
  return { first: cut(words.join(' '), maxLength), last: cut(last, maxLength) };
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

function cut(value: string, ...lengths: Array<number | undefined>): string {
  let result = value;
  for (const length of lengths) if (length !== undefined && result.length > length) result = result.slice(0, length);
  return result;
}

function dateOf(value: unknown): string | null {
  const text = textOf(value);
  if (text === '' || text.startsWith(BC_BLANK_DATE)) return null;
  return text.slice(0, 10);
}

function sameGuid(current: unknown, id: string): boolean {
  const text = textOf(current);
  if (text === '' || text === EMPTY_GUID) return id === '' || id === EMPTY_GUID;
  return isGuid(text) ? text.toLowerCase() === id.toLowerCase() : text === id;
}

function sameCode(a: string, b: string): boolean {
  return a.trim().toUpperCase() === b.trim().toUpperCase();
}

function normalizeLcy(code: string, ctx: TransferContext): string {
  return sameCode(code, ctx.bcLcyCode) ? '' : code.trim().toUpperCase();
}
