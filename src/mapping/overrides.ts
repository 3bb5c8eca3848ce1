/**
 * User customization of the default mappings, kept in the profile as JSON: per mapping direction,
 * conflict rules, only-coupled flag, extra filters on either side, field mapping status and direction.
 * Every override is checked against the mapping it changes; `resetOverrides` restores the defaults.
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { allowedFieldDirections, selectFields } from './fields.js';
import type { Direction, FilterCondition, IntegrationTableMapping, PassDirection } from './types.js';

const directionSchema = z.enum(['to-dataverse', 'from-dataverse', 'bidirectional']);
const filterValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const filterConditionSchema = z.union([
  z.strictObject({
    field: z.string().min(1),
    op: z.enum(['eq', 'ne', 'gt', 'ge', 'lt', 'le']),
    value: filterValueSchema,
  }),
  z.strictObject({ field: z.string().min(1), op: z.literal('in'), value: z.array(filterValueSchema).min(1) }),
]);

export const fieldOverrideSchema = z.strictObject({
  status: z.enum(['enabled', 'disabled']).optional(),
  direction: directionSchema.optional(),
});

export const mappingOverrideSchema = z.strictObject({
  direction: directionSchema.optional(),
  updateConflict: z.enum(['none', 'send', 'get']).optional(),
  deletionConflict: z.enum(['none', 'restore', 'remove-coupling']).optional(),
  synchOnlyCoupledRecords: z.boolean().optional(),
  /** Extra BC conditions, ANDed with the default Table Filter. */
  bcFilter: z.array(filterConditionSchema).optional(),
  /** Extra Dataverse conditions, ANDed with the default Integration Table Filter. */
  dataverseFilter: z.array(filterConditionSchema).optional(),
  /** Field mapping id → override. */
  fields: z.record(z.string(), fieldOverrideSchema).optional(),
});

/** Mapping name → override. */
export const mappingOverridesSchema = z.record(z.string(), mappingOverrideSchema);

export type FieldOverride = z.infer<typeof fieldOverrideSchema>;
export type MappingOverride = z.infer<typeof mappingOverrideSchema>;
export type MappingOverrides = z.infer<typeof mappingOverridesSchema>;

/** A mapping override that does not fit the mapping it changes. */
export class MappingOverrideError extends UsageError {
  constructor(
    message: string,
    readonly mapping: string | undefined,
    readonly field?: string,
  ) {
    super(message);
  }
}

const DATAVERSE_COLUMN = /^_?[a-z][a-z0-9_]*$/;

/**
 * The mappings with the overrides applied. Validates every override: unknown mapping or field, a field
 * the BC API does not expose being enabled, a field direction its transform cannot run, a mapping
 * direction no enabled field mapping supports (docs/integration.md §1.1), ⇄ on an option mapping, filters on unknown properties.
 */
export function applyOverrides(
  defaults: readonly IntegrationTableMapping[],
  overrides: unknown,
): IntegrationTableMapping[] {
  const parsed = mappingOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new MappingOverrideError(
      `Mapping overrides are malformed${where ? ` at ${where}` : ''}: ${issue?.message ?? 'invalid'}; fix them with \`bcsync mappings set\` or restore the defaults with \`bcsync mappings reset\`.`,
      undefined,
    );
  }
  const byName = new Map(defaults.map((m) => [m.name, m]));
  for (const name of Object.keys(parsed.data)) {
    if (!byName.has(name)) {
      throw new MappingOverrideError(
        `Unknown mapping "${name}" in mapping overrides; valid mappings: ${defaults.map((m) => m.name).join(', ')}.`,
        name,
      );
    }
  }
  return defaults.map((mapping) => {
    const override = parsed.data[mapping.name];
    return override === undefined ? mapping : applyOne(mapping, override);
  });
}

function applyOne(original: IntegrationTableMapping, override: MappingOverride): IntegrationTableMapping {
  const mapping = structuredClone(original);
  const name = mapping.name;
  for (const [fieldId, fieldOverride] of Object.entries(override.fields ?? {})) {
    const field = mapping.fields.find((f) => f.id === fieldId);
    if (field === undefined) {
      throw new MappingOverrideError(
        `Unknown field mapping "${fieldId}" in mapping ${name}; valid field mappings: ${mapping.fields.map((f) => f.id).join(', ')}.`,
        name,
        fieldId,
      );
    }
    if (fieldOverride.status === 'enabled' && !field.bcExposed) {
      throw new MappingOverrideError(
        `Field mapping ${fieldId} of ${name} cannot be enabled: ${field.unavailableReason ?? 'the BC API does not expose it'}.`,
        name,
        fieldId,
      );
    }
    if (fieldOverride.direction !== undefined) {
      const allowed = allowedFieldDirections(field);
      if (!allowed.includes(fieldOverride.direction)) {
        throw new MappingOverrideError(
          `Field mapping ${fieldId} of ${name} cannot be ${fieldOverride.direction}; allowed: ${allowed.join(', ') || 'none'}.`,
          name,
          fieldId,
        );
      }
      if (fieldOverride.direction !== field.direction) field.customized = true;
      field.direction = fieldOverride.direction;
    }
    if (fieldOverride.status !== undefined) {
      if (fieldOverride.status !== field.status) field.customized = true;
      field.status = fieldOverride.status;
    }
  }

  if (override.direction !== undefined && override.direction !== mapping.direction) {
    checkDirection(mapping, override.direction);
    mapping.direction = override.direction;
  }
  if (override.updateConflict !== undefined) mapping.updateConflict = override.updateConflict;
  if (override.deletionConflict !== undefined) mapping.deletionConflict = override.deletionConflict;
  if (override.synchOnlyCoupledRecords !== undefined) mapping.synchOnlyCoupledRecords = override.synchOnlyCoupledRecords;

  if (override.bcFilter !== undefined) {
    for (const condition of override.bcFilter) {
      if (!mapping.bc.properties.includes(condition.field)) {
        throw new MappingOverrideError(
          `BC filter of ${name}: "${condition.field}" is not a property of ${mapping.bc.entitySet}; properties: ${mapping.bc.properties.join(', ')}.`,
          name,
        );
      }
    }
    mapping.bc.filter = [...mapping.bc.filter, ...(override.bcFilter as FilterCondition[])];
  }
  if (override.dataverseFilter !== undefined) {
    if (mapping.kind === 'option') {
      throw new MappingOverrideError(
        `${name} is an option mapping; its Dataverse side is an option set and takes no filter.`,
        name,
      );
    }
    for (const condition of override.dataverseFilter) {
      if (!DATAVERSE_COLUMN.test(condition.field)) {
        throw new MappingOverrideError(
          `Dataverse filter of ${name}: "${condition.field}" is not a column logical name (lower case; lookups as _name_value).`,
          name,
        );
      }
    }
    mapping.dataverse.filter = [...mapping.dataverse.filter, ...(override.dataverseFilter as FilterCondition[])];
  }
  checkPassesHaveFields(mapping);
  mapping.customized = !isEmptyOverride(override);
  return mapping;
}

