/**
 * Table filters as data, evaluated in memory (post-filtering, tests, dry runs). Translating them into
 * `$filter` text is the client's job; the conditions already use each API's property names.
 */
import type { FilterCondition, FilterValue, IntegrationTableMapping } from './types.js';

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** True when `record` satisfies every condition (AND). */
export function evaluateFilter(conditions: readonly FilterCondition[], record: Record<string, unknown>): boolean {
  return conditions.every((condition) => evaluateCondition(condition, record));
}

function evaluateCondition(condition: FilterCondition, record: Record<string, unknown>): boolean {
  const actual = record[condition.field];
  switch (condition.op) {
    case 'eq':
      return equalValues(actual, condition.value);
    case 'ne':
      return !equalValues(actual, condition.value);
    case 'in':
      return condition.value.some((v) => equalValues(actual, v));
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      const order = compareValues(actual, condition.value);
      if (order === undefined) return false;
      if (condition.op === 'gt') return order > 0;
      if (condition.op === 'ge') return order >= 0;
      if (condition.op === 'lt') return order < 0;
      return order <= 0;
    }
    case 'lookupTarget': {
      const value = record[`_${condition.field}_value`];
      if (value === null || value === undefined) return false;
      const target =
        record[`_${condition.field}_value@Microsoft.Dynamics.CRM.lookuplogicalname`] ?? record[`${condition.field}type`];
      // Without the annotation the row cannot tell; the server-side filter already applied it.
      return target === undefined || target === condition.value;
    }
  }
}

function equalValues(actual: unknown, expected: FilterValue): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (typeof expected === 'number') return Number(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected;
  // GUIDs compare without regard to case; other text exactly.
  if (typeof actual === 'string' && isGuid(actual) && isGuid(expected)) return actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

function compareValues(actual: unknown, expected: FilterValue): number | undefined {
  if (actual === null || actual === undefined || expected === null) return undefined;
  if (typeof expected === 'number') {
    const n = Number(actual);
    return Number.isNaN(n) ? undefined : n - expected;
  }
  if (typeof expected === 'string' && typeof actual === 'string') return actual < expected ? -1 : actual > expected ? 1 : 0;
  return undefined;
}

export function isGuid(value: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value);
}

/**
 * The Dataverse filter of a mapping including the company filter of docs/integration.md §2: `bcbi_companyid` is this BC
 * company's Dataverse company or empty. `companyId` is the Dataverse company row id; without one (no
 * company record exists) the company filter is left out, as BC does.
 */
export function dataverseFilter(
  mapping: Pick<IntegrationTableMapping, 'dataverse'>,
  companyId: string | undefined,
): FilterCondition[] {
  const conditions = [...mapping.dataverse.filter];
  if (mapping.dataverse.companyFilter && companyId !== undefined) {
    conditions.push({ field: '_bcbi_companyid_value', op: 'in', value: [companyId, null] });
  }
  return conditions;
}
