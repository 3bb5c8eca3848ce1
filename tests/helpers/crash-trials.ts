/**
 * Crash trials as a user meets them: `bcsync full-sync` in its own process against emulators in this one, killed
 * with SIGKILL at a seeded random moment, then a plain `bcsync full-sync` (no flag) run to the end. The outcome
 * is compared with a clean run on a fresh copy of the same seed: the same records on both sides (by their key
 * fields, so a duplicate shows), the same number of couplings per mapping, no open intents, exit code 0.
 * Used by the acceptance test (small) and by bench/crash.js (large).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulators } from '../../src/emulators/index.js';
export { createRng as seededRandom } from '../../src/emulators/core/rng.js';
import type { RunningEmulators, StartEmulatorsOptions } from '../../src/emulators/types.js';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { readOpenIntents, StateStore } from '../../src/state/index.js';
import { setupArgs } from '../commands/sync-cli-helper.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/bcsync.js');

/** Tables compared after a run, with the fields that name a record (ids and times differ between runs). */
export const COMPARED: Record<'bc' | 'dataverse', Record<string, string[]>> = {
  bc: {
    customers: ['displayName'],
    vendors: ['displayName'],
    contacts: ['displayName', 'type'],
    items: ['displayName'],
    salespeoplePurchasers: ['name', 'email'],
    currencies: ['code'],
  },
  dataverse: {
    accounts: ['name'],
    contacts: ['fullname'],
    products: ['name'],
    uomschedules: ['name'],
    uoms: ['name'],
    transactioncurrencies: ['isocurrencycode'],
  },
};

export interface World {
  emu: RunningEmulators;
  home: string;
  stateDir: string;
  close(): Promise<void>;
}

/** Emulators with `seed` and a profile made by `bcsync setup --yes`, as a user starts. */
export async function startWorld(options: StartEmulatorsOptions): Promise<World> {
  const emu = await startEmulators(options);
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-crash-'));
  const io = new BufferIo({ BCSYNC_CLIENT_SECRET: emu.credentials.clientSecret }, false);
  const code = await run(['node', 'bcsync', '--home', home, ...setupArgs(emu)], { io });
  if (code !== 0) throw new Error(`setup failed (${code}): ${io.stderrText}`);
  return {
    emu,
    home,
    stateDir: path.join(home, 'state', 'default'),
    close: async () => {
      await emu.close();
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  /** NDJSON progress events the run printed before it ended (or was killed). */
  events: number;
  stderr: string;
}

/**
 * `bcsync full-sync --progress json` in its own process; killed with SIGKILL at its `killAtEvent`-th progress
 * event when given (events come at every mapping start, phase change and landed write batch, so a kill point
 * counted in events lands at the same place of the run however busy the machine is).
 */
export function fullSyncProcess(world: World, killAtEvent?: number): Promise<ChildRun> {
  return cliProcess(world, ['full-sync'], killAtEvent);
}

/** Any `bcsync <args> --progress json` in its own process, killed with SIGKILL at its `killAtEvent`-th progress event when given. */
export function cliProcess(world: World, args: string[], killAtEvent?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, '--home', world.home, '--progress', 'json', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', BCSYNC_CLIENT_SECRET: world.emu.credentials.clientSecret, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let buffered = '';
    let events = 0;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      buffered += chunk;
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        if (!line.startsWith('{') || !line.includes('"event":')) continue;
        events++;
        if (killAtEvent !== undefined && events === killAtEvent) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started, events, stderr }));
  });
}

/** The records of the compared tables, by their key fields, sorted: equal lists mean equal contents. */
export function contents(emu: RunningEmulators): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const side of ['bc', 'dataverse'] as const) {
    for (const [table, fields] of Object.entries(COMPARED[side])) {
      out[`${side}:${table}`] = emu[side]
        .list(table)
        .map((r) => fields.map((f) => String(r[f] ?? '')).join(' | '))
        .sort();
    }
  }
  return out;
}

/** Couplings per mapping and open intents of a profile's state. */
export async function stateSummary(stateDir: string): Promise<{ couplings: Record<string, number>; openIntents: number; duplicateTargets: string[] }> {
  const state = await StateStore.open(stateDir, { lock: false });
  try {
    const couplings: Record<string, number> = {};
    const duplicateTargets: string[] = [];
    for (const m of state.mappings()) {
      const all = [...state.couplings(m)];
      couplings[m] = all.length;
      const seen = new Set<string>();
      for (const c of all) {
        if (seen.has(c.dataverseId)) duplicateTargets.push(`${m} ${c.dataverseId}`);
        seen.add(c.dataverseId);
      }
    }
    return { couplings, openIntents: (await readOpenIntents(stateDir)).length, duplicateTargets };
  } finally {
    await state.close();
  }
}
