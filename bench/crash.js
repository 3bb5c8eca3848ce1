// Crash trials at size (the "Lose nothing" acceptance, large): `bcsync full-sync` of every master mapping on
// sandbox data scale:N, killed with SIGKILL at K seeded random moments, each followed by a plain `bcsync full-sync`
// to the end, compared with a clean run on a fresh copy of the same seed (records by key fields on both sides,
// couplings per mapping, open intents, exit code). Prints one line per trial and a summary; exits 1 on a mismatch.
//
//   npm run build && node bench/crash.js                   N = 20,000, K = 20, seed 20261206
//   node bench/crash.js --n 3000 --kills 5 --seed 7
//   node bench/crash.js --n 3000 --kills 5 --paced        Dataverse allows 50 ms of execution per 2 s: every run is
//                                                         answered 429 and waits, so the engine sends narrowed (one
//                                                         page ahead, windows read late), as a run of 1,000,000 does
// The small version runs in `npm test` (tests/acceptance/crash-safety.test.ts).
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulators } from '../dist/emulators/index.js';
import { createRng as random } from '../dist/emulators/core/rng.js';
import { BufferIo } from '../dist/io/io.js';
import { run } from '../dist/main.js';
import { readOpenIntents, StateStore } from '../dist/state/index.js';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const BIN = path.join(ROOT, 'bin', 'bcsync.js');
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    kills: { type: 'string', default: '20' },
    seed: { type: 'string', default: '20261206' },
    paced: { type: 'boolean', default: false },
  },
});
const N = Number(args.n);
const KILLS = Number(args.kills);
const SEED = Number(args.seed);

const COMPARED = {
  bc: { customers: ['displayName'], vendors: ['displayName'], contacts: ['displayName', 'type'], items: ['displayName'], salespeoplePurchasers: ['name', 'email'] },
  dataverse: { accounts: ['name'], contacts: ['fullname'], products: ['name'], uomschedules: ['name'], uoms: ['name'] },
};

async function world() {
  // Paced: Dataverse's execution-time limit (docs/protocols.md §5.2) shrunk from 20 minutes per 5 to 50 ms per 2 s.
  const limits = args.paced ? { dataverse: { windowMs: 2000, executionMsPerWindow: 50 } } : undefined;
  const emu = await startEmulators({ seed: `scale:${N}`, ...(limits ? { limits } : {}) });
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-crash-bench-'));
  const secret = emu.credentials.clientSecret;
  const io = new BufferIo({ BCSYNC_CLIENT_SECRET: secret }, false);
  const setup = ['setup', '--yes', '--bc-url', emu.bc.url, '--company', emu.bc.companyName, '--dataverse-url', emu.dataverse.orgUrl,
    '--tenant-id', emu.credentials.tenantId, '--authority', emu.authority, '--client-id', emu.credentials.clientId];
  const code = await run(['node', 'bcsync', '--home', home, ...setup], { io });
  if (code !== 0) throw new Error(`setup failed: ${io.stderrText}`);
  return { emu, secret, home, stateDir: path.join(home, 'state', 'default'), close: async () => { await emu.close(); await fs.rm(home, { recursive: true, force: true }); } };
}

function fullSync(w, killAfterMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, '--home', w.home, 'full-sync'], {
      env: { ...process.env, BCSYNC_CLIENT_SECRET: w.secret },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started });
    });
  });
}

async function outcome(w) {
  const contents = {};
  for (const side of ['bc', 'dataverse']) {
    for (const [table, fields] of Object.entries(COMPARED[side])) {
      contents[`${side}:${table}`] = w.emu[side].list(table).map((r) => fields.map((f) => String(r[f] ?? '')).join(' | ')).sort().join('\n');
    }
  }
  const state = await StateStore.open(w.stateDir, { lock: false });
  const couplings = {};
  for (const m of state.mappings()) couplings[m] = [...state.couplings(m)].length;
  await state.close();
  return { contents, couplings, openIntents: (await readOpenIntents(w.stateDir)).length };
}

const cleanWorld = await world();
const clean = await fullSync(cleanWorld);
const reference = await outcome(cleanWorld);
const throttled = cleanWorld.emu.stats().throttled.dataverse;
await cleanWorld.close();
console.log(`clean full-sync of scale:${N}: exit ${clean.code} in ${(clean.ms / 1000).toFixed(1)} s, Dataverse answered 429 ${throttled} times; seed ${SEED}`);
if (args.paced && throttled === 0) {
  console.log('--paced: the clean run was never throttled, so nothing here ran paced');
  process.exit(1);
}
const next = random(SEED);
let bad = 0;
let killed = 0;
for (let trial = 0; trial < KILLS; trial++) {
  // Within the first 70% of a clean run's time, so the kill lands mid-run even when this machine is faster now.
  const at = Math.round(200 + next() * Math.max(1, 0.7 * clean.ms - 200));
  const w = await world();
  try {
    const stopped = await fullSync(w, at);
    if (stopped.signal === 'SIGKILL') killed++;
    const rerun = await fullSync(w);
    const got = await outcome(w);
    const problems = [];
    if (rerun.code !== 0) problems.push(`rerun exit ${rerun.code}`);
    if (got.openIntents) problems.push(`${got.openIntents} open intents`);
    if (JSON.stringify(got.couplings) !== JSON.stringify(reference.couplings)) problems.push(`couplings ${JSON.stringify(got.couplings)}`);
    for (const t of Object.keys(reference.contents)) if (got.contents[t] !== reference.contents[t]) problems.push(`${t} differs`);
    if (problems.length) bad++;
    console.log(`trial ${trial + 1}: killed at ${at} ms (${stopped.signal ?? `finished first, exit ${stopped.code}`}), rerun exit ${rerun.code} in ${(rerun.ms / 1000).toFixed(1)} s: ${problems.length ? problems.join('; ') : 'equal to the clean run'}`);
  } finally {
    await w.close();
  }
}
console.log(`${KILLS - bad} of ${KILLS} trials ended as the clean run did (0 duplicates, same couplings, no open intent, exit 0); ${killed} of ${KILLS} runs were killed mid-run`);
process.exitCode = bad ? 1 : 0;
