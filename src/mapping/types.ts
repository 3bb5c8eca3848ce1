/**
 * Integration table mappings and field mappings as data (docs/integration.md §1, §2).
 * BC fields are named by their API property (API v2.0 or the bcsync custom API, docs/custom-api.md);
 * Dataverse columns by logical name. AL names are kept alongside for people who know BC's own pages.
 */

/** Spec notation: →DV = 'to-dataverse', ←DV = 'from-dataverse', ⇄ = 'bidirectional'. */
export type Direction = 'to-dataverse' | 'from-dataverse' | 'bidirectional';
/** The direction of one synchronization pass (a ⇄ mapping runs both passes, BC→DV first). */
export type PassDirection = 'to-dataverse' | 'from-dataverse';

/** Update-Conflict Resolution: none = fail the record; send = BC wins; get = Dataverse wins (docs/integration.md §5.4). */
export type UpdateConflictRule = 'none' | 'send' | 'get';
/** Deletion-Conflict Resolution: none = fail; restore = recreate the destination; remove-coupling (docs/integration.md §5.5). */
export type DeletionConflictRule = 'none' | 'restore' | 'remove-coupling';

export type FieldStatus = 'enabled' | 'disabled';

/**
 * Names of the default mappings. Sales-document mappings are listed so later code can add them without
 * widening the type; any other string is allowed for user-defined mappings.
 */
export type KnownMappingName =
  | 'SALESPEOPLE'
  | 'CUSTOMER'
  | 'VENDOR'
  | 'CONTACT'
  | 'CURRENCY'
  | 'PAYMENT TERMS'
  | 'SHIPMENT METHOD'
  | 'SHIPPING AGENT'
  | 'UNIT OF MEASURE'
  | 'UNIT GROUP'
  | 'ITEM UOM'
  | 'RESOURCE UOM'
  | 'ITEM-PRODUCT'
  | 'RESOURCE-PRODUCT'
  | 'CUSTPRCGRP-PRICE'
  | 'SALESPRC-PRODPRICE'
  | 'PLHEADER-PRICE'
  | 'PLLINE-PRODPRICE'
  | 'OPPORTUNITY'
  | 'POSTEDSALESINV-INV'
  | 'POSTEDSALESLINE-INV'
  | 'SALESORDER-ORDER'
  | 'SOLINE-ORDERDETAIL';

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

export type FilterValue = string | number | boolean | null;
export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/**
 * One condition of a table filter; a filter is the AND of its conditions. `field` is the name as it
 * appears in an OData `$filter` of that API (Dataverse lookups as `_x_value`).
 */
export type FilterCondition =
  | { field: string; op: ComparisonOp; value: FilterValue }
  | { field: string; op: 'in'; value: FilterValue[] }
  /**
   * Dataverse polymorphic lookup points at a given table (e.g. parentcustomerid → account).
   * OData: `<nav>_<target>/<target>id ne null`; in memory: the `lookuplogicalname` annotation.
   */
  | { field: string; op: 'lookupTarget'; value: string };

// ---------------------------------------------------------------------------------------------
// Field transforms
// ---------------------------------------------------------------------------------------------

/** A value taken from elsewhere: the BC record of the pass (source →DV, destination ←DV) or a constant. */
export type ScopeValue = { fromBc: string } | { value: string };

/**
 * How a lookup finds the referenced BC record: `bcProperty` is the property of the *referenced* BC
 * entity that the field's value denotes (e.g. `code` of a currency, `number` of a contact);
 * `scope` adds properties that narrow it (an item unit of measure is `code` within `itemNumber`).
 */
export interface LookupKey {
  bcProperty: string;
  scope?: Record<string, ScopeValue>;
}

/** Lookup chosen by a BC property of the record (price list lines: asset type Item or Resource). */
export interface LookupSwitch {
  property: string;
  cases: Record<string, { mapping: string; key: LookupKey }>;
}

