import { BcError, errors } from './errors.js';
import { BLANK_GUID, EMPTY_DATE, EMPTY_DATETIME, normalizeGuid } from './values.js';

/** EDM kinds of BC API properties, with BC's conventions for "empty" (docs/protocols.md §6.2, §7.2). */
export type FieldType = 'guid' | 'text' | 'code' | 'decimal' | 'integer' | 'boolean' | 'date' | 'datetime' | 'enum';

export interface FieldDef {
  type: FieldType;
  /** Text/Code length (AL Text[n] / Code[n]). */
  maxLength?: number;
  /** Enum captions in AL order; the first is the default. */
  options?: readonly string[];
  /** `Editable = false` on the API page: writing it is refused. */
  readOnly?: boolean;
  /** The BC field's caption, for reference (API pages name their controls after the properties). */
  caption?: string;
}

/**
 * A code/id pair (`currencyId`/`currencyCode`, `customerId`/`customerNumber`): two views of one link.
 * Either may be sent; both sent and disagreeing is an error; a blank GUID or empty code means "none".
 */
export interface LinkDef {
  idField?: string;
  codeField?: string;
  /** Entity set the link points to, and the property of that set the code matches. */
  target: string;
  targetField: string;
  /** Table caption of the target in messages ("Currency", "Payment Terms"). */
  caption: string;
  /** Currency links: a blank currency is the local currency, shown as the LCY code (docs/protocols.md §6.2). */
  lcy?: boolean;
  /** Wording overrides where BC's page words it differently. */
  notFoundMessage?: string;
  mismatchMessage?: string;
  /** A blank value is refused with this message. */
  requiredMessage?: string;
  /**
   * A plain table relation (code only, e.g. `salespersonCode`): an unknown code is BC's
   * Internal_InvalidTableRelation naming these captions, not a page dialog.
   */
  relation?: { fieldCaption: string; tableCaption: string };
}

export interface NavDef {
  name: string;
  target: string;
  /** `lines`: target rows whose `field` equals this row's id. `single`: the target row whose id is in this row's `field`. */
  kind: 'lines' | 'single';
  field: string;
}

export interface ResourceDef {
  /** Entity set name (URL segment and `data` table name). */
  set: string;
  /** Entity type name (`customer`), for `Microsoft.NAV.<entity>` in messages. */
  entity: string;
  /** BC table caption ("Customer"), for record messages. */
  caption: string;
  api: 'v2.0' | 'custom' | 'both';
  fields: Record<string, FieldDef>;
  /** The BC primary key when it is a single Code field (`number`, `code`): unique, and the default order. */
  key?: string;
  /** Its caption in duplicate-key messages (`No.`, `Code`). */
  keyCaption?: string;
  /** A primary key of several fields (line and price tables): unique together. */
  compositeKey?: readonly string[];
  /** Number series that fills `key` when it is left empty on insert. */
  numberSeries?: string;
  links?: LinkDef[];
  navs?: NavDef[];
  /** The page refuses POST/PATCH/DELETE. */
  readOnly?: boolean;
  /** The page refuses POST and DELETE but allows PATCH (companyInformation). */
  singleton?: boolean;
  /** Line tables: the header set and the foreign key holding the header id. */
  lineOf?: { header: string; field: string };
  /** Bound actions (`Microsoft.NAV.<name>`). */
  actions?: readonly string[];
  /** Default sort when no $orderby: BC reads in primary-key order. */
  defaultOrder: readonly string[];
  /** Whether rows carry `lastModifiedDateTime` (companies do not). */
  tracksModified: boolean;
}

/** The value a new row starts with. */
export function emptyValue(def: FieldDef): unknown {
  switch (def.type) {
    case 'guid':
      return BLANK_GUID;
    case 'text':
    case 'code':
      return '';
    case 'decimal':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'date':
      return EMPTY_DATE;
    case 'datetime':
      return EMPTY_DATETIME;
    case 'enum':
      return def.options?.[0] ?? '';
  }
}

const EDM: Record<FieldType, string> = {
  guid: 'Edm.Guid',
  text: 'Edm.String',
  code: 'Edm.String',
  decimal: 'Edm.Decimal',
  integer: 'Edm.Int32',
  boolean: 'Edm.Boolean',
  date: 'Edm.Date',
  datetime: 'Edm.DateTimeOffset',
  enum: 'Edm.String',
};

function typeMismatch(def: FieldDef): BcError {
  return errors.badBody(
    `Cannot convert a primitive value to the expected type '${EDM[def.type]}'. See the inner exception for more details.`,
  );
}

/**
 * Converts a JSON value from a request body into the stored form, enforcing BC's type, option and
 * length rules. Code values are upper-cased as AL Code fields are.
 */
export function coerceValue(name: string, def: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) {
    throw new BcError(400, 'BadRequest_RequiredParamNotProvided', `Field '${name}' must not be blank or empty.`);
  }
  switch (def.type) {
    case 'text':
    case 'code': {
      if (typeof value !== 'string') throw typeMismatch(def);
      const v = def.type === 'code' ? value.toUpperCase() : value;
      if (def.maxLength !== undefined && v.length > def.maxLength) throw errors.tooLong(v, def.maxLength);
      return v;
    }
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw typeMismatch(def);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeMismatch(def);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw typeMismatch(def);
      return value;
    case 'date': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
        throw errors.badBody('Unable to convert value to Date');
      }
      return value;
    }
    case 'datetime': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw typeMismatch(def);
      if (value.startsWith('0001-01-01')) return EMPTY_DATETIME;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw typeMismatch(def);
      return new Date(ms).toISOString();
    }
    case 'guid': {
      if (typeof value !== 'string') throw typeMismatch(def);
      const g = normalizeGuid(value);
      if (!g) throw errors.invalidGuid();
      return g;
    }
    case 'enum': {
      if (typeof value !== 'string') throw typeMismatch(def);
      const options = def.options ?? [];
      const exact = options.find((o) => o === value);
      if (exact !== undefined) return exact;
      // AL evaluates option text case-insensitively, and an empty text selects the blank option.
      const folded = options.find((o) => o.trim().toLowerCase() === value.trim().toLowerCase());
      if (folded !== undefined) return folded;
      throw errors.notAnOption(value, options);
    }
  }
}
