/**
 * Loads seed rows (read shape: logical names, `_x_value` lookups) into the organization and makes
 * sure what every real org has exists: the organization row, a root business unit, a base currency,
 * the application user the client credentials map to (not a system administrator), and a person.
 */
import type { DataverseSeed } from '../seed/types.js';
import type { ApplicationUserRoles } from '../types.js';
import type { Organization } from './org.js';
import { refreshDocumentTotals } from './documents.js';
import { createBaseUnit } from './units.js';
import { setLookup, setValue } from './org.js';
import { readName, stateModel } from './schema.js';
import type { TableDef } from './schema.js';
import { normalizeGuid } from './ids.js';
import { normalizeValue, roundTo } from './values.js';

interface PendingRow {
  table: TableDef;
  values: Record<string, unknown>;
  /** Lookup column -> id (targets resolved once every row is known). */
  lookups: Map<string, string>;
}

export interface SeedResult {
  integrationUserId: string;
  personUserId: string;
}

/** The N:N intersect rows of user roles, as seeds may list them. */
const USER_ROLES_SET = 'systemuserroles';
export const USER_ROLES_RELATIONSHIP = 'systemuserroles_association';
/** N:N systemuser -> team (team membership) and team -> role (roles a team gives its members). */
export const TEAM_MEMBERSHIP_RELATIONSHIP = 'teammembership_association';
export const TEAM_ROLES_RELATIONSHIP = 'teamroles_association';
/** Role template of the built-in System Administrator role: the same id in every organization. */
export const SYSTEM_ADMINISTRATOR_TEMPLATE_ID = '627090ff-40a3-4053-8790-584edc5be201';


export interface SeedOptions {
  applicationClientId: string;
  orgUrl: string;
  applicationUserRoles?: ApplicationUserRoles;
  /** ISO code of the organization's base currency instead of the seeded one (it must be a seeded currency). */
  baseCurrency?: string;
}

