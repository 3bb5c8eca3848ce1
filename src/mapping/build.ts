/**
 * Small builders that keep the default mapping tables readable: every field mapping spells out only
 * what differs from BC's own defaults (enabled, validated, not match-based, BC field exposed).
 */
import type {
  BcValueType,
  Direction,
  FieldMapping,
  FieldOrigin,
  FieldStatus,
  FieldTransform,
  IntegrationTableMapping,
} from './types.js';

export interface FieldSpec {
  id: string;
  /** AL field name (spec wording). */
  bcField?: string;
  /** API property; omit for constants written to Dataverse and for fields the API lacks. */
  bc?: string;
  dataverse?: string;
  direction: Direction;
  transform?: FieldTransform;
  bcType?: BcValueType;
  /** Validate Field; default on (BC's `nv` flag turns it off). */
  validateField?: boolean;
  notNull?: boolean;
  clearValueOnFailedSync?: boolean;
  /** MK: true, or the match priority / case sensitivity. */
  match?: boolean | { priority?: number; caseSensitive?: boolean };
  insertOnly?: boolean;
  origin?: FieldOrigin;
  status?: FieldStatus;
  /** Reason the BC API does not expose the field; makes the row unavailable. */
  unavailable?: string;
  bcReadOnly?: boolean;
  bcMaxLength?: number;
  dataverseMaxLength?: number;
  dataverseDateTime?: boolean;
  notes?: string;
}

export function field(spec: FieldSpec): FieldMapping {
  const origin = spec.origin ?? 'default';
  const match = spec.match ?? false;
  const result: FieldMapping = {
    id: spec.id,
    bcField: spec.bcField,
    bc: spec.unavailable === undefined ? spec.bc : undefined,
    dataverse: spec.dataverse,
    direction: spec.direction,
    // docs/integration.md §2.3: extra field mappings are added disabled.
    status: spec.status ?? (origin === 'extra' ? 'disabled' : 'enabled'),
    transform: spec.transform ?? { kind: 'copy' },
    origin,
    bcType: spec.bcType ?? 'text',
    validateField: spec.validateField ?? true,
    notNull: spec.notNull ?? false,
    clearValueOnFailedSync: spec.clearValueOnFailedSync ?? false,
    useForMatch: match !== false,
    caseSensitiveMatch: typeof match === 'object' ? (match.caseSensitive ?? false) : false,
    matchPriority: typeof match === 'object' ? (match.priority ?? 0) : 0,
    insertOnly: spec.insertOnly ?? false,
    bcExposed: spec.unavailable === undefined,
    bcReadOnly: spec.bcReadOnly ?? false,
    customized: false,
  };
  if (spec.unavailable !== undefined) result.unavailableReason = spec.unavailable;
  if (spec.bcMaxLength !== undefined) result.bcMaxLength = spec.bcMaxLength;
  if (spec.dataverseMaxLength !== undefined) result.dataverseMaxLength = spec.dataverseMaxLength;
  if (spec.dataverseDateTime) result.dataverseDateTime = true;
  if (spec.notes !== undefined) result.notes = spec.notes;
  return result;
}

/**
 * An item or resource number ↔ the Dataverse product coupled to it, through ITEM-PRODUCT or RESOURCE-PRODUCT as the
 * record's type property says (price list lines: Asset Type; order lines: Type).
 */
export function productByType(typeProperty: string): FieldTransform {
  return {
    kind: 'lookup',
    mapping: 'ITEM-PRODUCT',
    key: { bcProperty: 'number' },
    target: 'products',
    navigation: 'productid',
    switchOn: {
      property: typeProperty,
      cases: {
        Item: { mapping: 'ITEM-PRODUCT', key: { bcProperty: 'number' } },
        Resource: { mapping: 'RESOURCE-PRODUCT', key: { bcProperty: 'number' } },
      },
    },
  };
}

/** Reason text for an AL field the standard API page does not carry. */
export function notInV2(entitySet: string, alField: string, detail?: string): string {
  return `BC API v2.0 "${entitySet}" has no property for "${alField}"${detail ? ` (${detail})` : ''}`;
}

export function notInCustom(entitySet: string, alField: string): string {
  return `the bcsync custom API "${entitySet}" has no property for "${alField}"`;
}

/** Person-ownership owner rows (owneridtype constant + salesperson → ownerid), docs/integration.md §2.2 `[P]`. */
export function ownerFields(entitySet: string, alField: string, bcProperty: string | undefined): FieldMapping[] {
  const ownerType = field({
    id: 'ownerType',
    dataverse: 'owneridtype',
    direction: 'to-dataverse',
    transform: { kind: 'targetType', lookupField: 'ownerid', target: 'systemuser' },
    validateField: false,
  });
  const owner = field({
    id: 'owner',
    bcField: alField,
    bc: bcProperty,
    dataverse: 'ownerid',
    direction: 'to-dataverse',
    transform: { kind: 'owner' },
    bcType: 'code',
    notNull: true,
    bcMaxLength: 20,
    ...(bcProperty === undefined ? { unavailable: notInV2(entitySet, alField) } : {}),
  });
  return [ownerType, owner];
}

export interface TableSpec
  extends Omit<
    IntegrationTableMapping,
    'kind' | 'synchOnlyCoupledRecords' | 'updateConflict' | 'deletionConflict' | 'matchBased' | 'notes' | 'customized'
  > {
  kind?: IntegrationTableMapping['kind'];
  synchOnlyCoupledRecords?: boolean;
  updateConflict?: IntegrationTableMapping['updateConflict'];
  deletionConflict?: IntegrationTableMapping['deletionConflict'];
  matchBased?: IntegrationTableMapping['matchBased'];
  notes?: string[];
}

/** A table mapping with BC's defaults: only coupled records, conflicts none, no match-based flags (docs/integration.md §1.1, §2.1). */
export function tableMapping(spec: TableSpec): IntegrationTableMapping {
  return {
    ...spec,
    kind: spec.kind ?? 'record',
    synchOnlyCoupledRecords: spec.synchOnlyCoupledRecords ?? true,
    updateConflict: spec.updateConflict ?? 'none',
    deletionConflict: spec.deletionConflict ?? 'none',
    matchBased: spec.matchBased ?? { syncAfterCoupling: false, createNewIfNoMatch: false },
    notes: spec.notes ?? [],
    customized: false,
  };
}
