/**
 * Questions the engine asks about field mappings: which rows a pass uses (docs/integration.md §1.2), how a Dataverse column
 * is read and written, whether echo suppression applies (§5.2), which properties to $select.
 */
import type { Direction, FieldMapping, FieldTransform, IntegrationTableMapping, PassDirection } from './types.js';

/** Transforms whose Dataverse value is a lookup (read as `_x_value`, written with `@odata.bind`). */
export function isLookupTransform(transform: FieldTransform): boolean {
  return (
    transform.kind === 'lookup' ||
    transform.kind === 'currency' ||
    transform.kind === 'baseCurrency' ||
    transform.kind === 'groupBaseUnit' ||
    transform.kind === 'owner'
  );
}

/** Name of the Dataverse value in a row read from the Web API (`_x_value` for lookups). */
export function dataverseReadName(field: Pick<FieldMapping, 'dataverse' | 'transform'>): string | undefined {
  if (field.dataverse === undefined) return undefined;
  return isLookupTransform(field.transform) ? `_${field.dataverse}_value` : field.dataverse;
}

/**
 * Field selection of docs/integration.md §1.2 for a pass: direction is the pass or ⇄, the row is enabled, and the BC API
 * exposes the field. Rows that only name a lookup's target type (owneridtype) write nothing and are left out.
 */
export function selectFields(mapping: Pick<IntegrationTableMapping, 'fields'>, pass: PassDirection): FieldMapping[] {
  return mapping.fields.filter((f) => isSelected(f, pass));
}

/** Whether `selectFields` takes the field for the pass (for loops that check rows one by one, without a new list). */
export function isSelected(f: FieldMapping, pass: PassDirection): boolean {
  return f.status === 'enabled' && f.bcExposed && (f.direction === pass || f.direction === 'bidirectional') && f.transform.kind !== 'targetType';
}

/** Directions a field mapping can take, given its transform, which sides it has, and BC read-only properties. */
export function allowedFieldDirections(field: FieldMapping): Direction[] {
  const toDv = canRun(field, 'to-dataverse');
  const fromDv = canRun(field, 'from-dataverse');
  const result: Direction[] = [];
  if (toDv && fromDv) result.push('bidirectional');
  if (toDv) result.push('to-dataverse');
  if (fromDv) result.push('from-dataverse');
  return result;
}

function canRun(field: FieldMapping, pass: PassDirection): boolean {
  const t = field.transform;
  if (pass === 'to-dataverse') {
    if (field.dataverse === undefined) return false;
    if (t.kind === 'blockedFromState') return false;
    if (t.kind === 'constant' || t.kind === 'baseCurrency' || t.kind === 'currencyPrecision' || t.kind === 'targetType') {
      return true;
    }
    return field.bc !== undefined || !field.bcExposed;
  }
  if (field.bcReadOnly) return false;
  if (field.bc === undefined && field.bcExposed) return false;
  switch (t.kind) {
    case 'format':
    case 'baseCurrency':
    case 'groupBaseUnit':
    case 'stateFromBlocked':
    case 'valueMap':
    case 'exchangeRate':
    case 'currencyPrecision':
    case 'targetType':
      return false;
    case 'constant':
      return field.dataverse === undefined;
    default:
      return field.dataverse !== undefined;
  }
}

/**
 * docs/integration.md §5.2: a ⇄ mapping with no enabled ←DV field mapping (with a real Dataverse column) filters out Dataverse
 * rows last modified by the integration user. Rule rows are BC table logic, not field mappings, so they
 * do not count.
 */
export function usesEchoSuppression(mapping: Pick<IntegrationTableMapping, 'direction' | 'fields'>): boolean {
  if (mapping.direction !== 'bidirectional') return false;
  return !mapping.fields.some(
    (f) =>
      f.status === 'enabled' &&
      f.bcExposed &&
      f.origin !== 'rule' &&
      f.direction === 'from-dataverse' &&
      f.dataverse !== undefined,
  );
}

/**
 * Properties to read from one side for a mapping: key, modified-on, natural key, every property an enabled
 * field mapping uses (including lookup scopes), and the filter's fields.
 */
export function propertiesToRead(mapping: IntegrationTableMapping, side: 'bc' | 'dataverse'): string[] {
  const names = new Set<string>();
  if (side === 'bc') {
    names.add(mapping.bc.key);
    names.add(mapping.bc.modifiedField);
    if (mapping.bc.naturalKey) names.add(mapping.bc.naturalKey);
    for (const part of mapping.bc.keyParts ?? []) names.add(part);
    if (mapping.bc.nameField) names.add(mapping.bc.nameField);
    if (mapping.parentLink) names.add(mapping.parentLink.bcProperty);
    for (const f of mapping.fields) {
      if (f.status !== 'enabled' || !f.bcExposed) continue;
      if (f.bc !== undefined) names.add(f.bc);
      if (f.transform.kind === 'copy' && f.transform.emptyFallback) names.add(f.transform.emptyFallback);
      if (f.transform.kind === 'lookup') {
        for (const scope of lookupScopes(f.transform)) {
          if ('fromBc' in scope) names.add(scope.fromBc);
        }
        if (f.transform.switchOn) names.add(f.transform.switchOn.property);
      }
    }
    for (const c of mapping.bc.filter) names.add(c.field);
    return [...names].filter((n) => mapping.bc.properties.includes(n));
  }
  if (mapping.kind === 'option') return [];
  names.add(mapping.dataverse.key);
  if (mapping.dataverse.modifiedField) names.add(mapping.dataverse.modifiedField);
  names.add('_modifiedby_value');
  if (mapping.dataverse.nameField) names.add(mapping.dataverse.nameField);
  if (mapping.parentLink) names.add(`_${mapping.parentLink.dataverse}_value`);
  for (const f of mapping.fields) {
    if (f.status !== 'enabled' || !f.bcExposed || f.transform.kind === 'targetType') continue;
    const read = dataverseReadName(f);
    if (read !== undefined) names.add(read);
    if (f.transform.kind === 'personName') names.add('firstname').add('middlename');
  }
  for (const c of mapping.dataverse.filter) {
    names.add(c.op === 'lookupTarget' ? `_${c.field}_value` : c.field);
  }
  return [...names];
}

function lookupScopes(transform: Extract<FieldTransform, { kind: 'lookup' }>) {
  const scopes = [...Object.values(transform.key.scope ?? {})];
  for (const c of Object.values(transform.switchOn?.cases ?? {})) scopes.push(...Object.values(c.key.scope ?? {}));
  return scopes;
}

/** Mappings whose couplings a mapping's enabled field mappings look up (for "couple X first" checks). */
export function referencedMappings(mapping: Pick<IntegrationTableMapping, 'fields'>): string[] {
  const names = new Set<string>();
  for (const f of mapping.fields) {
    if (f.status !== 'enabled' || !f.bcExposed) continue;
    const t = f.transform;
    if (t.kind === 'lookup') {
      names.add(t.mapping);
      for (const c of Object.values(t.switchOn?.cases ?? {})) names.add(c.mapping);
    } else if (t.kind === 'groupBaseUnit') names.add(t.mapping);
    else if (t.kind === 'currency') names.add('CURRENCY');
    else if (t.kind === 'option') names.add(t.mapping);
    else if (t.kind === 'owner') names.add('SALESPEOPLE');
  }
  return [...names];
}