export function loadSeed(org: Organization, seed: DataverseSeed, opts: SeedOptions): SeedResult {
  const pending = new Map<string, PendingRow[]>();
  const present = new Map<string, Set<string>>();
  const rolePairs: Array<[string, string]> = [];
  const add = (table: TableDef, raw: Record<string, unknown>): PendingRow => {
    const row = toPending(org, table, raw);
    const list = pending.get(table.entitySet) ?? [];
    list.push(row);
    pending.set(table.entitySet, list);
    const ids = present.get(table.entitySet) ?? new Set<string>();
    const id = row.values[table.key] as string;
    if (ids.has(id)) throw new Error(`Dataverse seed: ${table.entitySet} has two rows with ${table.key} ${id}; ids must be unique.`);
    ids.add(id);
    present.set(table.entitySet, ids);
    return row;
  };

  for (const [set, rows] of Object.entries(seed.records)) {
    if (set === USER_ROLES_SET) {
      for (const r of rows) {
        const user = typeof r['systemuserid'] === 'string' ? normalizeGuid(r['systemuserid']) : undefined;
        const role = typeof r['roleid'] === 'string' ? normalizeGuid(r['roleid']) : undefined;
        if (!user || !role) throw new Error(`Dataverse seed: ${USER_ROLES_SET} rows need systemuserid and roleid GUIDs.`);
        rolePairs.push([user, role]);
      }
      continue;
    }
    const table = org.schema.bySet.get(set);
    if (!table) {
      throw new Error(`Dataverse seed: the emulator has no entity set '${set}'. Use one of: ${[...org.schema.bySet.keys()].join(', ')}, ${USER_ROLES_SET}.`);
    }
    for (const raw of rows) add(table, raw);
  }

  const rowsOf = (set: string): PendingRow[] => pending.get(set) ?? [];
  const host = hostOf(opts.orgUrl);

  // Root business unit.
  let rootBu = rowsOf('businessunits').find((r) => !r.lookups.has('parentbusinessunitid'));
  if (!rootBu) rootBu = add(org.table('businessunits'), { businessunitid: org.ids.next(), name: host });
  const rootBuId = rootBu.values['businessunitid'] as string;

  // Base currency: the organization's if seeded, else USD, else a currency at rate 1, else a new USD.
  const orgRow = rowsOf('organizations')[0];
  let baseCurrencyId = orgRow?.lookups.get('basecurrencyid');
  if (opts.baseCurrency !== undefined) {
    const wanted = opts.baseCurrency.toUpperCase();
    const chosen = rowsOf('transactioncurrencies').find((c) => String(c.values['isocurrencycode']).toUpperCase() === wanted);
    if (!chosen) throw new Error(`Dataverse seed: there is no currency with ISO code ${wanted} to make the base currency.`);
    baseCurrencyId = chosen.values['transactioncurrencyid'] as string;
    chosen.values['exchangerate'] = 1;
  }
  if (!baseCurrencyId) {
    const currencies = rowsOf('transactioncurrencies');
    const pick =
      currencies.find((c) => c.values['isocurrencycode'] === 'USD') ?? currencies.find((c) => c.values['exchangerate'] === 1) ?? currencies[0];
    baseCurrencyId = pick
      ? (pick.values['transactioncurrencyid'] as string)
      : (add(org.table('transactioncurrencies'), {
          transactioncurrencyid: org.ids.next(),
          isocurrencycode: 'USD',
          currencyname: 'US Dollar',
          currencysymbol: '$',
          exchangerate: 1,
          currencyprecision: 2,
        }).values['transactioncurrencyid'] as string);
  }
  const baseCurrency = rowsOf('transactioncurrencies').find((c) => c.values['transactioncurrencyid'] === baseCurrencyId);
  let organizationId: string;
  if (orgRow) {
    organizationId = orgRow.values['organizationid'] as string;
    orgRow.lookups.set('basecurrencyid', baseCurrencyId);
  } else {
    const created = add(org.table('organizations'), { organizationid: org.ids.next(), name: host });
    created.lookups.set('basecurrencyid', baseCurrencyId);
    organizationId = created.values['organizationid'] as string;
  }
  const organization = rowsOf('organizations')[0]!;
  if (baseCurrency && typeof baseCurrency.values['currencysymbol'] === 'string') {
    organization.values['basecurrencysymbol'] = baseCurrency.values['currencysymbol'];
  }
  organization.values['languagecode'] ??= '1033';

  // Roles: never give the integration user System Administrator (setup refuses such an identity).
  const roles = rowsOf('roles');
  let integrationRole =
    roles.find((r) => r.values['name'] === 'Integration Application') ?? roles.find((r) => r.values['name'] === 'Integration User');
  if (!integrationRole) {
    integrationRole = add(org.table('roles'), { roleid: org.ids.next(), name: 'Integration User', _businessunitid_value: rootBuId });
  }
  let sysAdmin = roles.find((r) => r.values['name'] === 'System Administrator');
  if (!sysAdmin) {
    sysAdmin = add(org.table('roles'), { roleid: org.ids.next(), name: 'System Administrator', _businessunitid_value: rootBuId });
  }
  // Every organization's System Administrator role comes from the built-in template.
  add(org.table('roletemplates'), { roletemplateid: SYSTEM_ADMINISTRATOR_TEMPLATE_ID, name: 'System Administrator' });
  if (!sysAdmin.lookups.has('roletemplateid')) sysAdmin.lookups.set('roletemplateid', SYSTEM_ADMINISTRATOR_TEMPLATE_ID);
  const teamPairs: Array<[string, string]> = [];
  const teamRolePairs: Array<[string, string]> = [];

  const users = rowsOf('systemusers');
  const clientId = opts.applicationClientId.toLowerCase();
  let integrationUser = users.find((u) => typeof u.values['applicationid'] === 'string' && u.values['applicationid'] === clientId);
  if (!integrationUser) {
    integrationUser = add(org.table('systemusers'), {
      systemuserid: org.ids.next(),
      firstname: '#',
      lastname: 'bcsync integration',
      applicationid: clientId,
      domainname: `${clientId}@${host}`,
      internalemailaddress: `${clientId}@${host}`,
      accessmode: 4,
      isintegrationuser: false,
      islicensed: false,
      isdisabled: false,
      _businessunitid_value: rootBuId,
    });
    const userId = integrationUser.values['systemuserid'] as string;
    const how = opts.applicationUserRoles ?? 'direct';
    const role = (how === 'system-administrator' || how === 'team-system-administrator' ? sysAdmin : integrationRole).values['roleid'] as string;
    if (how === 'direct' || how === 'system-administrator') {
      rolePairs.push([userId, role]);
    } else {
      const team = add(org.table('teams'), { teamid: org.ids.next(), name: 'bcsync integration team', teamtype: 0, _businessunitid_value: rootBuId });
      const teamId = team.values['teamid'] as string;
      teamPairs.push([userId, teamId]);
      teamRolePairs.push([teamId, role]);
    }
  }
  const integrationUserId = integrationUser.values['systemuserid'] as string;

  let person = users.find(
    (u) =>
      u !== integrationUser &&
      u.values['applicationid'] === undefined &&
      (u.values['accessmode'] === undefined || u.values['accessmode'] === 0) &&
      u.values['isdisabled'] !== true,
  );
  if (!person) {
    person = add(org.table('systemusers'), {
      systemuserid: org.ids.next(),
      firstname: 'Alice',
      lastname: 'Adams',
      domainname: `alice@${host}`,
      internalemailaddress: `alice@${host}`,
      accessmode: 0,
      islicensed: true,
      _businessunitid_value: rootBuId,
    });
  }
  const personUserId = person.values['systemuserid'] as string;

  org.baseCurrencyId = baseCurrencyId;
  org.organizationId = organizationId;
  org.rootBusinessUnitId = rootBuId;

  // Resolve lookup targets now that every row is known.
  const nowText = org.nowText();
  const loaded: Array<{ row: PendingRow; targets: Record<string, string> }> = [];
  for (const rows of pending.values()) {
    for (const row of rows) {
      const targets: Record<string, string> = {};
      for (const [column, id] of row.lookups) {
        const c = row.table.columns.get(column)!;
        const target = (c.targets ?? []).find((t) => present.get(t.entitySet)?.has(id));
        if (!target) {
          throw new Error(
            `Dataverse seed: ${row.table.entitySet} ${String(row.values[row.table.key])} has _${column}_value ${id}, which is not a row of ${(c.targets ?? [])
              .map((t) => t.entitySet)
              .join(' or ')}.`,
          );
        }
        setLookup(row.values, targets, column, { id, logicalName: org.table(target.entitySet).logicalName });
      }
      fillServerColumns(org, row, targets, { nowText, personUserId, rootBuId, baseCurrencyId });
      loaded.push({ row, targets });
    }
  }
  // Currencies first: other rows take their exchange rate from them.
  loaded.sort((a, b) => Number(b.row.table.entitySet === 'transactioncurrencies') - Number(a.row.table.entitySet === 'transactioncurrencies'));
  for (const { row, targets } of loaded) org.loadRow(row.table, row.values, targets);
  for (const [user, role] of rolePairs) org.store.addPair(USER_ROLES_RELATIONSHIP, user, role);
  for (const [user, team] of teamPairs) org.store.addPair(TEAM_MEMBERSHIP_RELATIONSHIP, user, team);
  for (const [team, role] of teamRolePairs) org.store.addPair(TEAM_ROLES_RELATIONSHIP, team, role);

  // Every unit group has its base unit.
  for (const schedule of [...org.store.rows('uomschedules')]) {
    const units = [...org.store.lookup('uoms', '_uomscheduleid_value', schedule.id)].map((id) => org.store.get('uoms', id)!);
    if (!units.some((u) => u.values['isschedulebaseuom'] === true)) {
      const name = schedule.values['baseuomname'];
      const unit = units.find((u) => u.values['name'] === name);
      if (unit) org.loadRow(org.table('uoms'), { ...unit.values, isschedulebaseuom: true }, { ...unit.targets });
      else createBaseUnit(org, schedule, { userId: personUserId });
    }
  }
  refreshDocumentTotals(org);
  return { integrationUserId, personUserId };
}

