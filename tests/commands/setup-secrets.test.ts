import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulators, type RunningEmulators } from '../../src/emulators/index.js';
import { ScriptedPrompter } from '../../src/io/prompter.js';
import { cli, filesContaining, filesUnder, tmpHome, yesFlags } from './setup-helpers.js';

/**
 * The client secret (and the access tokens) must appear in no output and no file bcsync writes, with or
 * without --verbose, interactive or not, except the profile when the user opted in with --store-secret.
 */

let emu: RunningEmulators;
let secret: string;

beforeAll(async () => {
  emu = await startEmulators({ seed: 'demo' });
  secret = emu.credentials.clientSecret;
});

afterAll(async () => {
  await emu.close();
});

function expectNoSecret(text: string): void {
  expect(text).not.toContain(secret);
  // Access tokens are JWTs; none may be dumped either.
  expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./);
}

describe('no secret in any output or file', () => {
  test('interactive wizard with --verbose (secret typed at the prompt)', async () => {
    const home = tmpHome('secrets');
    const prompter = new ScriptedPrompter([
      [/Business Central API URL/, emu.bc.url],
      [/Dataverse/, emu.dataverse.orgUrl],
      [/tenant/i, ''],
      [/authority/i, emu.authority],
      [/client\) id/, emu.credentials.clientId],
      [/Environment variable/, ''],
      [/Client secret/, secret],
      [/company/, emu.bc.companyId],
      [/Ownership/, 'person'],
      [/unit groups/, true],
      [/Pricing/, 'lists'],
      [/availability/, false],
      [/Sales order integration/, 'legacy'],
      [/Create sales orders/, false],
      [/quotes/, false],
      [/Enable/, true],
    ]);
    const r = await cli(home, ['--verbose', 'setup'], { tty: true, prompter });
    expect(r.code).toBe(0);
    // The dump is there (so this test looks at something), masked.
    expect(r.stderr).toContain('[token] POST');
    expect(r.stderr).toContain('client_secret=***');
    expect(r.stderr).toContain('Authorization: Bearer ***');
    expect(r.stderr).toContain('[dataverse] GET');
    expect(r.stderr).toContain('[bc] GET');
    expectNoSecret(r.stdout);
    expectNoSecret(r.stderr);
    expect(filesUnder(home).length).toBeGreaterThan(0);
    expect(filesContaining(home, secret)).toEqual([]);

    const tested = await cli(home, ['--verbose', 'setup', '--test'], { env: { BCSYNC_CLIENT_SECRET: secret } });
    expect(tested.code).toBe(0);
    expectNoSecret(tested.stdout + tested.stderr);
  });

  test('non-interactive with --verbose, text and --json, --show, --test and a refused secret', async () => {
    const home = tmpHome('secrets');
    const env = { BCSYNC_CLIENT_SECRET: secret };
    const runs = [
      await cli(home, ['--verbose', ...yesFlags(emu, ['--company', emu.bc.companyId])], { env }),
      await cli(home, ['--verbose', '--json', ...yesFlags(emu, ['--company', emu.bc.companyId, '--order-sync', 'bidirectional'])], { env }),
      await cli(home, ['setup', '--show'], { env }),
      await cli(home, ['setup', '--show', '--json'], { env }),
      await cli(home, ['--verbose', 'setup', '--test', '--json'], { env }),
      // A connection string with the secret in it: warned about, used, never echoed.
      await cli(home, [
        '--verbose',
        'setup',
        '--yes',
        '--bc-url',
        emu.bc.url,
        '--authority',
        emu.authority,
        '--connection-string',
        `AuthType=ClientSecret;Url=${emu.dataverse.orgUrl};ClientId=${emu.credentials.clientId};ClientSecret=${secret}`,
      ]),
    ];
    for (const r of runs) {
      expect(r.code).toBe(0);
      expectNoSecret(r.stdout);
      expectNoSecret(r.stderr);
    }
    // A wrong secret that is a prefix-sharing near miss: the refusal names the variable, not the value.
    const near = `${secret.slice(0, -3)}xyz`;
    const refused = await cli(home, ['--verbose', 'setup', '--test'], { env: { BCSYNC_CLIENT_SECRET: near } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).not.toContain(near);
    expectNoSecret(refused.stderr);
    expect(filesContaining(home, secret)).toEqual([]);
    expect(filesContaining(home, near)).toEqual([]);
  });

  test('with --store-secret only the profile holds it', async () => {
    const home = tmpHome('secrets');
    const r = await cli(home, ['--verbose', ...yesFlags(emu, ['--company', emu.bc.companyId, '--store-secret'])], { env: { BCSYNC_CLIENT_SECRET: secret } });
    expect(r.code).toBe(0);
    expectNoSecret(r.stdout + r.stderr);
    expect(filesContaining(home, secret)).toEqual([path.join(home, 'profiles', 'default.json')]);
    const shown = await cli(home, ['setup', '--show', '--json']);
    expectNoSecret(shown.stdout);
    expect(JSON.parse(shown.stdout).profile.auth.clientSecret).toBe('***');
    expect(fs.statSync(path.join(home, 'profiles', 'default.json')).mode & 0o777).toBe(0o600);
  });
});
