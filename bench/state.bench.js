// State store at scale: a million couplings created through the API in batches of 1,000, then reopened,
// updated, compacted and reopened again. Prints wall time per phase, file sizes and peak RSS.
// Run: npm run build && node --expose-gc bench/state.bench.js [couplings]
// (plain JS importing dist/, because Node 20 cannot run the TypeScript sources directly)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateStore } from '../dist/state/index.js';

const total = Number(process.argv[2] ?? 1_000_000);
const batchSize = 1000;
const mapping = 'CUSTOMER';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-state-bench-'));
const figures = [];
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

/** Deterministic GUID-shaped ids, like the real ones (36 characters). */
function guid(prefix, i) {
  const hex = i.toString(16).padStart(12, '0');
  return `${prefix}0000000-0000-4000-8000-${hex}`;
}

async function phase(name, fn) {
  globalThis.gc?.();
  const start = performance.now();
  const cpu = process.cpuUsage();
  const result = await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  figures.push({
    phase: name,
    wallSeconds: (ms / 1000).toFixed(2),
    // CPU time is the steadier figure on a shared machine; wall time includes fsync waits.
    cpuSeconds: ((used.user + used.system) / 1e6).toFixed(2),
    heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
  });
  return result;
}

try {
  let store = await StateStore.open(dir, { lock: true });
  console.log(`load average before: ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}`);
  await phase(`couple ${total} (commit per ${batchSize})`, async () => {
    for (let i = 0; i < total; i++) {
      store.couple({
        mapping,
        bcId: guid('b', i),
        dataverseId: guid('d', i),
        // Distinct times per record, as real data has (no string sharing to flatter the memory figure).
        bcModifiedAt: new Date(Date.UTC(2025, 0, 1) + i * 1003).toISOString(),
        dataverseModifiedAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString().replace('.000Z', 'Z'),
        syncedDirection: 'to-dataverse',
      });
      if ((i + 1) % batchSize === 0) await store.commit();
    }
    await store.commit();
  });
  const afterCouple = store.fileSizes;
  await phase('close (compacts)', () => store.close());
  store = undefined; // let the closed store's memory go before measuring the reopen
  store = await phase('reopen', () => StateStore.open(dir, { lock: true }));
  if (store.counts(mapping).couplings !== total) throw new Error(`expected ${total} couplings, found ${store.counts(mapping).couplings}`);
  await phase(`update ${total} (commit per ${batchSize})`, async () => {
    let i = 0;
    // Live iteration: a coupling changed in place is not visited again, and no array of a million objects is made.
    for (const c of store.couplings(mapping)) {
      store.markSuccess(mapping, c.bcId, 'to-dataverse', { bcModifiedAt: new Date(Date.UTC(2026, 1, 1) + i * 1003).toISOString() });
      if (++i % batchSize === 0) await store.commit();
    }
    await store.commit();
  });
  await phase('compact', () => store.compact());
  const afterCompact = store.fileSizes;
  const memory = store.couplingMemory(mapping);
  await store.close();
  store = undefined;
  store = await phase('reopen (snapshot only)', () => StateStore.open(dir, { lock: false }));
  const lookups = await phase('1,000,000 lookups by Dataverse id', () => {
    let found = 0;
    for (let i = 0; i < 1_000_000; i++) if (store.byDataverseId(mapping, guid('d', i % total))) found++;
    return found;
  });
  await store.close();
  clearInterval(sampler);
  console.table(figures);
  console.log(`couplings: ${total}; lookups found: ${lookups}`);
  console.log(
    `journal before first compaction: ${(afterCouple.journal / 1e6).toFixed(1)} MB; ` +
      `snapshot: ${(afterCompact.snapshot / 1e6).toFixed(1)} MB (${Math.round(afterCompact.snapshot / total)} bytes per coupling)`,
  );
  console.log(`coupling table: ${(memory.bytes / 1e6).toFixed(1)} MB in typed arrays (${Math.round(memory.bytes / total)} bytes per coupling), ${memory.strings} strings beside it`);
  console.log(`peak RSS: ${Math.round(peakRss / 1e6)} MB; cores: ${os.cpus().length}`);
} finally {
  clearInterval(sampler);
  fs.rmSync(dir, { recursive: true, force: true });
}
