/**
 * In-process CLI runs for the couple/uncouple/mappings/log tests: emulators with the demo seed, a throwaway
 * home with a profile saved through ProfileStore (what setup writes), and helpers to hash the state files
 * and to synchronize dependency mappings with the engine directly.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BcClient } from '../../src/clients/bc/client.js';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { systemClock } from '../../src/clock.js';
import { engineContext, loadEnvironment, profileMappings } from '../../src/app/engine-context.js';
import { PROFILE_SCHEMA_VERSION, ProfileStore } from '../../src/config/profile.js';
import { matchBasedCoupling } from '../../src/engine/match-coupling.js';
import { syncMapping } from '../../src/engine/run.js';
import { startEmulators } from '../../src/emulators/index.js';
import type { RunningEmulators } from '../../src/emulators/types.js';
import { BufferIo } from '../../src/io/io.js';
import type { Prompter } from '../../src/io/prompter.js';
import { run } from '../../src/main.js';
import { defaultIntegrationOptions } from '../../src/mapping/index.js';
import { IntentJournal, StateStore } from '../../src/state/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CoupleHarness {
  emu: RunningEmulators;
  home: string;
  stateDir: string;
  cli(args: string[], options?: { tty?: boolean; prompter?: Prompter }): Promise<CliResult>;
  /** Runs mappings with the engine (full sync or match on fields), as a sync command would, then releases the state. */
  engine(steps: Array<{ mapping: string; match?: string[] }>): Promise<void>;
  close(): Promise<void>;
}

export async function startCoupleHarness(): Promise<CoupleHarness> {
  const emu = await startEmulators({ seed: 'demo' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bcsync-couple-'));
  const now = new Date().toISOString();
  new ProfileStore(path.join(home, 'profiles')).save({
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name: 'default',
    bc: { apiUrl: emu.bc.url, companyId: emu.bc.companyId, companyName: emu.bc.companyName },
    dataverse: { url: emu.dataverse.orgUrl },
    auth: { tenantId: emu.credentials.tenantId, authority: emu.authority, clientId: emu.credentials.clientId, clientSecretEnv: 'BCSYNC_CLIENT_SECRET' },
    integration: { ...defaultIntegrationOptions },
    mappingOverrides: {},
    createdAt: now,
    updatedAt: now,
  });
  const stateDir = path.join(home, 'state', 'default');
  const cli = async (args: string[], o: { tty?: boolean; prompter?: Prompter } = {}): Promise<CliResult> => {
    const io = new BufferIo({ BCSYNC_CLIENT_SECRET: emu.credentials.clientSecret }, o.tty ?? false);
    const code = await run(['node', 'bcsync', '--home', home, ...args], { io, prompter: o.prompter });
    await new Promise((resolve) => setImmediate(resolve));
    return { code, stdout: io.stdoutText, stderr: io.stderrText };
  };
  const engine = async (steps: Array<{ mapping: string; match?: string[] }>): Promise<void> => {
    const tokens = new ClientCredentialsTokenProvider({ tokenUrl: emu.tokenUrl, ...emu.credentials });
    const bc = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens });
    const dataverse = new DataverseClient({ url: emu.dataverse.url, tokens });
    const state = await StateStore.open(stateDir, { lock: true });
    try {
      const mappings = profileMappings(defaultIntegrationOptions, {});
      const env = await loadEnvironment({ bc, dataverse }, stateDir, emu.bc.companyName, Date.now());
      const ctx = engineContext({ bc, dataverse }, env, { state, intents: await IntentJournal.open(stateDir), clock: systemClock, mappings });
      for (const step of steps) {
        const m = mappings.find((x) => x.name === step.mapping);
        if (!m) throw new Error(`no mapping ${step.mapping}`);
        if (step.match) await matchBasedCoupling(ctx, m, { fields: step.match });
        else await syncMapping(ctx, m, { full: true });
      }
    } finally {
      await state.close();
      await Promise.all([bc.close(), dataverse.close(), tokens.close()]);
    }
  };
  return {
    emu,
    home,
    stateDir,
    cli,
    engine,
    close: async () => {
      await emu.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** sha256 of every file under the state directory (the lock directory excluded), by relative path. */
export function hashState(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'state.lock') walk(p);
      } else {
        result[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return result;
}

/** Dataverse accounts whose name is `name` (case-insensitive), as the emulator holds them. */
export function accountsNamed(emu: RunningEmulators, name: string): number {
  return emu.dataverse.list('accounts').filter((r) => String(r.name ?? '').toLowerCase() === name.toLowerCase()).length;
}
