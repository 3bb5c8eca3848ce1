// The bench (issue 11): times bcsync's own commands as a user runs them, against emulators in their own process,
// next to a stateless dynamics-web-api script (the peer) and a measured one-upsert-per-record baseline, in one run.
//
//   npm run bench                          N = 100,000 customers (builds dist/ first)
//   npm run bench -- --n 10000 --json      one JSON object instead of the table
//   options: --n N, --baseline-n N (10,000; 0 skips it), --state-n N (1,000,000; 0 skips it), --no-peer, --no-latency,
//            --second-full-sync (step 2b below; off by default, the default output is unchanged without it),
//            --dataverse-parallel N (the profile's limits.dataverseParallelRequests; default: not set)
//   the 1,000,000-customer memory figure: node bench/run.js --n 1000000 --baseline-n 0 --state-n 0 --no-peer
//
// Steps, each on a fresh request log of the emulators (bench/emulator-host.js, seed scale:N, DEFAULT_LATENCY and
// the documented service-protection limits):
//   1. `bcsync setup --yes` against the emulators (not timed)
//   2. `bcsync full-sync --mapping CUSTOMER` (review included), then `bcsync sync --mapping CUSTOMER` (no changes)
//  2b. with --second-full-sync: `bcsync full-sync --mapping CUSTOMER` again, everything coupled (how cron-driven
//      full syncs run); its requests by kind and wall are printed after the sync's
//   3. the peer: bench/peer.js --mode batch (executeBatch, 1,000-operation changesets, 16 in flight)
//   4. the baseline: bench/peer.js --mode per-record on the first --baseline-n customers (one upsert each, 16 in
//      flight); last, because its requests fill the service's 5-minute request window
//   5. the state: a state of --state-n couplings loaded cold (bench/state-load.js)
// Every timed command is its own process, preloaded with bench/rusage.js for its CPU time and peak RSS.
// Prints figures only: nothing here asserts a timing (ratios are the targets, see README "Benchmark").
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const BIN = path.join(ROOT, 'bin', 'bcsync.js');

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    'baseline-n': { type: 'string', default: '10000' },
    'state-n': { type: 'string', default: '1000000' },
    json: { type: 'boolean', default: false },
    'no-latency': { type: 'boolean', default: false },
    'second-full-sync': { type: 'boolean', default: false },
    // Skips step 3 (the peer): its ratios are left out. For the large runs whose figure is bcsync's own peak RSS.
    'no-peer': { type: 'boolean', default: false },
    // The profile's limits.dataverseParallelRequests (1-52; default: not set, the service's hint, 52 here).
    'dataverse-parallel': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('usage: npm run bench -- [--n 100000] [--baseline-n 10000] [--state-n 1000000] [--json] [--no-peer] [--no-latency] [--second-full-sync] [--dataverse-parallel N]\n');
  process.exit(0);
}
const N = Number(args.n);
const BASELINE_N = Math.min(Number(args['baseline-n']), N);
const STATE_N = Number(args['state-n']);
for (const [flag, v, min] of [['--n', N, 1], ['--baseline-n', BASELINE_N, 0], ['--state-n', STATE_N, 0]]) {
  if (!Number.isSafeInteger(v) || v < min) {
    process.stderr.write(`${flag} must be a whole number of at least ${min}, e.g. --n 10000\n`);
    process.exit(2);
  }
}
const DATAVERSE_PARALLEL = args['dataverse-parallel'] === undefined ? undefined : Number(args['dataverse-parallel']);
if (DATAVERSE_PARALLEL !== undefined && (!Number.isInteger(DATAVERSE_PARALLEL) || DATAVERSE_PARALLEL < 1 || DATAVERSE_PARALLEL > 52)) {
  process.stderr.write('--dataverse-parallel must be a whole number from 1 to 52, e.g. --dataverse-parallel 16\n');
  process.exit(2);
}
const latency = !args['no-latency'];
const progress = (text) => process.stderr.write(`bench: ${text}\n`);

