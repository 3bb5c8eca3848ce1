import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, test } from '@jest/globals';
import { cli, tmpHome } from './setup-helpers.js';

/**
 * One real-terminal run of the wizard: `node bin/bcsync.js setup` in a tmux pane (or, where tmux is missing,
 * a pty from util-linux `script`), answered key by key, against a sandbox this test starts. Nothing is
 * skipped: without either tool the test fails and says what to install.
 */

const BIN = path.join(process.cwd(), 'bin', 'bcsync.js');
const cleanups: Array<() => void> = [];

afterAll(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function has(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

interface Terminal {
  readonly kind: string;
  /** Waits until the terminal shows `pattern` (after what earlier waits consumed); returns the text. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  type(text: string): void;
  key(name: 'Enter' | 'Down'): void;
  /** Everything shown so far, without escape sequences. */
  text(): string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll(read: () => string, pattern: RegExp, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = read();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`${what}: ${pattern} did not appear within ${timeoutMs} ms. Terminal shows:\n${text}`);
    await sleep(40);
  }
}

/** A detached tmux session on a private server socket; the pane stays after the command ends. */
function tmuxTerminal(command: string): Terminal {
  const socket = `bcsync-test-${process.pid}-${Date.now()}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const started = tmux('new-session', '-d', '-s', 'setup', '-x', '220', '-y', '60', `${command}; echo "[exit $?]"; sleep 120`);
  if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
  cleanups.push(() => void tmux('kill-server'));
  const capture = () => tmux('capture-pane', '-p', '-J', '-t', 'setup', '-S', '-500').stdout ?? '';
  return {
    kind: 'tmux',
    waitFor: (pattern, timeoutMs = 10_000) => poll(capture, pattern, timeoutMs, 'tmux'),
    type: (text) => void tmux('send-keys', '-t', 'setup', '-l', text),
    key: (name) => void tmux('send-keys', '-t', 'setup', name),
    text: capture,
  };
}

/** util-linux `script` gives the command a pty; our pipe is its keyboard. */
function scriptTerminal(command: string): Terminal {
  // Under a pipe the pty starts 0 columns wide, which makes prompts and spinners redraw without end.
  const sized = `stty cols 220 rows 60; ${command}`;
  const child: ChildProcessWithoutNullStreams = spawn('script', ['-qfec', sized, '/dev/null'], { stdio: 'pipe', env: { ...process.env, TERM: 'xterm' } });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  let cursor = 0;
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.on('exit', (code) => (output += `\n[exit ${code}]\n`));
  const shown = () => stripVTControlCharacters(output);
  return {
    kind: 'script',
    waitFor: async (pattern, timeoutMs = 10_000) => {
      const text = await poll(() => shown().slice(cursor), pattern, timeoutMs, 'script');
      // Answered prompts stay in the stream; later waits look only at what came after this match.
      cursor += pattern.exec(text)!.index + 1;
      return text;
    },
    type: (text) => void child.stdin.write(text),
    key: (name) => void child.stdin.write(name === 'Enter' ? '\r' : '\x1b[B'),
    text: shown,
  };
}

function openTerminal(command: string): Terminal {
  // BCSYNC_TEST_TERMINAL=script exercises the fallback on a machine that has tmux.
  if (process.env.BCSYNC_TEST_TERMINAL !== 'script' && has('tmux', ['-V'])) return tmuxTerminal(command);
  if (has('script', ['--version'])) return scriptTerminal(command);
  throw new Error('This test needs a terminal emulator to drive the wizard: install tmux (or util-linux "script").');
}

/** Starts `bcsync sandbox --json` and reads its JSON line. */
async function startSandbox(): Promise<Record<string, string>> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [BIN, 'sandbox', '--json'], { env, stdio: 'pipe' });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox printed no JSON line: ${text}`)), 15_000);
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${text}`)));
  });
  return JSON.parse(text.split('\n')[0]!) as Record<string, string>;
}

describe('setup in a real terminal', () => {
  test('the wizard answered key by key (a refused secret asked again) writes a profile that passes setup --test', async () => {
    const started = Date.now();
    const info = await startSandbox();
    const home = tmpHome('tty');
    // A clean environment: no test-runner flags, no secret (it is typed at the masked prompt).
    const command =
      `env -u NODE_OPTIONS -u BCSYNC_CLIENT_SECRET -u BCSYNC_HOME -u BCSYNC_PROFILE -u CI ` +
      `${shellQuote(process.execPath)} ${shellQuote(BIN)} setup --home ${shellQuote(home)}`;
    const term = openTerminal(command);

    const answer = async (prompt: RegExp, keys: Array<string | { key: 'Enter' | 'Down' }>) => {
      await term.waitFor(prompt);
      // The prompt is drawn a moment before it listens for keys; keys typed in between are lost on a busy machine.
      await sleep(250);
      for (const k of keys) {
        if (typeof k === 'string') term.type(k);
        else term.key(k.key);
      }
      term.key('Enter');
    };
    await answer(/\? Business Central API URL/, [info.bcUrl!]);
    await answer(/\? Dataverse \(Dynamics 365 Sales\) environment URL/, [`${info.dataverseUrl}/api/data/v9.2`]);
    await answer(/\? Directory \(tenant\) id/, []);
    await answer(/\? Sign-in authority/, [info.authority!]);
    await answer(/\? Application \(client\) id/, [info.clientId!]);
    await answer(/\? Environment variable that will hold the client secret/, []);
    // A refused secret first (the secret's id, pasted by mistake): the wizard says so and asks again, right away.
    await answer(/\? Client secret/, ['the-secret-id-not-its-value']);
    await answer(/Enter the client secret again \(try 2 of \d+\)[\s\S]*\? Client secret/, [info.clientSecret!]);
    await answer(/\? Business Central company to synchronize/, [{ key: 'Down' }]);
    await answer(/\? Ownership model/, []);
    await answer(/\? Synchronize unit groups/, []);
    await answer(/\? Pricing model/, [{ key: 'Down' }]);
    await answer(/\? Show item availability/, ['n']);
    await answer(/\? Sales order integration/, [{ key: 'Down' }]);
    await answer(/\? Create sales orders in Business Central automatically/, ['y']);
    await answer(/\? Process Sales quotes/, ['n']);
    await answer(/\? Enable the connection/, []);
    const final = await term.waitFor(/\[exit \d+\]/, 15_000);

    expect(final).toContain('[exit 0]');
    expect(final).toContain('Business Central company: CRONUS Canada, Inc.');
    expect(final).toMatch(/CUSTPRCGRP-PRICE\s+Customer Price Group \(6\)\s+pricelevel\s+BC -> Dataverse/);
    expect(term.text()).not.toContain(info.clientSecret);
    const profile = JSON.parse(fs.readFileSync(path.join(home, 'profiles', 'default.json'), 'utf8'));
    expect(profile).toMatchObject({
      bc: { apiUrl: info.bcUrl, companyName: 'CRONUS Canada, Inc.' },
      dataverse: { url: info.dataverseUrl },
      auth: { tenantId: info.tenantId, authority: info.authority, clientId: info.clientId, clientSecretEnv: 'BCSYNC_CLIENT_SECRET' },
      integration: { ownershipModel: 'person', unitGroups: true, pricing: 'groups', itemAvailability: false, orderSync: 'legacy', autoCreateOrders: true, autoProcessQuotes: false, enabled: true },
    });
    expect(JSON.stringify(profile)).not.toContain(info.clientSecret);

    const tested = await cli(home, ['setup', '--test', '--json'], { env: { BCSYNC_CLIENT_SECRET: info.clientSecret! } });
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.stdout).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 30_000);
});
