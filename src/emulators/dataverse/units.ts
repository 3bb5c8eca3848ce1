/**
 * Unit rules: a unit group comes with its base unit, unit names are unique within their group, and a
 * product's default unit belongs to its unit group (docs/protocols.md §6.1).
 */
import { DvCodes, DvError, invalidArgument } from './errors.js';
import type { Actor, Organization } from './org.js';
import type { Row } from './store.js';
import type { TableDef } from './schema.js';
import { setLookup } from './row-values.js';

/** A unit: its group's base unit by default, and a name unique within the group. */
export function uomRules(org: Organization, values: Record<string, unknown>, targets: Record<string, string>, previous: Row | undefined): void {
  const scheduleId = values['_uomscheduleid_value'];
  if (typeof scheduleId !== 'string') return;
  const siblings = [...org.store.lookup('uoms', '_uomscheduleid_value', scheduleId)].map((id) => org.store.get('uoms', id)!);
  if (!previous && !values['_baseuom_value']) {
    const base = siblings.find((u) => u.values['isschedulebaseuom'] === true);
    if (base) setLookup(values, targets, 'baseuom', { id: base.id, logicalName: 'uom' });
  }
  const name = values['name'];
  if (typeof name === 'string') {
    const clash = siblings.find((u) => u.id !== values['uomid'] && typeof u.values['name'] === 'string' && (u.values['name'] as string).toLowerCase() === name.toLowerCase());
    if (clash) throw new DvError(400, DvCodes.duplicateRecord, `A unit named '${name}' already exists in this unit group. Unit names must be unique within a unit group.`);
  }
}

/** A product: its default unit belongs to its unit group. */
export function productRules(org: Organization, values: Record<string, unknown>): void {
  const uomId = values['_defaultuomid_value'];
  const scheduleId = values['_defaultuomscheduleid_value'];
  if (typeof uomId === 'string' && typeof scheduleId === 'string') {
    const uom = org.store.get('uoms', uomId);
    if (uom && uom.values['_uomscheduleid_value'] !== scheduleId) {
      throw invalidArgument(`The default unit ${uomId} does not belong to the unit group ${scheduleId} of the product. Choose a unit of the product's unit group.`);
    }
  }
}

/** A new unit group comes with its base unit, named by `baseuomname` (docs/protocols.md §6.1). */
export function createBaseUnit(org: Organization, schedule: Row, actor: Actor): void {
  const uoms = org.table('uoms');
  const id = org.ids.next();
  const now = org.nowText();
  const name = schedule.values['baseuomname'];
  const values: Record<string, unknown> = {
    uomid: id,
    name: typeof name === 'string' ? name : 'Unit',
    quantity: 1,
    isschedulebaseuom: true,
    createdon: now,
    modifiedon: now,
  };
  const targets: Record<string, string> = {};
  setLookup(values, targets, 'uomscheduleid', { id: schedule.id, logicalName: 'uomschedule' });
  setLookup(values, targets, 'baseuom', { id, logicalName: 'uom' });
  setLookup(values, targets, 'createdby', { id: actor.userId, logicalName: 'systemuser' });
  setLookup(values, targets, 'modifiedby', { id: actor.userId, logicalName: 'systemuser' });
  org.commitRow(uoms, id, values, targets);
}
