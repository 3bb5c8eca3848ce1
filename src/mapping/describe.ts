/**
 * What `mappings list` and `mappings show` print, as data. Unavailable field mappings are listed with
 * their reason, never left out.
 */
import { usesEchoSuppression } from './fields.js';
import { mappingWarnings } from './overrides.js';
import type {
  DeletionConflictRule,
  Direction,
  FieldOrigin,
  FieldStatus,
  FieldTransform,
  FilterCondition,
  IntegrationTableMapping,
  MappingKind,
  MappingSchedule,
  UpdateConflictRule,
} from './types.js';

export interface FieldDescription {
  id: string;
  bcField: string | undefined;
  bc: string | undefined;
  dataverse: string | undefined;
  direction: Direction;
  status: FieldStatus;
  origin: FieldOrigin;
  transform: FieldTransform;
  /** Short text for the transform, e.g. `lookup via CONTACT`. */
  transformLabel: string;
  available: boolean;
  unavailableReason: string | undefined;
  insertOnly: boolean;
  notNull: boolean;
  clearValueOnFailedSync: boolean;
  match: { priority: number; caseSensitive: boolean } | undefined;
  customized: boolean;
}

export interface MappingDescription {
  name: string;
  kind: MappingKind;
  direction: Direction;
  bc: { api: 'v2.0' | 'custom'; entitySet: string; table: string; naturalKey: string | undefined; filter: FilterCondition[] };
  dataverse: {
    table: string;
    entitySet: string;
    filter: FilterCondition[];
    companyFilter: boolean;
    optionSet: string | undefined;
  };
  synchOnlyCoupledRecords: boolean;
  updateConflict: UpdateConflictRule;
  deletionConflict: DeletionConflictRule;
  dependencies: string[];
  schedule: MappingSchedule | undefined;
  matchBased: { syncAfterCoupling: boolean; createNewIfNoMatch: boolean };
  echoSuppression: boolean;
  fields: FieldDescription[];
  unavailable: Array<{ id: string; bcField: string | undefined; dataverse: string | undefined; reason: string }>;
  notes: string[];
  warnings: string[];
  customized: boolean;
}

export function transformLabel(transform: FieldTransform): string {
  switch (transform.kind) {
    case 'copy':
      return transform.emptyFallback ? `copy (empty: ${transform.emptyFallback})` : 'copy';
    case 'truncate':
      return `truncate to ${transform.length}`;
    case 'format':
      return `format "${transform.template}"`;
    case 'lookup': {
      const cases = transform.switchOn
        ? ` by ${transform.switchOn.property} (${Object.entries(transform.switchOn.cases)
            .map(([value, c]) => `${value}: ${c.mapping}`)
            .join(', ')})`
        : '';
      return cases ? `lookup${cases}` : `lookup via ${transform.mapping}`;
    }
    case 'currency':
      return 'currency via CURRENCY (blank = LCY = Dataverse base currency)';
    case 'baseCurrency':
      return 'Dataverse base currency (LCY)';
    case 'groupBaseUnit':
      return `base unit of the unit group coupled via ${transform.mapping}`;
    case 'option':
      return `option value via ${transform.mapping}`;
    case 'owner':
      return 'owner: salesperson ↔ user via SALESPEOPLE';
    case 'constant':
      return `constant ${JSON.stringify(transform.value)}`;
    case 'targetType':
      return `${transform.lookupField} points to ${transform.target}`;
    case 'nonNegative':
      return 'negative written as 0';
    case 'stateFromBlocked':
      return 'blocked → Retired, else Active';
    case 'personName':
      return 'full name ↔ firstname + lastname';
    case 'blockedFromState':
      return `statecode ≠ Active → blocked = ${JSON.stringify(transform.blockedValue)}`;
    case 'valueMap':
      return `map ${Object.entries(transform.map)
        .map(([from, to]) => `${from} → ${JSON.stringify(to)}`)
        .join(', ')}, else ${JSON.stringify(transform.otherwise)}`;
    case 'exchangeRate':
      return "BC's current exchange rate";
    case 'currencyPrecision':
      return "organization's currency precision";
  }
}

export function describeMapping(mapping: IntegrationTableMapping): MappingDescription {
  const fields: FieldDescription[] = mapping.fields.map((f) => ({
    id: f.id,
    bcField: f.bcField,
    bc: f.bc,
    dataverse: f.dataverse,
    direction: f.direction,
    status: f.status,
    origin: f.origin,
    transform: f.transform,
    transformLabel: transformLabel(f.transform),
    available: f.bcExposed,
    unavailableReason: f.unavailableReason,
    insertOnly: f.insertOnly,
    notNull: f.notNull,
    clearValueOnFailedSync: f.clearValueOnFailedSync,
    match: f.useForMatch ? { priority: f.matchPriority, caseSensitive: f.caseSensitiveMatch } : undefined,
    customized: f.customized,
  }));
  const optionSet = mapping.dataverse.optionSet;
  return {
    name: mapping.name,
    kind: mapping.kind,
    direction: mapping.direction,
    bc: {
      api: mapping.bc.api,
      entitySet: mapping.bc.entitySet,
      table: mapping.bc.table,
      naturalKey: mapping.bc.naturalKey,
      filter: mapping.bc.filter,
    },
    dataverse: {
      table: mapping.dataverse.table,
      entitySet: mapping.dataverse.entitySet,
      filter: mapping.dataverse.filter,
      companyFilter: mapping.dataverse.companyFilter,
      optionSet: optionSet ? `${optionSet.table}.${optionSet.attribute}` : undefined,
    },
    synchOnlyCoupledRecords: mapping.synchOnlyCoupledRecords,
    updateConflict: mapping.updateConflict,
    deletionConflict: mapping.deletionConflict,
    dependencies: mapping.dependencies,
    schedule: mapping.schedule,
    matchBased: mapping.matchBased,
    echoSuppression: usesEchoSuppression(mapping),
    fields,
    unavailable: mapping.fields
      .filter((f) => !f.bcExposed)
      .map((f) => ({
        id: f.id,
        bcField: f.bcField,
        dataverse: f.dataverse,
        reason: f.unavailableReason ?? 'the BC API does not expose it',
      })),
    notes: mapping.notes,
    warnings: mappingWarnings(mapping),
    customized: mapping.customized,
  };
}