/** A pass without field mapping rows can only fail ("no field mapping rows", docs/integration.md §1.2): refuse it up front. */
function checkPassesHaveFields(mapping: IntegrationTableMapping): void {
  if (mapping.kind === 'option') return;
  const passes: PassDirection[] =
    mapping.direction === 'bidirectional' ? ['to-dataverse', 'from-dataverse'] : [mapping.direction];
  for (const pass of passes) {
    if (selectFields(mapping, pass).length === 0) {
      throw new MappingOverrideError(
        `Mapping ${mapping.name} would have no enabled field mapping for its ${pass} pass; enable a field mapping of that direction or change the mapping's direction.`,
        mapping.name,
      );
    }
  }
}

/** docs/integration.md §1.1: option mappings are one-way; a direction needs an enabled field mapping of that direction or ⇄. */
function checkDirection(mapping: IntegrationTableMapping, direction: Direction): void {
  if (mapping.kind === 'option') {
    if (direction === 'bidirectional') {
      throw new MappingOverrideError(
        `${mapping.name} is an option mapping and cannot be bidirectional; choose to-dataverse or from-dataverse.`,
        mapping.name,
      );
    }
    // Option synchronization ignores field directions (docs/integration.md §2.2, §5.8).
    return;
  }
  const supported = mapping.fields.some(
    (f) =>
      f.status === 'enabled' &&
      f.bcExposed &&
      f.origin !== 'rule' &&
      (f.direction === direction || f.direction === 'bidirectional'),
  );
  if (!supported) {
    throw new MappingOverrideError(
      `Mapping ${mapping.name} cannot be ${direction}: no enabled field mapping has direction ${direction} or bidirectional; enable or redirect a field mapping first.`,
      mapping.name,
    );
  }
}

function isEmptyOverride(override: MappingOverride): boolean {
  return Object.values(override).every(
    (v) => v === undefined || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0),
  );
}

/** Overrides without those of `mappingName`, or none at all when no name is given (`mappings reset [M]`). */
export function resetOverrides(overrides: MappingOverrides, mappingName?: string): MappingOverrides {
  if (mappingName === undefined) return {};
  const result: MappingOverrides = {};
  for (const [name, override] of Object.entries(overrides)) if (name !== mappingName) result[name] = override;
  return result;
}

/**
 * Adds `patch` to the overrides of `mappingName` (`mappings set`): scalars replace, filters are appended,
 * field overrides merge per field. Validate the result with `applyOverrides` before saving it.
 */
export function mergeOverride(overrides: MappingOverrides, mappingName: string, patch: MappingOverride): MappingOverrides {
  const before = overrides[mappingName] ?? {};
  const merged: MappingOverride = { ...before };
  if (patch.direction !== undefined) merged.direction = patch.direction;
  if (patch.updateConflict !== undefined) merged.updateConflict = patch.updateConflict;
  if (patch.deletionConflict !== undefined) merged.deletionConflict = patch.deletionConflict;
  if (patch.synchOnlyCoupledRecords !== undefined) merged.synchOnlyCoupledRecords = patch.synchOnlyCoupledRecords;
  if (patch.bcFilter !== undefined) merged.bcFilter = [...(before.bcFilter ?? []), ...patch.bcFilter];
  if (patch.dataverseFilter !== undefined) merged.dataverseFilter = [...(before.dataverseFilter ?? []), ...patch.dataverseFilter];
  if (patch.fields !== undefined) {
    const fields: Record<string, FieldOverride> = { ...(before.fields ?? {}) };
    for (const [id, fieldPatch] of Object.entries(patch.fields)) fields[id] = { ...(fields[id] ?? {}), ...fieldPatch };
    merged.fields = fields;
  }
  return { ...overrides, [mappingName]: merged };
}

/** Settings that work but deserve a warning (docs/integration.md §1.1: Remove Coupling while only-coupled is off). */
export function mappingWarnings(mapping: IntegrationTableMapping): string[] {
  const warnings: string[] = [];
  if (mapping.deletionConflict === 'remove-coupling' && !mapping.synchOnlyCoupledRecords) {
    warnings.push(
      `${mapping.name}: deletion conflicts remove the coupling while uncoupled records are synchronized too, so the next run may create the record again and couple it anew.`,
    );
  }
  return warnings;
}
