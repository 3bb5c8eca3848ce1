import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { logReport, startMappingRun } from '../../src/app/session.js';
import { emptyCounts, type MappingReport } from '../../src/engine/report.js';
import { SyncLog, type LoggedRun } from '../../src/state/index.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-runlog-'));
});
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

async function runs(log: SyncLog): Promise<LoggedRun[]> {
  const all: LoggedRun[] = [];
  for await (const r of log.readRuns()) all.push(r);
  return all;
}

function report(startedAt: string): MappingReport {
  const counts = { ...emptyCounts(), modified: 2 };
  return {
    mapping: 'CUSTOMER', directions: ['to-dataverse'], counts: { 'to-dataverse': counts, 'from-dataverse': emptyCounts() },
    records: [{ mapping: 'CUSTOMER', direction: 'to-dataverse', bcId: 'b1', label: '10000', outcome: 'failed', error: 'boom' }],
    startedAt, finishedAt: new Date().toISOString(), durationMs: 5000, requests: { bc: 1, dataverse: 2 }, retries: 0, dryRun: false,
  };
}

test('a mapping run is logged when it starts, so a run that stops shows with the reason', async () => {
  const log = new SyncLog(dir);
  const logged = await startMappingRun(log, 'CUSTOMER', ['to-dataverse', 'from-dataverse'], false);
  const before = await runs(log);
  expect(before.map((r) => [r.run.direction, r.finished])).toEqual([['to-dataverse', false], ['from-dataverse', false]]);
  await logged.stopped(new Error('Dataverse refused the token\nmore'));
  const after = await runs(log);
  expect(after.map((r) => [r.finished, r.run.message])).toEqual([[true, 'stopped: Dataverse refused the token'], [true, 'stopped: Dataverse refused the token']]);
});

test('a report logged afterwards keeps its own start time, so the duration is the run\'s', async () => {
  const log = new SyncLog(dir);
  const startedAt = new Date(Date.now() - 5000).toISOString();
  await logReport(log, report(startedAt));
  const [run] = await runs(log);
  expect(run!.run.startedAt).toBe(startedAt);
  expect(run!.run.durationMs).toBeGreaterThanOrEqual(5000);
  expect(run!.run.counts.modified).toBe(2);
  expect(run!.run.requests).toBe(3);
  expect(run!.records.map((r) => r.error)).toEqual(['boom']);
});
