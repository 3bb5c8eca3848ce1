/**
 * Schedules without a job queue (docs: README "Running unattended"). Business Central runs each integration
 * table mapping from a recurring job queue entry every 30 minutes; a run that changed nothing puts the entry
 * "on hold" until its inactivity timeout (720 or 1440 minutes) passes or a change wakes it. bcsync keeps no
 * daemon: `sync --due`, started often by cron or a systemd timer, runs the mappings whose time has come,
 * judged from the sync log.
 */
import type { EngineContext } from '../engine/context.js';
import { bcTable, dataverseTable } from '../engine/tables.js';
import type { IntegrationTableMapping } from '../mapping/index.js';
import type { JobQueueProcess } from './job-queue.js';
import type { LoggedRun, SyncCounts } from '../state/index.js';

/** The last synchronization of a mapping: its directions' log entries, started together. */
export interface LastRun {
  at: string;
  finishedAt?: string;
  /** ok; problems (records failed, skipped or in conflict); interrupted; stopped (an error); unfinished (killed). */
  outcome: 'ok' | 'problems' | 'interrupted' | 'stopped' | 'unfinished';
  counts: SyncCounts;
  message?: string;
}

export interface ScheduleState {
  /** Its interval (or, when idle, its inactivity timeout) has passed, or it never ran. */
  due: boolean;
  /** The last run changed nothing: BC's "On Hold with Inactivity Timeout". */
  idle: boolean;
  /** When it is next due by time alone (ISO); absent when it is due now or has no schedule. */
  nextDueAt?: string;
  reason: string;
}

const MINUTE = 60_000;
/** Dataverse `modifiedon` has whole seconds: BC reads from just under the watermark. */
const DATAVERSE_TOLERANCE_MS = 999;
/** Directions of one mapping run are logged as separate entries started within this of each other. */
const SAME_RUN_MS = 5_000;

function addCounts(into: SyncCounts, from: SyncCounts): void {
  for (const key of Object.keys(into) as Array<keyof SyncCounts>) into[key] += from[key];
}

/** Per mapping, its last non-dry synchronization run (all directions of it), from the sync log's runs. */
export function lastRuns(runs: Iterable<LoggedRun>): Map<string, LastRun> {
  const byMapping = new Map<string, LoggedRun[]>();
  for (const r of runs) {
    if (r.run.kind !== 'synchronization' || r.run.dryRun) continue;
    const list = byMapping.get(r.run.mapping) ?? [];
    list.push(r);
    byMapping.set(r.run.mapping, list);
  }
  const out = new Map<string, LastRun>();
  for (const [mapping, list] of byMapping) {
    // The last entry of each direction; those started with the very last one belong to the same run.
    const lastPerDirection = new Map<string, LoggedRun>();
    for (const r of list) {
      const key = r.run.direction ?? '';
      const seen = lastPerDirection.get(key);
      if (!seen || Date.parse(r.run.startedAt) >= Date.parse(seen.run.startedAt)) lastPerDirection.set(key, r);
    }
    const latest = Math.max(...[...lastPerDirection.values()].map((r) => Date.parse(r.run.startedAt)));
    const group = [...lastPerDirection.values()].filter((r) => Date.parse(r.run.startedAt) >= latest - SAME_RUN_MS);
    const counts = { ...group[0]!.run.counts };
    for (const r of group.slice(1)) addCounts(counts, r.run.counts);
    const messages = group.map((r) => r.run.message).filter((m): m is string => Boolean(m));
    let outcome: LastRun['outcome'] = 'ok';
    if (group.some((r) => !r.finished)) outcome = 'unfinished';
    else if (messages.some((m) => m.startsWith('interrupted'))) outcome = 'interrupted';
    else if (messages.some((m) => m.startsWith('stopped'))) outcome = 'stopped';
    else if (counts.failed + counts.skipped + counts.conflicts > 0) outcome = 'problems';
    const finished = group.map((r) => r.run.finishedAt).filter((f): f is string => Boolean(f)).sort();
    out.set(mapping, {
      at: new Date(latest).toISOString(),
      ...(finished.length && outcome !== 'unfinished' ? { finishedAt: finished.at(-1) } : {}),
      outcome,
      counts,
      ...(messages.length ? { message: messages.join('; ') } : {}),
    });
  }
  return out;
}

