/**
 * `bcsync demo`: the whole journey against the built-in emulators, in one process and a throwaway home (the
 * user's own profiles are never touched): emulators with the demo data, `setup --yes`, the full
 * synchronization review, match-based coupling of what both sides hold, the full synchronization, then an
 * edit on each side and an incremental `sync --all` that carries both across.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { createDeps, type Deps } from '../../deps.js';
import type { RunningEmulators } from '../../emulators/types.js';
import { ExitCode, BcsyncError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import type { RegisterCommand } from '../registry.js';
import { StateStore } from '../../state/index.js';
import { fullSyncRun, type FullSyncResult } from '../full-sync/full-sync.js';
import { syncRun, type SyncCommandResult } from '../sync/sync.js';
import { setupRun, type SetupFlags } from '../setup/setup.js';

/** How the demo couples the records both sides hold (full-sync --match); unit groups and units use their saved criteria. */
export const DEMO_MATCH = [
  'CUSTOMER=name',
  'VENDOR=name',
  'CONTACT=email',
  'ITEM-PRODUCT=number',
  'RESOURCE-PRODUCT=number',
  'PLHEADER-PRICE=name',
  'OPPORTUNITY=name',
];

export const DEMO_PROFILE = 'demo';
const SECRET_ENV = 'BCSYNC_CLIENT_SECRET';

export interface DemoOptions {
  /** Home to write the demo profile and state into (--home); default: a new temporary directory. */
  home?: string;
  /** Profile name (--profile); default "demo". */
  profile?: string;
}

export interface DemoResult {
  exitCode: number;
  home: string;
  fullSync: FullSyncResult;
  sync: SyncCommandResult;
  edits: { bc: { customerId: string; name: string }; dataverse: { accountId: string; phone: string } };
  /** Both edits arrived on the other side. */
  arrived: { nameInDataverse: boolean; phoneInBc: boolean };
}


function quietIo(env: Io['env']): Io & { text(): string } {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  err.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stdout: out, stderr: err, stdin: new PassThrough(), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env, text: () => chunks.join('') };
}

/** What `bcsync setup --yes --bc-url … --client-secret-env BCSYNC_CLIENT_SECRET` passes for the emulators. */
function setupFlags(emu: RunningEmulators): SetupFlags {
  return {
    yes: true,
    bcUrl: emu.bc.url,
    company: emu.bc.companyName,
    dataverseUrl: emu.dataverse.orgUrl,
    tenantId: emu.credentials.tenantId,
    authority: emu.authority,
    clientId: emu.credentials.clientId,
    clientSecretEnv: SECRET_ENV,
  };
}

export async function demoRun(deps: Deps, opts: DemoOptions = {}): Promise<DemoResult> {
  const out = deps.out;
  const home = opts.home ? path.resolve(opts.home) : await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-demo-'));
  const profile = opts.profile ?? DEMO_PROFILE;
  const started = deps.clock.now();
  const { startEmulators } = await import('../../emulators/index.js');
  out.info('Starting the Business Central and Dataverse emulators with the demo data…');
  const emu = await startEmulators({ port: 0, seed: 'demo' });
  try {
    // The emulators' generated secret travels only in this process's copy of the environment.
    const env = { ...deps.io.env, [SECRET_ENV]: emu.credentials.clientSecret };
    const io: Io = { ...deps.io, env };
    out.info(`Business Central: ${emu.bc.url}`);
    out.info(`Dataverse:        ${emu.dataverse.orgUrl}`);

    out.info(`\n1. setup --yes: profile "${profile}" in ${home}`);
    const setupIo = quietIo(env);
    const setupDeps = createDeps({ io: setupIo, clock: deps.clock }, { home, profile }, deps.signal);
    let setupCode: number;
    try {
      setupCode = (await setupRun(setupDeps, setupFlags(emu))).exitCode;
    } catch (error) {
      throw new BcsyncError(`The demo's setup failed (${(error as Error).message.split('\n')[0]}); its output was:\n${setupIo.text()}`, { cause: error });
    }
    if (setupCode !== ExitCode.ok) {
      throw new BcsyncError(`The demo's setup failed (exit ${setupCode}); its output was:\n${setupIo.text()}`);
    }
    // With --json the steps' tables are not printed; one document with every step's result is, at the end.
    const stepsIo: Io = deps.out.json ? { ...io, stdout: quietIo(env).stdout } : io;
    const demoDeps = createDeps(
      { io: stepsIo, prompter: deps.prompter, clock: deps.clock },
      { home, profile, json: false, quiet: deps.out.quiet, verbose: deps.out.verbose, color: undefined },
      deps.signal,
    );

    out.info('\n2. Full synchronization: review, match-based coupling, then every mapping in dependency order');
    out.info(`   (bcsync full-sync ${DEMO_MATCH.map((m) => `--match ${m.includes(' ') ? JSON.stringify(m) : m}`).join(' ')})\n`);
    const fullSync = await fullSyncRun(demoDeps, { match: DEMO_MATCH });

    out.info('\n3. A person edits a customer name in Business Central and an account phone number in Dataverse');
    const edits = await editBothSides(emu, demoDeps);
    out.info(`   Business Central: customer ${edits.bc.number} renamed to "${edits.bc.name}"`);
    out.info(`   Dataverse:        account "${edits.dataverse.name}" phone set to ${edits.dataverse.phone}`);

    out.info('\n4. Incremental synchronization (bcsync sync --all)\n');
    const sync = await syncRun(demoDeps, { all: true });

    const account = emu.dataverse.get('accounts', edits.bc.accountId);
    const customer = emu.bc.get('customers', edits.dataverse.customerId);
    const arrived = {
      nameInDataverse: account?.name === edits.bc.name,
      phoneInBc: customer?.phoneNumber === edits.dataverse.phone,
    };
    const seconds = ((deps.clock.now() - started) / 1000).toFixed(1);
    out.info('');
    out.info(`The new name ${arrived.nameInDataverse ? 'arrived in' : 'did NOT arrive in'} Dataverse; the new phone number ${arrived.phoneInBc ? 'arrived in' : 'did NOT arrive in'} Business Central.`);
    out.info(`Demo finished in ${seconds} s. The synchronization log:  bcsync log --home ${home}${profile === 'default' ? '' : ` --profile ${profile}`}`);
    out.info('(The emulators stop now; the profile and state stay in that directory until you delete it.)');
    if (!arrived.nameInDataverse || !arrived.phoneInBc) {
      throw new BcsyncError('The demo edits did not both arrive on the other side; run again with --verbose and report it.');
    }
    if (deps.out.json) {
      deps.out.writeJson({ ok: true, home, profile, review: fullSync.review, fullSync: fullSync.mappings, sync: sync.reports, edits, arrived });
    }
    return {
      exitCode: ExitCode.ok,
      home,
      fullSync,
      sync,
      edits: { bc: { customerId: edits.bc.customerId, name: edits.bc.name }, dataverse: { accountId: edits.dataverse.accountId, phone: edits.dataverse.phone } },
      arrived,
    };
  } finally {
    await emu.close();
  }
}

