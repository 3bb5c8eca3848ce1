import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { BufferIo } from '../../src/io/io.js';
import { Output } from '../../src/io/output.js';
import { run } from '../../src/main.js';
import { offlineHome } from './offline-home.js';

/** Script-friendly basics, in-process: JSON usage errors, BCSYNC_* variables, version, completion, log file, progress. */

let home: string;
beforeAll(() => {
  home = offlineHome();
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}, tty = false) {
  const io = new BufferIo(env, tty);
  // Retry waits against unreachable services pass at once on a manual clock.
  const code = await run(['node', 'bcsync', ...args], { io, clock: new ManualClock() });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

describe('usage errors honour --json', () => {
  test.each([
    [['--home', 'H', 'sync', '--bogus', '--json'], /unknown option '--bogus'/],
    [['--home', 'H', 'nosuchcommand', '--json'], /unknown command 'nosuchcommand'/],
    [['--home', 'H', 'sync', '--direction', 'sideways', '--json'], /argument 'sideways' is invalid/],
  ])('commander errors: %j → exit 2 and one JSON error document on stdout', async (args, message) => {
    const r = await cli(args.map((a) => (a === 'H' ? home : a)));
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { type: string; message: string; exitCode: number } };
    expect(doc).toMatchObject({ ok: false, error: { type: 'UsageError', exitCode: 2 } });
    expect(doc.error.message).toMatch(message);
  });

  test('our own usage errors (a missing flag) too, and BCSYNC_JSON=1 counts as --json', async () => {
    const r = await cli(['--home', home, 'sync'], { BCSYNC_JSON: '1' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { type: 'UsageError', exitCode: 2, message: expect.stringMatching(/^Missing --mapping M or --all/) } });
  });
});

