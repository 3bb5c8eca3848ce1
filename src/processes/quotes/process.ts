/**
 * Business Central's quote processing (docs/integration.md §8.3; README.md in this folder): Active and Won
 * Dataverse quotes become BC sales quotes, a new revision archives and updates the BC quote of the one it
 * replaces, and a won quote links (or creates) the BC order its Dataverse order stands for. Every step that
 * writes is announced first in the write-ahead intent journal, so a run killed at any point is finished by the
 * next one without a second quote, a second archived version or a second order.
 */
import type { IntentJournal, Intent, StateStore } from '../../state/index.js';
import type { Rec, Side, SideTable, WriteOp, WriteResult } from '../../sides/types.js';
import { headerTable, ORDER_TABLES, QUOTE_TABLES } from '../documents/index.js';
import { convertDocuments, DocumentRefused, type BcDocumentDraft, type ConversionSources } from './convert.js';
import { BC_QUOTES, candidateQuotes, QUOTE_STATE, QUOTE_STATUS_REVISED, QUOTES, SALES_QUOTE_MAPPING, text } from './list.js';
import { SALES_ORDER_MAPPING } from '../sales-orders/list.js';
import { createSalesOrders, SALES_ORDERS_CREATE, type CreateSources } from '../sales-orders/create.js';

/** What happened to one quote (or, in a dry run, what would). */
export type QuoteAction =
  | 'created'
  | 'revised'
  | 'order linked'
  | 'order created'
  | 'released'
  | 'already processed'
  | 'refused';

export interface QuoteOutcome {
  quoteid: string;
  quotenumber: string;
  revisionnumber: number;
  /** Won quotes may do two things in one run (created, then order linked): both are listed. */
  actions: QuoteAction[];
  /** The coupled BC sales quote's number (null when refused before it existed). */
  bcNumber: string | null;
  /** The BC order a won quote is linked to. */
  bcOrderNumber?: string;
  /** Refused: what is wrong and what to do, one line. */
  error?: string;
}

/** Makes the BC order of a Submitted Dataverse order, coupled under SALESORDER-ORDER (a test may stand in for it). */
export type CreateOrder = (salesOrder: Rec, bcQuoteNumber: string) => Promise<{ bcId: string; number: string } | undefined>;

export interface QuoteProcessSources extends ConversionSources {
  state: StateStore;
  intents: IntentJournal;
  dataverseCompanyId?: string;
  /** ISO now (intent times). */
  now(): string;
  /** Default: `sales-orders create`'s conversion of one order (src/processes/sales-orders/create.ts). */
  createOrder?: CreateOrder;
  /** Copies a new order's notes (the notes process, handed in by the wiring), as order creation does. */
  copyNotes: CreateSources['copyNotes'];
  onProgress?(phase: string, done: number, total: number): void;
  signal?: AbortSignal;
}

export interface QuoteProcessOptions {
  /** Only these quotes (ids); default every candidate (`--all`). */
  quoteIds?: string[];
  dryRun?: boolean;
}

const custom = (entitySet: string, select: string[]): SideTable => ({ entitySet, api: 'custom', key: 'id', modifiedField: 'lastModifiedDateTime', filter: [], select });
export const SALES_HEADERS = custom('salesHeaders', ['documentType', 'number', 'status', 'yourReference', 'quoteNumber', 'quoteValidUntilDate']);
const ARCHIVES = custom('salesHeaderArchives', ['documentType', 'number', 'versionNumber']);
const QUOTE_LINES_BC: SideTable = { entitySet: 'salesQuoteLines', key: 'id', modifiedField: 'lastModifiedDateTime', filter: [], select: ['documentId', 'sequence'] };
const SALES_LINES = custom('salesLines', ['lineNumber', 'attachedToLineNumber']);
const ORDER_HEADER = headerTable(ORDER_TABLES);
/** The order as the shared conversion reads it, with the quote it came from. */
export const ORDERS_DV: SideTable = { ...ORDER_HEADER, select: [...(ORDER_HEADER.select ?? []), '_quoteid_value'] };

/** salesorder statecode Submitted (docs/integration.md §8.3). */
const ORDER_SUBMITTED = 1;
const NEVER_SUBMITTED = '1900-01-01';

/** Intent steps of this process; the intent's `keys.step` says which one was under way. */
type Step = 'create' | 'revise' | 'won';

/** The coupling extra that marks a won quote as done (BC's marker coupling with an empty Integration ID). */
const WON_MARKER = 'wonProcessed';


