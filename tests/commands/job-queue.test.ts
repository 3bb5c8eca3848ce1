/**
 * `sync --all` runs the business processes the profile switches on after its mappings (src/app/job-queue.ts):
 * a process that refused a document makes the run exit 4; a process the profile does not switch on never runs;
 * a process that throws stops only itself, the run still reports the others and exits non-zero.
 */
import { JOB_QUEUE_PROCESSES, type JobQueueProcess } from '../../src/app/job-queue.js';
import { emptyCounts, type MappingReport } from '../../src/engine/report.js';
import { ApiError } from '../../src/errors.js';
import { SyncLog } from '../../src/state/sync-log.js';
import { startCli, type CliHarness } from './sync-cli-helper.js';

function report(name: string, failed: number): MappingReport {
  const now = new Date().toISOString();
  const counts = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  counts['from-dataverse'].inserted = 2;
  counts['from-dataverse'].failed = failed;
  return {
    mapping: name,
    directions: ['from-dataverse'],
    counts,
    records: failed ? [{ mapping: name, direction: 'from-dataverse', outcome: 'failed', dataverseId: 'ORD-1', label: 'ORD-1', error: 'customer not coupled' }] : [],
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    requests: { bc: 1, dataverse: 1 },
    retries: 0,
    dryRun: false,
  };
}

describe('sync --all runs the job-queue processes', () => {
  let h: CliHarness;
  const ran: string[] = [];
  const processes: JobQueueProcess[] = [
    { name: 'TEST-CREATE', description: 'test', intervalMinutes: 30, enabled: (o) => o.autoCreateOrders, run: async () => (ran.push('TEST-CREATE'), report('TEST-CREATE', failures)) },
    { name: 'TEST-OFF', description: 'test', intervalMinutes: 30, enabled: () => false, run: async () => (ran.push('TEST-OFF'), report('TEST-OFF', 0)) },
  ];
  let failures = 0;
  let offset = 0;
  const clock = { now: () => Date.now() + offset, sleep: async () => undefined, advance: (ms: number) => void (offset += ms) };

  beforeAll(async () => {
    JOB_QUEUE_PROCESSES.push(...processes);
    // An empty company: every mapping has nothing to do, so the exit code is the processes' alone.
    h = await startCli({ seed: 'empty' }, { clock });
  });
  afterAll(async () => {
    JOB_QUEUE_PROCESSES.splice(JOB_QUEUE_PROCESSES.length - processes.length, processes.length);
    await h.close();
  });
  beforeEach(() => {
    ran.length = 0;
  });

  test('a process the profile does not switch on never runs', async () => {
    const r = await h.cli(['--json', 'sync', '--all']);
    expect(r.code).toBe(0);
    expect(ran).toEqual([]);
  });

  test('an enabled process runs after the mappings, is logged, and a refused document exits 4', async () => {
    expect((await h.cli(['setup', '--yes', '--order-sync', 'legacy', '--auto-create-orders'])).code).toBe(0);
    failures = 1;
    const r = await h.cli(['--json', 'sync', '--all']);
    expect(ran).toEqual(['TEST-CREATE']);
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout) as { ok: boolean; mappings: MappingReport[] };
    expect(out.ok).toBe(false);
    expect(out.mappings.at(-1)!.mapping).toBe('TEST-CREATE');
    expect(out.mappings.length).toBeGreaterThan(1);
    const logged: string[] = [];
    for await (const entry of new SyncLog(h.stateDir).readRuns()) logged.push(entry.run.mapping);
    expect(logged).toContain('TEST-CREATE');

    failures = 0;
    expect((await h.cli(['sync', '--all'])).code).toBe(0);
  });

  test('sync --due runs an enabled process when its interval has passed since its last run, not before', async () => {
    failures = 0;
    expect((await h.cli(['sync', '--all'])).code).toBe(0);
    ran.length = 0;
    const early = await h.cli(['sync', '--due']);
    expect(ran).toEqual([]);
    expect(early.stderr).toMatch(/TEST-CREATE: not due \(ran 0 min ago; due every 30 min\)/);
    clock.advance(31 * 60_000);
    expect((await h.cli(['sync', '--due'])).code).toBe(0);
    expect(ran).toEqual(['TEST-CREATE']);
  });

  test('a process that throws stops only itself; the run exits non-zero', async () => {
    processes[0]!.run = async () => {
      throw new ApiError('Dataverse answered 500: boom', 'dataverse', 500, undefined, undefined);
    };
    const r = await h.cli(['sync', '--all']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TEST-CREATE: stopped: .*boom/);
  });
});
