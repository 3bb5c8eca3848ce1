import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { SyncLog, type LoggedRun } from '../../src/state/index.js';
import { offlineHome } from './offline-home.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

/** Pipes and signals through a real child process (`node bin/bcsync.js`, built by `npm test`'s pretest). */

const BIN = path.join(process.cwd(), 'bin', 'bcsync.js');

describe('a closed pipe', () => {
  let home: string;
  beforeAll(async () => {
    home = offlineHome('bcsync-pipe-');
    const clock = new ManualClock();
    const log = new SyncLog(path.join(home, 'state', 'default'), { clock });
    // Far more than a pipe buffer (64 KiB) of output, so the writer is still writing when the reader leaves.
    for (let i = 0; i < 1500; i++) {
      const r = await log.startRun({ mapping: 'CUSTOMER', direction: 'to-dataverse' });
      clock.advance(1000);
      await r.finish({ counts: { inserted: i, unchanged: 5 }, requests: 3 });
    }
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  test('bcsync log | head -5 ends quietly with exit 0 (no EPIPE stack trace)', () => {
    const r = spawnSync('bash', ['-c', `node ${BIN} --home '${home}' log 2>'${home}/err.txt' | head -5; echo "exit=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^started\tmapping\tkind/);
    expect(lines[5]).toBe('exit=0');
    expect(fs.readFileSync(path.join(home, 'err.txt'), 'utf8')).toBe('');
  });
});

describe('SIGINT and SIGTERM during a sync', () => {
  let h: CliHarness;
  beforeAll(async () => {
    // Each BC request costs 150 ms: the full synchronization takes seconds, so a signal lands mid-run.
    h = await startCli({ latency: { bc: { baseMs: 150 }, dataverse: { baseMs: 20 } }, limits: false });
  });
  afterAll(async () => h?.close());

  async function runUntilSignal(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; writesAtExit: number; writesAtSignal: number }> {
    h.emu.resetLog();
    const child = spawn(process.execPath, [BIN, '--home', h.home, ...args], {
      env: { ...process.env, BCSYNC_CLIENT_SECRET: h.emu.credentials.clientSecret, BCSYNC_HOME: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.stdout.resume();
    // Signal while a run's log entry is open and something has been written: a batch is then in flight or just
    // landed inside that run. (Between two mappings no entry is open, and there is nothing to close as interrupted.)
    const logFile = path.join(h.stateDir, 'sync-log.ndjson');
    const runIdsOf = (entry: string) =>
      (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n') : []).flatMap((l) => (l.includes(`"entry":"${entry}"`) ? (/"runId":"([^"]+)"/.exec(l)?.slice(1) ?? []) : []));
    const openRun = () => {
      const finished = new Set(runIdsOf('run'));
      return runIdsOf('start').some((id) => !finished.has(id));
    };
    const deadline = Date.now() + 30_000;
    while (!(openRun() && writesIn(h.emu).length > 0) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const writesAtSignal = writesIn(h.emu).length;
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, stderr, writesAtExit: writesIn(h.emu).length, writesAtSignal };
  }

  async function lastRuns(): Promise<LoggedRun[]> {
    const runs: LoggedRun[] = [];
    for await (const r of new SyncLog(h.stateDir).readRuns()) runs.push(r);
    return runs;
  }

  test('SIGTERM: stops after the batch in flight, says so, closes the log entry as interrupted, exit 143', async () => {
    const r = await runUntilSignal(['full-sync', '--match', 'CUSTOMER=name', '--mapping', 'SALESPEOPLE', '--mapping', 'CURRENCY', '--mapping', 'PAYMENT TERMS', '--mapping', 'CUSTOMER'], 'SIGTERM');
    expect(r.writesAtSignal).toBeGreaterThan(0);
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('Interrupted; nothing more was written.');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    // Nothing is written after the process ended, and no mapping after the interrupted one ran.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writesIn(h.emu).length).toBe(r.writesAtExit);
    const runs = await lastRuns();
    const interrupted = runs.filter((x) => x.run.message?.startsWith('interrupted'));
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    expect(interrupted.every((x) => x.finished)).toBe(true);
    expect(runs.filter((x) => !x.finished)).toEqual([]);
  });

  test('SIGINT: the same with exit 130', async () => {
    // People edited every customer in BC: the incremental run has work to write.
    for (const c of h.emu.bc.list('customers')) h.emu.bc.update('customers', String(c.id), { phoneNumber: '+1 425 555 0100' });
    const r = await runUntilSignal(['sync', '--all'], 'SIGINT');
    expect(r.writesAtSignal).toBeGreaterThan(0);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Interrupted; nothing more was written.');
    const runs = await lastRuns();
    expect(runs.filter((x) => !x.finished)).toEqual([]);
    expect(runs.some((x) => x.run.message?.startsWith('interrupted'))).toBe(true);
  });
});
