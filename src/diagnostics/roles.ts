/**
 * The security roles a Dataverse user really has: assigned directly and inherited through its teams
 * (Dataverse gives a team's roles to every member). System Administrator is recognised by its role template,
 * which is the same id in every organization and language, never by its display name, which can be renamed
 * or translated. Business Central's own connection setup checks the same template id.
 */
import { z } from 'zod';
import type { DataverseClient } from '../clients/dataverse/client.js';
import { odataGuid } from '../clients/odata/literals.js';

/** Role template id of the built-in System Administrator role (docs/diagnostics.md). */
export const SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE = '627090ff-40a3-4053-8790-584edc5be201';

export interface EffectiveRole {
  roleId: string;
  name: string;
  /** The built-in template the role was made from, when it was. */
  templateId: string | undefined;
  /** `direct`, or the name of the team it comes through. */
  via: 'direct' | { team: string };
}

const roleRow = z.looseObject({ roleid: z.string(), name: z.string().nullable().optional(), _roletemplateid_value: z.string().nullable().optional() });
const teamRow = z.looseObject({ teamid: z.string(), name: z.string().nullable().optional() });

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

/** Roles of a user, direct ones first, then each team's (requests: 2 + one per team). */
export async function readEffectiveRoles(dataverse: DataverseClient, userId: string): Promise<EffectiveRole[]> {
  const user = `systemusers(${odataGuid(userId)})`;
  const select = ['roleid', 'name', '_roletemplateid_value'];
  const toRole = (r: z.infer<typeof roleRow>, via: EffectiveRole['via']): EffectiveRole => ({
    roleId: r.roleid.toLowerCase(),
    name: r.name ?? r.roleid,
    templateId: r._roletemplateid_value ? r._roletemplateid_value.toLowerCase() : undefined,
    via,
  });
  const direct = await all(dataverse.list(`${user}/systemuserroles_association`, { select }, roleRow));
  const teams = await all(dataverse.list(`${user}/teammembership_association`, { select: ['teamid', 'name'] }, teamRow));
  const roles = direct.map((r) => toRole(r, 'direct'));
  for (const team of teams) {
    const teamRoles = await all(dataverse.list(`teams(${odataGuid(team.teamid)})/teamroles_association`, { select }, roleRow));
    roles.push(...teamRoles.map((r) => toRole(r, { team: team.name ?? team.teamid })));
  }
  return roles;
}

export function describeRole(role: EffectiveRole): string {
  return role.via === 'direct' ? role.name : `${role.name} (through team ${role.via.team})`;
}

export type RoleVerdict = { ok: true; detail: string } | { ok: false; problem: string };

/** Refuses System Administrator (by template, directly or through a team) and a user without any role. */
export function judgeRoles(roles: readonly EffectiveRole[]): RoleVerdict {
  const admin = roles.find((r) => r.templateId === SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE);
  if (admin) {
    const how = admin.via === 'direct' ? '' : ` through team "${admin.via.team}"`;
    return {
      ok: false,
      problem: `The application user has the System Administrator role ("${admin.name}"${how}): give the application user a least-privilege role (read/write on the synchronized tables only) and remove System Administrator${admin.via === 'direct' ? '' : ' from the team or the user from the team'}.`,
    };
  }
  if (roles.length === 0) {
    return {
      ok: false,
      problem: 'The application user has no security role, neither directly nor through a team: give the application user a least-privilege role with access to the synchronized tables.',
    };
  }
  return { ok: true, detail: roles.map(describeRole).join(', ') };
}
