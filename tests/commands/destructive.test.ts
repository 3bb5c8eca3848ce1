import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { ScriptedPrompter, type Prompter } from '../../src/io/prompter.js';
import { run } from '../../src/main.js';
import { StateStore } from '../../src/state/index.js';
import { offlineHome } from './offline-home.js';

/**
 * Destructive commands ask first on a terminal, take --yes in scripts, refuse without it when not on a
 * terminal (exit 2 naming --yes), and each has --dry-run. They work on local state and the profile, so no
 * service is needed (full-sync refuses before it connects).
 */

const BIN = path.join(process.cwd(), 'bin', 'bcsync.js');
const homes: string[] = [];
afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));

let home: string;
const stateDir = () => path.join(home, 'state', 'default');
const profileFile = () => path.join(home, 'profiles', 'default.json');

async function seed(): Promise<void> {
  home = offlineHome('bcsync-destructive-');
  homes.push(home);
  const state = await StateStore.open(stateDir(), { lock: true });
  for (let i = 0; i < 3; i++) {
    state.couple({ mapping: 'CUSTOMER', bcId: `00000000-0000-4000-8000-00000000000${i}`, dataverseId: `10000000-0000-4000-8000-00000000000${i}` });
  }
  state.setWatermark('CURRENCY', 'bc', '2026-11-20T08:00:00.000Z');
  await state.commit();
  await state.close();
  const profile = JSON.parse(fs.readFileSync(profileFile(), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(profileFile(), JSON.stringify({ ...profile, mappingOverrides: { CUSTOMER: { updateConflict: 'get' } } }), { mode: 0o600 });
}

async function cli(args: string[], o: { tty?: boolean; prompter?: Prompter } = {}) {
  const io = new BufferIo({ BCSYNC_CLIENT_SECRET: 'x' }, o.tty ?? false);
  const code = await run(['node', 'bcsync', '--home', home, ...args], { io, prompter: o.prompter });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

async function snapshot(): Promise<{ couplings: number; watermark: unknown; overrides: unknown }> {
  const state = await StateStore.open(stateDir(), { lock: false });
  try {
    const overrides = (JSON.parse(fs.readFileSync(profileFile(), 'utf8')) as { mappingOverrides: unknown }).mappingOverrides;
    return { couplings: state.counts('CUSTOMER').couplings, watermark: state.watermark('CURRENCY'), overrides };
  } finally {
    await state.close();
  }
}

const untouched = { couplings: 3, watermark: { bc: '2026-11-20T08:00:00.000Z' }, overrides: { CUSTOMER: { updateConflict: 'get' } } };

const cases: Array<[string, string[]]> = [
  ['uncouple --all', ['uncouple', '--mapping', 'CUSTOMER', '--all']],
  ['mappings reset', ['mappings', 'reset']],
  ['full-sync --restart', ['full-sync', '--restart', 'CURRENCY']],
  ['full-sync --force-create', ['full-sync', '--mapping', 'CUSTOMER', '--force-create']],
];

describe('without a terminal', () => {
  beforeEach(seed);

  test.each(cases)('%s without --yes: exit 2 naming --yes, nothing changed', async (_name, args) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*: pass --yes to confirm \(no terminal to ask on\), or --dry-run to see what it would do\.$/m);
    expect(await snapshot()).toEqual(untouched);
  });

  test('--yes does it: uncouple --all and mappings reset', async () => {
    const u = await cli(['uncouple', '--mapping', 'CUSTOMER', '--all', '--yes', '--json']);
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ ok: true, mapping: 'CUSTOMER', removed: 3 });
    const m = await cli(['mappings', 'reset', '--yes', '--json']);
    expect(JSON.parse(m.stdout)).toEqual({ ok: true, dryRun: false, reset: ['CUSTOMER'] });
    expect(await snapshot()).toEqual({ couplings: 0, watermark: untouched.watermark, overrides: {} });
  });

  test('--dry-run says what would happen and changes nothing', async () => {
    const u = await cli(['uncouple', '--mapping', 'CUSTOMER', '--all', '--dry-run', '--json']);
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ ok: true, mapping: 'CUSTOMER', removed: 3, dryRun: true });
    const one = await cli(['uncouple', '--mapping', 'CUSTOMER', '--bc', '00000000-0000-4000-8000-000000000001', '--dry-run']);
    expect(one.stdout).toMatch(/would be uncoupled/);
    const m = await cli(['mappings', 'reset', '--dry-run']);
    expect(m.code).toBe(0);
    expect(m.stderr).toBe('Dry run: would restore the defaults of CUSTOMER; nothing was changed.\n');
    expect(await snapshot()).toEqual(untouched);
  });
});

describe('on a terminal', () => {
  beforeEach(seed);

  test.each(cases)('%s asks first; "no" changes nothing and exits 1', async (_name, args) => {
    const prompter = new ScriptedPrompter([[/Continue\?/, false]]);
    const r = await cli(args, { tty: true, prompter });
    expect(prompter.asked).toHaveLength(1);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Cancelled; nothing was changed\.$/m);
    expect(await snapshot()).toEqual(untouched);
  });

  test('"yes" goes ahead: the question names what is lost', async () => {
    const prompter = new ScriptedPrompter([[/Continue\?/, true]]);
    const r = await cli(['uncouple', '--mapping', 'CUSTOMER', '--all'], { tty: true, prompter });
    expect(r.code).toBe(0);
    expect(prompter.asked).toEqual(['Remove all 3 couplings of CUSTOMER (the records stay; the next full sync has to couple them again). Continue?']);
    expect((await snapshot()).couplings).toBe(0);
  });

  test('a real pseudo-terminal: the question is shown, "n" keeps everything, "y" removes', async () => {
    const ask = (answer: string, flags = '') =>
      new Promise<{ code: number | null; shown: string; raw: string }>((resolve, reject) => {
        const command = `stty cols 200 rows 50; node ${BIN} --home '${home}' ${flags} uncouple --mapping CUSTOMER --all`;
        // A person at a terminal: no CI marker or colour override from the environment the tests run in.
        const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
        for (const name of ['NODE_OPTIONS', 'CI', 'NO_COLOR', 'FORCE_COLOR']) delete env[name];
        const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: 'pipe', env });
        let output = '';
        let answered = false;
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`no question within 20 s; terminal showed: ${stripVTControlCharacters(output)}`));
        }, 20_000);
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString('utf8');
          if (!answered && /Continue\?/.test(stripVTControlCharacters(output))) {
            answered = true;
            child.stdin.write(answer);
            setTimeout(() => child.stdin.write('\r'), 100);
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, shown: stripVTControlCharacters(output), raw: output });
        });
      });
    const colour = /\u001b\[(3\d|9\d)m/;
    const no = await ask('n', '--no-color');
    expect(no.shown).toContain('Remove all 3 couplings of CUSTOMER');
    expect(no.code).toBe(1);
    // --no-color reaches the prompt too; without it the prompt is coloured.
    expect(no.raw).not.toMatch(colour);
    expect((await snapshot()).couplings).toBe(3);
    const yes = await ask('y');
    expect(yes.code).toBe(0);
    expect(yes.raw).toMatch(colour);
    expect((await snapshot()).couplings).toBe(0);
  });
});
