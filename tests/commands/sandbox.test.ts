import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { cli, readmeHelpBlock, tmpHome, words } from './setup-helpers.js';

/**
 * `bcsync sandbox` as a user runs it: the built CLI in its own process (npm test builds dist/ first), a setup
 * against what it prints, and a clean stop on SIGTERM.
 */

const BIN = path.join(process.cwd(), 'bin', 'bcsync.js');
const started: ChildProcessWithoutNullStreams[] = [];

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The test runner's flags and any bcsync settings of the machine stay out of the child.
  delete env.NODE_OPTIONS;
  delete env.BCSYNC_HOME;
  delete env.BCSYNC_PROFILE;
  delete env.BCSYNC_CLIENT_SECRET;
  return { ...env, ...extra };
}

function startCli(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(), stdio: 'pipe' });
  started.push(child);
  return child;
}

/** Collects a stream's text; resolves when `until` matches what was read so far. */
function readUntil(child: ChildProcessWithoutNullStreams, stream: 'stdout' | 'stderr', until: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${until} on ${stream} within ${timeoutMs} ms; got: ${text}`)), timeoutMs);
    child[stream].on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (until.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!until.test(text)) reject(new Error(`exited with ${code} before ${until}; got: ${text}`));
    });
  });
}

/** Sends SIGTERM; resolves with the exit code and how long the process took to go. */
function terminate(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  return new Promise((resolve) => {
    const sent = Date.now();
    child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - sent }));
    child.kill('SIGTERM');
  });
}

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('bcsync sandbox', () => {
  test('--json starts, a setup against its output succeeds, SIGTERM stops it within 2 s', async () => {
    const sandbox = startCli(['sandbox', '--json']);
    const line = (await readUntil(sandbox, 'stdout', /\n/)).split('\n')[0]!;
    const info = JSON.parse(line) as Record<string, string>;
    for (const key of ['bcUrl', 'dataverseUrl', 'tokenUrl', 'authority', 'tenantId', 'clientId', 'clientSecret', 'company']) {
      expect(typeof info[key]).toBe('string');
    }
    expect(info.tokenUrl).toBe(`${info.authority}/${info.tenantId}/oauth2/v2.0/token`);

    const home = tmpHome('sandbox');
    const setup = await runProcess(
      process.execPath,
      [BIN, '--home', home, 'setup', '--yes', '--bc-url', info.bcUrl!, '--company', info.company!, '--dataverse-url', info.dataverseUrl!, '--tenant-id', info.tenantId!, '--authority', info.authority!, '--client-id', info.clientId!],
      childEnv({ BCSYNC_CLIENT_SECRET: info.clientSecret! }),
    );
    expect(setup.stderr).toContain(`Profile "default" saved to ${home}`);
    expect(setup.code).toBe(0);
    expect(setup.stdout + setup.stderr).not.toContain(info.clientSecret);
    const profile = JSON.parse(fs.readFileSync(path.join(home, 'profiles', 'default.json'), 'utf8'));
    expect(profile.bc).toMatchObject({ apiUrl: info.bcUrl, companyName: info.company });

    // The saved profile passes the connection test (in-process this time).
    const tested = await cli(home, ['setup', '--test', '--json'], { env: { BCSYNC_CLIENT_SECRET: info.clientSecret! } });
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.stdout).ok).toBe(true);

    const stderr = readUntil(sandbox, 'stderr', /Sandbox stopped\./);
    const stopped = await terminate(sandbox);
    expect(stopped.ms).toBeLessThan(2000);
    expect(stopped).toMatchObject({ code: 0, signal: null });
    await expect(stderr).resolves.toContain('Sandbox stopped.');
  });

  test('the ready-to-paste setup line it prints connects a profile', async () => {
    const sandbox = startCli(['sandbox']);
    const text = await readUntil(sandbox, 'stdout', /Connect a profile to it with:\n\s+.+\n/);
    const pasted = /Connect a profile to it with:\n\s+(.+)\n/.exec(text)![1]!;
    expect(pasted).toMatch(/^BCSYNC_CLIENT_SECRET='[^']+' bcsync setup --yes /);
    const home = tmpHome('sandbox');
    const command = pasted.replace(' bcsync setup ', ` '${process.execPath}' '${BIN}' --home '${home}' setup `);
    const setup = await runProcess('/bin/sh', ['-c', command], childEnv());
    expect(setup.stderr).toContain('Profile "default" saved');
    expect(setup.code).toBe(0);

    const stopped = await terminate(sandbox);
    expect(stopped.ms).toBeLessThan(2000);
    expect(stopped.code).toBe(0);
  });

  test('--help is what the README command reference says', async () => {
    const r = await cli(tmpHome('help'), ['sandbox', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(words(readmeHelpBlock('sandbox'))).toBe(words(r.stdout));
  });
});