function hostOf(orgUrl: string): string {
  try {
    return new URL(orgUrl).hostname || 'bcsync-emulated';
  } catch {
    return 'bcsync-emulated';
  }
}

function toPending(org: Organization, table: TableDef, raw: Record<string, unknown>): PendingRow {
  const values: Record<string, unknown> = {};
  const lookups = new Map<string, string>();
  for (const [name, v] of Object.entries(raw)) {
    if (name.includes('@') || v === null || v === undefined) continue;
    const lookup = /^_(.+)_value$/.exec(name);
    if (lookup) {
      const c = table.columns.get(lookup[1]!);
      const id = typeof v === 'string' ? normalizeGuid(v) : undefined;
      if (!c || c.type !== 'lookup' || !id) {
        throw new Error(`Dataverse seed: ${table.entitySet}.${name} is not a lookup of ${table.logicalName} or its value is not a GUID.`);
      }
      lookups.set(c.name, id);
      continue;
    }
    const c = table.columns.get(name);
    if (!c || c.type === 'lookup') throw new Error(`Dataverse seed: ${table.logicalName} has no column '${name}'.`);
    try {
      values[name] = normalizeValue(table, c, v, org.options);
    } catch (err) {
      throw new Error(`Dataverse seed: ${table.entitySet}.${name} = ${JSON.stringify(v)} does not fit the column: ${(err as Error).message}`);
    }
  }
  if (typeof values[table.key] !== 'string') values[table.key] = org.ids.next();
  return { table, values, lookups };
}

