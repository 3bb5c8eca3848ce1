// Sync engine benchmark (issue 4 §6): full synchronization of N customers and N items BC→Dataverse against the
// emulators with their latency model (DEFAULT_LATENCY) and the documented service-protection limits; a
// one-request-per-record baseline, sampled and extrapolated; incremental sync with no changes; peak RSS.
// Prints figures only: nothing here asserts a timing.
//
// Run: npm run bench                       (N = 100,000; builds dist/ first)
//      node --expose-gc bench/run.js --n 20000 [--baseline-sample 2000] [--no-latency]
//
// Plain ESM importing ../dist (Node 20 cannot run the TypeScript sources directly). The emulators run in a child
// process (bench/emulator-host.js) so that the peak RSS printed for the engine is the engine's own.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BcClient } from '../dist/clients/bc/client.js';
import { ClientCredentialsTokenProvider } from '../dist/clients/auth/token-provider.js';
import { DataverseClient } from '../dist/clients/dataverse/client.js';
import { systemClock } from '../dist/clock.js';
import { engineContext, loadEnvironment, profileMappings } from '../dist/app/engine-context.js';
import { DEFAULT_LATENCY, DEFAULT_LIMITS } from '../dist/emulators/index.js';
import { syncMapping } from '../dist/engine/run.js';
import { bcTable, dataverseTable } from '../dist/engine/tables.js';
import { defaultIntegrationOptions } from '../dist/mapping/index.js';
import { StateStore } from '../dist/state/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    'baseline-sample': { type: 'string', default: '2000' },
    'no-latency': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('usage: node --expose-gc bench/run.js [--n 100000] [--baseline-sample 2000] [--no-latency]\n');
  process.exit(0);
}
const N = Number(args.n);
const SAMPLE = Math.min(Number(args['baseline-sample']), N);
if (!Number.isSafeInteger(N) || N < 1 || !Number.isSafeInteger(SAMPLE) || SAMPLE < 1) {
  process.stderr.write('--n and --baseline-sample must be whole numbers above 0, e.g. --n 20000\n');
  process.exit(2);
}
const latency = !args['no-latency'];

/** The scale seeds' customers name salespeople that are neither coupled nor users in Dataverse: owner is left out. */
const CUSTOMER_DISABLED_FIELDS = ['owner', 'ownerType'];

// ------------------------------------------------------------------------------------------------
// Peak RSS of this process (engine, clients, plan, state): sampled, and the kernel's own maximum at the end.
let peakRss = 0;
/** Peak of the current phase (reset by `measured`). */
let phasePeakRss = 0;
const sampleRss = () => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  phasePeakRss = Math.max(phasePeakRss, rss);
};
const sampler = setInterval(sampleRss, 50);

// ------------------------------------------------------------------------------------------------
// The emulator host.
const host = fork(path.join(HERE, 'emulator-host.js'), [JSON.stringify({ seed: `scale:${N}`, latency })], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  execArgv: [],
});
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