/**
 * Due and idle by BC's rules (docs/integration.md §4.1, §4.3): every `intervalMinutes` after the last run; a run that inserted,
 * modified, deleted and failed nothing makes the mapping idle until `inactivityTimeoutMinutes` pass (a change
 * also wakes it; `sync --due` looks for one). A run that did not finish counts as not run.
 */
export function scheduleState(m: Pick<IntegrationTableMapping, 'schedule'>, last: LastRun | undefined, now: number): ScheduleState {
  if (!m.schedule) return { due: false, idle: false, reason: 'no schedule: run it by hand (as in Business Central, it has no job)' };
  if (!last || last.outcome === 'unfinished') return { due: true, idle: false, reason: last ? 'the last run did not finish' : 'never synchronized' };
  const since = Date.parse(last.finishedAt ?? last.at);
  const c = last.counts;
  const idle = last.outcome === 'ok' && c.inserted + c.modified + c.deleted + c.failed === 0;
  const wait = (idle ? m.schedule.inactivityTimeoutMinutes : m.schedule.intervalMinutes) * MINUTE;
  const next = since + wait;
  if (now >= next) {
    return { due: true, idle, reason: idle ? `idle, and its inactivity timeout (${m.schedule.inactivityTimeoutMinutes} min) has passed` : `its interval (${m.schedule.intervalMinutes} min) has passed` };
  }
  return {
    due: false,
    idle,
    nextDueAt: new Date(next).toISOString(),
    reason: idle ? `idle: the last run changed nothing; due after ${m.schedule.inactivityTimeoutMinutes} min or a change` : `ran ${Math.round((now - since) / MINUTE)} min ago; due every ${m.schedule.intervalMinutes} min`,
  };
}

/**
 * A job-queue process's schedule (src/app/job-queue.ts): BC's codeunit jobs run every interval, with the
 * inactivity timeout equal to the interval (docs/integration.md §9), so an idle process is due as often.
 */
export function processSchedule(p: Pick<JobQueueProcess, 'intervalMinutes'>): Pick<IntegrationTableMapping, 'schedule'> {
  return { schedule: { intervalMinutes: p.intervalMinutes, inactivityTimeoutMinutes: p.intervalMinutes } };
}

/**
 * An idle mapping wakes on a change (docs/integration.md §4.3): Dataverse rows in its integration filter modified after its
 * watermark (less the 999 ms tolerance), or BC records modified after its BC watermark (BC's own events wake
 * its jobs). One page request per side at most.
 */
export async function hasChangesSinceWatermark(ctx: EngineContext, m: IntegrationTableMapping, marks: { bc?: string; dataverse?: string }): Promise<boolean> {
  if (m.kind === 'option') return false;
  const first = async (pages: AsyncIterable<unknown[]>): Promise<boolean> => {
    for await (const page of pages) return page.length > 0;
    return false;
  };
  // Whether anything changed needs only ids (a mapping's full column list may span two pages, e.g. SALESORDER-ORDER).
  const bc = { ...bcTable(m), select: ['id', m.bc.modifiedField] };
  if (m.direction !== 'from-dataverse' && (await first(ctx.bc.list(bc, { modifiedAfter: marks.bc })))) return true;
  if (m.direction !== 'to-dataverse') {
    const after = marks.dataverse ? new Date(Date.parse(marks.dataverse) - DATAVERSE_TOLERANCE_MS).toISOString() : undefined;
    if (await first(ctx.dataverse.list(dataverseTable(m, ctx.dataverseCompanyId), { modifiedAfter: after }))) return true;
  }
  return false;
}