/**
 * Processes the candidate quotes (or the given ones): open intents of an earlier run first, then each quote in
 * number and revision order. Never throws for one quote: a quote that cannot be processed is refused with a
 * one-line reason and the run goes on.
 */
export async function processQuotes(sources: QuoteProcessSources, options: QuoteProcessOptions = {}): Promise<QuoteOutcome[]> {
  const run = new QuoteRun(sources, Boolean(options.dryRun));
  if (!options.dryRun) await run.finishOpenIntents();
  const quotes = await candidateQuotes(sources.dataverse, sources.dataverseCompanyId, options.quoteIds);
  quotes.sort((a, b) => text(a.fields.quotenumber).localeCompare(text(b.fields.quotenumber)) || Number(a.fields.revisionnumber) - Number(b.fields.revisionnumber));
  const todo = quotes.filter((q) => !run.isDone(q));
  const drafts = await convertDocuments(sources, QUOTE_TABLES, todo.filter((q) => !run.coupling(q.id)));
  const outcomes: QuoteOutcome[] = quotes.filter((q) => run.isDone(q)).map((q) => run.outcome(q, ['already processed']));
  run.total = todo.length;
  run.tick();
  for (const quote of todo) {
    if (sources.signal?.aborted) break;
    outcomes.push(await run.process(quote, drafts.get(quote.id)));
    run.done++;
    run.tick();
  }
  return outcomes;
}

class QuoteRun {
  private readonly bcNumbers = new Map<string, string>();
  /** Quotes whose interrupted step could not be finished this run (their intent stays open). */
  readonly unfinished = new Map<string, DocumentRefused>();
  done = 0;
  total = 0;

  constructor(
    private readonly s: QuoteProcessSources,
    private readonly dryRun: boolean,
  ) {}

  /** A progress event: after every quote, and after every write that landed (a kill lands between any two). */
  tick(): void {
    this.s.onProgress?.('processing quotes', this.done, this.total);
  }

  // Every write goes through these, so each landed write is a progress event.
  private async bcWrite(table: SideTable, ops: WriteOp[]): Promise<WriteResult[]> {
    const results = await this.bc.write(table, ops);
    this.tick();
    return results;
  }

  private async bcAction(table: SideTable, id: string, action: string): Promise<void> {
    await this.bc.runAction!(table, id, action);
    this.tick();
  }

  private async bcTransaction(writes: ReadonlyArray<{ table: SideTable; op: WriteOp }>): Promise<WriteResult[]> {
    const results = await this.bc.writeAtomic!(writes);
    this.tick();
    return results;
  }


  private get state(): StateStore {
    return this.s.state;
  }

  private get bc(): Side {
    return this.s.bc;
  }

  coupling(quoteId: string) {
    return this.state.byDataverseId(SALES_QUOTE_MAPPING, quoteId);
  }

  /** Coupled and Active, or Won with the marker: BC's processing leaves it alone. */
  isDone(quote: Rec): boolean {
    const c = this.coupling(quote.id);
    if (!c) return false;
    return Number(quote.fields.statecode) === QUOTE_STATE.active || c.extra?.[WON_MARKER] !== undefined;
  }

  outcome(quote: Rec, actions: QuoteAction[], extra: Partial<QuoteOutcome> = {}): QuoteOutcome {
    const c = this.coupling(quote.id);
    return {
      quoteid: quote.id,
      quotenumber: text(quote.fields.quotenumber),
      revisionnumber: Number(quote.fields.revisionnumber ?? 0),
      actions,
      bcNumber: c ? (this.bcNumbers.get(c.bcId) ?? text(c.extra?.bcNumber)) || null : null,
      ...extra,
    };
  }

  async process(quote: Rec, draft: BcDocumentDraft | DocumentRefused | undefined): Promise<QuoteOutcome> {
    const actions: QuoteAction[] = [];
    try {
      const unfinished = this.unfinished.get(quote.id);
      if (unfinished) throw unfinished;
      if (!this.coupling(quote.id)) actions.push(await this.createOrRevise(quote, draft));
      if (Number(quote.fields.statecode) === QUOTE_STATE.won) {
        const won = await this.won(quote);
        actions.push(won.action);
        return this.outcome(quote, actions, won.orderNumber ? { bcOrderNumber: won.orderNumber } : {});
      }
      return this.outcome(quote, actions);
    } catch (error) {
      if (!(error instanceof DocumentRefused)) throw error;
      // The shared conversion's messages name the quote already; the revision is said here.
      const number = text(quote.fields.quotenumber);
      const revision = `revision ${Number(quote.fields.revisionnumber ?? 0)}`;
      const message = error.message.startsWith(`Quote ${number}`) ? error.message.replace(`Quote ${number}`, `Quote ${number} ${revision}`) : `Quote ${number} ${revision}: ${error.message}`;
      return this.outcome(quote, [...actions, 'refused'], { error: message });
    }
  }

