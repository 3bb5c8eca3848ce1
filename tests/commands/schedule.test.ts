import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { lastRuns, scheduleState, type LastRun } from '../../src/app/schedule.js';
import { wakeMinutes } from '../../src/commands/schedule/schedule.js';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { defaultIntegrationOptions, defaultMappings } from '../../src/mapping/index.js';
import { emptyCounts, type LoggedRun } from '../../src/state/index.js';
import { startCli, type CliHarness } from './sync-cli-helper.js';

/** Schedules without a job queue: due and idle by BC's rules (§4), `sync --due`, and `schedule --cron|--systemd`. */

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const mapping = (name: string) => defaultMappings(defaultIntegrationOptions).find((m) => m.name === name)!;
const ran = (minutesAgo: number, counts: Partial<LastRun['counts']>, outcome: LastRun['outcome'] = 'ok'): LastRun => ({
  at: new Date(T0 - minutesAgo * MIN - 1000).toISOString(),
  finishedAt: new Date(T0 - minutesAgo * MIN).toISOString(),
  outcome,
  counts: { ...emptyCounts(), ...counts },
});

describe('due and idle (BC: every 30 min; a run that changed nothing waits for the inactivity timeout)', () => {
  const customer = mapping('CUSTOMER');
  test('never run, or the last run did not finish: due', () => {
    expect(scheduleState(customer, undefined, T0)).toMatchObject({ due: true, idle: false, reason: 'never synchronized' });
    expect(scheduleState(customer, ran(1, {}, 'unfinished'), T0)).toMatchObject({ due: true, reason: 'the last run did not finish' });
  });
  test('a run that changed something: due again 30 minutes after it finished', () => {
    expect(scheduleState(customer, ran(10, { modified: 3 }), T0)).toMatchObject({ due: false, idle: false, nextDueAt: new Date(T0 + 20 * MIN).toISOString() });
    expect(scheduleState(customer, ran(30, { modified: 3 }), T0)).toMatchObject({ due: true, idle: false });
    // A failure counts as activity (BC: Inserted+Modified+Deleted+Failed).
    expect(scheduleState(customer, ran(31, { failed: 1 }, 'problems'), T0)).toMatchObject({ due: true, idle: false });
  });
  test('a run that changed nothing: idle until the inactivity timeout (CUSTOMER 720 min, SALESPEOPLE 1440)', () => {
    expect(customer.schedule).toEqual(expect.objectContaining({ intervalMinutes: 30, inactivityTimeoutMinutes: 720 }));
    expect(scheduleState(customer, ran(31, { unchanged: 40 }), T0)).toMatchObject({ due: false, idle: true });
    expect(scheduleState(customer, ran(720, { unchanged: 40 }), T0)).toMatchObject({ due: true, idle: true });
    expect(scheduleState(mapping('SALESPEOPLE'), ran(720, {}), T0)).toMatchObject({ due: false, idle: true });
  });
  test('a mapping without a job (no schedule in BC) is never due by itself', () => {
    const unscheduled = defaultMappings(defaultIntegrationOptions).find((m) => !m.schedule)!;
    expect(scheduleState(unscheduled, undefined, T0)).toMatchObject({ due: false, idle: false });
  });
  test('the last run: both directions of the newest run, not older runs of the same mapping; interrupted named', () => {
    const entry = (direction: 'to-dataverse' | 'from-dataverse', minutesAgo: number, counts: Partial<LastRun['counts']>, message?: string): LoggedRun => ({
      finished: true,
      records: [],
      run: { runId: `${direction}${minutesAgo}`, kind: 'synchronization', mapping: 'CUSTOMER', direction, dryRun: false, startedAt: new Date(T0 - minutesAgo * MIN).toISOString(), finishedAt: new Date(T0 - minutesAgo * MIN + 500).toISOString(), counts: { ...emptyCounts(), ...counts }, requests: 1, retries: 0, message },
    });
    const last = lastRuns([entry('to-dataverse', 3, { inserted: 5 }), entry('from-dataverse', 3, { modified: 1 }), entry('to-dataverse', 0, {}), entry('from-dataverse', 0, {}, 'interrupted: stopped after the batch in flight; nothing more was written')]);
    expect(last.get('CUSTOMER')).toMatchObject({ outcome: 'interrupted', counts: { inserted: 0, modified: 0 } });
  });
  test('cron/systemd wake bcsync every 5 to 30 minutes', () => {
    expect(wakeMinutes([30, 30])).toBe(30);
    expect(wakeMinutes([7, 30])).toBe(7);
    expect(wakeMinutes([5, 30])).toBe(5);
    expect(wakeMinutes([1])).toBe(5);
  });
});

