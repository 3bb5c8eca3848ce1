/**
 * `bcsync quotes`: Business Central's quote processing (issue 10, docs/integration.md §8.3). Thin: parse, open
 * the session, hand over to src/app/quotes.ts and src/processes/quotes, print.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { exitCodeOf } from '../../engine/report.js';
import { isGuid } from '../../engine/ids.js';
import { UsageError } from '../../errors.js';
import { QUOTES_PROCESS, runQuotes } from '../../app/quotes.js';
import { runProcess } from '../../app/run-mapping.js';
import { openSession, type Session } from '../../app/session.js';
import { candidateQuotes, listQuotes, SALES_QUOTE_MAPPING, text, type QuoteListing } from '../../processes/quotes/list.js';
import type { QuoteOutcome } from '../../processes/quotes/process.js';
import type { CommandOutcome, RegisterCommand } from '../registry.js';
import { mappingRunView } from '../sync/render.js';

export async function quotesListRun(deps: Deps): Promise<QuoteListing[]> {
  const session = await openSession(deps, 'quotes list');
  try {
    const coupledQuotes = new Map([...session.state.couplings(SALES_QUOTE_MAPPING)].map((c) => [c.dataverseId, c.bcId]));
    return await listQuotes({ bc: session.ctx.bc, dataverse: session.ctx.dataverse, coupledQuotes, dataverseCompanyId: session.ctx.dataverseCompanyId });
  } finally {
    await session.close();
  }
}

export function printQuotes(deps: Deps, quotes: QuoteListing[]): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ quotes });
    return;
  }
  if (quotes.length === 0) {
    out.info('No Active or Won quote waits for Business Central, and no quote is coupled.');
    return;
  }
  out.table(
    quotes.map((q) => ({ ...q, bcNumber: q.bcNumber ?? '' })),
    [
      { key: 'quotenumber', header: 'Quote' },
      { key: 'revisionnumber', header: 'Revision', align: 'right' },
      { key: 'name', header: 'Name' },
      { key: 'statecode', header: 'State' },
      { key: 'bcNumber', header: 'BC quote' },
      { key: 'quoteid', header: 'Dataverse id' },
    ],
  );
}

export interface QuotesProcessOptions {
  all?: boolean;
  dryRun?: boolean;
}

/** A quote named by id, or by number (its Active or Won revision). */
async function quoteIdsOf(session: Session, quote: string): Promise<string[]> {
  if (isGuid(quote)) return [quote.toLowerCase()];
  const candidates = await candidateQuotes(session.ctx.dataverse, session.ctx.dataverseCompanyId);
  const found = candidates.filter((q) => text(q.fields.quotenumber).toLowerCase() === quote.trim().toLowerCase());
  if (found.length === 0) {
    throw new UsageError(`No Active or Won quote has the number "${quote}"; "bcsync quotes list" shows the quotes that can be processed (Draft quotes are not).`);
  }
  return found.map((q) => q.id);
}

export async function quotesProcessRun(deps: Deps, quote: string | undefined, opts: QuotesProcessOptions): Promise<CommandOutcome> {
  if ((quote === undefined) === !opts.all) {
    throw new UsageError(quote ? 'Give a quote or --all, not both.' : 'Name a quote (its number or Dataverse id) or give --all; "bcsync quotes list" shows them.');
  }
  const session = await openSession(deps, 'quotes process');
  let outcomes: QuoteOutcome[] = [];
  let report;
  try {
    const quoteIds = quote === undefined ? undefined : await quoteIdsOf(session, quote);
    const process = {
      ...QUOTES_PROCESS,
      run: async (s: Session, o: { dryRun?: boolean }, view?: Parameters<typeof runQuotes>[2]) => {
        const done = await runQuotes(s, { dryRun: o.dryRun, ...(quoteIds ? { quoteIds } : {}) }, view);
        outcomes = done.outcomes;
        return done.report;
      },
    };
    report = await runProcess(session, process, { dryRun: opts.dryRun }, mappingRunView(deps.out, QUOTES_PROCESS.name, Boolean(opts.dryRun)));
  } finally {
    await session.close();
  }
  printOutcomes(deps, outcomes, Boolean(opts.dryRun));
  return { exitCode: exitCodeOf([report]) };
}

