/**
 * What every sync-type command opens: the profile, a connection, the state (locked), the cached environment,
 * the profile's integration table mappings, the engine context and the sync log. One place, so commands stay
 * thin (parse, then run).
 */
import type { Deps } from '../deps.js';
import { ConfigError, UsageError } from '../errors.js';
import type { EngineContext } from '../engine/run.js';
import type { MappingReport } from '../engine/report.js';
import type { IntegrationTableMapping } from '../mapping/index.js';
import type { Profile } from '../config/profile.js';
import { IntentJournal, StateStore, SyncLog, type SyncRunWriter } from '../state/index.js';
import type { PassDirection } from '../mapping/index.js';
import { didYouMean } from '../util/suggest.js';
import { connectProfile, type Connection } from './connect.js';
import { engineContext, environmentKey, loadEnvironment, profileMappings } from './engine-context.js';

export interface Session {
  profile: Profile;
  connection: Connection;
  state: StateStore;
  stateDir: string;
  mappings: IntegrationTableMapping[];
  ctx: EngineContext;
  log: SyncLog;
  close(): Promise<void>;
}

/** The profile's mapping by name (case-insensitive), or a usage error listing the valid names. */
export function findMapping(mappings: readonly IntegrationTableMapping[], name: string): IntegrationTableMapping {
  const m = mappings.find((x) => x.name.toLowerCase() === name.trim().toLowerCase());
  if (!m) {
    const names = mappings.map((x) => x.name);
    const hint = didYouMean(name, names);
    throw new UsageError(
      hint
        ? `Unknown mapping "${name}";${hint.replace(' Did', ' did')} The profile's mappings are: ${names.join(', ')}.`
        : `Unknown mapping "${name}"; the profile's mappings are: ${names.join(', ')} (see "bcsync mappings list").`,
    );
  }
  return m;
}

export function loadProfileMappings(deps: Deps): { profile: Profile; mappings: IntegrationTableMapping[] } {
  const profile = deps.profiles.load(deps.profileName);
  return { profile, mappings: profileMappings(profile.integration, profile.mappingOverrides) };
}

/** `--max-changes` / `--max-deletes` as given; the profile's `limits` fill what was not. */
export interface ChangeLimits {
  maxChanges?: number;
  maxDeletes?: number;
}

export async function openSession(deps: Deps, command: string, limits: ChangeLimits = {}): Promise<Session> {
  const { profile, mappings } = loadProfileMappings(deps);
  if (!profile.integration.enabled) {
    throw new ConfigError(`The connection of profile "${profile.name}" is disabled; run "bcsync setup --enable" to synchronize again.`);
  }
  const stateDir = deps.layout.stateDir(profile.name);
  // Lock first: a second cron run must stop here, before it sends a single request.
  const state = await StateStore.open(stateDir, { lock: true, clock: deps.clock, command });
  const { connection, ctx } = await contextOver(deps, profile, mappings, state, stateDir, true);
  const maxChanges = limits.maxChanges ?? profile.limits?.maxChanges;
  const maxDeletes = limits.maxDeletes ?? profile.limits?.maxDeletes;
  if (maxChanges !== undefined || maxDeletes !== undefined) ctx.changeBudget = { maxChanges, maxDeletes };
  return {
    profile,
    connection,
    state,
    stateDir,
    mappings,
    ctx,
    log: new SyncLog(stateDir, { clock: deps.clock }),
    close: async () => {
      await ctx.intents.rewrite().catch(() => undefined);
      await state.close();
      await connection.close();
    },
  };
}

/**
 * Connects, reads the (cached) environment and builds the engine context over an open state; intents go to the
 * state directory (a locked session) or stay in memory (read-only). On failure the state and connection close.
 */
async function contextOver(
  deps: Deps,
  profile: Profile,
  mappings: IntegrationTableMapping[],
  state: StateStore,
  stateDir: string,
  journalIntents: boolean,
): Promise<{ connection: Connection; ctx: EngineContext }> {
  let connection: Connection | undefined;
  try {
    connection = connectProfile({ env: deps.env, out: deps.out, clock: deps.clock, memory: deps.memory }, profile);
    const env = await loadEnvironment(connection, stateDir, profile.bc.companyName, deps.clock.now(), environmentKey(profile));
    const now = () => deps.clock.now();
    const intents = journalIntents ? await IntentJournal.open(stateDir, now) : IntentJournal.inMemory(now);
    return { connection, ctx: engineContext(connection, env, {
        state,
        intents,
        clock: deps.clock,
        mappings,
        signal: deps.signal,
        parallel: { bc: profile.limits?.bcParallelRequests, dataverse: profile.limits?.dataverseParallelRequests },
        onPaced: () => deps.memory.servicePaced(),
      }) };
  } catch (error) {
    await state.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    throw error;
  }
}

/** The sync-log lines of one mapping run, written as it starts so a run that is killed still shows. */
export interface MappingRunLog {
  finish(report: MappingReport): Promise<void>;
  /** The run stopped on an error before it could report. */
  stopped(error: unknown): Promise<void>;
}

export async function startMappingRun(log: SyncLog, mapping: string, directions: readonly PassDirection[], dryRun: boolean): Promise<MappingRunLog> {
  const writers = new Map<PassDirection, SyncRunWriter>();
  for (const direction of directions) writers.set(direction, await log.startRun({ mapping, direction, kind: 'synchronization', dryRun }));
  return {
    finish: async (report) => {
      for (const direction of report.directions) {
        const run = writers.get(direction) ?? (await log.startRun({ mapping, direction, kind: 'synchronization', dryRun, startedAt: report.startedAt }));
        writers.delete(direction);
        for (const r of report.records.filter((x) => x.direction === direction)) {
          run.record({ outcome: r.outcome, error: r.error ?? r.outcome, bcId: r.bcId, dataverseId: r.dataverseId, direction });
        }
        await run.finish({
          counts: report.counts[direction],
          // Requests of both APIs; attributed to the first direction so totals are not counted twice.
          requests: direction === report.directions[0] ? report.requests.bc + report.requests.dataverse : 0,
          retries: direction === report.directions[0] ? report.retries : 0,
          message: report.message,
        });
      }
      for (const run of writers.values()) await run.finish({ counts: {}, message: 'this direction did not run' });
    },
    stopped: async (error) => {
      const message = `stopped: ${String((error as Error)?.message ?? error).split('\n')[0]}`;
      for (const run of writers.values()) await run.finish({ counts: {}, message });
    },
  };
}

/** Logs a finished report (runs whose start was not logged, e.g. a create-and-couple). */
export async function logReport(log: SyncLog, report: MappingReport): Promise<void> {
  const run = await startMappingRun(log, report.mapping, [], report.dryRun);
  await run.finish(report);
}

/**
 * What a read-only command that asks the services (couplings, explain) opens: the profile, a connection, the
 * state without the lock (it works while a sync runs) and an engine context that writes nothing.
 */
export interface ReadSession {
  profile: Profile;
  mappings: IntegrationTableMapping[];
  state: StateStore;
  ctx: EngineContext;
  close(): Promise<void>;
}

export async function openReadSession(deps: Deps): Promise<ReadSession> {
  const { profile, mappings } = loadProfileMappings(deps);
  const stateDir = deps.layout.stateDir(profile.name);
  const state = await StateStore.open(stateDir, { lock: false, clock: deps.clock });
  const { connection, ctx } = await contextOver(deps, profile, mappings, state, stateDir, false);
  return {
    profile,
    mappings,
    state,
    ctx,
    close: async () => {
      await state.close();
      await connection.close();
    },
  };
}