const fmt = (n, digits = 0) => Number(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (ms) => fmt(ms / 1000, 1);

const started = performance.now();
const info = await ready;
const seedMs = performance.now() - started;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-bench-'));
const tokens = new ClientCredentialsTokenProvider({ tokenUrl: info.tokenUrl, ...info.credentials });
const bc = new BcClient({ url: info.bc.url, companyId: info.bc.companyId, tokens });
const dataverse = new DataverseClient({ url: info.dataverse.url, tokens });
const mappings = profileMappings({ ...defaultIntegrationOptions }, {});
const env = await loadEnvironment({ bc, dataverse }, dir, info.bc.companyName, Date.now());
const state = await StateStore.open(dir, { lock: true, command: 'bench' });
const ctx = engineContext({ bc, dataverse }, env, { state, clock: systemClock, mappings });

function mapping(name, disabled = []) {
  const m = mappings.find((x) => x.name === name);
  return { ...m, fields: m.fields.map((f) => (disabled.includes(f.id) ? { ...f, status: 'disabled' } : f)) };
}
const customerMapping = mapping('CUSTOMER', CUSTOMER_DISABLED_FIELDS);

/** Runs `work` on a fresh request log; returns wall time, the emulators' figures and what `work` returned. */
async function measured(work) {
  await ask('resetLog');
  globalThis.gc?.();
  phasePeakRss = 0;
  sampleRss();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  sampleRss();
  const stats = await ask('stats');
  const kinds = await ask('requests');
  return { wallMs, stats, kinds, result, peakRss: phasePeakRss };
}

function failuresOf(report) {
  const c = report.counts['to-dataverse'];
  if (c.failed + c.skipped > 0) {
    const sample = report.records.slice(0, 3).map((r) => `${r.label}: ${r.error}`).join('; ');
    throw new Error(`${report.mapping}: ${c.failed} failed, ${c.skipped} skipped (${sample})`);
  }
  return c;
}

// ------------------------------------------------------------------------------------------------
// 1. Baseline: one Dataverse request per record, as a sync loop without batching would do it. The values are the
//    engine's own insert plan for the sampled customers (a dry run), written one upsert each with the same
//    parallelism the engine uses; then extrapolated to N.
const sampleIds = [];
for await (const page of ctx.bc.list({ ...bcTable(customerMapping), select: ['id'] })) {
  for (const rec of page) if (sampleIds.length < SAMPLE) sampleIds.push(rec.id);
  if (sampleIds.length >= SAMPLE) break;
}
const dryRun = await syncMapping(ctx, customerMapping, { dryRun: true, direction: 'to-dataverse', records: { bc: sampleIds } });
const inserts = dryRun.plan.records.filter((r) => r.toDataverse?.action === 'insert').map((r) => r.toDataverse);
if (inserts.length !== SAMPLE) throw new Error(`baseline: planned ${inserts.length} inserts for ${SAMPLE} sampled customers`);
const accounts = dataverseTable(customerMapping, ctx.dataverseCompanyId).entitySet;
const template = customerMapping.dataverse.template?.values ?? {};
const stamp = ctx.dataverseCompanyId ? { 'bcbi_companyid@odata.bind': `/cdm_companies(${ctx.dataverseCompanyId})` } : {};
const parallel = ctx.dataverse.limits.parallelRequests;
const baseline = await measured(async () => {
  let next = 0;
  const worker = async () => {
    while (next < inserts.length) {
      const p = inserts[next++];
      await dataverse.upsert(accounts, p.targetId, { ...template, ...p.values, ...stamp }, { returnRepresentation: true });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
});

// ------------------------------------------------------------------------------------------------
// 2. Full synchronization BC→Dataverse: customers, then items (their unit groups and base units of measure first,
//    as the dependency order requires).
const full = [];
async function fullSync(label, m) {
  const run = await measured(() => syncMapping(ctx, m, { full: true, direction: 'to-dataverse' }));
  const c = failuresOf(run.result);
  full.push({ label, records: c.inserted + c.modified + c.unchanged, ...run });
}
await fullSync('CUSTOMER', customerMapping);
await fullSync('UNIT GROUP', mapping('UNIT GROUP'));
await fullSync('ITEM UOM', mapping('ITEM UOM'));
await fullSync('ITEM-PRODUCT', mapping('ITEM-PRODUCT'));

// ------------------------------------------------------------------------------------------------
// 3. Incremental sync with no changes: one settling run per mapping (it reads back what the full sync left at the
//    watermarks), then the measured run.
const incremental = [];
for (const [label, m] of [
  ['CUSTOMER', customerMapping],
  ['UNIT GROUP', mapping('UNIT GROUP')],
  ['ITEM UOM', mapping('ITEM UOM')],
  ['ITEM-PRODUCT', mapping('ITEM-PRODUCT')],
]) {
  await syncMapping(ctx, m, {});
  const run = await measured(() => syncMapping(ctx, m, {}));
  const writes = run.result.directions.reduce((n, d) => n + run.result.counts[d].inserted + run.result.counts[d].modified, 0);
  incremental.push({ label, couplings: state.counts(m.name).couplings, writes, ...run });
}

const couplingsHeld = state.size;
await state.close();
sampleRss();
clearInterval(sampler);
globalThis.gc?.();
const heapAfterMb = process.memoryUsage().heapUsed / 1e6;
const maxRssKernel = process.resourceUsage().maxRSS * 1024;
await Promise.all([bc.close(), dataverse.close(), tokens.close()]);
await ask('close');
fs.rmSync(dir, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------
// Printout.
const out = [];
const line = (s = '') => out.push(s);
const pad = (s, w) => String(s).padEnd(w);
const lpad = (s, w) => String(s).padStart(w);
line(`bcsync sync engine benchmark: N = ${fmt(N)} (seed scale:${N}), Node ${process.version}, ${os.cpus().length} CPUs`);
line(
  latency
    ? `emulator latency DEFAULT_LATENCY (Dataverse ${JSON.stringify(DEFAULT_LATENCY.dataverse)}, BC ${JSON.stringify(DEFAULT_LATENCY.bc)})`
    : 'emulator latency OFF (--no-latency): ratios to the lower bound are not meaningful',
);
line(
  `limits: Dataverse ${DEFAULT_LIMITS.dataverse.concurrent} concurrent, ${fmt(DEFAULT_LIMITS.dataverse.requestsPerWindow)} requests / ${DEFAULT_LIMITS.dataverse.windowMs / 60000} min; ` +
    `BC ${DEFAULT_LIMITS.bc.concurrent} concurrent, ${fmt(DEFAULT_LIMITS.bc.requestsPerWindow)} requests / ${DEFAULT_LIMITS.bc.windowMs / 60000} min`,
);
line(`engine: Dataverse batches of ${dataverse.batchSize}, ${parallel} requests in flight; CUSTOMER with field mappings ${CUSTOMER_DISABLED_FIELDS.join(', ')} disabled (no salespeople coupled in the scale seed)`);
line(`emulators seeded in ${seconds(seedMs)} s (separate process)`);
line();
line('Full synchronization BC→Dataverse');
const head = `${pad('mapping', 14)}${lpad('records', 9)}${lpad('wall s', 9)}${lpad('BC req', 8)}${lpad('DV req', 8)}${lpad('req/1000', 10)}${lpad('lower bound s', 15)}${lpad('wall/bound', 12)}${lpad('peak RSS MB', 13)}`;
line(head);
const row = (label, records, wallMs, stats, rss) => {
  const reqs = stats.requests.bc + stats.requests.dataverse;
  line(
    `${pad(label, 14)}${lpad(fmt(records), 9)}${lpad(seconds(wallMs), 9)}${lpad(fmt(stats.requests.bc), 8)}${lpad(fmt(stats.requests.dataverse), 8)}` +
      `${lpad(fmt((reqs / records) * 1000, 2), 10)}${lpad(seconds(stats.lowerBoundMs.total), 15)}${lpad(fmt(wallMs / stats.lowerBoundMs.total, 1), 12)}` +
      `${lpad(rss === undefined ? '' : fmt(rss / 1e6), 13)}`,
  );
};
for (const f of full) row(f.label, f.records, f.wallMs, f.stats, f.peakRss);
const sum = (key) => full.reduce((n, f) => n + key(f), 0);
const sumStats = (fs) => ({
  requests: { bc: fs.reduce((n, f) => n + f.stats.requests.bc, 0), dataverse: fs.reduce((n, f) => n + f.stats.requests.dataverse, 0) },
  lowerBoundMs: { total: fs.reduce((n, f) => n + f.stats.lowerBoundMs.total, 0) },
});
const items = full.filter((f) => f.label !== 'CUSTOMER');
row('items (3 maps)', N, items.reduce((n, f) => n + f.wallMs, 0), sumStats(items), Math.max(...items.map((f) => f.peakRss)));
line(`throttled: ${sum((f) => f.stats.throttled.bc + f.stats.throttled.dataverse)} requests; retries by the clients: ${sum((f) => f.result.retries)}`);
line();

// Baseline figures, measured on the sample and extrapolated to N (linear, but never below what the rate limit allows).
const b = baseline;
const bReqs = b.stats.requests.dataverse;
const bLower = b.stats.lowerBoundMs.total;
const scale = N / SAMPLE;
const lim = DEFAULT_LIMITS.dataverse;
const rateFloorMs = (requests) => (requests > lim.requestsPerWindow ? Math.floor((requests - 1) / lim.requestsPerWindow) * lim.windowMs : 0);
const extrapolatedRequests = Math.round(bReqs * scale);
const extrapolatedLower = Math.max(bLower * scale, rateFloorMs(extrapolatedRequests));
const extrapolatedWall = Math.max(b.wallMs * scale, rateFloorMs(extrapolatedRequests));
const engineCustomers = full.find((f) => f.label === 'CUSTOMER');
line(`Baseline: one Dataverse upsert per record (${parallel} in flight), SAMPLED on ${fmt(SAMPLE)} customers and extrapolated to ${fmt(N)}`);
line(`  sample:        ${fmt(bReqs)} DV requests (${fmt((bReqs / SAMPLE) * 1000, 0)} per 1,000 records), wall ${seconds(b.wallMs)} s, lower bound ${seconds(bLower)} s, wall/bound ${fmt(b.wallMs / bLower, 1)}`);
line(
  `  extrapolated:  ${fmt(extrapolatedRequests)} DV requests, wall ≈ ${seconds(extrapolatedWall)} s, lower bound ≈ ${seconds(extrapolatedLower)} s` +
    (rateFloorMs(extrapolatedRequests) > b.wallMs * scale ? ' (set by the rate limit of the service-protection window)' : ' (linear; the rate limit allows it)'),
);
line(
  `  engine vs baseline for CUSTOMER: ${fmt(engineCustomers.stats.requests.dataverse)} vs ${fmt(extrapolatedRequests)} DV requests, ` +
    `wall ${seconds(engineCustomers.wallMs)} s vs ≈ ${seconds(extrapolatedWall)} s`,
);
line();
line('Incremental sync with no changes (after one settling run)');
line(`${pad('mapping', 14)}${lpad('couplings', 11)}${lpad('BC req', 8)}${lpad('DV req', 8)}${lpad('writes', 8)}${lpad('wall s', 9)}`);
for (const r of incremental) {
  line(`${pad(r.label, 14)}${lpad(fmt(r.couplings), 11)}${lpad(fmt(r.stats.requests.bc), 8)}${lpad(fmt(r.stats.requests.dataverse), 8)}${lpad(fmt(r.writes), 8)}${lpad(seconds(r.wallMs), 9)}`);
}
line();
line(`Peak RSS of the engine process: ${fmt(Math.max(peakRss, maxRssKernel) / 1e6)} MB (sampled every 50 ms: ${fmt(peakRss / 1e6)} MB; getrusage maxRSS: ${fmt(maxRssKernel / 1e6)} MB)`);
line(`Heap after the runs (state with ${fmt(couplingsHeld)} couplings, after GC${globalThis.gc ? '' : ' — run with --expose-gc for this figure'}): ${fmt(heapAfterMb)} MB`);
line(`Total wall time ${seconds(performance.now() - started)} s`);
process.stdout.write(out.join('\n') + '\n');
