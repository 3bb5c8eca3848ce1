import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { SyncLog, type LoggedRun } from '../../src/state/index.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const temps: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

async function runsIn(stateDir: string): Promise<LoggedRun[]> {
  const out: LoggedRun[] = [];
  for await (const r of new SyncLog(stateDir).readRuns()) out.push(r);
  return out;
}

afterAll(async () => {
  await Promise.all(temps.map((d) => fs.rm(d, { recursive: true, force: true })));
});

describe('bcsync demo', () => {
  test('the built CLI runs the whole demo in a throwaway home within 60 s and leaves the user\'s config alone', async () => {
    const userHome = await tempDir('bcsync-user-');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: userHome,
      XDG_CONFIG_HOME: path.join(userHome, '.config'),
      // Where the user's real profiles live: the demo must not write there.
      BCSYNC_HOME: path.join(userHome, 'bcsync'),
    };
    // The timeout is the 60 s promise of the issue: the process is killed (and the test fails) beyond it.
    const { stdout, stderr } = await exec(process.execPath, ['bin/bcsync.js', 'demo'], { cwd: root, env, timeout: 60_000 });
    expect(stdout).toContain('Full synchronization review');
    expect(stdout).toMatch(/^CUSTOMER\tbidirectional\t27\t21\t0\tcouple first/m);
    expect(stderr).toContain('CUSTOMER: match-based coupling on name: 10 coupled');
    expect(stderr).toContain('The new name arrived in Dataverse; the new phone number arrived in Business Central.');
    const home = /bcsync log --home (\S+) --profile demo/.exec(stderr)?.[1];
    expect(home).toBeDefined();
    temps.push(home!);
    expect(path.dirname(home!)).toBe(os.tmpdir());
    expect(await fs.readdir(userHome)).toEqual([]);
    const logged = await runsIn(path.join(home!, 'state', 'demo'));
    expect(logged.filter((r) => r.run.mapping === 'CUSTOMER' && r.run.kind === 'synchronization').length).toBeGreaterThanOrEqual(4);
  }, 70_000);

  test('--home is honoured and --json gives one document with every step', async () => {
    const home = await tempDir('bcsync-demo-home-');
    const io = new BufferIo({});
    const code = await run(['node', 'bcsync', '--home', home, '--json', 'demo'], { io });
    expect(code).toBe(0);
    const doc = io.json<{ ok: boolean; home: string; profile: string; arrived: Record<string, boolean>; sync: Array<{ mapping: string }> }>();
    expect(doc).toMatchObject({ ok: true, home, profile: 'demo', arrived: { nameInDataverse: true, phoneInBc: true } });
    expect(doc.sync.map((r) => r.mapping)).toContain('CUSTOMER');
    expect(await fs.readdir(path.join(home, 'profiles'))).toEqual(['demo.json']);
    // The secret lives in the process environment only: the profile names the variable, never the value.
    const profile = JSON.parse(await fs.readFile(path.join(home, 'profiles', 'demo.json'), 'utf8')) as { auth: Record<string, unknown> };
    expect(profile.auth.clientSecretEnv).toBe('BCSYNC_CLIENT_SECRET');
    expect(JSON.stringify(profile.auth)).not.toMatch(/"clientSecret"/);
    const last = (await runsIn(path.join(home, 'state', 'demo'))).filter((r) => r.run.mapping === 'CUSTOMER').slice(-2);
    expect(last.map((r) => [r.run.direction, r.run.counts.modified])).toEqual([
      ['to-dataverse', 1],
      ['from-dataverse', 1],
    ]);
  }, 30_000);
});
