/**
 * Match-based coupling criteria (docs/integration.md §7.1): which BC property / Dataverse column pairs to compare, per
 * match priority, case-insensitive unless asked; empty text values are never used.
 */
import { UsageError } from '../errors.js';
import type { BcValueType, FieldMapping, IntegrationTableMapping } from './types.js';

export interface MatchCriterion {
  fieldId: string;
  bc: string;
  /** Dataverse column compared (for option mappings: the option label). */
  dataverse: string;
  bcType: BcValueType;
  caseSensitive: boolean;
  /** 0 = tried first. */
  priority: number;
}

export interface MatchCondition {
  dataverse: string;
  value: string | number | boolean;
  caseSensitive: boolean;
}

export interface MatchGroup {
  priority: number;
  /** All must hold (AND). */
  conditions: MatchCondition[];
}

function matchable(field: FieldMapping): string | undefined {
  if (!field.bcExposed) return field.unavailableReason ?? 'the BC API does not expose it';
  if (field.bc === undefined || field.dataverse === undefined) return 'it is a constant';
  const kind = field.transform.kind;
  if (kind !== 'copy' && kind !== 'truncate' && kind !== 'nonNegative') {
    return `its values are translated (${kind}), so the two sides hold different kinds of values`;
  }
  return undefined;
}

/**
 * Criteria for a mapping: the field mappings flagged for matching (MK), or the ones named in `fields`
 * (field mapping id, BC property or Dataverse column). Sorted by priority.
 */
export function matchCriteria(
  mapping: IntegrationTableMapping,
  fields?: readonly string[],
  options: { caseSensitive?: boolean } = {},
): MatchCriterion[] {
  let chosen: FieldMapping[];
  if (fields === undefined) {
    chosen = mapping.fields.filter((f) => f.useForMatch && matchable(f) === undefined);
  } else {
    chosen = fields.map((name) => {
      const field =
        mapping.fields.find((f) => f.id === name) ??
        mapping.fields.find((f) => f.bc === name) ??
        mapping.fields.find((f) => f.dataverse === name);
      if (field === undefined) {
        const valid = mapping.fields.filter((f) => matchable(f) === undefined).map((f) => f.id);
        throw new UsageError(
          `Unknown match field "${name}" for mapping ${mapping.name}; fields that can be matched: ${valid.join(', ')}.`,
        );
      }
      const reason = matchable(field);
      if (reason !== undefined) {
        throw new UsageError(`Field ${field.id} of mapping ${mapping.name} cannot be used for matching: ${reason}.`);
      }
      return field;
    });
  }
  return chosen
    .map((f) => ({
      fieldId: f.id,
      bc: f.bc as string,
      dataverse: f.dataverse as string,
      bcType: f.bcType,
      caseSensitive: options.caseSensitive ?? f.caseSensitiveMatch,
      priority: fields === undefined ? f.matchPriority : 0,
    }))
    .sort((a, b) => a.priority - b.priority);
}

/**
 * The Dataverse conditions to try for one BC record, one group per priority (ascending). Empty text values
 * are not used; a priority without any usable value is left out (no match at that priority).
 */
export function matchConditions(criteria: readonly MatchCriterion[], bcRecord: Record<string, unknown>): MatchGroup[] {
  const groups = new Map<number, MatchCondition[]>();
  for (const criterion of criteria) {
    const raw = bcRecord[criterion.bc];
    if (!groups.has(criterion.priority)) groups.set(criterion.priority, []);
    let value: string | number | boolean;
    if (criterion.bcType === 'decimal' || criterion.bcType === 'integer') value = Number(raw ?? 0);
    else if (criterion.bcType === 'boolean') value = raw === true;
    else {
      value = raw === null || raw === undefined ? '' : String(raw).trim();
      if (value === '') continue;
    }
    groups.get(criterion.priority)?.push({ dataverse: criterion.dataverse, value, caseSensitive: criterion.caseSensitive });
  }
  return [...groups.entries()]
    .filter(([, conditions]) => conditions.length > 0)
    .sort(([a], [b]) => a - b)
    .map(([priority, conditions]) => ({ priority, conditions }));
}

/** Whether a Dataverse row satisfies a group (in-memory matching). */
export function rowMatches(group: MatchGroup, row: Record<string, unknown>): boolean {
  return group.conditions.every((c) => {
    const actual = row[c.dataverse];
    if (typeof c.value === 'number') return actual !== null && actual !== undefined && Number(actual) === c.value;
    if (typeof c.value === 'boolean') return actual === c.value;
    if (typeof actual !== 'string') return false;
    return c.caseSensitive ? actual.trim() === c.value : actual.trim().toLowerCase() === c.value.toLowerCase();
  });
}