  // ---- create / revise -----------------------------------------------------------------------

  /** Revision 0, or no coupled Closed/Revised revision with the same number: create. Else revise that BC quote. */
  private async createOrRevise(quote: Rec, converted: BcDocumentDraft | DocumentRefused | undefined): Promise<QuoteAction> {
    if (converted === undefined || converted instanceof DocumentRefused) throw converted ?? new DocumentRefused('it could not be read');
    const draft = converted;
    const previous = Number(quote.fields.revisionnumber ?? 0) > 0 ? await this.previousRevision(quote) : undefined;
    if (this.dryRun) return previous ? 'revised' : 'created';
    if (previous) {
      // Refused before anything is announced or archived when the replacement cannot be one transaction.
      await this.reviseTarget(previous.bcId, draft);
      const archivesBefore = await this.archiveCount(previous.bcNumber);
      const [intent] = await this.s.intents.record([
        this.intent(quote, { step: 'revise', bcQuoteId: previous.bcId, previousQuoteId: previous.dataverseId, archivesBefore: String(archivesBefore) }),
      ]);
      await this.revise(quote, draft, previous.bcId, true);
      await this.couple(quote, previous.bcId, previous.bcNumber, intent!);
      return 'revised';
    }
    const keys = { step: 'create', externalDocumentNumber: text(draft.header.externalDocumentNumber), customerNumber: text(draft.header.customerNumber) };
    const [intent] = await this.s.intents.record([this.intent(quote, keys)]);
    const [result] = await this.bcWrite(BC_QUOTES, [{ kind: 'create', id: '', fields: { ...draft.header, ...quoteHeader(quote), salesQuoteLines: draft.lines } }]);
    if (!result?.ok || !result.record) throw new DocumentRefused(`Business Central refused the quote: ${result?.error?.message ?? 'no answer'}; correct it in Sales or Business Central and process it again`);
    await this.setHeaderAndLines(QUOTE_LINES_BC, result.record.id, draft, {});
    await this.couple(quote, result.record.id, text(result.record.fields.number), intent!);
    return 'created';
  }

  /** The coupled Closed/Revised revision with the same quote number, if any (docs/integration.md §8.3). */
  private async previousRevision(quote: Rec): Promise<{ bcId: string; bcNumber: string; dataverseId: string } | undefined> {
    const number = text(quote.fields.quotenumber);
    const sameNumber = [...this.state.couplings(SALES_QUOTE_MAPPING)].filter((c) => c.extra?.quotenumber === number && c.dataverseId !== quote.id);
    if (sameNumber.length === 0) return undefined;
    const revised = (await this.s.dataverse.get(QUOTES, sameNumber.map((c) => c.dataverseId))).filter(
      (r) => Number(r.fields.statecode) === QUOTE_STATE.closed && Number(r.fields.statuscode) === QUOTE_STATUS_REVISED,
    );
    const c = sameNumber.find((x) => revised.some((r) => r.id === x.dataverseId));
    return c ? { bcId: c.bcId, bcNumber: text(c.extra?.bcNumber), dataverseId: c.dataverseId } : undefined;
  }

  /**
   * Archives the BC quote (unless an interrupted run already did), then replaces its lines and header fields in
   * one transaction: either the new revision's document is there, or the old one is still whole.
   */
  private async revise(quote: Rec, draft: BcDocumentDraft, bcId: string, archive: boolean): Promise<void> {
    const { header, old } = await this.reviseTarget(bcId, draft);
    if (text(header.fields.status) !== 'Open') await this.bcAction(SALES_HEADERS, bcId, 'reopen');
    if (archive) await this.bcAction(SALES_HEADERS, bcId, 'archive');
    const { customerNumber: _sameCustomer, ...headerFields } = draft.header;
    const writes: Array<{ table: SideTable; op: WriteOp }> = [
      ...old.map((l) => ({ table: QUOTE_LINES_BC, op: { kind: 'delete' as const, id: l.id } })),
      ...draft.lines.map((l) => ({ table: QUOTE_LINES_BC, op: { kind: 'create' as const, id: '', fields: { ...l, documentId: bcId } } })),
      { table: BC_QUOTES, op: { kind: 'update', id: bcId, fields: { ...headerFields, discountAmount: headerFields.discountAmount ?? 0, ...quoteHeader(quote) } } },
    ];
    const results = await this.bcTransaction(writes);
    const failed = results.find((r) => !r.ok);
    if (failed) throw new DocumentRefused(`Business Central refused the new revision's lines: ${failed.error?.message ?? 'no answer'}; correct the quote and process it again`);
    await this.setHeaderAndLines(QUOTE_LINES_BC, bcId, draft, {});
    this.bcNumbers.set(bcId, text(header.fields.number));
  }