function fillServerColumns(
  org: Organization,
  row: PendingRow,
  targets: Record<string, string>,
  ctx: { nowText: string; personUserId: string; rootBuId: string; baseCurrencyId: string },
): void {
  const { table, values } = row;
  for (const c of table.columns.values()) {
    if (c.defaultValue !== undefined && values[readName(c)] === undefined) values[readName(c)] = c.defaultValue;
  }
  const model = stateModel(table);
  if (model && typeof values['statecode'] === 'number' && values['statuscode'] === undefined) {
    values['statuscode'] = model.defaultStatus.get(values['statecode'] as number);
  }
  if (model && typeof values['statuscode'] === 'number' && model.stateOfStatus.get(values['statuscode'] as number) !== values['statecode']) {
    throw new Error(`Dataverse seed: ${table.entitySet} ${String(values[table.key])} has statuscode ${String(values['statuscode'])}, which does not belong to statecode ${String(values['statecode'])}.`);
  }
  values['createdon'] ??= ctx.nowText;
  values['modifiedon'] ??= values['createdon'];
  if (!values['_createdby_value']) setLookup(values, targets, 'createdby', { id: ctx.personUserId, logicalName: 'systemuser' });
  if (!values['_modifiedby_value']) setLookup(values, targets, 'modifiedby', { id: ctx.personUserId, logicalName: 'systemuser' });
  if (table.ownership === 'user') {
    if (!values['_ownerid_value']) setLookup(values, targets, 'ownerid', { id: ctx.personUserId, logicalName: 'systemuser' });
    const ownerIsTeam = targets['ownerid'] === 'team';
    setLookup(values, targets, ownerIsTeam ? 'owningteam' : 'owninguser', {
      id: values['_ownerid_value'] as string,
      logicalName: ownerIsTeam ? 'team' : 'systemuser',
    });
    if (!values['_owningbusinessunit_value']) setLookup(values, targets, 'owningbusinessunit', { id: ctx.rootBuId, logicalName: 'businessunit' });
  }
  if (table.ownership === 'business' && table.columns.has('businessunitid') && !values['_businessunitid_value']) {
    setLookup(values, targets, 'businessunitid', { id: ctx.rootBuId, logicalName: 'businessunit' });
  }
  if (['contact', 'lead', 'systemuser'].includes(table.logicalName) && values['fullname'] === undefined) {
    const full = [values['firstname'], values['lastname']].filter((s) => typeof s === 'string' && s.trim() !== '').join(' ');
    setValue(values, 'fullname', full === '' ? null : full);
  }
  if (table.logicalName === 'annotation' && targets['objectid']) values['objecttypecode'] = targets['objectid'];
  if (table.logicalName === 'post' && targets['regardingobjectid']) values['regardingobjecttypecode'] = targets['regardingobjectid'];
  if (table.columns.has('transactioncurrencyid') && table.logicalName !== 'transactioncurrency') {
    if (!values['_transactioncurrencyid_value']) {
      setLookup(values, targets, 'transactioncurrencyid', { id: ctx.baseCurrencyId, logicalName: 'transactioncurrency' });
    }
  }
  if (['salesorderdetail', 'quotedetail', 'invoicedetail'].includes(table.logicalName)) {
    const price = typeof values['priceperunit'] === 'number' ? (values['priceperunit'] as number) : 0;
    const qty = typeof values['quantity'] === 'number' ? (values['quantity'] as number) : 0;
    values['priceperunit'] = price;
    values['baseamount'] ??= roundTo(price * qty, 2);
    const n = (k: string): number => (typeof values[k] === 'number' ? (values[k] as number) : 0);
    values['extendedamount'] ??= roundTo(n('baseamount') - n('manualdiscountamount') - n('volumediscountamount') + n('tax'), 2);
  }
}
