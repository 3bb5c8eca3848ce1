import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { startEmulators, type RunningEmulators } from '../../src/emulators/index.js';
import { setupRun } from '../../src/commands/setup/setup.js';
import { AuthError, ConfigError, UsageError } from '../../src/errors.js';
import { ScriptedPrompter, type Prompter } from '../../src/io/prompter.js';
import { cli, dataverseToken, filesContaining, testDeps, tmpHome, yesFlags } from './setup-helpers.js';

let emu: RunningEmulators;
let secret: string;
let usa: { id: string; name: string };
let canada: { id: string; name: string };

beforeAll(async () => {
  emu = await startEmulators({ seed: 'demo' });
  secret = emu.credentials.clientSecret;
  const companies = emu.bc.list('companies') as Array<{ id: string; name: string }>;
  // The demo seed has two companies to choose from.
  expect(companies).toHaveLength(2);
  usa = companies.find((c) => c.id === emu.bc.companyId)!;
  canada = companies.find((c) => c.id !== emu.bc.companyId)!;
});

afterAll(async () => {
  await emu.close();
});

/** A prompter that fails the test if anything is asked. */
const noQuestions: Prompter = {
  input: async (q) => {
    throw new Error(`asked: ${q.message}`);
  },
  password: async (q) => {
    throw new Error(`asked: ${q.message}`);
  },
  select: async (q) => {
    throw new Error(`asked: ${q.message}`);
  },
  confirm: async (q) => {
    throw new Error(`asked: ${q.message}`);
  },
};

function requestsSince(start: number) {
  const log = emu.requestLog.slice(start);
  return {
    token: log.filter((e) => e.api === 'token').length,
    dataverse: log.filter((e) => e.api === 'dataverse').map((e) => `${e.method} ${e.path.replace(/\([0-9a-f-]{36}\)/g, '(id)')}`),
    bc: log.filter((e) => e.api === 'bc').map((e) => `${e.method} ${e.path}`),
  };
}

