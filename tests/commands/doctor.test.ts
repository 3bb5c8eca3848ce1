import { afterEach, describe, expect, test } from '@jest/globals';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';
import type { StartEmulatorsOptions } from '../../src/emulators/types.js';
import { dataverseToken } from './setup-helpers.js';

/** Issue 8 acceptance: `bcsync doctor` on the demo sandbox and on sandboxes set up the ways real tenants go wrong. */

interface Check {
  id: string;
  status: string;
  detail: string;
  fix?: string;
}
interface MappingAccess {
  mapping: string;
  bcApi: string;
  ok: boolean;
  problems: string[];
  fix?: string;
}
interface Report {
  ok: boolean;
  exitCode: number;
  checks: Check[];
  mappings: MappingAccess[];
  headroom: { dataverse: { burstRemaining?: number; timeRemainingMs?: number }; bc: { throttled: number } };
}

let h: CliHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function doctor(options: StartEmulatorsOptions = {}): Promise<{ code: number; report: Report; harness: CliHarness }> {
  h = await startCli(options);
  const r = await h.cli(['doctor', '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, harness: h };
}

const check = (report: Report, id: string): Check => report.checks.find((c) => c.id === id)!;

describe('bcsync doctor', () => {
  test('demo sandbox: every check ok, every mapping readable, headroom reported, exit 0, nothing written', async () => {
    const { code, report, harness } = await doctor();
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual([
      'bc-token',
      'dataverse-token',
      'dataverse-whoami',
      'dataverse-application-user',
      'dataverse-roles',
      'bc-company',
      'companion-extension',
      'currency',
      'dataverse-headroom',
      'bc-headroom',
    ]);
    expect(check(report, 'companion-extension').detail).toBe('bcsync Integration 1.0.0.0');
    expect(report.mappings.length).toBeGreaterThanOrEqual(16);
    expect(report.mappings.filter((m) => !m.ok)).toEqual([]);
    expect(report.headroom.dataverse.burstRemaining).toBeGreaterThan(5000);
    expect(report.headroom.dataverse.timeRemainingMs).toBeGreaterThan(1_000_000);
    expect(report.headroom.bc.throttled).toBe(0);
    expect(writesIn(harness.emu).filter((w) => !w.endsWith('$batch'))).toEqual([]);
  });

  test('custom namespace switched off: every custom-API mapping is unavailable ("install the companion extension"), the rest ok, exit 6', async () => {
    const { code, report } = await doctor({ scenario: { customApi: false } });
    expect(code).toBe(6);
    const extension = check(report, 'companion-extension');
    expect(extension.status).toBe('fail');
    expect(extension.fix).toMatch(/^install the companion extension/);
    const custom = report.mappings.filter((m) => m.bcApi === 'custom');
    // The default profile (unit groups, price lists): seven mappings read the custom namespace.
    expect(custom.map((m) => m.mapping).sort()).toEqual(['ITEM UOM', 'PLHEADER-PRICE', 'PLLINE-PRODPRICE', 'RESOURCE UOM', 'RESOURCE-PRODUCT', 'SHIPPING AGENT', 'UNIT GROUP']);
    for (const m of custom) {
      expect(m.ok).toBe(false);
      expect(m.fix).toBe('install the companion extension (bc-extension/README.md)');
    }
    expect(report.mappings.filter((m) => m.bcApi !== 'custom' && !m.ok)).toEqual([]);
    // The other checks are unaffected: only the extension and the mappings fail.
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['companion-extension']);
  });

  test('the terminal table names each mapping that cannot run and its fix', async () => {
    h = await startCli({ scenario: { customApi: false } });
    const r = await h.cli(['doctor']);
    expect(r.code).toBe(6);
    // Not a terminal here: the table comes as tab-separated lines.
    expect(r.stdout).toMatch(/^status\tcheck\tdetail$/m);
    expect(r.stdout).toMatch(/^✖ fail\tCompanion extension\t/m);
    expect(r.stdout).toMatch(/^✖ RESOURCE-PRODUCT cannot run: Business Central has no resources in bcsync\/integration\/v1\.0; install the companion extension/m);
  });

  test('a role that comes only through a team: setup and doctor accept it', async () => {
    const { code, report } = await doctor({ scenario: { applicationUserRoles: 'team' } });
    expect(code).toBe(0);
    expect(check(report, 'dataverse-roles')).toMatchObject({ status: 'ok', detail: 'Integration Application (through team bcsync integration team)' });
  });

  test('System Administrator given directly: refused by role template, exit 3', async () => {
    h = await startCli();
    const token = await dataverseToken(h.emu);
    const admin = h.emu.dataverse.list('roles').find((r) => r['name'] === 'System Administrator')!;
    // Renamed, as a localized organization would show it: the name must not matter.
    h.emu.dataverse.update('roles', String(admin['roleid']), { name: 'Administrateur système' });
    const associate = await fetch(`${h.emu.dataverse.url}/systemusers(${h.emu.dataverse.integrationUserId})/systemuserroles_association/$ref`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ '@odata.id': `${h.emu.dataverse.url}/roles(${String(admin['roleid'])})` }),
    });
    expect(associate.status).toBe(204);
    const r = await h.cli(['doctor', '--json']);
    expect(r.code).toBe(3);
    const roles = check(JSON.parse(r.stdout) as Report, 'dataverse-roles');
    expect(roles.status).toBe('fail');
    expect(roles.detail).toMatch(/^The application user has the System Administrator role \("Administrateur système"\)/);
  });

  test('System Administrator through a team: refused, naming the team, exit 3', async () => {
    h = await startCli();
    const { emu } = h;
    const token = await dataverseToken(emu);
    const team = emu.dataverse.insert('teams', { name: 'Admins', teamtype: 0 });
    const admin = emu.dataverse.list('roles').find((r) => r['name'] === 'System Administrator')!;
    const post = (path: string, uri: string): Promise<Response> =>
      fetch(`${emu.dataverse.url}/${path}/$ref`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ '@odata.id': `${emu.dataverse.url}/${uri}` }),
      });
    expect((await post(`teams(${String(team['teamid'])})/teamroles_association`, `roles(${String(admin['roleid'])})`)).status).toBe(204);
    expect((await post(`systemusers(${emu.dataverse.integrationUserId})/teammembership_association`, `teams(${String(team['teamid'])})`)).status).toBe(204);
    const r = await h.cli(['doctor', '--json']);
    expect(r.code).toBe(3);
    expect(check(JSON.parse(r.stdout) as Report, 'dataverse-roles').detail).toContain('through team "Admins"');
  });

  test('a Dataverse base currency that differs from the LCY: doctor says so in one line; sync stops before writing anything', async () => {
    const { code, report, harness } = await doctor({ scenario: { dataverseBaseCurrency: 'EUR' } });
    expect(code).toBe(3);
    const currency = check(report, 'currency');
    expect(currency.status).toBe('fail');
    expect(currency.detail).toMatch(/^The Dataverse base currency is EUR but Business Central's local currency \(LCY\) is USD: /);
    harness.emu.resetLog();
    const before = ['accounts', 'contacts', 'products', 'uomschedules', 'pricelevels'].map((t) => harness.emu.dataverse.count(t));
    const sync = await harness.cli(['sync', '--all']);
    expect(sync.code).toBe(3);
    expect(sync.stderr.split('\n')[0]).toMatch(/^error: The Dataverse base currency is EUR but Business Central's local currency \(LCY\) is USD: /);
    // The environment is read with plain GETs: nothing at all was sent but reads.
    expect(writesIn(harness.emu)).toEqual([]);
    expect(['accounts', 'contacts', 'products', 'uomschedules', 'pricelevels'].map((t) => harness.emu.dataverse.count(t))).toEqual(before);
  });
});
