// The state's share of a full sync's memory: N new CUSTOMER couplings made through the StateStore API as the
// engine's writer makes them (couple, the written-by-us flag, the merge base; commit per 1,000-record batch),
// then the heap the store holds, after a full collection. What is left of a full sync's peak RSS is the engine's.
//   node --expose-gc bench/state-memory.js DIR N      prints { couplings, heapMb, perCouplingBytes, rssMb } as JSON
import { StateStore } from '../dist/state/index.js';

const [dir, count] = process.argv.slice(2);
const n = Number(count);
if (!dir || !Number.isSafeInteger(n) || n < 1 || typeof globalThis.gc !== 'function') {
  process.stderr.write('usage: node --expose-gc bench/state-memory.js DIR N\n');
  process.exit(2);
}
/** Deterministic GUID-shaped ids, as flat strings like the ones JSON.parse makes. */
const guid = (prefix, i) => [prefix, '0000000-0000-4000-8000-', i.toString(16).padStart(12, '0')].join('');
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const store = await StateStore.open(dir, { lock: true });
store.counts('CUSTOMER');
const before = heap();
for (let i = 0; i < n; i++) {
  const bcId = guid('b', i);
  store.couple(
    {
      mapping: 'CUSTOMER',
      bcId,
      dataverseId: guid('d', i),
      bcModifiedAt: new Date(Date.UTC(2025, 0, 1) + i * 1003).toISOString(),
      dataverseModifiedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace('.000Z', 'Z'),
      syncedDirection: 'to-dataverse',
    },
    { replace: true },
  );
  store.update('CUSTOMER', bcId, { extra: { dvw: true } });
  // A merge base as the engine stores it: one flat string, a signature and 6 characters per field (15 fields).
  store.update('CUSTOMER', bcId, { extra: { base: ['fp1sig:', (i * 2654435761).toString(36).padStart(90, 'A')].join('') } });
  if ((i + 1) % 1000 === 0) await store.commit();
}
await store.commit();
const held = heap() - before;
const rssMb = Math.round(process.memoryUsage().rss / 1e6);
await store.close();
process.stdout.write(JSON.stringify({ couplings: n, heapMb: Math.round(held / 1e6), perCouplingBytes: Math.round(held / n), rssMb }) + '\n');