describe('interactive wizard (scripted prompter)', () => {
  test('asks everything, tests, writes a profile that then passes setup --test', async () => {
    const home = tmpHome();
    const prompter = new ScriptedPrompter([
      // Without /api/v2.0: normalized.
      [/Business Central API URL/, emu.bc.url.replace(/\/api\/v2\.0$/, '')],
      // The Web API URL: reduced to the environment origin.
      [/Dataverse/, `${emu.dataverse.url}/`],
      // Default: the tenant of the BC URL.
      [/tenant/i, ''],
      [/authority/i, emu.authority],
      [/client\) id/, emu.credentials.clientId.toUpperCase()],
      [/Environment variable/, 'MY_BCSYNC_SECRET'],
      [/Client secret/, secret],
      [/company/, (choices) => choices.find((c) => c.value === canada.id)!.value],
      [/Ownership/, 'team'],
      [/unit groups/, false],
      [/Pricing/, 'groups'],
      [/availability/, true],
      [/Sales order integration/, 'legacy'],
      [/Create sales orders/, true],
      [/quotes/, true],
      [/Enable/, true],
    ]);
    const { deps, text } = testDeps(home, { tty: true, prompter });
    const review = jest.fn(async () => 0);
    const result = await setupRun(deps, { runFullSyncReview: review });
    const { stdout, stderr } = await text();

    expect(result.exitCode).toBe(0);
    expect(prompter.asked).toHaveLength(16);
    const saved = JSON.parse(fs.readFileSync(`${home}/profiles/default.json`, 'utf8'));
    expect(saved).toMatchObject({
      schemaVersion: 1,
      name: 'default',
      bc: { apiUrl: emu.bc.url, companyId: canada.id, companyName: canada.name },
      dataverse: { url: emu.dataverse.orgUrl },
      auth: { tenantId: emu.credentials.tenantId, authority: emu.authority, clientId: emu.credentials.clientId, clientSecretEnv: 'MY_BCSYNC_SECRET' },
      integration: {
        ownershipModel: 'team',
        unitGroups: false,
        pricing: 'groups',
        itemAvailability: true,
        orderSync: 'legacy',
        autoCreateOrders: true,
        autoProcessQuotes: true,
        enabled: true,
      },
    });
    expect(saved.auth.clientSecret).toBeUndefined();
    expect(fs.readFileSync(`${home}/profiles/default.json`, 'utf8')).not.toContain(secret);
    expect(result.checks!.map((c) => c.name)).toEqual([
      'bc-token',
      'dataverse-token',
      'dataverse-whoami',
      'dataverse-application-user',
      'dataverse-roles',
      'bc-companies',
      'bc-company',
    ]);
    // The mappings these options produce: team ownership drops SALESPEOPLE, no unit groups, old pricing.
    const names = result.mappings!.map((m) => m.name);
    expect(names).not.toContain('SALESPEOPLE');
    expect(names).toContain('UNIT OF MEASURE');
    expect(names).not.toContain('UNIT GROUP');
    expect(names).toEqual(expect.arrayContaining(['CUSTPRCGRP-PRICE', 'SALESPRC-PRODPRICE']));
    expect(stdout).toMatch(/CUSTOMER\s+Customer \(18\)\s+account\s+both ways\s+every 30 min, inactivity timeout 720 min/);
    // The typed secret is not reachable later, so no review is offered now; the way to run it is printed.
    expect(review).not.toHaveBeenCalled();
    expect(stderr).toContain('environment variable MY_BCSYNC_SECRET is not set');
    expect(stderr).toContain('bcsync full-sync --dry-run');
    expect(stdout + stderr).not.toContain(secret);

    const tested = await cli(home, ['setup', '--test', '--json'], { env: { MY_BCSYNC_SECRET: secret } });
    expect(tested.code).toBe(0);
    const doc = JSON.parse(tested.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.checks).toHaveLength(7);
    expect(doc.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(doc.checks.find((c: { name: string }) => c.name === 'bc-company').detail).toContain(canada.id);
  });

  test('offers the full synchronization review on a terminal and runs it when accepted', async () => {
    const home = tmpHome();
    const prompter = new ScriptedPrompter([
      [/Business Central API URL/, emu.bc.url],
      [/Dataverse/, emu.dataverse.orgUrl],
      [/tenant/i, ''],
      [/authority/i, emu.authority],
      [/client\) id/, emu.credentials.clientId],
      [/Environment variable/, ''],
      [/company/, usa.id],
      [/Ownership/, 'person'],
      [/unit groups/, true],
      [/Pricing/, 'lists'],
      [/availability/, false],
      [/Sales order integration/, 'bidirectional'],
      [/quotes/, false],
      [/Enable/, true],
      [/full synchronization review/, true],
    ]);
    // The secret is in the default variable: used without asking, and reachable for the review.
    const { deps, text } = testDeps(home, { tty: true, prompter, env: { BCSYNC_CLIENT_SECRET: secret } });
    const review = jest.fn(async () => 4);
    const result = await setupRun(deps, { runFullSyncReview: review });
    expect(review).toHaveBeenCalledTimes(1);
    expect(result.exitCode).toBe(4);
    expect(result.profile!.integration.orderSync).toBe('bidirectional');
    // Bidirectional order sync: automatic order creation was not asked and is off.
    expect(prompter.asked.some((m) => /Create sales orders/.test(m))).toBe(false);
    expect(result.profile!.integration.autoCreateOrders).toBe(false);
    expect(result.profile!.auth.clientSecretEnv).toBe('BCSYNC_CLIENT_SECRET');
    const { stderr } = await text();
    expect(stderr).toContain('Using the client secret from environment variable BCSYNC_CLIENT_SECRET');
  });

  test('flags answer their questions; only the rest is asked', async () => {
    const home = tmpHome();
    const prompter = new ScriptedPrompter([
      [/tenant/i, ''],
      [/authority/i, emu.authority],
      [/Environment variable/, ''],
      [/unit groups/, true],
      [/availability/, false],
      [/quotes/, false],
      [/Enable/, false],
    ]);
    const { deps } = testDeps(home, { tty: true, prompter, env: { BCSYNC_CLIENT_SECRET: secret } });
    const result = await setupRun(deps, {
      bcUrl: emu.bc.url,
      dataverseUrl: emu.dataverse.orgUrl,
      clientId: emu.credentials.clientId,
      company: 'cronus canada, inc.',
      ownership: 'person',
      pricing: 'lists',
      orderSync: ['off'],
    });
    expect(prompter.asked).toHaveLength(7);
    expect(result.profile!.bc.companyId).toBe(canada.id);
    expect(result.profile!.integration.enabled).toBe(false);
  });
});

