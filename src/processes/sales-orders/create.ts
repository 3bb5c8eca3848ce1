/**
 * Business Central's "Create in Business Central" for submitted Dataverse orders (docs/integration.md §8.1;
 * README.md in this folder, "Creating orders"): each order converted by src/processes/documents, written to BC
 * crash-safely, coupled, its notes copied, and the Dataverse order marked as processed.
 *
 * One order's writes, in order, each step safe to repeat:
 *   1. a write-ahead intent naming the Dataverse order and the keys the BC order can be found by again;
 *   2. the BC order with all its lines in one deep-insert POST (one transaction: the order exists whole or not);
 *   3. one `Isolation: snapshot` batch on the custom API: Your Reference, Payment Discount %, Shipping Agent Code,
 *      and the comment lines attached to their line;
 *   4. the coupling, committed to the state;
 *   5. the notes (record links created with the annotation's id, so a repeat finds the first one);
 *   6. the Dataverse order, in one changeset: Active, `lastbackofficesubmit` and company stamped, Submitted again;
 *   7. the intent closed.
 * A run killed anywhere leaves the intent open; the next run finds the BC order by the intent's keys (or its
 * coupling) and completes steps 3–7 instead of creating a second order.
 */
import type { Side, SideTable, WriteResult } from '../../sides/types.js';
import type { Intent, IntentJournal, StateStore } from '../../state/index.js';
import {
  ORDER_TABLES,
  convertDocument,
  headerTable,
  readDocuments,
  readLines,
  readLookups,
  toDocument,
  type BcDocument,
  type DataverseDocument,
} from '../documents/index.js';
import { NEVER_SUBMITTED, SALES_ORDER_MAPPING, SUBMITTED, waitingOrdersFilter } from './list.js';

/** The job-queue process and the name its intents and sync-log entries carry. */
export const SALES_ORDERS_CREATE = 'SALES-ORDERS-CREATE';
/** A BC order found by an intent's keys must be modified at or after the intent, less this much clock skew. */
const KEY_MATCH_TOLERANCE_MS = 2000;
/** salesorder state and status: Active/New, Submitted/In Progress (docs/integration.md §8.1). */
const ACTIVE = { statecode: 0, statuscode: 1 };
const SUBMITTED_STATE = { statecode: SUBMITTED, statuscode: 3 };
/** Record links of a Sales Header (table 36). */
const SALES_HEADER_TABLE = 36;

const bcTable = (entitySet: string, select: string[], api: 'v2.0' | 'custom' = 'v2.0'): SideTable => ({ entitySet, api, key: 'id', modifiedField: 'lastModifiedDateTime', filter: [], select });
const BC_ORDERS = bcTable('salesOrders', ['number', 'externalDocumentNumber', 'customerNumber', 'status']);
const SALES_HEADERS = bcTable('salesHeaders', ['number', 'yourReference'], 'custom');
const SALES_LINES = bcTable('salesLines', ['documentType', 'documentNumber', 'lineNumber', 'attachedToLineNumber'], 'custom');
const RECORD_LINKS = bcTable('recordLinks', ['recordId', 'description'], 'custom');
const ANNOTATIONS: SideTable = { entitySet: 'annotations', key: 'annotationid', modifiedField: 'modifiedon', filter: [], select: ['subject', 'notetext', 'isdocument', 'filesize', '_objectid_value'] };

export type OrderResult = 'created' | 'completed' | 'already coupled' | 'refused' | 'would create' | 'would complete';

export interface OrderOutcome {
  salesorderid: string;
  ordernumber: string;
  name: string;
  result: OrderResult;
  /** The BC order's number and id once it exists. */
  bcNumber: string | null;
  bcId: string | null;
  /** Refused: one line naming the order and what to do. */
  error?: string;
  /** The BC order as converted (created, or what a dry run would create). */
  document?: BcDocument;
  notes?: number;
}

export interface CreateSources {
  bc: Side;
  dataverse: Side;
  state: StateStore;
  intents: IntentJournal;
  /** BC's local currency code. */
  lcyCode: string;
  /** This company's `cdm_companies` row (stamped on the order), when the integration solution has one. */
  dataverseCompanyId?: string;
  /** Now, in ms (the clock the intents use). */
  now(): number;
}

