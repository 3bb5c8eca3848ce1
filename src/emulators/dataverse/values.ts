/**
 * Value shapes of the Web API (docs/protocols.md §7.1): DateTime as `YYYY-MM-DDTHH:MM:SSZ` (no fractional
 * seconds), DateOnly as `YYYY-MM-DD`, GUIDs lower case, money and decimals as JSON numbers.
 */
import type { ColumnDef, TableDef } from './schema.js';
import type { OptionSets } from './optionsets.js';
import { payloadError, validationError } from './errors.js';
import { normalizeGuid } from './ids.js';

let lastSecond = Number.NaN;
let lastText = '';

/** `YYYY-MM-DDTHH:MM:SSZ` of an instant (the second it falls in); the text of the last second is kept, as writes come in runs. */
export function formatDateTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

const DATETIME_INPUT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** Parses an ISO date or date-time (no zone = UTC); undefined when it is not one. */
export function parseInstant(text: string): number | undefined {
  if (!DATETIME_INPUT.test(text)) return undefined;
  let iso = text;
  if (iso.length === 10) iso = `${iso}T00:00:00Z`;
  else if (!/(?:Z|[+-]\d{2}:\d{2})$/.test(iso)) iso = `${iso}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round((value + Number.EPSILON * Math.sign(value)) * f) / f;
}

const EDM_TYPES: Record<string, string> = {
  string: 'Edm.String',
  memo: 'Edm.String',
  integer: 'Edm.Int32',
  bigint: 'Edm.Int64',
  decimal: 'Edm.Decimal',
  money: 'Edm.Decimal',
  double: 'Edm.Double',
  boolean: 'Edm.Boolean',
  datetime: 'Edm.DateTimeOffset',
  dateonly: 'Edm.Date',
  picklist: 'Edm.Int32',
  state: 'Edm.Int32',
  status: 'Edm.Int32',
  uniqueidentifier: 'Edm.Guid',
  key: 'Edm.Guid',
  entityname: 'Edm.String',
  lookup: 'Edm.Guid',
};

export function edmType(c: ColumnDef): string {
  return EDM_TYPES[c.type] ?? 'Edm.String';
}

function cannotConvert(table: TableDef, c: ColumnDef, raw: unknown): never {
  const literal = typeof raw === 'string' ? raw : JSON.stringify(raw);
  throw payloadError(table.entitySet, `Cannot convert the literal '${literal}' to the expected type '${edmType(c)}'.`);
}

function outOfRange(table: TableDef, c: ColumnDef, value: number): never {
  throw validationError(
    `The value ${value} of '${c.name}' on record of type '${table.logicalName}' is outside the valid range.` +
      (c.min !== undefined && c.max !== undefined ? ` Accepted Values: between ${c.min} and ${c.max}.` : ''),
  );
}

/**
 * A payload value checked and normalized for storage. `null` clears. Throws the service's error
 * (payload conversion 0x80048d19, validation 0x80044331) when the value does not fit the column.
 */
export function normalizeValue(table: TableDef, c: ColumnDef, raw: unknown, options: OptionSets): unknown {
  if (raw === null) return null;
  switch (c.type) {
    case 'string':
    case 'memo':
    case 'entityname': {
      if (typeof raw !== 'string') cannotConvert(table, c, raw);
      if (c.maxLength !== undefined && raw.length > c.maxLength) {
        throw validationError(
          `The length of the '${c.name}' attribute of the '${table.logicalName}' entity exceeded the maximum allowed length of '${c.maxLength}'.`,
        );
      }
      return raw;
    }
    case 'integer':
    case 'bigint': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) && c.type === 'bigint' ? Number(raw) : NaN;
      if (!Number.isInteger(n)) cannotConvert(table, c, raw);
      if ((c.min !== undefined && n < c.min) || (c.max !== undefined && n > c.max)) outOfRange(table, c, n);
      return n;
    }
    case 'decimal':
    case 'money':
    case 'double': {
      // IEEE754Compatible clients send decimals as strings.
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) cannotConvert(table, c, raw);
      if ((c.min !== undefined && n < c.min) || (c.max !== undefined && n > c.max)) outOfRange(table, c, n);
      return n;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') cannotConvert(table, c, raw);
      return raw;
    case 'datetime': {
      if (typeof raw !== 'string') cannotConvert(table, c, raw);
      const ms = parseInstant(raw);
      if (ms === undefined) cannotConvert(table, c, raw);
      return formatDateTime(ms);
    }
    case 'dateonly': {
      if (typeof raw !== 'string') cannotConvert(table, c, raw);
      const ms = parseInstant(raw);
      if (ms === undefined) cannotConvert(table, c, raw);
      return new Date(ms).toISOString().slice(0, 10);
    }
    case 'picklist':
    case 'state':
    case 'status': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) cannotConvert(table, c, raw);
      if (!options.has(table.logicalName, c.name, raw)) {
        const accepted = options
          .get(table.logicalName, c.name)
          ?.options.map((o) => o.value)
          .join(',');
        throw validationError(
          `The value ${raw} of '${c.name}' on record of type '${table.logicalName}' is outside the valid range. Accepted Values: ${accepted ?? ''}`,
        );
      }
      return raw;
    }
    case 'uniqueidentifier':
    case 'key': {
      const g = typeof raw === 'string' ? normalizeGuid(raw) : undefined;
      if (!g) cannotConvert(table, c, raw);
      return g;
    }
    case 'lookup':
      // Lookups are written through navigation properties; callers handle them.
      return cannotConvert(table, c, raw);
  }
}

/** A money/decimal amount as the formatted-value annotation shows it. */
export function formatMoney(value: number, symbol: string): string {
  const fixed = Math.abs(value).toFixed(2);
  const [whole, frac] = fixed.split('.') as [string, string];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0 ? '-' : ''}${symbol}${grouped}.${frac}`;
}