describe('non-interactive setup (--yes)', () => {
  test('with the secret in an environment variable; --show masks it and says where it comes from', async () => {
    const home = tmpHome();
    const env = { BCSYNC_CLIENT_SECRET: secret };
    const start = emu.requestLog.length;
    const done = await cli(home, yesFlags(emu, ['--company', usa.name.toUpperCase()]), { env, prompter: noQuestions });
    expect(done.stderr).not.toContain('error');
    expect(done.code).toBe(0);
    // One company listing to resolve --company, the connection test, then the environment a run needs (cached for
    // the profile, so the first run does not read it again; WhoAmI is the test's).
    const environment = {
      bc: [`GET companies(${usa.id})/companyInformation`, `GET companies(${usa.id})/currencyExchangeRates`, `GET bcsync/integration/v1.0/companies(${usa.id})/salesSetup`],
      dataverse: ['GET cdm_companies', 'GET organizations'],
    };
    expect(requestsSince(start)).toEqual({
      token: 2,
      bc: ['GET companies', 'GET companies', ...environment.bc],
      dataverse: ['GET WhoAmI', 'GET systemusers(id)', 'GET systemusers(id)/systemuserroles_association', 'GET systemusers(id)/teammembership_association', ...environment.dataverse],
    });
    const cached = `${home}/state/default/environment.json`;
    expect((JSON.parse(fs.readFileSync(cached, 'utf8')) as { readFor: string }).readFor).toContain(usa.id.toLowerCase());
    // Piped stdout: the mapping table is TSV with a header line.
    expect(done.stdout.split('\n')[0]).toBe('name\tbcTable\tdataverseTable\tdirection\tschedule');
    expect(done.stdout).toContain('SALESPEOPLE\tSalesperson/Purchaser (13)\tsystemuser\tDataverse -> BC\tevery 30 min, inactivity timeout 1440 min');

    const shown = await cli(home, ['setup', '--show'], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/client secret\s+from environment variable BCSYNC_CLIENT_SECRET \(set\)/);
    expect(shown.stdout).toContain(`${usa.name} (${usa.id})`);
    expect(shown.stdout).not.toContain(secret);

    const unset = await cli(home, ['setup', '--show', '--json']);
    const doc = JSON.parse(unset.stdout);
    expect(doc.clientSecret).toEqual({ kind: 'env', variable: 'BCSYNC_CLIENT_SECRET', set: false });
    expect(doc.profile.bc.companyId).toBe(usa.id);

    // --test: the same seven checks, and a known number of requests.
    fs.rmSync(cached);
    const before = emu.requestLog.length;
    const tested = await cli(home, ['setup', '--test'], { env });
    expect(tested.code).toBe(0);
    expect(tested.stderr.match(/^✔ /gm)).toHaveLength(7);
    expect(requestsSince(before)).toEqual({
      token: 2,
      bc: ['GET companies', ...environment.bc],
      dataverse: ['GET WhoAmI', 'GET systemusers(id)', 'GET systemusers(id)/systemuserroles_association', 'GET systemusers(id)/teammembership_association', ...environment.dataverse],
    });
    // --test caches the environment it read too.
    expect(fs.existsSync(cached)).toBe(true);
  });

  test('BC URL with or without /api/v2.0 and a Dataverse Web API URL give the same profile', async () => {
    const env = { BCSYNC_CLIENT_SECRET: secret };
    const a = tmpHome();
    const b = tmpHome();
    const base = emu.bc.url.replace(/\/api\/v2\.0$/, '');
    expect((await cli(a, ['setup', '--yes', '--bc-url', base, '--dataverse-url', `${emu.dataverse.url}/`, '--authority', `${emu.authority}/`, '--client-id', emu.credentials.clientId, '--company', usa.id], { env })).code).toBe(0);
    expect((await cli(b, yesFlags(emu, ['--company', usa.id]), { env })).code).toBe(0);
    const pa = JSON.parse(fs.readFileSync(`${a}/profiles/default.json`, 'utf8'));
    const pb = JSON.parse(fs.readFileSync(`${b}/profiles/default.json`, 'utf8'));
    expect(pa.bc).toEqual(pb.bc);
    expect(pa.bc.apiUrl).toBe(emu.bc.url);
    expect(pa.dataverse.url).toBe(emu.dataverse.orgUrl);
    expect(pa.auth.authority).toBe(emu.authority);
  });

  test('several profiles, one per company; flags override a saved profile', async () => {
    const home = tmpHome();
    const env = { BCSYNC_CLIENT_SECRET: secret };
    expect((await cli(home, ['--profile', 'usa', ...yesFlags(emu, ['--company', usa.id])], { env })).code).toBe(0);
    expect((await cli(home, [...yesFlags(emu, ['--company', 'CRONUS Canada, Inc.', '--order-sync', 'legacy', '--auto-create-orders']), '--profile', 'canada'], { env })).code).toBe(0);
    expect(fs.readdirSync(`${home}/profiles`).sort()).toEqual(['canada.json', 'usa.json']);
    const canadaShown = JSON.parse((await cli(home, ['setup', '--show', '--json', '--profile', 'canada'])).stdout);
    expect(canadaShown.profile.bc.companyId).toBe(canada.id);
    expect(canadaShown.profile.integration).toMatchObject({ orderSync: 'legacy', autoCreateOrders: true });

    // Re-run on the saved profile with one flag: everything else stays, nothing is asked.
    const again = await cli(home, ['--profile', 'canada', 'setup', '--yes', '--pricing', 'groups', '--no-auto-create-orders'], { env, prompter: noQuestions });
    expect(again.code).toBe(0);
    const after = JSON.parse((await cli(home, ['setup', '--show', '--json', '--profile', 'canada'])).stdout);
    expect(after.profile.bc.companyId).toBe(canada.id);
    expect(after.profile.integration).toMatchObject({ pricing: 'groups', orderSync: 'legacy', autoCreateOrders: false });
    expect(after.profile.createdAt).toBe(canadaShown.profile.createdAt);

    const missing = await cli(home, ['setup', '--show', '--profile', 'mexico']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('existing profiles: canada, usa');
  });

  test('--enable and --disable switch the connection of a saved profile', async () => {
    const home = tmpHome();
    const env = { BCSYNC_CLIENT_SECRET: secret };
    expect((await cli(home, yesFlags(emu, ['--company', usa.id]), { env })).code).toBe(0);
    const off = await cli(home, ['setup', '--disable']);
    expect(off.code).toBe(0);
    expect(JSON.parse((await cli(home, ['setup', '--show', '--json'])).stdout).profile.integration.enabled).toBe(false);
    expect((await cli(home, ['setup', '--show'])).stdout).toMatch(/connection\s+disabled/);
    expect((await cli(home, ['setup', '--enable'])).code).toBe(0);
    expect(JSON.parse((await cli(home, ['setup', '--show', '--json'])).stdout).profile.integration.enabled).toBe(true);
    const both = await cli(home, ['setup', '--enable', '--disable']);
    expect(both.code).toBe(2);
  });

  test('--store-secret stores it (mode 0600) with a warning; --show masks it', async () => {
    const home = tmpHome();
    const done = await cli(home, yesFlags(emu, ['--company', usa.id, '--store-secret']), { env: { BCSYNC_CLIENT_SECRET: secret } });
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/warning: the client secret is stored in plain text in .*default\.json/);
    const file = `${home}/profiles/default.json`;
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(saved.auth.clientSecret).toBe(secret);
    expect(saved.auth.clientSecretEnv).toBeUndefined();

    const shown = await cli(home, ['setup', '--show']);
    expect(shown.stdout).toMatch(/client secret\s+\*\*\* \(stored in the profile by opt-in\)/);
    expect(shown.stdout + shown.stderr).not.toContain(secret);
    // Works without the environment variable now.
    expect((await cli(home, ['setup', '--test'])).code).toBe(0);
    // Back to the environment variable: the stored secret is removed.
    expect((await cli(home, ['setup', '--yes', '--no-store-secret'], { env: { BCSYNC_CLIENT_SECRET: secret } })).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(secret);
  });

  test('a profile without --store-secret is still created with mode 0600', async () => {
    const home = tmpHome();
    expect((await cli(home, yesFlags(emu, ['--company', usa.id]), { env: { BCSYNC_CLIENT_SECRET: secret } })).code).toBe(0);
    expect(fs.statSync(`${home}/profiles/default.json`).mode & 0o777).toBe(0o600);
  });

  test('--connection-string gives the Dataverse URL, client id and tenant; a ClientSecret in it is used but not stored', async () => {
    const home = tmpHome();
    const cs = `AuthType=ClientSecret;Url=${emu.dataverse.orgUrl};ClientId=${emu.credentials.clientId};TenantId=${emu.credentials.tenantId};ClientSecret=${secret}`;
    const done = await cli(home, ['setup', '--yes', '--bc-url', emu.bc.url, '--authority', emu.authority, '--company', usa.id, '--connection-string', cs]);
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('visible in your shell history');
    expect(done.stderr).toContain('environment variable BCSYNC_CLIENT_SECRET is not set');
    const saved = fs.readFileSync(`${home}/profiles/default.json`, 'utf8');
    expect(saved).not.toContain(secret);
    expect(JSON.parse(saved).dataverse.url).toBe(emu.dataverse.orgUrl);
    expect(done.stdout + done.stderr).not.toContain(secret);

    // Flags override the connection string (AppId alias here).
    const other = tmpHome();
    const wrongUrl = `AuthType=OAuth;Url=https://elsewhere.crm.dynamics.com;AppId=${emu.credentials.clientId};RedirectUri=app://58145B91-0C36-4500-8554-080854F2AC97`;
    const overridden = await cli(
      other,
      ['setup', '--yes', '--bc-url', emu.bc.url, '--authority', emu.authority, '--company', usa.id, '--connection-string', wrongUrl, '--dataverse-url', emu.dataverse.orgUrl],
      { env: { BCSYNC_CLIENT_SECRET: secret } },
    );
    expect(overridden.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(`${other}/profiles/default.json`, 'utf8')).dataverse.url).toBe(emu.dataverse.orgUrl);
  });

  test('five malformed connection strings: one-line errors naming the problem, exit 3, nothing written', async () => {
    const home = tmpHome();
    const cases: Array<[string, RegExp]> = [
      [`AuthType=ClientSecret;ClientId=${emu.credentials.clientId}`, /has no Url/],
      [`AuthType=Kerberos;Url=${emu.dataverse.orgUrl}`, /unknown AuthType "Kerberos"/],
      [`AuthType=ClientSecret;Url=${emu.dataverse.orgUrl};AppId=not-a-guid`, /AppId that is not a GUID: "not-a-guid"/],
      [`AuthType=ClientSecret;Url=${emu.dataverse.orgUrl};ClientId=${emu.credentials.clientId};AppId=${emu.credentials.clientId}`, /sets appId twice \("ClientId" and "AppId"\)/],
      ['', /is empty/],
    ];
    for (const [cs, problem] of cases) {
      const r = await cli(home, ['setup', '--yes', '--bc-url', emu.bc.url, '--connection-string', cs], { env: { BCSYNC_CLIENT_SECRET: secret } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(problem);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(fs.existsSync(`${home}/profiles/default.json`)).toBe(false);
  });

  test('a missing value names its flag; without a terminal and without --yes nothing is asked', async () => {
    const home = tmpHome();
    const env = { BCSYNC_CLIENT_SECRET: secret };
    const noTty = await cli(home, ['setup'], { env, prompter: noQuestions });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('pass --yes');
    expect(noTty.stderr).toContain('--bc-url, --dataverse-url, --client-id');

    // Even with every value given: no terminal, no --yes, no questions.
    const allFlags = yesFlags(emu, ['--company', usa.id]).filter((f) => f !== '--yes');
    const stillNo = await cli(home, allFlags, { env, prompter: noQuestions });
    expect(stillNo.code).toBe(2);
    expect(stillNo.stderr).toMatch(/^error: No terminal to ask on: pass --yes/);

    // --json never prompts either, even on a terminal.
    const json = await cli(home, ['setup', '--json'], { env, prompter: noQuestions, tty: true });
    expect(json.code).toBe(2);

    const noClient = await cli(home, ['setup', '--yes', '--bc-url', emu.bc.url, '--dataverse-url', emu.dataverse.orgUrl], { env, prompter: noQuestions });
    expect(noClient.code).toBe(2);
    expect(noClient.stderr).toContain('Missing --client-id');

    const noSecret = await cli(home, yesFlags(emu, ['--company', usa.id, '--client-secret-env', 'ACME_SECRET']), { env, prompter: noQuestions });
    expect(noSecret.code).toBe(3);
    expect(noSecret.stderr).toContain('Environment variable ACME_SECRET is not set');

    const noCompany = await cli(home, yesFlags(emu), { env, prompter: noQuestions });
    expect(noCompany.code).toBe(2);
    expect(noCompany.stderr).toContain('Missing --company');
    expect(noCompany.stderr).toContain(usa.name);
    expect(noCompany.stderr).toContain(canada.name);

    const unknown = await cli(home, yesFlags(emu, ['--company', 'CRONUS Mexico']), { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--company "CRONUS Mexico" is not a company of this environment');
    expect(unknown.stderr).toContain(canada.id);

    const badUrl = await cli(home, ['setup', '--yes', '--bc-url', 'https://api.businesscentral.dynamics.com/v2.0/production'], { env });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^error: --bc-url: .*names no tenant/);
    expect(fs.existsSync(`${home}/profiles/default.json`)).toBe(false);
  });
});

describe('integration option rules', () => {
  test('legacy and bidirectional order sync together are refused, saying why', async () => {
    const home = tmpHome();
    for (const flags of [['--order-sync', 'legacy', '--order-sync', 'bidirectional'], ['--order-sync', 'legacy,bidirectional']]) {
      const r = await cli(home, yesFlags(emu, flags), { env: { BCSYNC_CLIENT_SECRET: secret } });
      expect(r.code).toBe(2);
      const first = r.stderr.split('\n')[0]!;
      expect(first).toContain('--order-sync legacy and bidirectional cannot be combined');
      expect(first).toContain('mutually exclusive');
      expect(first).toContain('legacy = one-way');
      expect(first).toContain('bidirectional = orders and their lines are synchronized both ways');
      expect(first).toContain('Pick one');
    }
    // Also through setupRun with a terminal: refused before anything is asked.
    const prompter = new ScriptedPrompter([]);
    const { deps } = testDeps(home, { tty: true, prompter });
    await expect(setupRun(deps, { orderSync: ['legacy', 'bidirectional'] })).rejects.toThrow(UsageError);
    expect(prompter.asked).toHaveLength(0);
    expect(fs.existsSync(`${home}/profiles/default.json`)).toBe(false);
  });

  test('--auto-create-orders needs legacy order sync', async () => {
    const home = tmpHome();
    const r = await cli(home, yesFlags(emu, ['--company', usa.id, '--auto-create-orders']), { env: { BCSYNC_CLIENT_SECRET: secret } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--auto-create-orders needs legacy order sync (--order-sync legacy)');
    const bi = await cli(home, yesFlags(emu, ['--company', usa.id, '--auto-create-orders', '--order-sync', 'bidirectional']), { env: { BCSYNC_CLIENT_SECRET: secret } });
    expect(bi.code).toBe(2);
    const ok = await cli(home, yesFlags(emu, ['--company', usa.id, '--auto-create-orders', '--order-sync', 'legacy', '--ownership', 'team', '--item-availability']), {
      env: { BCSYNC_CLIENT_SECRET: secret },
    });
    expect(ok.code).toBe(0);
    const bad = await cli(home, ['setup', '--yes', '--order-sync', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--order-sync "sometimes" is not valid');
  });
});

describe('connection test failures', () => {
  test('a wrong secret is an authentication error naming the setting to check; exit 3; nothing saved', async () => {
    const home = tmpHome();
    const r = await cli(home, yesFlags(emu, ['--company', usa.id]), { env: { BCSYNC_CLIENT_SECRET: 'not-the-secret' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: The client secret was refused \(AADSTS7000215\): check the client secret in environment variable BCSYNC_CLIENT_SECRET/m);
    expect(fs.existsSync(`${home}/profiles/default.json`)).toBe(false);

    // --test of a saved profile, in-process: the error class, and the JSON document with the checks.
    expect((await cli(home, yesFlags(emu, ['--company', usa.id, '--client-secret-env', 'SYNC_SECRET']), { env: { SYNC_SECRET: secret } })).code).toBe(0);
    const { deps } = testDeps(home, { env: { SYNC_SECRET: 'wrong' } });
    const error = await setupRun(deps, { test: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message.split('\n')[0]).toContain('check the client secret in environment variable SYNC_SECRET');

    const json = await cli(home, ['setup', '--test', '--json'], { env: { SYNC_SECRET: 'wrong' } });
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.checks).toEqual([{ name: 'bc-token', ok: false, detail: expect.stringContaining('SYNC_SECRET') }]);
    expect(doc.error).toMatchObject({ type: 'AuthError', exitCode: 3 });

    const unset = await cli(home, ['setup', '--test']);
    expect(unset.code).toBe(3);
    expect(unset.stderr).toMatch(/^error: Environment variable SYNC_SECRET is not set/);
  });

  test('an application user with System Administrator is refused: least-privilege role', async () => {
    const home = tmpHome();
    const env = { BCSYNC_CLIENT_SECRET: secret };
    expect((await cli(home, yesFlags(emu, ['--company', usa.id]), { env })).code).toBe(0);
    const admin = (emu.dataverse.list('roles') as Array<{ roleid: string; name: string }>).find((r) => r.name === 'System Administrator')!;
    const userId = emu.dataverse.integrationUserId;
    const token = await dataverseToken(emu);
    const associate = await fetch(`${emu.dataverse.url}/systemusers(${userId})/systemuserroles_association/$ref`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ '@odata.id': `${emu.dataverse.url}/roles(${admin.roleid})` }),
    });
    expect(associate.status).toBe(204);
    try {
      const r = await cli(home, ['setup', '--test', '--json'], { env });
      expect(r.code).toBe(3);
      const doc = JSON.parse(r.stdout);
      const roles = doc.checks.find((c: { name: string }) => c.name === 'dataverse-roles');
      expect(roles.ok).toBe(false);
      expect(roles.detail).toContain('System Administrator');
      expect(roles.detail).toContain('give the application user a least-privilege role');
      expect(doc.checks.map((c: { name: string }) => c.name)).not.toContain('bc-companies');
    } finally {
      await fetch(`${emu.dataverse.url}/systemusers(${userId})/systemuserroles_association(${admin.roleid})/$ref`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
    }
    expect((await cli(home, ['setup', '--test'], { env })).code).toBe(0);
  });

  test('an identity that is not an application user is refused', async () => {
    const home = tmpHome();
    const env = { BCSYNC_CLIENT_SECRET: secret };
    expect((await cli(home, yesFlags(emu, ['--company', usa.id]), { env })).code).toBe(0);
    const userId = emu.dataverse.integrationUserId;
    const before = emu.dataverse.get('systemusers', userId)!;
    emu.dataverse.update('systemusers', userId, { applicationid: null, accessmode: 0 });
    try {
      const { deps } = testDeps(home, { env });
      const error = await setupRun(deps, { test: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/is not an application user: create an application user for client id/);
    } finally {
      emu.dataverse.update('systemusers', userId, { applicationid: before['applicationid'], accessmode: before['accessmode'] });
    }
  });
});

describe('mode flags', () => {
  test('--show and --test refuse configuration flags; --show without a profile says to run setup', async () => {
    const home = tmpHome();
    const r = await cli(home, ['setup', '--show', '--bc-url', emu.bc.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--show works on the saved profile and takes no --bc-url');
    const none = await cli(home, ['setup', '--show']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('run "bcsync setup" first');
  });

  test('a corrupt profile is reported and left as it was', async () => {
    const home = tmpHome();
    fs.mkdirSync(`${home}/profiles`, { recursive: true });
    fs.writeFileSync(`${home}/profiles/default.json`, '{"schemaVersion": 1, "name": ');
    const r = await cli(home, yesFlags(emu, ['--company', usa.id]), { env: { BCSYNC_CLIENT_SECRET: secret } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is not valid JSON');
    expect(fs.readFileSync(`${home}/profiles/default.json`, 'utf8')).toBe('{"schemaVersion": 1, "name": ');
    expect(filesContaining(home, secret)).toEqual([]);
  });
});

describe('the environment read after the connection test', () => {
  test('a base currency that differs is a warning at setup (runs refuse before they write); nothing is cached', async () => {
    const other = await startEmulators({ seed: 'demo', scenario: { dataverseBaseCurrency: 'EUR' } });
    try {
      const home = tmpHome();
      const done = await cli(home, yesFlags(other, ['--company', other.bc.companyId]), { env: { BCSYNC_CLIENT_SECRET: other.credentials.clientSecret }, prompter: noQuestions });
      expect(done.code).toBe(0);
      expect(done.stderr).toMatch(/^warning: The Dataverse base currency is EUR but Business Central's local currency \(LCY\) is USD: .* Synchronization runs check this again before they write\.$/m);
      expect(fs.existsSync(`${home}/profiles/default.json`)).toBe(true);
      expect(fs.existsSync(`${home}/state/default/environment.json`)).toBe(false);
    } finally {
      await other.close();
    }
  });
});
