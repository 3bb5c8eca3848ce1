/**
 * One mapping's run as every sync-type command does it: the sync log entries first (so a killed run still
 * shows), the engine, then the log closed with the report, as "interrupted" when SIGINT/SIGTERM stopped it, or
 * "stopped" with the error. Progress goes to a view the command gives; the wiring itself never prints.
 */
import { passesOf, syncMapping, type SyncOptions } from '../engine/run.js';
import type { MappingReport } from '../engine/report.js';
import { InterruptedError } from '../errors.js';
import type { IntegrationTableMapping } from '../mapping/index.js';
import type { JobQueueProcess, JobQueueProcessOptions } from './job-queue.js';
import { mappingRunner } from './mapping-runners.js';
import { startMappingRun, type Session } from './session.js';

/** The sync-log message of a run stopped by SIGINT/SIGTERM. */
export const INTERRUPTED_LOG_MESSAGE = 'interrupted: stopped after the batch in flight; nothing more was written';

/** How a command shows one mapping's run (a spinner, plain lines, NDJSON events). */
export interface MappingRunView {
  progress(phase: string, done: number, total: number): void;
  finished(report: MappingReport): void;
  stopped(error: unknown): void;
}

export async function runMapping(session: Session, m: IntegrationTableMapping, options: SyncOptions, view?: MappingRunView): Promise<MappingReport> {
  session.ctx.onProgress = view ? (_name, phase, done, total) => view.progress(phase, done, total) : undefined;
  const logged = await startMappingRun(session.log, m.name, passesOf(m, options.direction), Boolean(options.dryRun));
  try {
    let report: MappingReport;
    try {
      const runner = mappingRunner(session, m);
      report = runner ? await runner(session, m, options) : await syncMapping(session.ctx, m, options);
    } catch (error) {
      await logged.stopped(error).catch(() => undefined);
      throw error;
    }
    if (session.ctx.signal?.aborted) {
      // The engine stopped after the batch in flight: close the log entry as interrupted, run nothing more.
      await logged.finish({ ...report, message: INTERRUPTED_LOG_MESSAGE });
      throw new InterruptedError('Interrupted; nothing more was written.');
    }
    await logged.finish(report);
    view?.finished(report);
    return report;
  } catch (error) {
    view?.stopped(error);
    throw error;
  } finally {
    session.ctx.onProgress = undefined;
  }
}

/**
 * One job-queue process's run (src/app/job-queue.ts), logged like a mapping's: the entry is opened when its
 * report is known (a process names its directions only then), or closed as stopped with the error.
 */
export async function runProcess(session: Session, process: JobQueueProcess, options: JobQueueProcessOptions, view?: MappingRunView): Promise<MappingReport> {
  try {
    const report = await process.run(session, options, view);
    const logged = await startMappingRun(session.log, process.name, [], Boolean(options.dryRun));
    await logged.finish(report);
    view?.finished(report);
    if (session.ctx.signal?.aborted) throw new InterruptedError('Interrupted; nothing more was written.');
    return report;
  } catch (error) {
    if (!(error instanceof InterruptedError)) {
      const logged = await startMappingRun(session.log, process.name, ['to-dataverse'], Boolean(options.dryRun));
      await logged.stopped(error).catch(() => undefined);
    }
    view?.stopped(error);
    throw error;
  }
}