export interface CreateOptions {
  /** Order numbers or salesorderids; ignored with `all`. */
  orders?: string[];
  /** Every waiting order (and every order with an open intent). */
  all?: boolean;
  dryRun?: boolean;
  /** One event per order and per write (`--progress json` kill points). */
  progress?(phase: string, done: number, total: number): void;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

function outcome(doc: DataverseDocument, result: OrderResult, extra: Partial<OrderOutcome> = {}): OrderOutcome {
  return { salesorderid: doc.id, ordernumber: doc.number, name: doc.name, result, bcNumber: null, bcId: null, ...extra };
}

function label(doc: DataverseDocument): string {
  return `Order ${doc.number || doc.id}${doc.name ? ` "${doc.name}"` : ''}`;
}

/** The orders asked for: by number or id, one request for the ids and one for the numbers. Unknown ones are refused. */
async function ordersAsked(dataverse: Side, wanted: string[]): Promise<{ docs: DataverseDocument[]; unknown: string[] }> {
  const ids = wanted.filter((w) => GUID.test(w)).map((w) => w.toLowerCase());
  const numbers = wanted.filter((w) => !GUID.test(w));
  const headers = ids.length ? await dataverse.get(headerTable(ORDER_TABLES), ids) : [];
  if (numbers.length) {
    for await (const page of dataverse.list(headerTable(ORDER_TABLES), { where: [{ field: ORDER_TABLES.numberField, op: 'in', value: numbers }] })) headers.push(...page);
  }
  const lines = await readLines(dataverse, ORDER_TABLES, headers.map((h) => h.id));
  const docs = headers.map((h) => toDocument(ORDER_TABLES, h, lines.get(h.id) ?? []));
  const unknown = wanted.filter((w) => !docs.some((d) => d.id === w.toLowerCase() || d.number === w));
  return { docs, unknown };
}

/** Why an order asked for by name is not one BC would convert now (undefined: it is). */
function notWaiting(doc: DataverseDocument, companyId: string | undefined): string | undefined {
  if (doc.statecode !== SUBMITTED) return `${label(doc)} is not submitted; submit it in Dynamics 365 Sales first (only submitted orders are created in Business Central).`;
  if (doc.lastBackOfficeSubmit && !doc.lastBackOfficeSubmit.startsWith(NEVER_SUBMITTED)) {
    return `${label(doc)} was already processed by the back office on ${doc.lastBackOfficeSubmit.slice(0, 10)}; resubmit it in Dynamics 365 Sales to create it again.`;
  }
  if (doc.companyId && doc.companyId !== companyId) return `${label(doc)} belongs to another Business Central company (bcbi_companyid); process it from that company's profile.`;
  return undefined;
}

/**
 * Creates the BC orders of the given (or all waiting) submitted Dataverse orders. Never throws for one order:
 * a refused order is an outcome with its one-line error. Errors of a service (unreachable, throttled for
 * good) stop the run; open intents make the next run finish what was started.
 */
export async function createSalesOrders(sources: CreateSources, options: CreateOptions): Promise<OrderOutcome[]> {
  const { bc, dataverse, state, intents } = sources;
  const progress = options.progress ?? (() => undefined);
  const open = intents.open(SALES_ORDERS_CREATE);
  const outcomes: OrderOutcome[] = [];

  // Which orders: the waiting ones (or those asked for), plus every order an earlier run left an open intent for.
  let docs: DataverseDocument[];
  if (options.all) {
    const headers = [];
    for await (const page of dataverse.list(headerTable(ORDER_TABLES), { where: waitingOrdersFilter(sources.dataverseCompanyId) })) headers.push(...page);
    const lines = await readLines(dataverse, ORDER_TABLES, headers.map((h) => h.id));
    docs = headers.map((h) => toDocument(ORDER_TABLES, h, lines.get(h.id) ?? []));
  } else {
    const asked = await ordersAsked(dataverse, options.orders ?? []);
    docs = asked.docs;
    for (const u of asked.unknown) {
      outcomes.push({ salesorderid: GUID.test(u) ? u.toLowerCase() : '', ordernumber: GUID.test(u) ? '' : u, name: '', result: 'refused', bcNumber: null, bcId: null, error: `Order ${u} does not exist in Dynamics 365 Sales; give an order number or salesorderid ("bcsync sales-orders list" shows the waiting ones).` });
    }
  }
  const pendingIds = open.map((i) => i.sourceId).filter((id) => !docs.some((d) => d.id === id));
  if (pendingIds.length) docs.push(...(await readDocuments(dataverse, ORDER_TABLES, [...new Set(pendingIds)])));
  docs.sort((a, b) => a.number.localeCompare(b.number) || a.id.localeCompare(b.id));

  const intentOf = (doc: DataverseDocument): Intent | undefined => open.find((i) => i.sourceId === doc.id);
  const todo: DataverseDocument[] = [];
  for (const doc of docs) {
    const coupling = state.byDataverseId(SALES_ORDER_MAPPING, doc.id);
    if (coupling && !intentOf(doc)) {
      outcomes.push(outcome(doc, 'already coupled', { bcId: coupling.bcId }));
      continue;
    }
    const why = options.all || intentOf(doc) ? undefined : notWaiting(doc, sources.dataverseCompanyId);
    if (why) outcomes.push(outcome(doc, 'refused', { error: why }));
    else todo.push(doc);
  }

  const lookups = await readLookups({ bc, dataverse, couplings: state, lcyCode: sources.lcyCode }, todo);
  const notes = await notesOf(dataverse, todo.map((d) => d.id));
  let done = 0;
  for (const doc of todo) {
    progress(`${doc.number}: converting`, done, todo.length);
    const converted = convertDocument(doc, lookups);
    const intent = intentOf(doc);
    if ('message' in converted) {
      outcomes.push(outcome(doc, 'refused', { error: converted.message }));
      // An intent whose order cannot be converted any more: look whether its BC order exists before forgetting it.
      if (intent && !options.dryRun && !(await findCreated(sources, doc, intent, undefined))) await intents.close([intent]);
      done++;
      continue;
    }
    const existing = intent ? await findCreated(sources, doc, intent, converted) : undefined;
    if (options.dryRun) {
      outcomes.push(outcome(doc, existing ? 'would complete' : 'would create', { document: converted, bcId: existing?.id ?? null, bcNumber: existing?.number ?? null, notes: notes.get(doc.id)?.length ?? 0 }));
      done++;
      continue;
    }
    outcomes.push(await createOne(sources, doc, converted, intent, existing, notes.get(doc.id) ?? [], (phase) => progress(`${doc.number}: ${phase}`, done, todo.length)));
    done++;
  }
  progress('done', done, todo.length);
  return outcomes;
}

interface Note {
  id: string;
  subject: string;
  text: string;
}

/** Annotations on the orders that are notes (not documents, no file), by order id: one read. */
async function notesOf(dataverse: Side, orderIds: string[]): Promise<Map<string, Note[]>> {
  const byOrder = new Map<string, Note[]>();
  for (let i = 0; i < orderIds.length; i += 100) {
    const chunk = orderIds.slice(i, i + 100);
    const where = [
      { field: '_objectid_value', op: 'in' as const, value: chunk },
      { field: 'isdocument', op: 'eq' as const, value: false },
    ];
    for await (const page of dataverse.list(ANNOTATIONS, { where })) {
      for (const r of page) {
        if (Number(r.fields.filesize ?? 0) !== 0) continue;
        const order = text(r.fields._objectid_value).toLowerCase();
        byOrder.set(order, [...(byOrder.get(order) ?? []), { id: r.id, subject: text(r.fields.subject), text: text(r.fields.notetext) }]);
      }
    }
  }
  return byOrder;
}

/**
 * The BC order an earlier, interrupted run made for this order: through its coupling, or by the intent's keys
 * (External Document No. and customer), modified after the intent and coupled to nothing else.
 */
async function findCreated(sources: CreateSources, doc: DataverseDocument, intent: Intent, converted: BcDocument | undefined): Promise<{ id: string; number: string } | undefined> {
  const coupling = sources.state.byDataverseId(SALES_ORDER_MAPPING, doc.id);
  if (coupling) {
    const [found] = await sources.bc.get(BC_ORDERS, [coupling.bcId]);
    if (found) return { id: found.id, number: text(found.fields.number) };
  }
  const keys = intent.keys ?? (converted ? { externalDocumentNumber: converted.externalDocumentNumber, customerNumber: converted.customerNumber } : undefined);
  if (!keys?.externalDocumentNumber || !keys.customerNumber) return undefined;
  const since = Date.parse(intent.at) - KEY_MATCH_TOLERANCE_MS;
  const where = [
    { field: 'externalDocumentNumber', op: 'eq' as const, value: keys.externalDocumentNumber },
    { field: 'customerNumber', op: 'eq' as const, value: keys.customerNumber },
  ];
  for await (const page of sources.bc.list(BC_ORDERS, { where })) {
    const mine = page.find((r) => Date.parse(r.modifiedAt) >= since && !sources.state.byBcId(SALES_ORDER_MAPPING, r.id));
    if (mine) return { id: mine.id, number: text(mine.fields.number) };
  }
  return undefined;
}

/** The API v2.0 deep-insert body of the order: the header and every line (comment lines included). */
function orderBody(d: BcDocument): Record<string, unknown> {
  const body: Record<string, unknown> = {
    customerId: d.customerId,
    externalDocumentNumber: d.externalDocumentNumber,
    currencyCode: d.currencyCode,
  };
  if (d.requestedDeliveryDate) body.requestedDeliveryDate = d.requestedDeliveryDate;
  if (d.paymentTermsId) body.paymentTermsId = d.paymentTermsId;
  if (d.shipmentMethodId) body.shipmentMethodId = d.shipmentMethodId;
  if (d.shipTo) {
    body.shipToName = d.shipTo.name;
    body.shipToAddressLine1 = d.shipTo.addressLine1;
    body.shipToAddressLine2 = d.shipTo.addressLine2;
    body.shipToCity = d.shipTo.city;
    body.shipToState = d.shipTo.state;
    body.shipToPostCode = d.shipTo.postCode;
    if (d.shipTo.country) body.shipToCountry = d.shipTo.country;
  }
  if (d.invoiceDiscountAmount !== 0) body.discountAmount = d.invoiceDiscountAmount;
  body.salesOrderLines = d.lines.map((l) => {
    const line: Record<string, unknown> = { sequence: l.lineNumber, lineType: l.lineType };
    if (l.number) line.lineObjectNumber = l.number;
    if (l.description !== undefined) line.description = l.description;
    if (l.unitOfMeasureCode) line.unitOfMeasureCode = l.unitOfMeasureCode;
    if (l.quantity !== undefined) line.quantity = l.quantity;
    if (l.unitPrice !== undefined) line.unitPrice = l.unitPrice;
    if (l.discountAmount) line.discountAmount = l.discountAmount;
    return line;
  });
  return body;
}

function failed(results: WriteResult[]): string | undefined {
  return results.find((r) => !r.ok)?.error?.message;
}

/** Steps 1–7 of one order (2 skipped when an earlier run's BC order was found). */
async function createOne(
  sources: CreateSources,
  doc: DataverseDocument,
  d: BcDocument,
  intent: Intent | undefined,
  existing: { id: string; number: string } | undefined,
  notes: Note[],
  step: (phase: string) => void,
): Promise<OrderOutcome> {
  const { bc, dataverse, state, intents } = sources;
  const refused = (error: string, extra: Partial<OrderOutcome> = {}): OrderOutcome => outcome(doc, 'refused', { error: `${label(doc)}: ${error}`, document: d, ...extra });

  let current = intent;
  let order = existing;
  if (!order) {
    if (current) await intents.close([current]);
    [current] = await intents.record([
      {
        mapping: SALES_ORDERS_CREATE,
        direction: 'from-dataverse',
        target: 'bc',
        entitySet: 'salesOrders',
        sourceId: doc.id,
        sourceModifiedAt: doc.modifiedAt,
        keys: { externalDocumentNumber: d.externalDocumentNumber, customerNumber: d.customerNumber },
      },
    ]);
    step('creating the order in Business Central');
    const [created] = await bc.write(BC_ORDERS, [{ kind: 'create', id: doc.id, fields: orderBody(d) }]);
    if (!created?.ok || !created.record) {
      // The deep insert is one transaction: refused means nothing was created.
      await intents.close([current!]);
      return refused(`Business Central refused the order: ${created?.error?.message ?? 'no answer'}; correct it in Dynamics 365 Sales or Business Central, then run the command again.`);
    }
    order = { id: created.record.id, number: text(created.record.fields.number) };
  }
  const ids = { bcId: order.id, bcNumber: order.number };

  // 3. What API v2.0 cannot set, in one transaction on the custom API.
  step(`completing Business Central order ${order.number}`);
  const header: Record<string, unknown> = { yourReference: d.yourReference, paymentDiscountPercent: d.paymentDiscountPercent };
  if (d.shippingAgentCode) header.shippingAgentCode = d.shippingAgentCode;
  const writes: Array<{ table: SideTable; op: { kind: 'update'; id: string; fields: Record<string, unknown> } }> = [{ table: SALES_HEADERS, op: { kind: 'update', id: order.id, fields: header } }];
  const attached = d.lines.filter((l) => l.attachedToLineNumber !== undefined);
  if (attached.length) {
    const lines = [];
    const where = [
      { field: 'documentType', op: 'eq' as const, value: 'Order' },
      { field: 'documentNumber', op: 'eq' as const, value: order.number },
    ];
    for await (const page of bc.list(SALES_LINES, { where })) lines.push(...page);
    for (const l of attached) {
      const line = lines.find((x) => Number(x.fields.lineNumber) === l.lineNumber);
      if (line && Number(line.fields.attachedToLineNumber) !== l.attachedToLineNumber) {
        writes.push({ table: SALES_LINES, op: { kind: 'update', id: line.id, fields: { attachedToLineNumber: l.attachedToLineNumber } } });
      }
    }
  }
  const completion = await bc.writeAtomic!(writes);
  const completionError = failed(completion);
  // The order exists but is not complete: the intent stays open, so the next run completes it.
  if (completionError) return refused(`Business Central order ${order.number} was created but could not be completed: ${completionError}; correct it, then run the command again.`, ids);
  const headerAfter = completion[0]?.record;

  // 4. Coupled, durably, before anything else refers to it.
  state.couple({ mapping: SALES_ORDER_MAPPING, bcId: order.id, dataverseId: doc.id, bcModifiedAt: headerAfter?.modifiedAt || undefined, dataverseModifiedAt: doc.modifiedAt, syncedDirection: 'from-dataverse' }, { replace: true });
  await state.commit();
  step(`coupled to Business Central order ${order.number}`);

  // 5. Notes: the record link takes the annotation's id, so a repeated create finds the first one.
  if (notes.length) {
    const results = await bc.write(
      RECORD_LINKS,
      notes.map((n) => ({ kind: 'create' as const, id: n.id, fields: { tableNumber: SALES_HEADER_TABLE, recordId: order!.id, description: n.subject.slice(0, 250), note: n.text.slice(0, 2048) } })),
    );
    const error = failed(results);
    if (error) return refused(`the notes could not be copied to Business Central order ${order.number}: ${error}; run the command again.`, ids);
    step(`${notes.length} note(s) copied`);
  }

  // 6. The Dataverse order is read-only while Submitted: Active, stamped, Submitted again, in one changeset.
  const today = new Date(sources.now()).toISOString().slice(0, 10);
  const stamp: Record<string, unknown> = { lastbackofficesubmit: today };
  if (sources.dataverseCompanyId) stamp['bcbi_companyid@odata.bind'] = `/cdm_companies(${sources.dataverseCompanyId})`;
  const orders = headerTable(ORDER_TABLES);
  const marked = await dataverse.writeAtomic!([
    { table: orders, op: { kind: 'update', id: doc.id, fields: ACTIVE } },
    { table: orders, op: { kind: 'update', id: doc.id, fields: stamp } },
    { table: orders, op: { kind: 'update', id: doc.id, fields: SUBMITTED_STATE } },
  ]);
  const markError = failed(marked);
  if (markError) return refused(`Business Central order ${order.number} is created and coupled, but the Dataverse order could not be marked as submitted to the back office: ${markError}; run the command again.`, ids);
  const dvAfter = marked[marked.length - 1]?.record;
  if (dvAfter?.modifiedAt) state.update(SALES_ORDER_MAPPING, order.id, { dataverseModifiedAt: dvAfter.modifiedAt });
  await state.commit();
  step('marked in Dynamics 365 Sales');

  // 7. Done: nothing is left to find again.
  await intents.close([current!]);
  return outcome(doc, existing ? 'completed' : 'created', { ...ids, document: d, notes: notes.length });
}