describe('sync --due and schedule against the emulators', () => {
  let h: CliHarness;
  let offset = 0;
  const clock = { now: () => Date.now() + offset, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const cli = async (args: string[]) => {
    const io = new BufferIo({ BCSYNC_CLIENT_SECRET: h.emu.credentials.clientSecret });
    const code = await run(['node', 'bcsync', '--home', h.home, ...args], { io, clock });
    await new Promise((resolve) => setImmediate(resolve));
    return { code, stdout: io.stdoutText, stderr: io.stderrText };
  };
  beforeAll(async () => {
    h = await startCli();
  });
  afterAll(async () => h?.close());

  test('runs what is due, skips what is not, wakes an idle mapping on a change', async () => {
    const first = await cli(['sync', '--due']);
    expect(first.stdout).toMatch(/\nCURRENCY\t/);
    // Everything just ran: nothing is due by time, and without changes idle mappings stay asleep.
    const again = await cli(['sync', '--due']);
    expect(again.stderr).toMatch(/CURRENCY: not due \((idle|ran 0 min ago)/);
    expect(again.stdout).not.toMatch(/\nCURRENCY\t/);
    // CURRENCY again with nothing to do: idle. A person then edits a currency in BC: it wakes.
    expect((await cli(['sync', '--mapping', 'CURRENCY'])).code).toBe(0);
    const currency = h.emu.bc.list('currencies')[0]!;
    h.emu.bc.update('currencies', String(currency.id), { displayName: `${String(currency.displayName)} (edited)` });
    const woken = await cli(['sync', '--due']);
    expect(woken.stderr).toMatch(/CURRENCY: idle, but changed since its last run: due\./);
    expect(woken.stdout).toMatch(/\nCURRENCY\tto-dataverse\t0\t1\t/);
    // 31 minutes later every mapping whose last run changed something is due again.
    offset = 31 * MIN;
    const later = await cli(['--json', 'sync', '--due']);
    const ranLater = (JSON.parse(later.stdout) as { mappings: Array<{ mapping: string }> }).mappings.map((m) => m.mapping);
    expect(ranLater).toContain('CURRENCY');
    expect(later.stderr).toMatch(/not due \(idle: the last run changed nothing; due after (720|1440) min or a change\)/);
  });

  test('--due picks the mappings itself', async () => {
    const r = await cli(['sync', '--due', '--all']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --due picks the mappings itself; drop --mapping, --all and --record/);
  });

  test('schedule --cron and --systemd: ready-to-install entries for sync --due, the secret only by name', async () => {
    const cron = await cli(['schedule', '--cron']);
    expect(cron.code).toBe(0);
    expect(cron.stdout).toMatch(new RegExp(`^\\*/30 \\* \\* \\* \\* \\. ${h.home}/default\\.env && bcsync --home ${h.home} --profile default --progress none --log-file ${h.home}/default-sync\\.log sync --due >/dev/null 2>&1$`, 'm'));
    expect(cron.stdout).toContain('export BCSYNC_CLIENT_SECRET=<client secret>');
    const systemd = await cli(['schedule', '--systemd', '--command', '/usr/local/bin/bcsync']);
    expect(systemd.stdout).toContain(`ExecStart=/usr/local/bin/bcsync --home ${h.home} --profile default --progress none --log-file ${h.home}/default-sync.log sync --due`);
    expect(systemd.stdout).toContain('OnCalendar=*:0/30');
    expect(systemd.stdout).toContain(`EnvironmentFile=${h.home}/default.env`);
    for (const out of [cron.stdout, systemd.stdout]) expect(out).not.toContain(h.emu.credentials.clientSecret);
    const neither = await cli(['schedule']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/Pass one of --cron and --systemd/);
  });
});
