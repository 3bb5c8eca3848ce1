import { afterEach, describe, expect, test } from '@jest/globals';
import { judgeRoles, readEffectiveRoles, SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE } from '../../src/diagnostics/roles.js';
import type { ApplicationUserRoles } from '../../src/emulators/types.js';
import { startServices, type Services } from '../helpers/services.js';

/** Issue 8: roles through teams count, and System Administrator is known by its role template, not its name. */

let services: Services | undefined;
afterEach(async () => {
  await services?.close();
  services = undefined;
});

async function rolesOf(how: ApplicationUserRoles): Promise<ReturnType<typeof judgeRoles> & { names: string[] }> {
  services = await startServices({ seed: 'empty', scenario: { applicationUserRoles: how } });
  const roles = await readEffectiveRoles(services.dataverse, services.emu.dataverse.integrationUserId);
  return { ...judgeRoles(roles), names: roles.map((r) => `${r.name}|${r.via === 'direct' ? 'direct' : r.via.team}|${r.templateId ?? ''}`) };
}

describe('effective roles of the application user', () => {
  test('a role that comes only through a team is found and accepted', async () => {
    const r = await rolesOf('team');
    expect(r.names).toEqual(['Integration Application|bcsync integration team|']);
    expect(r).toMatchObject({ ok: true, detail: 'Integration Application (through team bcsync integration team)' });
  });

  test('System Administrator through a team is refused, naming the team', async () => {
    const r = await rolesOf('team-system-administrator');
    expect(r.names).toEqual([`System Administrator|bcsync integration team|${SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE}`]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(/^The application user has the System Administrator role \("System Administrator" through team "bcsync integration team"\)/);
  });

  test('a renamed (or translated) System Administrator role is still refused: the template id decides', async () => {
    services = await startServices({ seed: 'empty', scenario: { applicationUserRoles: 'system-administrator' } });
    const admin = services.emu.dataverse.list('roles').find((r) => r['name'] === 'System Administrator')!;
    services.emu.dataverse.update('roles', String(admin['roleid']), { name: 'Systemadministrator' });
    const roles = await readEffectiveRoles(services.dataverse, services.emu.dataverse.integrationUserId);
    expect(roles.map((r) => r.name)).toEqual(['Systemadministrator']);
    const verdict = judgeRoles(roles);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.problem).toContain('("Systemadministrator")');
  });

  test('a role merely named "System Administrator" without the template is not mistaken for it', () => {
    const verdict = judgeRoles([{ roleId: 'x', name: 'System Administrator', templateId: undefined, via: 'direct' }]);
    expect(verdict.ok).toBe(true);
  });

  test('no role at all, neither direct nor through a team, is refused', () => {
    expect(judgeRoles([])).toMatchObject({ ok: false, problem: expect.stringMatching(/^The application user has no security role, neither directly nor through a team/) });
  });
});