  /** The BC quote a revision replaces and its lines; refused when it is gone or the replacement exceeds one transaction. */
  private async reviseTarget(bcId: string, draft: BcDocumentDraft): Promise<{ header: Rec; old: Rec[] }> {
    const [header] = await this.bc.get(SALES_HEADERS, [bcId]);
    if (!header) throw new DocumentRefused('its earlier revision is coupled to a Business Central quote that no longer exists; uncouple the earlier revision ("bcsync uncouple") and process it again');
    const old: Rec[] = [];
    for await (const page of this.bc.list(QUOTE_LINES_BC, { where: [{ field: 'documentId', op: 'eq', value: bcId }] })) old.push(...page);
    const operations = old.length + draft.lines.length + 1;
    if (operations > this.bc.limits.batchSize) {
      throw new DocumentRefused(
        `replacing ${old.length} lines by ${draft.lines.length} takes ${operations} operations, more than one Business Central transaction holds (${this.bc.limits.batchSize}); shorten the quote or update the Business Central quote by hand`,
      );
    }
    return { header, old };
  }

  private async archiveCount(bcNumber: string): Promise<number> {
    let n = 0;
    const where = [
      { field: 'documentType', op: 'eq' as const, value: 'Quote' },
      { field: 'number', op: 'eq' as const, value: bcNumber },
    ];
    for await (const page of this.bc.list(ARCHIVES, { where })) n += page.length;
    return n;
  }

  /**
   * What API v2.0 lacks, through the custom API in one transaction: Your Reference (and Payment Discount %,
   * Shipping Agent, Quote No.) on salesHeaders, Attached to Line No. of the comment lines on salesLines (their ids
   * are the v2.0 lines' ids, read once). Idempotent: a run that finishes an interrupted one sends it again.
   */
  private async setHeaderAndLines(linesTable: SideTable, bcId: string, draft: BcDocumentDraft, extra: Record<string, unknown>): Promise<void> {
    const writes: Array<{ table: SideTable; op: WriteOp }> = [{ table: SALES_HEADERS, op: { kind: 'update', id: bcId, fields: { ...draft.salesHeader, ...extra } } }];
    if (draft.attached.size > 0) {
      const lines: Rec[] = [];
      for await (const page of this.bc.list(linesTable, { where: [{ field: 'documentId', op: 'eq', value: bcId }] })) lines.push(...page);
      for (const line of lines) {
        const attachedTo = draft.attached.get(Number(line.fields.sequence));
        if (attachedTo !== undefined) writes.push({ table: SALES_LINES, op: { kind: 'update', id: line.id, fields: { attachedToLineNumber: attachedTo } } });
      }
    }
    const results = await this.bcTransaction(writes);
    const failed = results.find((r) => !r.ok);
    if (failed) throw new DocumentRefused(`Business Central refused Your Reference or the attached lines: ${failed.error?.message ?? 'no answer'}`);
  }

  /** Couples the BC quote to this revision (replacing the earlier revision's coupling), durably, then closes the intent. */
  private async couple(quote: Rec, bcId: string, bcNumber: string, intent: Intent): Promise<void> {
    this.state.couple(
      { mapping: SALES_QUOTE_MAPPING, bcId, dataverseId: quote.id, syncedDirection: 'from-dataverse', extra: { quotenumber: text(quote.fields.quotenumber), bcNumber } },
      { replace: true },
    );
    await this.state.commit();
    await this.s.intents.close([intent]);
    this.bcNumbers.set(bcId, bcNumber);
  }

  // ---- won ------------------------------------------------------------------------------------

