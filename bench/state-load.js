// The bench's state figure: how long a run takes to load a state of many couplings.
//   node bench/state-load.js build DIR N   couples N CUSTOMER records through the StateStore API (commit per
//                                          10,000) plus 1,000 of another mapping, and closes (compacts)
//   node bench/state-load.js load DIR      opens the state as a sync of CUSTOMER does (lock, CUSTOMER's
//                                          couplings, one lookup) and prints { loadMs, couplings } as JSON
// Two processes, so the load is timed cold, as a run starts.
import { StateStore } from '../dist/state/index.js';

const [command, dir, count] = process.argv.slice(2);

/** Deterministic GUID-shaped ids, like the real ones (36 characters). */
const guid = (prefix, i) => `${prefix}0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

if (command === 'build') {
  const n = Number(count);
  const store = await StateStore.open(dir, { lock: true });
  const coupleAll = async (mapping, total, bcPrefix, dvPrefix) => {
    for (let i = 0; i < total; i++) {
      store.couple({
        mapping,
        bcId: guid(bcPrefix, i),
        dataverseId: guid(dvPrefix, i),
        // Distinct times per record, as real data has.
        bcModifiedAt: new Date(Date.UTC(2025, 0, 1) + i * 1003).toISOString(),
        dataverseModifiedAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString().replace('.000Z', 'Z'),
        syncedDirection: 'to-dataverse',
      });
      if ((i + 1) % 10_000 === 0) await store.commit();
    }
  };
  await coupleAll('CUSTOMER', n, 'b', 'd');
  await coupleAll('ITEM-PRODUCT', 1000, 'e', 'f');
  await store.compact();
  await store.close();
} else if (command === 'load') {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const store = await StateStore.open(dir, { lock: true });
  // Loads CUSTOMER's couplings (and only those) and counts them.
  const couplings = store.counts('CUSTOMER').couplings;
  const found = store.byDataverseId('CUSTOMER', guid('d', 12345)) !== undefined;
  const loadMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const loadCpuMs = (cpu.user + cpu.system) / 1000;
  await store.close();
  process.stdout.write(JSON.stringify({ loadMs, loadCpuMs, couplings, found }) + '\n');
} else {
  process.stderr.write('usage: node bench/state-load.js build DIR N | load DIR\n');
  process.exit(2);
}
