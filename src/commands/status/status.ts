/**
 * `bcsync status`: the state of the integration at a glance, as Business Central's Connection Setup and
 * Integration Table Mappings pages show it: the profile and whether its connection is enabled, who holds the
 * state lock, and per mapping its couplings, last run, watermarks and their age, skipped and failed records,
 * open intents (creates whose answer was not recorded yet), and whether it is due or idle. Read-only and
 * offline: no connection, no lock (it works while a sync runs).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { lastRuns, scheduleState, type LastRun } from '../../app/schedule.js';
import type { Deps } from '../../deps.js';
import { LOCK_DIR_NAME, readLockOwner, readOpenIntents, StateStore, SyncLog, type LoggedRun } from '../../state/index.js';
import type { RegisterCommand } from '../registry.js';
import { loadProfileMappings } from '../../app/session.js';

export interface WatermarkStatus {
  at: string;
  /** Minutes since the watermark (how far behind the next incremental read starts). */
  ageMinutes: number;
}

export interface MappingStatus {
  name: string;
  coupled: number;
  lastRun: LastRun | null;
  watermarks: { bc: WatermarkStatus | null; dataverse: WatermarkStatus | null };
  skipped: number;
  failed: number;
  openIntents: number;
  due: boolean;
  idle: boolean;
  /** Why it is (not) due, in words. */
  schedule: string;
  nextDueAt?: string;
}

export interface StatusDocument {
  profile: string;
  enabled: boolean;
  lock: { pid: number; hostname: string; startedAt: string; command?: string } | null;
  mappings: MappingStatus[];
}

/** Every run in the sync log (both files), for status and sync --due. */
export async function readAllRuns(stateDir: string, deps: Deps): Promise<LoggedRun[]> {
  const runs: LoggedRun[] = [];
  let bad = 0;
  for await (const r of new SyncLog(stateDir, { clock: deps.clock }).readRuns({ onBadLine: () => void bad++ })) runs.push(r);
  if (bad) deps.out.warn(`${bad} line(s) of the sync log could not be read and were left out.`);
  return runs;
}

function watermark(at: string | undefined, now: number): WatermarkStatus | null {
  if (!at) return null;
  return { at, ageMinutes: Math.max(0, Math.round((now - Date.parse(at)) / 60_000)) };
}

export async function statusRun(deps: Deps): Promise<StatusDocument> {
  const { profile, mappings } = loadProfileMappings(deps);
  const stateDir = deps.layout.stateDir(profile.name);
  const now = deps.clock.now();
  const owner = await readLockOwner(path.join(stateDir, LOCK_DIR_NAME));
  const intents = await readOpenIntents(stateDir);
  const last = lastRuns(await readAllRuns(stateDir, deps));
  const state = await StateStore.open(stateDir, { lock: false, clock: deps.clock });
  try {
    return {
      profile: profile.name,
      enabled: profile.integration.enabled,
      lock: owner ? { pid: owner.pid, hostname: owner.hostname, startedAt: owner.startedAt, ...(owner.command ? { command: owner.command } : {}) } : null,
      mappings: mappings.map((m) => {
        const counts = state.counts(m.name);
        const marks = state.watermark(m.name);
        const schedule = scheduleState(m, last.get(m.name), now);
        return {
          name: m.name,
          coupled: counts.couplings,
          lastRun: last.get(m.name) ?? null,
          watermarks: { bc: watermark(marks.bc, now), dataverse: watermark(marks.dataverse, now) },
          skipped: counts.skipped,
          failed: counts.failed,
          openIntents: intents.filter((i) => i.mapping === m.name).length,
          due: schedule.due,
          idle: schedule.idle,
          schedule: schedule.reason,
          ...(schedule.nextDueAt ? { nextDueAt: schedule.nextDueAt } : {}),
        };
      }),
    };
  } finally {
    await state.close();
  }
}

function age(w: WatermarkStatus | null): string {
  if (!w) return '';
  const m = w.ageMinutes;
  return m < 120 ? `${m} min` : m < 2880 ? `${Math.round(m / 60)} h` : `${Math.round(m / 1440)} d`;
}

export function printStatus(deps: Deps, doc: StatusDocument): void {
  const out = deps.out;
  if (out.json) return out.writeJson(doc);
  out.line(`Profile ${doc.profile}: connection ${doc.enabled ? 'enabled' : 'disabled ("bcsync setup --enable" to synchronize again)'}`);
  out.line(doc.lock ? `State locked by pid ${doc.lock.pid} on ${doc.lock.hostname}${doc.lock.command ? ` (${doc.lock.command})` : ''} since ${doc.lock.startedAt}` : 'State not locked (no run in progress)');
  out.line('');
  out.table(
    doc.mappings.map((m) => ({
      mapping: m.name,
      coupled: m.coupled,
      lastRun: m.lastRun ? `${m.lastRun.at} ${m.lastRun.outcome}` : 'never',
      bcAge: age(m.watermarks.bc),
      dvAge: age(m.watermarks.dataverse),
      skipped: m.skipped,
      failed: m.failed,
      intents: m.openIntents,
      due: m.due ? 'due' : m.idle ? 'idle' : '',
    })),
    [
      { key: 'mapping', header: 'Mapping' },
      { key: 'coupled', header: 'Coupled', align: 'right' },
      { key: 'lastRun', header: 'Last run' },
      { key: 'bcAge', header: 'BC watermark age', align: 'right' },
      { key: 'dvAge', header: 'Dataverse watermark age', align: 'right' },
      { key: 'skipped', header: 'Skipped', align: 'right' },
      { key: 'failed', header: 'Failed', align: 'right' },
      { key: 'intents', header: 'Open intents', align: 'right' },
      { key: 'due', header: 'Schedule' },
    ],
  );
  const skipped = doc.mappings.reduce((n, m) => n + m.skipped, 0);
  if (skipped) out.info(`${skipped} skipped record(s): see "bcsync skipped", retry with "bcsync retry --mapping M --all".`);
  const intents = doc.mappings.reduce((n, m) => n + m.openIntents, 0);
  if (intents) out.info(`${intents} open intent(s): a run stopped before recording a create; the next sync of that mapping resolves them.`);
}

export const registerStatus: RegisterCommand = (program: Command, act) => {
  program
    .command('status')
    .description('the state of the integration: connection, lock, and per mapping couplings, last run, watermarks, skipped, due or idle')
    .addHelpText(
      'after',
      `
Read-only and offline (no connection, no lock): works while a sync runs and
when a service is down. --json prints {profile, enabled, lock, mappings: [{name,
coupled, lastRun, watermarks, skipped, failed, openIntents, due, idle}]}.

Examples:
  $ bcsync status
  $ bcsync status --json

Exit codes: 0 ok, 2 usage, 3 no such profile, 5 state unreadable.`,
    )
    .action((_options: unknown, cmd: Command) => act(cmd, async (deps) => printStatus(deps, await statusRun(deps))));
};