  /**
   * A won quote: the Dataverse order that won it, its BC order (coupled already, or created now from a Submitted
   * order), Quote No. set on it and the BC quote archived; with no order to create, the BC quote is Released.
   */
  private async won(quote: Rec): Promise<{ action: QuoteAction; orderNumber?: string }> {
    const c = this.coupling(quote.id);
    if (!c && !this.dryRun) throw new DocumentRefused('it is not coupled to a Business Central quote');
    const bcQuoteNumber = c ? text(c.extra?.bcNumber) : '';
    const orders: Rec[] = [];
    for await (const page of this.s.dataverse.list(ORDERS_DV, { where: [{ field: '_quoteid_value', op: 'eq', value: quote.id }] })) orders.push(...page);
    const order = orders[0];
    if (!order) throw new DocumentRefused('it is Won but no Sales order refers to it; create the order from the quote in Sales (Create Order), then process it again');
    const coupledOrder = this.state.byDataverseId(SALES_ORDER_MAPPING, order.id);
    // An order whose creation an interrupted run left open is finished by the order integration, whatever its state says.
    const unfinished = this.s.intents.open(SALES_ORDERS_CREATE).some((i) => i.sourceId === order.id);
    const creatable = unfinished || (Number(order.fields.statecode) === ORDER_SUBMITTED && [null, undefined, '', NEVER_SUBMITTED].includes(order.fields.lastbackofficesubmit as string));
    if (this.dryRun) return { action: coupledOrder ? 'order linked' : creatable ? 'order created' : 'released' };
    let bcOrder = coupledOrder ? { bcId: coupledOrder.bcId, number: '' } : undefined;
    let action: QuoteAction = 'order linked';
    if (!bcOrder && creatable) {
      bcOrder = await (this.s.createOrder ?? ((o) => this.createOrder(o)))(order, bcQuoteNumber);
      action = 'order created';
    }
    const archivesBefore = bcOrder ? await this.archiveCount(bcQuoteNumber) : 0;
    const [intent] = await this.s.intents.record([this.intent(quote, { step: 'won', bcQuoteId: c!.bcId, archivesBefore: String(archivesBefore), bcOrderId: bcOrder?.bcId ?? '' })]);
    const orderNumber = await this.finishWon(c!.bcId, bcQuoteNumber, bcOrder?.bcId, true);
    this.state.update(SALES_QUOTE_MAPPING, c!.bcId, { extra: { [WON_MARKER]: orderNumber ? `order ${orderNumber}` : 'released' } });
    await this.state.commit();
    await this.s.intents.close([intent!]);
    return orderNumber ? { action, orderNumber } : { action: 'released' };
  }

  /**
   * The BC order of a Submitted Dataverse order, by the order integration's own "Create in Business Central"
   * (src/processes/sales-orders/create.ts: its intents, its completion, its coupling); each of its writes is a
   * progress event of this run too.
   */
  private async createOrder(order: Rec): Promise<{ bcId: string; number: string }> {
    const s = this.s;
    const [created] = await createSalesOrders(
      { bc: s.bc, dataverse: s.dataverse, state: s.state, intents: s.intents, lcyCode: s.lcyCode, dataverseCompanyId: s.dataverseCompanyId, now: () => Date.parse(s.now()), copyNotes: s.copyNotes },
      { orders: [order.id], progress: () => this.tick() },
    );
    if (!created?.bcId || created.result === 'refused') throw new DocumentRefused(`its order could not be created in Business Central: ${created?.error ?? 'no answer'}`);
    return { bcId: created.bcId, number: created.bcNumber ?? '' };
  }

  /** Quote No. on the BC order and the BC quote archived; or, without an order, the BC quote Released. */
  private async finishWon(bcQuoteId: string, bcQuoteNumber: string, bcOrderId: string | undefined, archive: boolean): Promise<string | undefined> {
    if (!bcOrderId) {
      await this.bcAction(SALES_HEADERS, bcQuoteId, 'release');
      return undefined;
    }
    const [result] = await this.bcWrite(SALES_HEADERS, [{ kind: 'update', id: bcOrderId, fields: { quoteNumber: bcQuoteNumber } }]);
    if (!result?.ok || !result.record) throw new DocumentRefused(`Business Central refused Quote No. on its order: ${result?.error?.message ?? 'no answer'}`);
    if (archive) await this.bcAction(SALES_HEADERS, bcQuoteId, 'archive');
    return text(result.record.fields.number);
  }

  // ---- intents of an interrupted run ----------------------------------------------------------