/** Picks two coupled customers and edits one in each system, as a person would. */
async function editBothSides(emu: RunningEmulators, deps: Deps) {
  const state = await StateStore.open(deps.layout.stateDir(deps.profileName), { lock: false });
  try {
    const couplings = [...state.couplings('CUSTOMER')]
      .filter((c) => emu.bc.get('customers', c.bcId) && emu.dataverse.get('accounts', c.dataverseId))
      .sort((a, b) => String(emu.bc.get('customers', a.bcId)?.number).localeCompare(String(emu.bc.get('customers', b.bcId)?.number)));
    if (couplings.length < 2) throw new BcsyncError('The demo needs two coupled customers after the full synchronization, and found fewer; report it.');
    const [first, second] = couplings as [(typeof couplings)[0], (typeof couplings)[0]];
    const customer = emu.bc.get('customers', first.bcId)!;
    const name = `${String(customer.displayName)} (renamed in BC)`.slice(0, 100);
    emu.bc.update('customers', first.bcId, { displayName: name });
    const account = emu.dataverse.get('accounts', second.dataverseId)!;
    const phone = '+1 425 555 0199';
    emu.dataverse.update('accounts', second.dataverseId, { telephone1: phone });
    return {
      bc: { customerId: first.bcId, accountId: first.dataverseId, number: String(customer.number), name },
      dataverse: { accountId: second.dataverseId, customerId: second.bcId, name: String(account.name), phone },
    };
  } finally {
    await state.close();
  }
}

export const DEMO_HELP = `
Runs everything against built-in emulators of Business Central and Dataverse, in a throwaway home (a new
temporary directory, or --home DIR; BCSYNC_HOME is ignored); your own profiles and state are never touched. Steps: start the emulators
with the demo data, setup --yes, the full synchronization review, match-based coupling of the records both
sides hold, the full synchronization, an edit on each side and an incremental sync --all. It ends with the
command that shows the sync log. The coupling is the one of
  bcsync full-sync ${DEMO_MATCH.slice(0, 4).map((m) => `--match ${m}`).join(' ')}
                   ${DEMO_MATCH.slice(4).map((m) => `--match ${m}`).join(' ')}
(salespeople are coupled by email, currencies by ISO code, units by name within their unit group).

Examples:
  $ bcsync demo
  $ npm run demo                         build, then the same
  $ bcsync demo --home /tmp/bcsync-demo  keep the demo's profile and state where you want them

Exit codes: 0 ok, 1 the demo did not work (please report it).`;

export const registerDemo: RegisterCommand = (program: Command, act) => {
  program
    .command('demo')
    .description('the whole journey (setup, review, coupling, full sync, edits, incremental sync) against built-in emulators')
    .addHelpText('after', DEMO_HELP)
    .action((_options: Record<string, never>, cmd: Command) => act(cmd, async (deps) => {
      const globals = cmd.optsWithGlobals<{ home?: string; profile?: string }>();
      // Only a --home/--profile typed for this run counts: BCSYNC_HOME may point at the user's real profiles.
      const typed = (key: string) => cmd.getOptionValueSourceWithGlobals(key) === 'cli';
      return demoRun(deps, { home: typed('home') ? globals.home : undefined, profile: typed('profile') ? globals.profile : undefined });
    }));
};
