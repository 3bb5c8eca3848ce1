/**
 * `import { startEmulators } from 'bcsync/emulators'`: local emulators of the Microsoft Entra token endpoint,
 * the Dataverse Web API v9.2 and the Business Central API v2.0 (plus the bcsync custom API), over loopback HTTP.
 * Written from docs/protocols.md; nothing here imports the clients, the engine or the mappings.
 */
import { createBcModule } from './bc/index.js';
import { createDataverseModule } from './dataverse/index.js';
import { loadSeed } from './seed/index.js';
import { startEmulatorSet, type EmulatorOptions } from './core/assemble.js';
import type { RunningEmulators } from './types.js';

export type {
  ApplicationUserRoles,
  EmulatedApi,
  EmulatorScenario,
  EmulatorDataAccess,
  EmulatorStats,
  FaultKind,
  FaultRule,
  LatencyModel,
  RequestLogEntry,
  RunningEmulators,
  SeedName,
  ServiceLimits,
  StartEmulatorsOptions,
} from './types.js';
export type { EmulatorOptions } from './core/assemble.js';
export {
  BC_RESOURCE,
  DEFAULT_LATENCY,
  DEFAULT_LIMITS,
  EMULATOR_CLIENT_ID,
  EMULATOR_ENVIRONMENT,
  EMULATOR_TENANT_ID,
} from './core/assemble.js';

/**
 * Starts the token endpoint (port), Dataverse (port+1) and Business Central (port+2); port 0 = any free ports.
 * Defaults: seed `demo`, documented service-protection limits on, no latency, no faults, token lifetime 3599 s,
 * fixed tenant and client ids, a client secret generated per start. Call `close()` when done.
 */
export async function startEmulators(opts: EmulatorOptions = {}): Promise<RunningEmulators> {
  return startEmulatorSet(opts, { createDataverseModule, createBcModule, loadSeed });
}