function printOutcomes(deps: Deps, outcomes: QuoteOutcome[], dryRun: boolean): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ ok: outcomes.every((o) => !o.error), dryRun, quotes: outcomes });
    return;
  }
  if (outcomes.length > 0) {
    out.table(
      outcomes.map((o) => ({ ...o, actions: o.actions.join(', '), bcNumber: o.bcNumber ?? '', bcOrderNumber: o.bcOrderNumber ?? '' })),
      [
        { key: 'quotenumber', header: 'Quote' },
        { key: 'revisionnumber', header: 'Revision', align: 'right' },
        { key: 'actions', header: dryRun ? 'Would do' : 'Done' },
        { key: 'bcNumber', header: 'BC quote' },
        { key: 'bcOrderNumber', header: 'BC order' },
      ],
    );
  } else out.info('No Active or Won quote to process.');
  for (const o of outcomes) if (o.error) out.warn(o.error);
  if (dryRun) out.info('Dry run: nothing was written.');
}

export const registerQuotes: RegisterCommand = (program: Command, act) => {
  const quotes = program
    .command('quotes')
    .description("Sales quotes and their Business Central sales quotes (BC's quote processing)")
    .addHelpText(
      'after',
      `
Examples:
  $ bcsync quotes list
  $ bcsync quotes process --all
  $ bcsync quotes process QUO-01001-R8N4B2 --dry-run

Exit codes: 0 ok, 1 a service refused or could not be reached, 2 usage,
3 configuration or sign-in, 4 a quote was refused, 5 state locked or corrupt.`,
    );

  quotes
    .command('list')
    .description('Active and Won quotes waiting for Business Central, and the coupled quotes with their BC number')
    .addHelpText(
      'after',
      `
Listed: Active and Won quotes that are unstamped or stamped with this profile's
company, and every coupled quote. Draft quotes are not processed yet; Closed
ones (lost, canceled, revised) not at all. --json prints {quotes: [{quoteid,
quotenumber, revisionnumber, name, statecode, bcNumber}]} (bcNumber null until
the quote is processed).

Examples:
  $ bcsync quotes list
  $ bcsync quotes list --json`,
    )
    .action((_options: unknown, cmd: Command) => act(cmd, async (deps) => printQuotes(deps, await quotesListRun(deps))));

  quotes
    .command('process [quote]')
    .description('process a quote (number or Dataverse id) or --all in Business Central, as its "Process in Business Central" does')
    .option('-a, --all', 'every Active and Won quote of this company (what the QUOTES-PROCESS job does)')
    .option('-n, --dry-run', 'read and say what would be done; write nothing')
    .addHelpText(
      'after',
      `
Revision 0: a new BC sales quote (Your Reference = quote number, External
Document No. = name, Quote Valid Until = effective to, lines as for orders).
A later revision: the BC quote of the revision it replaced is archived, gets
the new lines and is coupled to the new revision. Won: the BC order of the
Sales order that won it is linked (Quote No.) or created, and the BC quote
archived; with no order to create, the BC quote is released. Processed quotes
are left alone. A refused quote is named on stderr with what to do (exit 4).
--json prints {ok, dryRun, quotes: [{quoteid, quotenumber, revisionnumber,
actions, bcNumber, bcOrderNumber, error}]}.

Examples:
  $ bcsync quotes process --all
  $ bcsync quotes process --all --dry-run --json
  $ bcsync quotes process QUO-01001-R8N4B2`,
    )
    .action((quote: string | undefined, options: QuotesProcessOptions, cmd: Command) => act(cmd, (deps) => quotesProcessRun(deps, quote, options)));
};