// ------------------------------------------------------------------------------------------------
// The emulator host.
// Both emulated systems hold every record: 4.4 GB of the host's RSS once 1,000,000 customers are seeded, and ~6 KB
// of heap a record by the end of their full sync (a 6 GB limit ran out at ~950,000 written), beyond V8's default
// limit, so the host's limit grows with N: 10 GB at 1,000,000.
const hostHeapMb = Math.max(4096, Math.ceil((N * 10) / 1000));
const host = fork(path.join(HERE, 'emulator-host.js'), [JSON.stringify({ seed: `scale:${N}`, latency })], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  // BENCH_EMULATOR_PROF=DIR: a V8 CPU profile of the emulator host into DIR (what our requests cost the emulators).
  // A young generation of 64 MB semi-spaces: the host creates 100,000s of rows that live on, and with the default
  // (16 MB) every few MB of them were copied by a scavenge, then again into the old generation (GC 1.7 s of the
  // host's CPU during a 100,000-record full sync). It changes nothing the emulators answer or when.
  execArgv: [`--max-old-space-size=${hostHeapMb}`, `--max-semi-space-size=${process.env.BENCH_EMULATOR_SEMI_SPACE_MB ?? 64}`, ...(process.env.BENCH_EMULATOR_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_EMULATOR_PROF] : [])],
});
// Never leave the host behind (it holds our stdout), also when a step fails.
process.on('exit', () => host.kill());
let nextId = 1;
const pending = new Map();
const ready = new Promise((resolve, reject) => {
  host.on('message', (msg) => {
    if (msg.type === 'ready') return resolve(msg.info);
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new Error(msg.error));
    else waiter.resolve(msg.result);
  });
  host.on('exit', (code) => reject(new Error(`the emulator host exited (${code}) before it was ready`)));
});
function ask(cmd, extra = {}) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    host.send({ id, cmd, ...extra });
  });
}

const started = performance.now();
progress(`seeding the emulators with scale:${N} (separate process)`);
const info = await ready;
const seedMs = performance.now() - started;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-bench-'));
const rusageFile = path.join(home, 'rusage.json');
const baseEnv = { ...process.env, BCSYNC_HOME: home, NO_COLOR: '1', BENCH_RUSAGE_FILE: rusageFile };
delete baseEnv.NODE_OPTIONS;
const secret = info.credentials.clientSecret;
const cliEnv = { ...baseEnv, BCSYNC_CLIENT_SECRET: secret };

/** Runs a node script in a process of its own; wall time from spawn to exit, its CPU and peak RSS from rusage.js. */
function runNode(script, argv, env) {
  return new Promise((resolve, reject) => {
    fs.rmSync(rusageFile, { force: true });
    const t0 = performance.now();
    // BENCH_CPU_PROF=DIR: a V8 CPU profile of every timed process into DIR (for finding where the time goes).
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
    // BENCH_NODE_ARGS="--max-old-space-size=200": extra Node flags for every timed process (memory experiments).
    const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : [];
    const child = spawn(process.execPath, [...profile, ...extra, '--import', path.join(HERE, 'rusage.js'), script, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const usage = fs.existsSync(rusageFile) ? JSON.parse(fs.readFileSync(rusageFile, 'utf8')) : { cpuMs: NaN, maxRssMb: NaN };
      resolve({ code, stdout, stderr, wallMs, ...usage });
    });
  });
}

