// The bench's state figures: how long a run takes to load a state of many couplings, and what couplings cost in memory.
//   node bench/state-load.js build DIR N [--extra]
//                                          couples N CUSTOMER records through the StateStore API (commit per
//                                          10,000) plus 1,000 of another mapping, and closes (compacts). --extra
//                                          gives each the `extra` a full sync leaves (written-by-us flag, merge base)
//   node bench/state-load.js load DIR      opens the state as a sync of CUSTOMER does (lock, CUSTOMER's
//                                          couplings, one lookup) and prints { loadMs, loadCpuMs, peakRssMb, ... } as JSON
//   node --expose-gc bench/state-load.js heap N [--extra]
//                                          couples N records in a fresh state (commit per 10,000, no compaction) and
//                                          prints the heap and array-buffer bytes they hold after garbage collection
// Separate processes, so the load is timed cold, as a run starts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateStore } from '../dist/state/index.js';

const [command, dirOrCount, count] = process.argv.slice(2);
const withExtra = process.argv.includes('--extra');

/** Deterministic GUID-shaped ids, like the real ones (36 characters). */
const guid = (prefix, i) => `${prefix}0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** A merge base shaped like CUSTOMER's (a signature and 16 six-character fingerprints), distinct per record. */
const base = (i) => `IpOxpi:${(i * 2654435761 >>> 0).toString(36).padStart(7, '0').repeat(14).slice(0, 96)}`;

/** Couples `total` records of `mapping`, committing every 10,000, as a full sync of an empty state does. */
async function coupleAll(store, mapping, total, bcPrefix, dvPrefix) {
  for (let i = 0; i < total; i++) {
    const bcId = guid(bcPrefix, i);
    store.couple({
      mapping,
      bcId,
      dataverseId: guid(dvPrefix, i),
      // Distinct times per record, as real data has.
      bcModifiedAt: new Date(Date.UTC(2025, 0, 1) + i * 1003).toISOString(),
      dataverseModifiedAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString().replace('.000Z', 'Z'),
      syncedDirection: 'to-dataverse',
    });
    if (withExtra) {
      store.update(mapping, bcId, { extra: { dvw: true } });
      store.update(mapping, bcId, { extra: { base: base(i) } });
    }
    if ((i + 1) % 10_000 === 0) await store.commit();
  }
  await store.commit();
}

if (command === 'build') {
  const store = await StateStore.open(dirOrCount, { lock: true });
  await coupleAll(store, 'CUSTOMER', Number(count), 'b', 'd');
  await coupleAll(store, 'ITEM-PRODUCT', 1000, 'e', 'f');
  await store.compact();
  await store.close();
} else if (command === 'load') {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const store = await StateStore.open(dirOrCount, { lock: true });
  // Loads CUSTOMER's couplings (and only those) and counts them.
  const couplings = store.counts('CUSTOMER').couplings;
  const found = store.byDataverseId('CUSTOMER', guid('d', 12345)) !== undefined;
  const loadMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const loadCpuMs = (cpu.user + cpu.system) / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const memory = store.couplingMemory('CUSTOMER');
  await store.close();
  process.stdout.write(JSON.stringify({ loadMs, loadCpuMs, peakRssMb, couplings, found, columnBytesPerCoupling: Math.round(memory.bytes / couplings) }) + '\n');
} else if (command === 'heap' && typeof globalThis.gc === 'function') {
  const n = Number(dirOrCount);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-state-heap-'));
  try {
    // No compaction during the run: what is measured is what the couplings hold in memory.
    const store = await StateStore.open(dir, { lock: true, autoCompactBytes: Number.MAX_SAFE_INTEGER });
    globalThis.gc();
    const before = process.memoryUsage();
    await coupleAll(store, 'CUSTOMER', n, 'b', 'd');
    globalThis.gc();
    globalThis.gc();
    const after = process.memoryUsage();
    const heap = after.heapUsed - before.heapUsed;
    const buffers = after.arrayBuffers - before.arrayBuffers;
    const memory = store.couplingMemory('CUSTOMER');
    process.stdout.write(
      JSON.stringify({
        couplings: n,
        extra: withExtra,
        heapUsedMb: +(heap / 1e6).toFixed(1),
        arrayBuffersMb: +(buffers / 1e6).toFixed(1),
        bytesPerCoupling: Math.round((heap + buffers) / n),
        columnBytesPerCoupling: Math.round(memory.bytes / n),
        rssMb: Math.round(after.rss / 1e6),
      }) + '\n',
    );
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
} else {
  process.stderr.write('usage: node bench/state-load.js build DIR N [--extra] | load DIR | node --expose-gc bench/state-load.js heap N [--extra]\n');
  process.exit(2);
}
