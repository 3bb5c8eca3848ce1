/**
 * Wiring of the quote processing (src/processes/quotes): the session's Sides, state and intents handed to
 * `processQuotes`, the outcome reported in the shape of a mapping report so `sync --all` (job queue process
 * QUOTES-PROCESS) and `bcsync quotes process` print, log and exit on it like a mapping (a refused quote: 4).
 */
import { startProcessReport, type ProcessOutcome } from '../processes/process-report.js';
import { copyOrderNotes } from '../processes/notes/notes.js';
import { emptyCounts, type MappingReport, type RecordOutcome } from '../engine/report.js';
import { processQuotes, type QuoteOutcome, type QuoteProcessOptions } from '../processes/quotes/process.js';
import { SALES_QUOTE_MAPPING } from '../processes/quotes/list.js';
import type { JobQueueProcess } from './job-queue.js';
import type { MappingRunView } from './run-mapping.js';
import type { Session } from './session.js';

export const QUOTES_PROCESS_NAME = 'QUOTES-PROCESS';

export interface QuotesRun {
  report: MappingReport;
  outcomes: QuoteOutcome[];
}

/** Runs the quote processing over an open session; requests are counted from the Sides' transports. */
export async function runQuotes(session: Session, options: QuoteProcessOptions, view?: MappingRunView): Promise<QuotesRun> {
  const { ctx, state } = session;
  const finish = startProcessReport(ctx, QUOTES_PROCESS_NAME);
  // A dry run resolves nothing and records nothing: its intents stay in memory.
  const intents = options.dryRun ? ctx.intents.detached() : ctx.intents;
  const outcomes = await processQuotes(
    {
      bc: ctx.bc,
      dataverse: ctx.dataverse,
      state,
      intents,
      dataverseCompanyId: ctx.dataverseCompanyId,
      lcyCode: ctx.bcLcyCode,
      now: () => new Date(ctx.clock.now()).toISOString(),
      copyNotes: async (order) => (await copyOrderNotes(ctx, [order])).records[0]?.error,
      onProgress: view ? (phase, done, total) => view.progress(phase, done, total) : undefined,
      signal: ctx.signal,
    },
    options,
  );
  const dryRun = Boolean(options.dryRun);
  return { outcomes, report: { ...finish(quotesOutcome(outcomes, dryRun)), openIntents: dryRun ? 0 : ctx.intents.open(SALES_QUOTE_MAPPING).length } };
}

/** Counts and refused quotes of a run, in the shape of a mapping's (one direction: Sales → Business Central). */
function quotesOutcome(outcomes: readonly QuoteOutcome[], dryRun: boolean): ProcessOutcome {
  const counts = emptyCounts();
  const records: RecordOutcome[] = [];
  for (const o of outcomes) {
    const actions = o.actions;
    if (actions.includes('refused')) {
      counts.failed++;
      records.push({ mapping: QUOTES_PROCESS_NAME, direction: 'from-dataverse', dataverseId: o.quoteid, label: `quote ${o.quotenumber} rev. ${o.revisionnumber}`, outcome: 'failed', error: o.error });
    } else if (actions.includes('created')) counts.inserted++;
    else if (actions.includes('already processed')) counts.unchanged++;
    else counts.modified++;
    if (actions.includes('created') || actions.includes('revised')) counts.coupled++;
  }
  return { directions: ['from-dataverse'], counts: { 'from-dataverse': counts }, records, dryRun };
}

/** The job queue entry "Auto-process quotes" (docs/integration.md §4.2, §9: every 30 minutes). */
export const QUOTES_PROCESS: JobQueueProcess = {
  name: QUOTES_PROCESS_NAME,
  description: 'process Active and Won Sales quotes in Business Central (create, revise, link won quotes to orders)',
  enabled: (options) => options.autoProcessQuotes,
  intervalMinutes: 30,
  run: async (session, options, view) => (await runQuotes(session, { dryRun: options.dryRun }, view)).report,
};
