/**
 * kill -9 during `bcsync invoices create --all` on the demo sandbox, then a plain rerun, as a user would: every
 * posted invoice is in Dataverse exactly once, whole (header, every line, totals, status) and coupled, exactly as
 * after a clean run; no open intent; exit code 0. The kill lands at seeded `--progress json` events (before an
 * invoice's create, after it, before the completing writes), so it falls mid-run however busy the machine is.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import type { RunningEmulators } from '../../src/emulators/types.js';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { cliProcess, seededRandom, startWorld, stateSummary, type ChildRun, type World } from '../helpers/crash-trials.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KILLS = 6;
const SEED = Number(process.env.BCSYNC_CRASH_SEED ?? 20261206);

/** The demo sandbox with its master data coupled and item 9000 as the write-in product: where invoices are created. */
async function invoiceWorld(): Promise<World> {
  const world = await startWorld({ seed: 'demo' });
  const cli = async (args: string[]): Promise<number> => {
    const io = new BufferIo({ BCSYNC_CLIENT_SECRET: world.emu.credentials.clientSecret }, false);
    return run(['node', 'bcsync', '--home', world.home, ...args], { io });
  };
  await cli(['full-sync', '--yes', ...DEMO_MATCH.flatMap((m) => ['--match', m])]);
  const setup = world.emu.bc.list('salesSetup')[0]!;
  world.emu.bc.update('salesSetup', String(setup.id), { writeInProductType: 'Item', writeInProductNumber: '9000' });
  return world;
}

/** `bcsync --progress json invoices create --all` in its own process, killed with SIGKILL at its `killAt`-th event. */
function createAll(world: World, killAt?: number): Promise<ChildRun> {
  return cliProcess(world, ['invoices', 'create', '--all'], killAt);
}

/** Every Dataverse invoice with its status, totals and lines, by invoice number: a duplicate or a missing line shows. */
function invoices(emu: RunningEmulators): string[] {
  const lines = emu.dataverse.list('invoicedetails');
  return emu.dataverse
    .list('invoices')
    .map((i) => {
      const mine = lines
        .filter((l) => l._invoiceid_value === i.invoiceid)
        .map((l) => `${String(l.lineitemnumber)}:${String(l.productdescription ?? l.productname)}:${String(l.baseamount)}:${String(l.extendedamount)}:${String(l.tax)}`)
        .sort();
      return `${String(i.invoicenumber)} ${String(i.name)} ${String(i.statecode)}/${String(i.statuscode)} ${String(i.totalamount)} ${String(i.totaltax)} [${mine.join(' ')}]`;
    })
    .sort();
}

describe('SIGKILL during invoices create --all (demo sandbox), then a plain rerun', () => {
  let clean: { invoices: string[]; couplings: Record<string, number>; events: number };

  beforeAll(async () => {
    // The child runs the built CLI: build it when this checkout has none yet.
    if (!existsSync(path.join(ROOT, 'dist/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    const world = await invoiceWorld();
    try {
      const r = await createAll(world);
      if (r.code !== 0) throw new Error(`the clean invoices create exited ${r.code}: ${r.stderr}`);
      const summary = await stateSummary(world.stateDir);
      clean = { invoices: invoices(world.emu), couplings: summary.couplings, events: r.events };
      // Six posted invoices in the demo seed, each created and coupled with its lines.
      expect(clean.invoices).toHaveLength(6);
      expect(clean.couplings['POSTEDSALESINV-INV']).toBe(6);
      expect(r.events).toBeGreaterThan(12);
    } finally {
      await world.close();
    }
  }, 120_000);

  test(`${KILLS} kills at seeded progress events (seed ${SEED}): every rerun ends as the clean run did`, async () => {
    const random = seededRandom(SEED);
    const killedAt: number[] = [];
    for (let trial = 0; trial < KILLS; trial++) {
      const at = 1 + Math.floor(random() * (clean.events - 1));
      const world = await invoiceWorld();
      try {
        const killed = await createAll(world, at);
        if (killed.signal === 'SIGKILL') killedAt.push(at);
        const rerun = await createAll(world);
        const where = `trial ${trial} (seed ${SEED}, killed at progress event ${at} of ${clean.events})`;
        expect([where, rerun.code, rerun.code === 0 ? '' : rerun.stderr]).toEqual([where, 0, '']);
        const summary = await stateSummary(world.stateDir);
        expect([where, summary.openIntents, summary.duplicateTargets]).toEqual([where, 0, []]);
        expect([where, summary.couplings['POSTEDSALESINV-INV'], summary.couplings['POSTEDSALESLINE-INV']]).toEqual([
          where,
          clean.couplings['POSTEDSALESINV-INV'],
          clean.couplings['POSTEDSALESLINE-INV'],
        ]);
        expect([where, invoices(world.emu)]).toEqual([where, clean.invoices]);
      } finally {
        await world.close();
      }
    }
    // Every kill landed mid-run (a kill after the end of a run is no test).
    expect(killedAt.length).toBe(KILLS);
  }, 600_000);
});
