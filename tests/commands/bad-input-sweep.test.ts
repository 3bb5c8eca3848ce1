import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulators } from '../../src/emulators/index.js';
import type { RunningEmulators } from '../../src/emulators/types.js';
import { ScriptedPrompter } from '../../src/io/prompter.js';
import { fileSystemProblem } from '../../src/main.js';
import { offlineHome } from './offline-home.js';
import { cli, tmpHome, yesFlags } from './setup-helpers.js';

/** The unclear errors a bad-input sweep found: each now says what was wrong and what to do. */

const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('homes and profiles', () => {
  test('a home that is a file: says so (not "No profile")', async () => {
    const dir = tmpHome('sweep');
    const file = path.join(dir, 'home');
    fs.writeFileSync(file, 'not a directory');
    const r = await cli(file, ['mappings', 'list']);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toEqual([`error: The home ${file} is a file, not a directory; pass a directory with --home (or BCSYNC_HOME), or leave it out for the default.`]);
  });

  test('full disk and read-only file system are named, with what to do', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/home/u/.config/bcsync/profiles/default.json' });
    expect(fileSystemProblem(enospc)).toBe('Cannot write /home/u/.config/bcsync/profiles/default.json (ENOSPC): the disk is full: free some space, then run again.');
    const erofs = Object.assign(new Error('EROFS'), { code: 'EROFS', path: '/ro/profiles' });
    expect(fileSystemProblem(erofs)).toMatch(/^Cannot write \/ro\/profiles \(EROFS\): the file system is read-only: pass a writable --home/);
    expect(fileSystemProblem(new Error('something else'))).toBeUndefined();
  });

  test('a profile URL with a bad scheme (htp:/) names the setting, not "Check the service URL (null)"', async () => {
    const home = offlineHome('bcsync-sweep-');
    const file = path.join(home, 'profiles', 'default.json');
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { bc: { apiUrl: string } };
    profile.bc.apiUrl = 'htp:/api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0';
    fs.writeFileSync(file, JSON.stringify(profile));
    const r = await cli(home, ['sync', '--all'], { env: { BCSYNC_CLIENT_SECRET: 'x' } });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: Profile .*default\.json is invalid at "bc\.apiUrl": not an http\(s\) URL \(expected https:\/\/…\); fix it or run "bcsync setup" again/);
  });
});

describe('sign-in', () => {
  let emu: RunningEmulators;
  beforeAll(async () => {
    emu = await startEmulators({ seed: 'demo' });
  });
  afterAll(async () => emu?.close());

  test('AuthType=OAuth without a secret says which AuthTypes work and why', async () => {
    const cs = `AuthType=OAuth;Url=${emu.dataverse.orgUrl};AppId=${emu.credentials.clientId};RedirectUri=app://58145B91-0C36-4500-8554-080854F2AC97;LoginPrompt=Auto`;
    const r = await cli(tmpHome('sweep'), ['setup', '--yes', '--bc-url', emu.bc.url, '--authority', emu.authority, '--company', emu.bc.companyName, '--connection-string', cs]);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toEqual([
      'error: --connection-string uses AuthType=OAuth, which signs a person in interactively; bcsync runs unattended and signs in as the app registration with a client secret, so it supports AuthType=ClientSecret (or OAuth with an AppId, used the same way): export the app\'s client secret in BCSYNC_CLIENT_SECRET and run setup again.',
    ]);
  });

  test('a wrong secret stops sync --all after the first refusal: one token request, not one per mapping', async () => {
    const home = tmpHome('sweep');
    const secret = emu.credentials.clientSecret;
    expect((await cli(home, yesFlags(emu, ['--company', emu.bc.companyName]), { env: { BCSYNC_CLIENT_SECRET: secret } })).code).toBe(0);
    // A first run caches the environment, so the next run's first request is a mapping's.
    expect((await cli(home, ['sync', '--mapping', 'CURRENCY'], { env: { BCSYNC_CLIENT_SECRET: secret } })).code).toBe(0);
    emu.resetLog();
    const r = await cli(home, ['sync', '--all'], { env: { BCSYNC_CLIENT_SECRET: 'wrong-secret' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: The client secret was refused \(AADSTS7000215\): check the client secret in environment variable BCSYNC_CLIENT_SECRET/m);
    expect(emu.requestLog.filter((e) => e.api === 'token')).toHaveLength(1);
    expect(emu.requestLog.filter((e) => e.api !== 'token')).toHaveLength(0);
  });

  test('a home that cannot be written during setup: the path and the reason, not "Unexpected error"', async () => {
    const dir = tmpHome('sweep');
    fs.writeFileSync(path.join(dir, 'blocker'), '');
    const home = path.join(dir, 'blocker', 'home');
    const r = await cli(home, yesFlags(emu, ['--company', emu.bc.companyName]), { env: { BCSYNC_CLIENT_SECRET: emu.credentials.clientSecret } });
    expect(r.stderr).not.toMatch(/Unexpected error/);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr).at(-1)).toMatch(/^error: Cannot write .*blocker.* \(ENOTDIR\): a part of the path is a file, not a directory: pass another --home, then run again\.$/);
  });

  test('the wizard asks again for a refused secret, right away, and saves the profile with the right one', async () => {
    const home = tmpHome('sweep');
    const secret = emu.credentials.clientSecret;
    const prompter = new ScriptedPrompter([
      [/Business Central API URL/, emu.bc.url],
      [/Dataverse/, emu.dataverse.orgUrl],
      [/tenant/i, ''],
      [/authority/i, emu.authority],
      [/client\) id/, emu.credentials.clientId],
      [/Environment variable/, ''],
      [/Client secret/, 'the-secret-id-not-its-value'],
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
      [/full synchronization review/, false],
    ]);
    emu.resetLog();
    const r = await cli(home, ['setup'], { tty: true, prompter });
    expect(r.code).toBe(0);
    const shown = stripVTControlCharacters(r.stderr);
    expect(shown).toMatch(/The client secret was refused \(AADSTS7000215\): check the client secret you entered .*\nEnter the client secret again \(try 2 of 3\)\./);
    // The second secret question came straight after the first: nothing else was asked in between.
    const i = prompter.asked.findIndex((m) => /Client secret/.test(m));
    expect(prompter.asked[i + 1]).toMatch(/Client secret/);
    expect(emu.requestLog.filter((e) => e.api === 'token').length).toBeGreaterThanOrEqual(2);
    expect(fs.existsSync(path.join(home, 'profiles', 'default.json'))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });
});
