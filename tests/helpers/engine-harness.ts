import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BcClient } from '../../src/clients/bc/client.js';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { engineContext, loadEnvironment, profileMappings } from '../../src/app/engine-context.js';
import type { EngineContext } from '../../src/engine/run.js';
import { startEmulators } from '../../src/emulators/index.js';
import type { RunningEmulators, StartEmulatorsOptions } from '../../src/emulators/types.js';
import { defaultIntegrationOptions, type IntegrationOptions, type IntegrationTableMapping } from '../../src/mapping/index.js';
import { IntentJournal, StateStore } from '../../src/state/index.js';

/** Emulators + real clients + a state directory + an engine context, as a sync command builds them. */
export interface EngineHarness {
  emu: RunningEmulators;
  dir: string;
  state: StateStore;
  ctx: EngineContext;
  mappings: IntegrationTableMapping[];
  mapping(name: string): IntegrationTableMapping;
  clients: { bc: BcClient; dataverse: DataverseClient; tokens: ClientCredentialsTokenProvider };
  /** Moves the time of the emulators and the engine forward (instead of sleeping). */
  advance(ms: number): void;
  /** Reopen the state (as a new process would). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function startEngineHarness(
  options: StartEmulatorsOptions = {},
  integration: Partial<IntegrationOptions> = {},
): Promise<EngineHarness> {
  // Real time plus whatever a test skipped with advance(): the emulators and the engine share it.
  let skipped = 0;
  const clock: Clock = { now: () => Date.now() + skipped, sleep: (ms) => systemClock.sleep(ms) };
  const emu = await startEmulators({ seed: 'demo', now: clock.now, ...options });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-engine-'));
  const tokens = new ClientCredentialsTokenProvider({ tokenUrl: emu.tokenUrl, ...emu.credentials });
  const bc = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens });
  const dataverse = new DataverseClient({ url: emu.dataverse.url, tokens });
  const mappings = profileMappings({ ...defaultIntegrationOptions, ...integration }, {});
  const env = await loadEnvironment({ bc, dataverse }, dir, emu.bc.companyName, clock.now());
  const h: EngineHarness = {
    emu,
    dir,
    state: await StateStore.open(dir, { lock: true }),
    ctx: undefined as unknown as EngineContext,
    mappings,
    mapping: (name) => {
      const m = mappings.find((x) => x.name === name);
      if (!m) throw new Error(`no mapping ${name}`);
      return m;
    },
    clients: { bc, dataverse, tokens },
    advance: (ms) => {
      skipped += ms;
    },
    reopen: async () => {
      await h.state.close();
      h.state = await StateStore.open(dir, { lock: true });
      h.ctx = engineContext({ bc, dataverse }, env, { state: h.state, intents: await IntentJournal.open(dir), clock, mappings });
    },
    close: async () => {
      await h.state.close().catch(() => undefined);
      await Promise.all([bc.close(), dataverse.close(), tokens.close()]);
      await emu.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  h.ctx = engineContext({ bc, dataverse }, env, { state: h.state, intents: await IntentJournal.open(dir), clock, mappings });
  return h;
}
