import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ManualClock } from '../../src/clock.js';
import { PROFILE_SCHEMA_VERSION, ProfileStore } from '../../src/config/profile.js';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { defaultIntegrationOptions } from '../../src/mapping/index.js';
import { SyncLog } from '../../src/state/index.js';

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const HOUR = 3_600_000;
const BC_ID = '0f6c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const DV_ID = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';

interface JsonRun {
  mapping: string;
  kind: string;
  direction?: string;
  finished: boolean;
  counts: Record<string, number>;
  requests: number;
  retries: number;
  durationMs?: number;
  records: Array<{ outcome: string; bcId?: string; dataverseId?: string; error: string }>;
}

describe('log (read-only, no connection needed)', () => {
  let home: string;
  const clock = new ManualClock(T0);
  const cli = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const io = new BufferIo({});
    const code = await run(['node', 'bcsync', '--home', home, ...args], { io, clock });
    await new Promise((resolve) => setImmediate(resolve));
    return { code, stdout: io.stdoutText, stderr: io.stderrText };
  };
  const runs = async (args: string[] = []): Promise<JsonRun[]> => (JSON.parse((await cli(['log', '--json', ...args])).stdout) as { runs: JsonRun[] }).runs;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-log-'));
    const now = new Date(T0).toISOString();
    // Nothing listens on these addresses: the log must not need them.
    new ProfileStore(path.join(home, 'profiles')).save({
      schemaVersion: PROFILE_SCHEMA_VERSION,
      name: 'default',
      bc: { apiUrl: 'http://127.0.0.1:9/v2.0/t/production/api/v2.0', companyId: '11111111-2222-4333-8444-555555555555', companyName: 'CRONUS' },
      dataverse: { url: 'http://127.0.0.1:9' },
      auth: { tenantId: 't', authority: 'http://127.0.0.1:9', clientId: 'c', clientSecretEnv: 'BCSYNC_CLIENT_SECRET' },
      integration: { ...defaultIntegrationOptions },
      mappingOverrides: {},
      createdAt: now,
      updatedAt: now,
    });
    const log = new SyncLog(path.join(home, 'state', 'default'), { clock });
    const r1 = await log.startRun({ mapping: 'CUSTOMER', direction: 'to-dataverse' });
    clock.advance(1500);
    await r1.finish({ counts: { inserted: 3, unchanged: 5, echoSuppressed: 2 }, requests: 7, retries: 1 });
    clock.advance(2 * HOUR);
    const r2 = await log.startRun({ mapping: 'CUSTOMER', direction: 'from-dataverse' });
    r2.record({ outcome: 'failed', bcId: BC_ID, dataverseId: DV_ID, error: 'currency: MXN must be coupled first (couple mapping CURRENCY)' });
    r2.record({ outcome: 'conflict', bcId: BC_ID, dataverseId: DV_ID, error: 'both sides changed name' });
    clock.advance(200);
    await r2.finish({ counts: { modified: 4, failed: 1, conflicts: 1 }, requests: 3 });
    clock.advance(HOUR);
    const r3 = await log.startRun({ mapping: 'CURRENCY', direction: 'to-dataverse' });
    await r3.finish({ counts: { unchanged: 4 }, requests: 1 });
    clock.advance(HOUR);
    // A run whose process was killed: a start line and nothing else.
    await log.startRun({ mapping: 'CONTACT', direction: 'to-dataverse' });
    clock.advance(HOUR);
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  test('--json: per run the counts, requests, retries, duration; per failed record ids and error; unfinished runs last', async () => {
    const all = await runs();
    expect(all.map((r) => [r.mapping, r.direction, r.finished])).toEqual([
      ['CUSTOMER', 'to-dataverse', true],
      ['CUSTOMER', 'from-dataverse', true],
      ['CURRENCY', 'to-dataverse', true],
      ['CONTACT', 'to-dataverse', false],
    ]);
    expect(all[0]).toMatchObject({ counts: { inserted: 3, unchanged: 5, echoSuppressed: 2, failed: 0 }, requests: 7, retries: 1, durationMs: 1500, records: [] });
    expect(all[1]!.records).toEqual([
      expect.objectContaining({ outcome: 'failed', bcId: BC_ID, dataverseId: DV_ID, error: 'currency: MXN must be coupled first (couple mapping CURRENCY)' }),
      expect.objectContaining({ outcome: 'conflict', bcId: BC_ID, dataverseId: DV_ID, error: 'both sides changed name' }),
    ]);
  });

  test('--mapping (any case), --failed and --since filter the runs', async () => {
    expect((await runs(['--mapping', 'customer'])).map((r) => r.direction)).toEqual(['to-dataverse', 'from-dataverse']);
    expect((await runs(['--failed'])).map((r) => r.mapping)).toEqual(['CUSTOMER', 'CONTACT']);
    expect((await runs(['--since', '150m'])).map((r) => r.mapping)).toEqual(['CURRENCY', 'CONTACT']);
    expect((await runs(['--since', new Date(T0 + HOUR).toISOString()])).map((r) => r.mapping)).toEqual(['CUSTOMER', 'CURRENCY', 'CONTACT']);
    expect(await runs(['--mapping', 'VENDOR'])).toEqual([]);
  });

  test('table output: one row per run with every count, then the failed records', async () => {
    const r = await cli(['log', '--mapping', 'CUSTOMER']);
    expect(r.code).toBe(0);
    const [header, first, second, blank, recordHeader, ...records] = r.stdout.trimEnd().split('\n');
    expect(header).toBe('started\tmapping\tkind\tdirection\tinserted\tmodified\tdeleted\tunchanged\tskipped\tfailed\tconflicts\techo\tcoupled\tuncoupled\trequests\tretries\tduration');
    expect(first).toBe(`${new Date(T0).toISOString()}\tCUSTOMER\tsync\tto-dataverse\t3\t0\t0\t5\t0\t0\t0\t2\t0\t0\t7\t1\t1.5 s`);
    expect(second).toMatch(/\tCUSTOMER\tsync\tfrom-dataverse\t0\t4\t0\t0\t0\t1\t1\t0\t0\t0\t3\t0\t200 ms$/);
    expect(blank).toBe('');
    expect(recordHeader).toBe('started\tmapping\tdirection\toutcome\tbcId\tdataverseId\terror');
    expect(records).toEqual([
      expect.stringMatching(new RegExp(`\\tCUSTOMER\\tfrom-dataverse\\tfailed\\t${BC_ID}\\t${DV_ID}\\tcurrency: MXN must be coupled first`)),
      expect.stringMatching(/\tconflict\t.*\tboth sides changed name$/),
    ]);
  });

  test('bad --since is a usage error; an unknown profile says how to make one; an empty log says so', async () => {
    const bad = await cli(['log', '--since', '3 days ago']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --since "3 days ago" is not a time; pass an ISO date or time/);
    const noProfile = await cli(['--profile', 'other', 'log']);
    expect(noProfile.code).toBe(3);
    expect(noProfile.stderr).toMatch(/^error: No profile "other" in .*; run "bcsync setup --profile other" first \(existing profiles: default\)\.\n$/);
    const store = new ProfileStore(path.join(home, 'profiles'));
    store.save({ ...store.load('default'), name: 'empty' });
    const empty = await cli(['--profile', 'empty', 'log']);
    expect(empty).toEqual({ code: 0, stdout: '', stderr: 'No runs logged for profile "empty" that match.\n' });
    expect(JSON.parse((await cli(['--profile', 'empty', 'log', '--json'])).stdout)).toEqual({ runs: [] });
  });
});