describe('BCSYNC_* variables for every global flag', () => {
  test('BCSYNC_HOME and BCSYNC_PROFILE pick the home and profile; a typed flag wins', async () => {
    const viaEnv = await cli(['mappings', 'list', '--json'], { BCSYNC_HOME: home, BCSYNC_PROFILE: 'default' });
    expect(viaEnv.code).toBe(0);
    expect((JSON.parse(viaEnv.stdout) as { mappings: unknown[] }).mappings.length).toBeGreaterThan(10);
    const typed = await cli(['--profile', 'other', 'mappings', 'list'], { BCSYNC_HOME: home, BCSYNC_PROFILE: 'default' });
    expect(typed.code).toBe(3);
    expect(typed.stderr).toMatch(/other/);
  });

  test('BCSYNC_QUIET, BCSYNC_NO_COLOR, BCSYNC_PROGRESS and BCSYNC_LOG_FILE are read', async () => {
    const quiet = await cli(['--home', home, 'mappings', 'reset', 'CUSTOMER'], { BCSYNC_QUIET: '1' });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const bad = await cli(['--home', home, 'version'], { BCSYNC_PROGRESS: 'sometimes' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: BCSYNC_PROGRESS="sometimes" is not a progress mode; set it to auto, plain, json, none/);
    const logFile = path.join(home, 'env.log');
    const logged = await cli(['--home', home, 'mappings', 'reset', 'CUSTOMER'], { BCSYNC_LOG_FILE: logFile, BCSYNC_NO_COLOR: '1' }, true);
    expect(logged.code).toBe(0);
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(/Nothing was customized/);
    expect(logged.stderr).not.toMatch(/\u001b\[/);
  });

  test('BCSYNC_VERBOSE=1 dumps the (masked) requests, as --verbose does', async () => {
    const r = await cli(['--home', home, 'sync', '--mapping', 'CURRENCY'], { BCSYNC_VERBOSE: '1', BCSYNC_CLIENT_SECRET: 'not-a-real-secret' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\[token\] POST http:\/\/127\.0\.0\.1:9\//);
    expect(r.stderr).not.toContain('not-a-real-secret');
    const quiet = await cli(['--home', home, 'sync', '--mapping', 'CURRENCY'], { BCSYNC_VERBOSE: '0', BCSYNC_CLIENT_SECRET: 'not-a-real-secret' });
    expect(quiet.stderr).not.toMatch(/\[token\] POST/);
  });

  test('--home "" is a usage error, not a silent fall-back to the default home', async () => {
    const r = await cli(['--home', '', 'mappings', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --home \(or BCSYNC_HOME\) is empty/);
  });
});

describe('--no-color and --log-file', () => {
  test('--no-color: no escape sequence on a terminal, also not in warnings and closing lines', () => {
    const io = new BufferIo({}, true);
    const out = new Output(io, { color: false });
    out.warn('careful');
    const s = out.spinner('working');
    s.succeed('done');
    const f = out.spinner('again');
    f.fail('failed');
    expect(io.stderrText).toMatch(/careful/);
    expect(io.stderrText).toMatch(/done/);
    // Colour codes are ESC[3Xm; ora's cursor hiding (ESC[?25l) is not colour.
    expect(io.stderrText).not.toMatch(/\u001b\[\d+m/);
    const coloured = new BufferIo({}, true);
    new Output(coloured, {}).warn('careful');
    expect(coloured.stderrText).toMatch(/\u001b\[33m/);
  });

  test('--log-file appends timestamped messages without colour, mode 0600, and says so when it cannot be opened', async () => {
    const file = path.join(home, 'bcsync.log');
    fs.writeFileSync(file, 'earlier line\n', { mode: 0o644 });
    const r = await cli(['--home', home, '--log-file', file, 'mappings', 'reset', 'CUSTOMER']);
    expect(r.code).toBe(0);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^earlier line\n\d{4}-\d\d-\d\dT[\d:.]+Z Nothing was customized/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const bad = await cli(['--home', home, '--log-file', path.join(home, 'no', 'such', 'dir', 'x.log'), 'version']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --log-file .* cannot be opened for appending \(ENOENT\); pass a writable file/);
  });
});

describe('progress on stderr', () => {
  test('--progress json: NDJSON events (start, progress, done); --json alone implies it', () => {
    for (const options of [{ progress: 'json' as const }, { json: true }]) {
      const io = new BufferIo({});
      const s = new Output(io, options).spinner('CUSTOMER: reading');
      s.update('CUSTOMER: writing 5/20', { task: 'CUSTOMER', phase: 'writing', done: 5, total: 20 });
      s.succeed('CUSTOMER: 20 inserted');
      const events = io.stderrText.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.map((e) => e.event)).toEqual(['start', 'progress', 'done']);
      expect(events[1]).toMatchObject({ task: 'CUSTOMER', phase: 'writing', done: 5, total: 20 });
      expect(events[2]).toMatchObject({ ok: true, text: 'CUSTOMER: 20 inserted' });
      expect(io.stdoutText).toBe('');
    }
  });

  test('not on a terminal: a plain line per phase and at most one per 10 s within a phase', () => {
    const io = new BufferIo({});
    const clock = new ManualClock();
    const s = new Output(io, { clock }).spinner('CUSTOMER: reading');
    s.update('CUSTOMER: reading', { phase: 'reading' });
    for (let i = 1; i <= 50; i++) {
      clock.advance(1000);
      s.update(`CUSTOMER: writing ${i}/50`, { phase: 'writing', done: i, total: 50 });
    }
    s.succeed('CUSTOMER: 50 inserted');
    expect(io.stderrText.trim().split('\n')).toEqual([
      'CUSTOMER: reading',
      'CUSTOMER: writing 1/50',
      'CUSTOMER: writing 11/50',
      'CUSTOMER: writing 21/50',
      'CUSTOMER: writing 31/50',
      'CUSTOMER: writing 41/50',
      'CUSTOMER: 50 inserted',
    ]);
  });
});

describe('version and completion', () => {
  test('version --json', async () => {
    const r = await cli(['version', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ version: '0.1.0', node: process.versions.node, platform: process.platform, arch: process.arch });
    const plain = await cli(['version']);
    expect(plain.stdout).toBe(`bcsync 0.1.0 (Node.js ${process.versions.node}, ${process.platform} ${process.arch})\n`);
  });

  test('completion bash completes commands, subcommands and flags in a real bash', async () => {
    const r = await cli(['completion', 'bash']);
    expect(r.code).toBe(0);
    const script = path.join(home, 'bcsync.bash');
    fs.writeFileSync(script, r.stdout);
    const complete = (words: string[]) =>
      spawnSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _bcsync; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).stdout.trim();
    expect(complete(['bcsync', 'sy'])).toBe('sync');
    expect(complete(['bcsync', '--json', 'mappings', 's']).split(' ').sort()).toEqual(['set', 'show']);
    expect(complete(['bcsync', 'sync', '--map'])).toBe('--mapping');
    expect(complete(['bcsync', 'full-sync', '--for'])).toBe('--force-create');
  });

  test('completion zsh and fish name every command; an unknown shell is a usage error', async () => {
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef bcsync/);
    const fish = await cli(['completion', 'fish']);
    for (const name of ['sync', 'full-sync', 'uncouple', 'version', 'completion']) {
      expect(zsh.stdout).toContain(`'${name}:`);
      expect(fish.stdout).toContain(`-n __fish_use_subcommand -a ${name} `);
    }
    expect(fish.stdout).toContain(`complete -c bcsync -n '__fish_seen_subcommand_from sync' -l mapping`);
    const bad = await cli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"tcsh" is not a supported shell; pass one of bash, zsh, fish/);
  });
});

describe('sandbox --port', () => {
  test('a busy port is a one-line error naming the port', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await cli(['--home', home, 'sandbox', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: Port ${port} is already in use (the sandbox listens on ${port}, ${port + 1} and ${port + 2}); pass another --port, or --port 0 for free ports.\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
