import { afterEach, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SYNC_LOG_FILE, SYNC_LOG_PREVIOUS_FILE, SyncLog, emptyCounts, type LoggedRun } from '../../src/state/index.js';
import { tempDir } from './helpers/state-helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function newLog(options: { maxBytes?: number } = {}): { log: SyncLog; clock: ManualClock; dir: string } {
  const dir = tempDir();
  dirs.push(dir);
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 8, 0, 0));
  return { log: new SyncLog(dir, { clock, ...options }), clock, dir };
}

async function all(log: SyncLog, filter: Parameters<SyncLog['readRuns']>[0] = {}): Promise<LoggedRun[]> {
  const out: LoggedRun[] = [];
  for await (const r of log.readRuns(filter)) out.push(r);
  return out;
}

describe('sync log', () => {
  test('one line per run start, per failed/skipped/conflict record and per run end, read back with records', async () => {
    const { log, clock, dir } = newLog();
    const run = await log.startRun({ mapping: 'CUSTOMER', direction: 'to-dataverse' });
    run.record({ outcome: 'failed', bcId: 'bc-1', error: 'Name is too long' });
    await run.flush();
    clock.advance(1500);
    run.record({ outcome: 'conflict', bcId: 'bc-2', dataverseId: 'dv-2', error: 'both sides changed: name' });
    const finished = await run.finish({
      counts: { inserted: 3, modified: 1, unchanged: 10, failed: 1, conflicts: 1, echoSuppressed: 2 },
      requests: 4,
      retries: 1,
    });
    expect(finished).toEqual({
      runId: run.runId,
      kind: 'synchronization',
      mapping: 'CUSTOMER',
      direction: 'to-dataverse',
      dryRun: false,
      startedAt: '2026-01-01T08:00:00.000Z',
      finishedAt: '2026-01-01T08:00:01.500Z',
      durationMs: 1500,
      counts: { ...emptyCounts(), inserted: 3, modified: 1, unchanged: 10, failed: 1, conflicts: 1, echoSuppressed: 2 },
      requests: 4,
      retries: 1,
    });
    const lines = fs.readFileSync(path.join(dir, SYNC_LOG_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.entry)).toEqual(['start', 'record', 'record', 'run']);
    expect(lines[1]).toEqual({
      entry: 'record',
      runId: run.runId,
      mapping: 'CUSTOMER',
      direction: 'to-dataverse',
      outcome: 'failed',
      bcId: 'bc-1',
      error: 'Name is too long',
      at: '2026-01-01T08:00:00.000Z',
    });
    const runs = await all(log);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.run).toEqual(finished);
    expect(runs[0]!.finished).toBe(true);
    expect(runs[0]!.records.map((r) => [r.outcome, r.bcId, r.dataverseId])).toEqual([
      ['failed', 'bc-1', undefined],
      ['conflict', 'bc-2', 'dv-2'],
    ]);
  });

  test('filters: mapping, failed only, since', async () => {
    const { log, clock } = newLog();
    const make = async (mapping: string, failed: number): Promise<void> => {
      const r = await log.startRun({ mapping, direction: 'from-dataverse' });
      if (failed) r.record({ outcome: 'failed', dataverseId: `dv-${mapping}`, error: 'no' });
      await r.finish({ counts: { failed, unchanged: 5 } });
      clock.advance(60_000);
    };
    await make('CUSTOMER', 0);
    await make('CONTACT', 1);
    await make('CUSTOMER', 2);
    await make('ITEM-PRODUCT', 0);
    expect((await all(log)).map((r) => r.run.mapping)).toEqual(['CUSTOMER', 'CONTACT', 'CUSTOMER', 'ITEM-PRODUCT']);
    expect((await all(log, { mapping: 'CUSTOMER' })).map((r) => r.run.counts.failed)).toEqual([0, 2]);
    expect((await all(log, { failedOnly: true })).map((r) => r.run.mapping)).toEqual(['CONTACT', 'CUSTOMER']);
    expect((await all(log, { since: '2026-01-01T08:01:30Z' })).map((r) => r.run.startedAt)).toEqual([
      '2026-01-01T08:02:00.000Z',
      '2026-01-01T08:03:00.000Z',
    ]);
    await expect(log.readRuns({ since: 'soon' }).next()).rejects.toThrow(TypeError);
  });

  test('a run killed halfway shows as not finished with the records it flushed; a torn last line is ignored', async () => {
    const { log, dir } = newLog();
    const done = await log.startRun({ mapping: 'VENDOR', direction: 'to-dataverse' });
    await done.finish({ counts: { unchanged: 1 } });
    const killed = await log.startRun({ mapping: 'CUSTOMER', direction: 'to-dataverse', dryRun: true });
    killed.record({ outcome: 'skipped', bcId: 'bc-7', error: 'same error twice' });
    await killed.flush();
    fs.appendFileSync(path.join(dir, SYNC_LOG_FILE), '{"entry":"record","runId":"');
    const bad: number[] = [];
    const runs = await all(log, { onBadLine: (_f, n) => bad.push(n) });
    expect(bad).toEqual([]);
    expect(runs.map((r) => [r.run.mapping, r.finished, r.records.length])).toEqual([
      ['VENDOR', true, 0],
      ['CUSTOMER', false, 1],
    ]);
    expect(runs[1]!.run.dryRun).toBe(true);
    expect(runs[1]!.run.finishedAt).toBeUndefined();
    expect((await all(log, { failedOnly: true })).map((r) => r.run.mapping)).toEqual(['CUSTOMER']);
  });

  test('an unreadable line in the middle is reported and skipped, not fatal', async () => {
    const { log, dir } = newLog();
    await (await log.startRun({ mapping: 'A' })).finish({ counts: {} });
    fs.appendFileSync(path.join(dir, SYNC_LOG_FILE), 'garbage\n');
    await (await log.startRun({ mapping: 'B' })).finish({ counts: {} });
    const bad: number[] = [];
    expect((await all(log, { onBadLine: (_f, n) => bad.push(n) })).map((r) => r.run.mapping)).toEqual(['A', 'B']);
    expect(bad).toEqual([3]);
  });

  test('secrets that slip into error texts are masked', async () => {
    const { log, dir } = newLog();
    const run = await log.startRun({ mapping: 'CUSTOMER', direction: 'to-dataverse' });
    run.record({
      outcome: 'failed',
      bcId: 'x',
      error: 'token endpoint said: {"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl","client_secret":"s3cr3t"}',
    });
    await run.finish({ counts: { failed: 1 }, message: 'request failed: Authorization: Bearer abcdef123456' });
    const text = fs.readFileSync(path.join(dir, SYNC_LOG_FILE), 'utf8');
    expect(text).not.toMatch(/eyJhbGci|s3cr3t|abcdef123456/);
    expect(text).toContain('Bearer ***');
    expect(text).toContain('"client_secret\\":\\"***');
  });

  test('rotates to sync-log.1.ndjson past maxBytes; both files are read', async () => {
    const { log, dir } = newLog({ maxBytes: 600 });
    for (let i = 0; i < 6; i++) await (await log.startRun({ mapping: `M${i}` })).finish({ counts: { unchanged: i } });
    expect(fs.existsSync(path.join(dir, SYNC_LOG_PREVIOUS_FILE))).toBe(true);
    expect(fs.statSync(path.join(dir, SYNC_LOG_FILE)).size).toBeLessThan(1300);
    const runs = await all(log);
    // The oldest runs were in the file the previous rotation replaced.
    expect(runs.map((r) => r.run.mapping)).toEqual(['M2', 'M3', 'M4', 'M5']);
  });

  test('counts must be non-negative integers; a run finishes once', async () => {
    const { log } = newLog();
    const run = await log.startRun({ mapping: 'CUSTOMER' });
    await expect(run.finish({ counts: { failed: -1 } })).rejects.toThrow(TypeError);
    await expect(run.finish({ counts: { failed: 1.5 } })).rejects.toThrow(TypeError);
    // Nothing was written by the refused calls, and the run can still be finished properly.
    expect((await all(log)).map((r) => r.finished)).toEqual([false]);
    await run.finish({ counts: { failed: 1 } });
    await expect(run.finish({ counts: {} })).rejects.toThrow(/already finished/);
    expect((await all(log)).map((r) => [r.finished, r.run.counts.failed])).toEqual([[true, 1]]);
  });
});
