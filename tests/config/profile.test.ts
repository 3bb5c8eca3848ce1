import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from '../helpers/temp-dirs.js';
import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../src/errors.js';
import { PROFILE_SCHEMA_VERSION, ProfileStore, newProfileDefaults, type Profile } from '../../src/config/profile.js';
import { homeLayout, resolveHome } from '../../src/config/paths.js';

function store(): ProfileStore {
  return new ProfileStore(path.join(tempDir('bcsync-profile-'), 'profiles'));
}

function profile(name = 'default', auth: Partial<Profile['auth']> = {}): Profile {
  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name,
    bc: {
      apiUrl: 'https://api.businesscentral.dynamics.com/v2.0/contoso.com/production/api/v2.0',
      companyId: '0d93ad35-6a99-58cf-8e09-085b86aa49c1',
      companyName: 'CRONUS USA, Inc.',
    },
    dataverse: { url: 'https://contoso.crm.dynamics.com' },
    auth: { tenantId: 'contoso.com', authority: 'https://login.microsoftonline.com', clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d', clientSecretEnv: 'BCSYNC_CLIENT_SECRET', ...auth },
    ...newProfileDefaults(),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('ProfileStore', () => {
  test('saves with mode 0600, loads what it saved, lists profiles', () => {
    const s = store();
    s.save(profile('usa'));
    s.save(profile('canada'));
    expect(fs.statSync(s.file('usa')).mode & 0o777).toBe(0o600);
    expect(s.load('usa')).toEqual(profile('usa'));
    expect(s.list()).toEqual(['canada', 'usa']);
  });

  test('the requests in flight per service are kept with the change limits', () => {
    const s = store();
    const p = { ...profile(), limits: { maxChanges: 500, dataverseParallelRequests: 20, bcParallelRequests: 3, maxThrottleWaitMinutes: 90 } };
    s.save(p);
    expect(s.load('default').limits).toEqual({ maxChanges: 500, dataverseParallelRequests: 20, bcParallelRequests: 3, maxThrottleWaitMinutes: 90 });
  });

  test('an existing file with looser permissions is made private on save', () => {
    const s = store();
    s.save(profile());
    fs.chmodSync(s.file('default'), 0o644);
    s.save({ ...profile(), updatedAt: '2026-01-02T00:00:00.000Z' });
    expect(fs.statSync(s.file('default')).mode & 0o777).toBe(0o600);
  });

  test.each<[string, string, RegExp]>([
    ['corrupt JSON', '{"schemaVersion": 1,', /is not valid JSON/],
    ['a newer version', JSON.stringify({ ...profile(), schemaVersion: PROFILE_SCHEMA_VERSION + 1 }), /written by a newer bcsync \(profile version 2/],
    ['a wrong shape', JSON.stringify({ ...profile(), bc: { apiUrl: 'nope' } }), /is invalid at "bc\.apiUrl"/],
    ['no secret reference', JSON.stringify({ ...profile(), auth: { ...profile().auth, clientSecretEnv: undefined } }), /needs clientSecretEnv/],
    ['a bad variable name', JSON.stringify({ ...profile(), auth: { ...profile().auth, clientSecretEnv: 'NOT A NAME' } }), /must be an environment variable name/],
    ['too many Dataverse requests in flight', JSON.stringify({ ...profile(), limits: { dataverseParallelRequests: 53 } }), /is invalid at "limits\.dataverseParallelRequests"/],
    ['too many BC requests in flight', JSON.stringify({ ...profile(), limits: { bcParallelRequests: 6 } }), /is invalid at "limits\.bcParallelRequests"/],
    ['no wait for throttling at all', JSON.stringify({ ...profile(), limits: { maxThrottleWaitMinutes: 0 } }), /is invalid at "limits\.maxThrottleWaitMinutes"/],
  ])('%s: ConfigError naming the file, file left as it was, even on save', (_name, text, problem) => {
    const s = store();
    fs.mkdirSync(s.dir, { recursive: true });
    fs.writeFileSync(s.file('default'), text, { mode: 0o644 });
    expect(() => s.load('default')).toThrow(ConfigError);
    expect(() => s.load('default')).toThrow(problem);
    expect(() => s.load('default')).toThrow(s.file('default'));
    expect(() => s.save(profile())).toThrow(ConfigError);
    expect(fs.readFileSync(s.file('default'), 'utf8')).toBe(text);
    expect(fs.statSync(s.file('default')).mode & 0o777).toBe(0o644);
  });

  test('a missing profile names the others and the command to run', () => {
    const s = store();
    s.save(profile('usa'));
    expect(() => s.load('canada')).toThrow('No profile "canada"');
    expect(() => s.load('canada')).toThrow('run "bcsync setup --profile canada" first (existing profiles: usa)');
  });

  test('profile names are checked', () => {
    expect(() => store().save(profile('../evil'))).toThrow(/is not valid/);
  });

  test('an opted-in stored secret is valid without a variable', () => {
    const s = store();
    s.save(profile('stored', { clientSecretEnv: undefined, clientSecret: 'opted-in' }));
    expect(s.load('stored').auth.clientSecret).toBe('opted-in');
  });
});

describe('home', () => {
  test('--home wins over BCSYNC_HOME, which wins over the OS folder; all files live under it', () => {
    expect(resolveHome('/tmp/a', { BCSYNC_HOME: '/tmp/b' })).toBe('/tmp/a');
    expect(resolveHome(undefined, { BCSYNC_HOME: '/tmp/b' })).toBe('/tmp/b');
    if (process.platform === 'linux') {
      expect(resolveHome(undefined, { HOME: '/home/x' })).toBe('/home/x/.config/bcsync');
      expect(resolveHome(undefined, { HOME: '/home/x', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/bcsync');
    }
    const layout = homeLayout('/tmp/h');
    expect(layout.profilesDir).toBe('/tmp/h/profiles');
    expect(layout.stateDir('usa')).toBe('/tmp/h/state/usa');
  });
});