function mustSucceed(what, r) {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr || r.stdout}`.slice(0, 4000));
  return r;
}

/** Runs `work` on a fresh request log; adds the emulators' figures, CPU and the load average at the start. */
async function measured(work) {
  await ask('resetLog');
  const emulatorCpu0 = await ask('cpu');
  const loadAverage = os.loadavg()[0];
  const t0 = Date.now();
  const r = await work();
  const emulatorCpuMs = ((await ask('cpu')) - emulatorCpu0) / 1000;
  const stats = await ask('stats');
  const kinds = await ask('requests');
  const timeline = await ask('timeline');
  // BENCH_TIMELINE=FILE: every request of the step (start, duration, query) appended to FILE as NDJSON.
  if (process.env.BENCH_TIMELINE) fs.appendFileSync(process.env.BENCH_TIMELINE, JSON.stringify({ t0, timeline }) + '\n');
  return { ...r, stats, kinds, emulatorCpuMs, loadAverage, writePipeline: writePipeline(timeline, t0) };
}

/**
 * How full the write pipe was: Dataverse `$batch` requests in flight (at most, and on average from the first batch's
 * start to the last one's end), and when the first and last batch started and the last ended, from the process start.
 */
function writePipeline(timeline, t0) {
  const batches = timeline.filter((e) => e.api === 'dataverse' && e.method === 'POST' && e.path === '$batch');
  if (!batches.length) return null;
  const edges = batches.flatMap((e) => [[e.startedAt, 1], [e.startedAt + e.durationMs, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let max = 0;
  let area = 0;
  for (let i = 0; i < edges.length; i++) {
    if (i > 0) area += inFlight * (edges[i][0] - edges[i - 1][0]);
    inFlight += edges[i][1];
    max = Math.max(max, inFlight);
  }
  const first = edges[0][0];
  const last = edges[edges.length - 1][0];
  return {
    batches: batches.length,
    maxInFlight: max,
    meanInFlight: Math.round((area / Math.max(1, last - first)) * 10) / 10,
    firstStartMs: Math.round(first - t0),
    lastStartMs: Math.round(Math.max(...batches.map((e) => e.startedAt)) - t0),
    lastEndMs: Math.round(last - t0),
  };
}

const cli = (argv) => runNode(BIN, argv, cliEnv);
const total = (stats) => stats.requests.bc + stats.requests.dataverse + stats.requests.token;

// 1. The profile, as a user makes it.
progress('setup --yes');
mustSucceed(
  'bcsync setup',
  await cli([
    'setup', '--yes',
    '--bc-url', info.bc.url,
    '--company', info.bc.companyName,
    '--dataverse-url', info.dataverse.orgUrl,
    '--tenant-id', info.credentials.tenantId,
    '--authority', info.authority,
    '--client-id', info.credentials.clientId,
  ]),
);

// A user who holds fewer Dataverse requests in flight sets it in the profile file, as here.
if (DATAVERSE_PARALLEL !== undefined) {
  const file = path.join(home, 'profiles', 'default.json');
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...profile, limits: { ...profile.limits, dataverseParallelRequests: DATAVERSE_PARALLEL } }, null, 2), { mode: 0o600 });
}

// The scale seed's customers name salespeople nobody coupled: a user leaves the owner out, as here.
mustSucceed('bcsync mappings set', await cli(['mappings', 'set', 'CUSTOMER', '--disable-field', 'owner', '--disable-field', 'ownerType']));

// 2. bcsync full-sync and sync of CUSTOMER.
progress(`full-sync --mapping CUSTOMER (${N} customers)`);
const full = await measured(async () => mustSucceed('bcsync full-sync', await cli(['full-sync', '--mapping', 'CUSTOMER'])));
progress('sync --mapping CUSTOMER (no changes)');
const sync = await measured(async () => mustSucceed('bcsync sync', await cli(['sync', '--mapping', 'CUSTOMER'])));
let second;
if (args['second-full-sync']) {
  progress(`second full-sync --mapping CUSTOMER (${N} customers, all coupled)`);
  second = await measured(async () => mustSucceed('bcsync full-sync (second)', await cli(['full-sync', '--mapping', 'CUSTOMER'])));
}

// 3. The peer, 4. the baseline.
const peerEnv = {
  ...baseEnv,
  BENCH_CONNECTION: JSON.stringify({
    tokenUrl: info.tokenUrl,
    clientId: info.credentials.clientId,
    clientSecret: secret,
    bcUrl: info.bc.url,
    companyId: info.bc.companyId,
    dataverseOrgUrl: info.dataverse.orgUrl,
  }),
};
const peerRun = async (argv) => {
  const r = mustSucceed('bench/peer.js', await runNode(path.join(HERE, 'peer.js'), argv, peerEnv));
  return { ...r, result: JSON.parse(r.stdout.trim().split('\n').pop()) };
};
let peer;
if (!args['no-peer']) {
  progress('peer: dynamics-web-api executeBatch, 1,000-operation changesets, 16 in flight');
  peer = await measured(() => peerRun(['--mode', 'batch', '--batch-size', '1000', '--concurrency', '16']));
}
let baseline;
if (BASELINE_N > 0) {
  progress(`baseline: one upsert per record for ${BASELINE_N} customers, 16 in flight (waits out the request window)`);
  baseline = await measured(() => peerRun(['--mode', 'per-record', '--limit', String(BASELINE_N), '--concurrency', '16']));
}

// 5. The state.
let state;
if (STATE_N > 0) {
  progress(`state: build ${STATE_N} couplings, then load them cold`);
  const stateDir = path.join(home, 'state-bench');
  mustSucceed('state build', await runNode(path.join(HERE, 'state-load.js'), ['build', stateDir, String(STATE_N)], baseEnv));
  const load = mustSucceed('state load', await runNode(path.join(HERE, 'state-load.js'), ['load', stateDir], baseEnv));
  const snapshotBytes = fs
    .readdirSync(stateDir, { recursive: true })
    .filter((f) => String(f).endsWith('.json'))
    .reduce((n, f) => n + fs.statSync(path.join(stateDir, String(f))).size, 0);
  state = { ...JSON.parse(load.stdout.trim()), peakRssMb: load.maxRssMb, snapshotBytes };
}

const emulatorPeakRssMb = await ask('memory');
await ask('close');
fs.rmSync(home, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------
// Figures.
const r2 = (x) => Math.round(x * 100) / 100;
const fullRequests = total(full.stats);
const perRecordRequests = baseline ? total(baseline.stats) : undefined;
const figures = {
  n: N,
  node: process.version,
  cpus: os.cpus().length,
  latency: latency ? 'DEFAULT_LATENCY' : 'off',
  seedMs: Math.round(seedMs),
  emulatorPeakRssMb,
  mappings: {
    CUSTOMER: {
      requests: full.stats.requests,
      requestsPer1000: r2((fullRequests / N) * 1000),
      wallMs: Math.round(full.wallMs),
      lowerBoundMs: Math.round(full.stats.lowerBoundMs.total),
      lowerBoundByApiMs: { bc: Math.round(full.stats.lowerBoundMs.bc), dataverse: Math.round(full.stats.lowerBoundMs.dataverse) },
      wallToLowerBound: r2(full.wallMs / full.stats.lowerBoundMs.total),
      peerWallMs: peer ? Math.round(peer.wallMs) : null,
      wallToPeer: peer ? r2(full.wallMs / peer.wallMs) : null,
      baselineRecords: BASELINE_N,
      baselineRequests: perRecordRequests ?? null,
      requestRatioToBaseline: perRecordRequests ? r2(perRecordRequests / BASELINE_N / (fullRequests / N)) : null,
      peakRssMb: Math.round(full.maxRssMb),
      memoryAtPeak: full.memoryAtPeak ?? null,
      clientCpuMs: Math.round(full.cpuMs),
      emulatorCpuMs: Math.round(full.emulatorCpuMs),
      throttled: full.stats.throttled.bc + full.stats.throttled.dataverse,
      loadAverage: r2(full.loadAverage),
      requestKinds: full.kinds,
      writePipeline: full.writePipeline,
      sync: {
        requests: sync.stats.requests,
        wallMs: Math.round(sync.wallMs),
        lowerBoundMs: Math.round(sync.stats.lowerBoundMs.total),
        peakRssMb: Math.round(sync.maxRssMb),
        clientCpuMs: Math.round(sync.cpuMs),
      },
      ...(second
        ? {
            secondFullSync: {
              requests: second.stats.requests,
              operations: second.stats.operations,
              requestKinds: second.kinds,
              wallMs: Math.round(second.wallMs),
              lowerBoundMs: Math.round(second.stats.lowerBoundMs.total),
              peakRssMb: Math.round(second.maxRssMb),
              clientCpuMs: Math.round(second.cpuMs),
              emulatorCpuMs: Math.round(second.emulatorCpuMs),
              loadAverage: r2(second.loadAverage),
            },
          }
        : {}),
    },
  },
  peer: peer && {
    records: peer.result.records,
    requests: peer.stats.requests,
    requestsPer1000: r2((total(peer.stats) / N) * 1000),
    wallMs: Math.round(peer.wallMs),
    lowerBoundMs: Math.round(peer.stats.lowerBoundMs.total),
    wallToLowerBound: r2(peer.wallMs / peer.stats.lowerBoundMs.total),
    peakRssMb: Math.round(peer.maxRssMb),
    clientCpuMs: Math.round(peer.cpuMs),
    emulatorCpuMs: Math.round(peer.emulatorCpuMs),
    retries: peer.result.retries,
    loadAverage: r2(peer.loadAverage),
  },
  baseline: baseline
    ? {
        records: baseline.result.records,
        requests: baseline.stats.requests,
        requestsPer1000: r2((perRecordRequests / BASELINE_N) * 1000),
        wallMs: Math.round(baseline.wallMs),
        lowerBoundMs: Math.round(baseline.stats.lowerBoundMs.total),
        throttled: baseline.stats.throttled.dataverse,
        clientCpuMs: Math.round(baseline.cpuMs),
        emulatorCpuMs: Math.round(baseline.emulatorCpuMs),
        loadAverage: r2(baseline.loadAverage),
      }
    : null,
  // The profile's limits.dataverseParallelRequests (--dataverse-parallel); null: not set.
  dataverseParallel: DATAVERSE_PARALLEL ?? null,
  stateCouplings: STATE_N,
  stateLoadMs: state ? Math.round(state.loadMs) : null,
  stateLoadCpuMs: state ? Math.round(state.loadCpuMs) : null,
  state: state ? { couplingsLoaded: state.couplings, peakRssMb: Math.round(state.peakRssMb), bytesOnDisk: state.snapshotBytes } : null,
  loadAverageAtEnd: os.loadavg().map(r2),
  totalWallMs: Math.round(performance.now() - started),
};

if (args.json) {
  process.stdout.write(JSON.stringify(figures) + '\n');
} else {
  const c = figures.mappings.CUSTOMER;
  const fmt = (n, digits = 0) => Number(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const s = (ms) => `${fmt(ms / 1000, 1)} s`;
  const req = (r) => `BC ${fmt(r.bc)}, Dataverse ${fmt(r.dataverse)}, token ${fmt(r.token)}`;
  const lines = [
    `bcsync bench: N = ${fmt(N)} customers (seed scale:${N}), Node ${process.version}, ${figures.cpus} CPUs, emulators ${latency ? 'with DEFAULT_LATENCY' : 'WITHOUT latency (ratios meaningless)'} and the documented limits, seeded in ${s(seedMs)}`,
    '',
    `bcsync full-sync --mapping CUSTOMER (review included), its own process${DATAVERSE_PARALLEL === undefined ? '' : `, the profile holding Dataverse to ${DATAVERSE_PARALLEL} requests in flight`}`,
    `  requests        ${req(c.requests)}: ${fmt(c.requestsPer1000, 2)} per 1,000 records`,
    `  wall            ${s(c.wallMs)}; lower bound ${s(c.lowerBoundMs)} (BC ${s(c.lowerBoundByApiMs.bc)}, Dataverse ${s(c.lowerBoundByApiMs.dataverse)}): ${fmt(c.wallToLowerBound, 2)}x`,
    `  vs the peer     ${c.peerWallMs === null ? 'not run (--no-peer)' : `${s(c.peerWallMs)}: ${fmt(c.wallToPeer, 2)}x the peer's wall`}`,
    `  vs per-record   ${c.baselineRequests === null ? 'not measured (--baseline-n 0)' : `${fmt(figures.baseline.requestsPer1000, 0)} requests per 1,000 records measured on ${fmt(BASELINE_N)}: ${fmt(c.requestRatioToBaseline, 0)}x fewer requests`}`,
    `  CPU             bcsync ${s(c.clientCpuMs)}, emulators ${s(c.emulatorCpuMs)}; peak RSS of bcsync ${fmt(c.peakRssMb)} MB${c.memoryAtPeak ? ` (at the highest sample: V8 heap ${fmt(c.memoryAtPeak.heapUsedMb)} MB used of ${fmt(c.memoryAtPeak.heapTotalMb)}, external ${fmt(c.memoryAtPeak.externalMb)} MB)` : ''}; throttled ${c.throttled}; load average ${fmt(c.loadAverage, 2)}`,
    `  request kinds   ${Object.entries(c.requestKinds).map(([k, v]) => `${k} ×${v.requests}`).join('; ')}`,
    ...(c.writePipeline
      ? [
          `  write pipeline  ${fmt(c.writePipeline.batches)} Dataverse batches, at most ${c.writePipeline.maxInFlight} in flight (${fmt(c.writePipeline.meanInFlight, 1)} on average); first started at ${s(c.writePipeline.firstStartMs)}, last at ${s(c.writePipeline.lastStartMs)}, last ended at ${s(c.writePipeline.lastEndMs)}`,
        ]
      : []),
    '',
    `bcsync sync --mapping CUSTOMER (no changes): ${req(c.sync.requests)}; wall ${s(c.sync.wallMs)}; CPU ${s(c.sync.clientCpuMs)}; peak RSS ${fmt(c.sync.peakRssMb)} MB`,
    ...(c.secondFullSync
      ? [
          '',
          `bcsync full-sync --mapping CUSTOMER again, everything coupled (--second-full-sync)`,
          `  requests        ${req(c.secondFullSync.requests)} (operations: Dataverse ${fmt(c.secondFullSync.operations.dataverse)}, BC ${fmt(c.secondFullSync.operations.bc)})`,
          `  wall            ${s(c.secondFullSync.wallMs)}; lower bound ${s(c.secondFullSync.lowerBoundMs)}; CPU bcsync ${s(c.secondFullSync.clientCpuMs)}, emulators ${s(c.secondFullSync.emulatorCpuMs)}; peak RSS ${fmt(c.secondFullSync.peakRssMb)} MB; load average ${fmt(c.secondFullSync.loadAverage, 2)}`,
          `  request kinds   ${Object.entries(c.secondFullSync.requestKinds).map(([k, v]) => `${k} ×${v.requests}`).join('; ')}`,
        ]
      : []),
  ];
  if (figures.peer) {
    const p = figures.peer;
    lines.push(
      '',
      `peer: dynamics-web-api executeBatch, 1,000-operation changesets, 16 in flight (bench/peer.js), its own process`,
      `  ${fmt(p.records)} records; ${req(p.requests)}; wall ${s(p.wallMs)}; lower bound ${s(p.lowerBoundMs)}: ${fmt(p.wallToLowerBound, 2)}x; CPU ${s(p.clientCpuMs)} (emulators ${s(p.emulatorCpuMs)}); peak RSS ${fmt(p.peakRssMb)} MB; retries ${p.retries}`,
    );
  }
  if (figures.baseline) {
    const b = figures.baseline;
    lines.push(
      '',
      `baseline: one upsert per record, 16 in flight, MEASURED on ${fmt(BASELINE_N)} customers (bench/peer.js --mode per-record)`,
      `  ${req(b.requests)} (${fmt(b.requestsPer1000, 0)} per 1,000 records, ${fmt(b.throttled)} throttled); wall ${s(b.wallMs)}; lower bound ${s(b.lowerBoundMs)}; CPU ${s(b.clientCpuMs)}`,
    );
  }
  if (state) {
    lines.push(
      '',
      `state: ${fmt(STATE_N)} CUSTOMER couplings (+1,000 of another mapping) loaded cold by a new process: ${fmt(figures.stateLoadMs)} ms (CPU ${fmt(figures.stateLoadCpuMs)} ms), ` +
        `peak RSS ${fmt(figures.state.peakRssMb)} MB, ${fmt(state.snapshotBytes / 1e6, 1)} MB on disk`,
    );
  }
  lines.push('', `emulator host (both systems, ${fmt(N)} records each side): peak RSS ${fmt(emulatorPeakRssMb)} MB`);
  lines.push('', `load average at the end ${figures.loadAverageAtEnd.join(' ')}; total bench wall ${s(figures.totalWallMs)}`);
  process.stdout.write(lines.join('\n') + '\n');
}
