// The state's CPU per change in a full sync, without the services: N new CUSTOMER couplings made as the engine's
// writer makes them, per batch of 1,000 creates: the intents recorded (durable) before the batch "leaves", each
// create coupled with the written-by-us flag and the merge base, the batch committed, the intents closed. Then the
// store is closed (its compaction). Prints CPU and wall per phase as JSON (memory: bench/state-load.js heap).
//   npm run build && node --expose-gc bench/state-cpu.js [N]        (default 100,000)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IntentJournal, StateStore } from '../dist/state/index.js';

const n = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const guid = (prefix, i) => [prefix, '0000000-0000-4000-8000-', i.toString(16).padStart(12, '0')].join('');
const base = (i) => ['IpOxpi:', ((i * 2654435761) >>> 0).toString(36).padStart(7, '0').repeat(14).slice(0, 96)].join('');
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return Math.round((u.user + u.system) / 1000);
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-state-cpu-'));
try {
  // The inputs are made first: what is timed is the state's work only.
  const batches = [];
  for (let start = 0; start < n; start += BATCH) {
    const writtenAt = new Date(Date.UTC(2026, 0, 1) + start * 10).toISOString().replace(/\.\d+Z$/, 'Z');
    const creates = [];
    const couples = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const bcId = guid('b', i);
      const dataverseId = guid('d', i);
      const bcModifiedAt = new Date(Date.UTC(2025, 0, 1) + i * 1003).toISOString();
      creates.push({ mapping: 'CUSTOMER', direction: 'to-dataverse', target: 'dataverse', entitySet: 'accounts', sourceId: bcId, sourceModifiedAt: bcModifiedAt, chosenId: dataverseId });
      couples.push({ mapping: 'CUSTOMER', bcId, dataverseId, bcModifiedAt, dataverseModifiedAt: writtenAt, syncedDirection: 'to-dataverse', extra: { dvw: true, base: base(i) } });
    }
    batches.push({ creates, couples });
  }
  const store = await StateStore.open(dir, { lock: true });
  const intents = await IntentJournal.open(dir);
  globalThis.gc?.();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const { creates, couples } of batches) {
    const made = await intents.record(creates);
    for (const input of couples) {
      store.couple(input, { replace: true });
      store.forgetFailure('CUSTOMER', 'to-dataverse', input.bcId);
    }
    await store.commit();
    await intents.close(made);
  }
  const runCpuMs = cpuMs(c0);
  const runWallMs = Math.round(performance.now() - t0);
  const c1 = process.cpuUsage();
  await store.close();
  const closeCpuMs = cpuMs(c1);
  process.stdout.write(
    JSON.stringify({
      couplings: n,
      runCpuMs,
      runWallMs,
      cpuUsPerCoupling: +((runCpuMs * 1000) / n).toFixed(1),
      closeCpuMs,
      loadAverage: os.loadavg()[0],
    }) + '\n',
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