export type FieldTransform =
  /** Plain value; text is cut to the destination's length. `emptyFallback`: BC property used when the value is empty. */
  | { kind: 'copy'; emptyFallback?: string }
  /** Cut text to `length` (besides the destination's own length). */
  | { kind: 'truncate'; length: number }
  /** `template` with `{}` replaced by the value (legacy unit group name `NAV <code>`). */
  | { kind: 'format'; template: string }
  /**
   * BC value ↔ Dataverse lookup, translated through the couplings of `mapping` (docs/integration.md §2.4).
   * `target` is the Dataverse entity set; `navigation` the single-valued navigation property written
   * with `@odata.bind` (polymorphic lookups have per-target names, e.g. `parentcustomerid_account`).
   * With `switchOn`, the case matching the BC property's value replaces `mapping` and `key`.
   */
  | { kind: 'lookup'; mapping: string; key: LookupKey; target: string; navigation: string; switchOn?: LookupSwitch }
  /** Currency code ↔ transactioncurrencyid via CURRENCY couplings; blank BC currency (or the LCY code) ↔ the Dataverse base currency. */
  | { kind: 'currency' }
  /** Always the Dataverse base currency (products are priced in LCY). */
  | { kind: 'baseCurrency' }
  /**
   * BC unit code → the base unit (Dataverse `uom`) of the unit group coupled to it through `mapping`: a product
   * needs `defaultuomid` as well as its unit group, and without unit groups that is the group's single unit.
   */
  | { kind: 'groupBaseUnit'; mapping: string }
  /** BC record (by `bcKey`) ↔ option value of an option set, via the option couplings of `mapping`. */
  | { kind: 'option'; mapping: string; bcKey: 'id' | 'code' }
  /** Person ownership: salesperson code ↔ owning systemuser via SALESPEOPLE couplings. */
  | { kind: 'owner' }
  /** Constant written to the destination (BC field for ←DV, Dataverse column for →DV). */
  | { kind: 'constant'; value: string | number | boolean }
  /**
   * The polymorphic lookup `lookupField` points at `target` (owneridtype = systemuser). In the Web API
   * the type travels in the lookup's bind (`/systemusers(...)`), so this row writes nothing itself.
   */
  | { kind: 'targetType'; lookupField: string; target: string }
  /**
   * A person's full name (BC `displayName`, all API v2.0 has) ↔ Dataverse `firstname` + `lastname` (the
   * last word is the last name). Stands in for BC's First Name / Middle Name / Surname field mappings.
   */
  | { kind: 'personName' }
  /** Negative numbers are written as 0 (product price, quantity on hand). */
  | { kind: 'nonNegative' }
  /** Product state on insert: BC Blocked → Retired (statecode 1, statuscode 2), else Active (0, 1). */
  | { kind: 'stateFromBlocked' }
  /** Dataverse statecode ≠ Active (0) sets the BC blocked property to `blockedValue`; Active changes nothing. */
  | { kind: 'blockedFromState'; blockedValue: string | boolean }
  /** BC value → Dataverse value through a table; values not listed give `otherwise`. */
  | { kind: 'valueMap'; map: Record<string, string | number | boolean>; otherwise: string | number | boolean }
  /** Dataverse currency exchange rate = BC's current rate of the record's currency code (CURRENCY). */
  | { kind: 'exchangeRate' }
  /** Dataverse currency precision on insert = the organization's default precision (CURRENCY). */
  | { kind: 'currencyPrecision' };

export type TransformKind = FieldTransform['kind'];

/** Type of the BC property; decides comparison (Code: upper-cased, trimmed) and blank values. */
export type BcValueType = 'text' | 'code' | 'decimal' | 'integer' | 'boolean' | 'date' | 'guid' | 'enum';

/**
 * Where a field mapping comes from: `default` = docs/integration.md §2.2, `extra` = §2.3 (added disabled), `rule` = table
 * logic of §2.1/§2.2 that BC runs in code (product rules, currency extras), expressed as a field mapping
 * so it is visible and can be turned off. Rule rows do not count for direction checks or echo suppression.
 */
export type FieldOrigin = 'default' | 'extra' | 'rule';

export interface FieldMapping {
  /** Stable id, unique within the mapping (e.g. `name`, `currency`). */
  id: string;
  /** BC AL field name as in the spec (for display), undefined for constants written to BC's counterpart. */
  bcField: string | undefined;
  /** BC API property; undefined for constants written to Dataverse. */
  bc: string | undefined;
  /** Dataverse logical name; undefined for constants written to BC. */
  dataverse: string | undefined;
  direction: Direction;
  status: FieldStatus;
  transform: FieldTransform;
  origin: FieldOrigin;
  bcType: BcValueType;
  /** Validate Field (nv = false): BC validation on write. Kept for fidelity; the BC API always validates. */
  validateField: boolean;
  /** Never write an empty GUID (keeps the old value). */
  notNull: boolean;
  /** Write empty instead of failing when the referenced record is not coupled. */
  clearValueOnFailedSync: boolean;
  /** MK: used by match-based coupling. */
  useForMatch: boolean;
  caseSensitiveMatch: boolean;
  /** 0 = highest. */
  matchPriority: number;
  /** Only written when the destination is inserted. */
  insertOnly: boolean;
  /** False when the BC API (v2.0 or custom) does not expose the AL field: listed as unavailable, never synced. */
  bcExposed: boolean;
  unavailableReason?: string;
  /** The BC API property cannot be written (read-only in the API page). */
  bcReadOnly: boolean;
  bcMaxLength?: number;
  dataverseMaxLength?: number;
  /** Dataverse date column that is a DateTime (written `YYYY-MM-DDT00:00:00Z`); other dates are DateOnly. */
  dataverseDateTime?: boolean;
  /** Changed by the user's profile. */
  customized: boolean;
  notes?: string;
}

