/**
 * How the organization stores row values: sparse (a cleared property is absent) and lookups as
 * `_x_value` with the target's logical name kept apart.
 */

export interface LookupValue {
  id: string;
  logicalName: string;
}

/** The value of a number column, 0 when empty. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** Stores sparse rows: null clears the property (a `delete` only when it is there: a payload's nulls mostly clear nothing). */
export function setValue(values: Record<string, unknown>, name: string, v: unknown): void {
  if (v === null || v === undefined) {
    if (Object.hasOwn(values, name)) delete values[name];
  } else values[name] = v;
}

/** Lookup column -> its read-shape property (`_x_value`): made once per column, not on every write. */
const LOOKUP_PROPERTIES = new Map<string, string>();

export function lookupProperty(column: string): string {
  let property = LOOKUP_PROPERTIES.get(column);
  if (property === undefined) {
    property = `_${column}_value`;
    LOOKUP_PROPERTIES.set(column, property);
  }
  return property;
}

export function setLookup(values: Record<string, unknown>, targets: Record<string, string>, column: string, v: LookupValue | null): void {
  const property = lookupProperty(column);
  if (v === null) {
    if (Object.hasOwn(values, property)) delete values[property];
    if (Object.hasOwn(targets, column)) delete targets[column];
  } else {
    values[property] = v.id;
    targets[column] = v.logicalName;
  }
}