  private intent(quote: Rec, keys: Record<string, string>): Omit<Intent, 'seq' | 'at'> {
    return {
      mapping: SALES_QUOTE_MAPPING,
      direction: 'from-dataverse',
      target: 'bc',
      entitySet: 'salesQuotes',
      sourceId: quote.id,
      keys: { quotenumber: text(quote.fields.quotenumber), ...keys },
    };
  }

  /**
   * Finishes what a killed run announced: a quote created but not coupled is found by its keys and coupled; a
   * revision is archived (unless the archive count shows it was) and replaced again, then coupled; a won quote's
   * Quote No., archive or release are done again and marked. An intent whose write never landed is closed, and
   * the quote is processed as usual.
   */
  async finishOpenIntents(): Promise<void> {
    const open = this.s.intents.open(SALES_QUOTE_MAPPING);
    if (open.length === 0) return;
    const quotes = new Map((await this.s.dataverse.get(QUOTES, [...new Set(open.map((i) => i.sourceId))])).map((q) => [q.id, q]));
    for (const intent of open) {
      const quote = quotes.get(intent.sourceId);
      const keys = intent.keys ?? {};
      if (!quote) {
        await this.s.intents.close([intent]);
        continue;
      }
      try {
        await this.finishIntent(intent, quote, keys);
      } catch (error) {
        // Left open: the next run tries again; this run reports the quote refused and starts nothing new for it.
        if (!(error instanceof DocumentRefused)) throw error;
        this.unfinished.set(quote.id, error);
      }
    }
  }

  private async quoteDraft(quote: Rec): Promise<BcDocumentDraft> {
    const draft = (await convertDocuments(this.s, QUOTE_TABLES, [quote])).get(quote.id);
    if (!draft || draft instanceof DocumentRefused) throw draft ?? new DocumentRefused('it could not be read');
    return draft;
  }

  /** BC documents with the intent's external document number and customer, modified since the intent was recorded. */
  private async createdSince(table: SideTable, keys: Record<string, string>, at: string): Promise<Rec[]> {
    const where = [
      { field: 'externalDocumentNumber', op: 'eq' as const, value: keys.externalDocumentNumber ?? '' },
      { field: 'customerNumber', op: 'eq' as const, value: keys.customerNumber ?? '' },
      { field: 'lastModifiedDateTime', op: 'ge' as const, value: at },
    ];
    const found: Rec[] = [];
    for await (const page of this.bc.list(table, { where })) found.push(...page);
    return found;
  }

  private async finishIntent(intent: Intent, quote: Rec, keys: Record<string, string>): Promise<void> {
    const step = keys.step as Step;
    const state = Number(quote.fields.statecode);
    if (step !== 'create' && state !== QUOTE_STATE.active && state !== QUOTE_STATE.won) {
      // Revised again, lost or canceled since: nothing of this step is wanted any more.
      await this.s.intents.close([intent]);
      return;
    }
    if (step === 'create') {
      const found = await this.createdSince(BC_QUOTES, keys, intent.at);
      const mine = found.filter((r) => !this.state.byBcId(SALES_QUOTE_MAPPING, r.id));
      if (mine.length === 0) {
        await this.s.intents.close([intent]);
        return;
      }
      await this.setHeaderAndLines(QUOTE_LINES_BC, mine[0]!.id, await this.quoteDraft(quote), {});
      await this.couple(quote, mine[0]!.id, text(mine[0]!.fields.number), intent);
      return;
    }
    const bcId = keys.bcQuoteId ?? '';
    const [bcQuote] = await this.bc.get(BC_QUOTES, [bcId]);
    const bcNumber = text(bcQuote?.fields.number);
    const archived = bcQuote ? (await this.archiveCount(bcNumber)) > Number(keys.archivesBefore ?? 0) : true;
    if (step === 'revise') {
      await this.revise(quote, await this.quoteDraft(quote), bcId, !archived);
      await this.couple(quote, bcId, bcNumber, intent);
      return;
    }
    const orderNumber = await this.finishWon(bcId, bcNumber, keys.bcOrderId || undefined, !archived);
    this.state.update(SALES_QUOTE_MAPPING, bcId, { extra: { [WON_MARKER]: orderNumber ? `order ${orderNumber}` : 'released' } });
    await this.state.commit();
    await this.s.intents.close([intent]);
  }
}

/** The quote's own header fields: Quote Valid Until ← effectiveto (an empty one leaves it blank). */
function quoteHeader(quote: Rec): Record<string, unknown> {
  const validUntil = text(quote.fields.effectiveto).slice(0, 10);
  return { validUntilDate: validUntil === '' ? '0001-01-01' : validUntil };
}