// ---------------------------------------------------------------------------------------------
// Table mappings
// ---------------------------------------------------------------------------------------------

export interface BcTable {
  /** `v2.0` = standard API; `custom` = `bcsync/integration/v1.0` (docs/custom-api.md). */
  api: 'v2.0' | 'custom';
  entitySet: string;
  /** AL table name and id, for display. */
  table: string;
  key: 'id';
  modifiedField: 'lastModifiedDateTime';
  /** Property a person uses to name a record (`number`, `code`); undefined when the key is composite. */
  naturalKey: string | undefined;
  /** Composite natural key (sales prices, price list lines). */
  keyParts?: string[];
  /** Property shown as the record's name. */
  nameField: string | undefined;
  /** BC Table Filter as API properties/values. */
  filter: FilterCondition[];
  /** Properties the entity set exposes (for $select and for validating user filters). */
  properties: string[];
  /** New BC records from Dataverse get codes from a series (SALESPEOPLE: `SP NO. 00001`). */
  insertCodeSeries?: { property: string; prefix: string; digits: number };
  /** BC config template applied on insert (BC templates are not reachable through the API; informative). */
  template?: string;
}

export interface DataverseOptionSet {
  /** Table and attribute holding the option set the BC codes couple to. */
  table: string;
  attribute: string;
  /** Option sets of other tables that BC mirrors with the same value and label. */
  mirrors: Array<{ table: string; attribute: string }>;
}

export interface DataverseTable {
  /** Logical name. */
  table: string;
  entitySet: string;
  /** Primary key column (for option mappings: the option attribute). */
  key: string;
  /** `modifiedon`; null for option mappings (options carry no timestamp). */
  modifiedField: 'modifiedon' | null;
  nameField: string | undefined;
  /** Integration Table Filter besides the company filter. */
  filter: FilterCondition[];
  /** `bcbi_companyid eq <company> or bcbi_companyid eq <empty>` is added (docs/integration.md §2). */
  companyFilter: boolean;
  /** Rows BC inserts/updates are stamped with `bcbi_companyid` (pricelevel only on insert). */
  companyIdStamp: 'always' | 'insert' | 'never';
  /** Team ownership: inserted rows are owned by the company's "BCI - <company>" team. */
  ownerTeamOnInsert: boolean;
  /** Values of the Dataverse config template applied on insert (CUSTOMER: customertypecode = Customer). */
  template?: { code: string; values: Record<string, string | number | boolean> };
  optionSet?: DataverseOptionSet;
  /** Rows in a read-only state are made editable for a write and put back after it (a Submitted order, docs/integration.md §8.1). */
  reopenForWrite?: ReopenForWrite;
}

/**
 * Table logic of a Dataverse table whose rows are read-only in some states: before an update of such a row the writer
 * sets `open`, after it the state and status the row had. Rows in other states are written as they are.
 */
export interface ReopenForWrite {
  /** statecode values in which the row's other columns cannot be changed. */
  lockedStates: number[];
  /** The editable state and status set for the write. */
  open: { statecode: number; statuscode: number };
}

export interface MappingSchedule {
  intervalMinutes: number;
  inactivityTimeoutMinutes: number;
  /** Job queue category (BCI CUST, BCI OPTION). */
  category?: string;
}

/**
 * How a contact's parent account is found: not a field mapping in BC (docs/integration.md §2.2 CONTACT). BC→DV: the account
 * coupled (through one of `via`) to the customer/vendor the contact's company relates to; DV→BC: the company
 * contact of the customer/vendor coupled to the account.
 */
export interface ParentLink {
  bcProperty: string;
  dataverse: string;
  navigation: string;
  target: string;
  via: string[];
}

export type MappingKind = 'record' | 'option';

export interface IntegrationTableMapping {
  name: string;
  kind: MappingKind;
  bc: BcTable;
  dataverse: DataverseTable;
  direction: Direction;
  synchOnlyCoupledRecords: boolean;
  updateConflict: UpdateConflictRule;
  deletionConflict: DeletionConflictRule;
  /** Dependency Filter: mappings that must be synchronized first. */
  dependencies: string[];
  /** Default recurring job; undefined = no scheduled job. */
  schedule: MappingSchedule | undefined;
  matchBased: {
    /** "Synch. After Bulk Coupling". */
    syncAfterCoupling: boolean;
    /** "Create New in Case of No Match". */
    createNewIfNoMatch: boolean;
  };
  parentLink?: ParentLink;
  fields: FieldMapping[];
  /** Table logic the engine runs that is not a field mapping. */
  notes: string[];
  /** Changed by the user's profile. */
  customized: boolean;
}
