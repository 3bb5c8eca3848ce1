/**
 * Posted sales invoices → Dataverse invoices (docs/integration.md §8.4; README.md in this folder): Business Central's
 * "Create Invoice in Dynamics 365 Sales" (`createPostedInvoices`) and the scheduled POSTEDSALESINV-INV sync of the
 * coupled ones (`syncCoupledInvoices`). A new invoice goes out as one deep insert (header and lines, one
 * transaction) under an id recorded in the write-ahead intent journal first, so a crash at any point leaves it
 * either absent or whole; the steps after insert (line amounts, totals, status) are comparisons that write only
 * what differs, so a rerun completes an invoice a crash interrupted and a run with nothing new writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { resolveOpenIntents } from '../../engine/intents.js';
import { WRITTEN_BY_US_KEY } from '../../engine/plan.js';
import type { MappingReport } from '../../engine/report.js';
import { lookupsFor } from '../../engine/run.js';
import { bcTable, dataverseTable } from '../../engine/tables.js';
import { UsageError } from '../../errors.js';
import {
  planFieldTransfer,
  POSTED_INVOICE_LINE_MAPPING,
  POSTED_INVOICE_MAPPING,
  POSTED_INVOICE_STATUSES,
  postedInvoiceMappings,
  type IntegrationTableMapping,
} from '../../mapping/index.js';
import type { Rec, SideTable, WriteOp } from '../../sides/types.js';
import {
  BILLED,
  differing,
  headerTotals,
  lineAmounts,
  lineBody,
  NEW,
  num,
  paymentState,
  sameState,
  syncedLines,
  text,
  writeInName,
  type LineProduct,
} from './convert.js';
import { startReport, type ReportBuilder } from './report.js';
import {
  BC_ITEMS,
  BC_RESOURCES,
  BC_SALES_SETUP,
  BC_SHIPMENT_METHODS,
  DV_CURRENCIES,
  DV_LINES,
  DV_ORDERS,
  DV_PRICE_LISTS,
  DV_STATE_COLUMNS,
  invoiceLines,
  readAll,
  readWhereIn,
  type InvoiceProcessContext,
} from './sources.js';

/** The name BC gives the default price list of products it creates (docs/integration.md §2.2, product rules). */
export const DEFAULT_PRICE_LIST = 'Business Central Default Price List';
/** The job-queue name of the scheduled sync of coupled invoices (a process, so not the mapping's own name). */
export const POSTED_INVOICES = 'POSTED-INVOICES';
export const currencyPriceList = (iso: string): string => `Price List in ${iso}`;

const BLANK_GUID = '00000000-0000-0000-0000-000000000000';
/** Coupling flag: the invoice was brought in line with its Business Central invoice as of the coupling's bcModifiedAt. */
const COMPLETE_KEY = 'complete';

/** Which posted invoices: every one (`--all`) or one by number or id. */
export type InvoiceSelection = { all: true } | { invoice: string };

export interface InvoiceRunOptions {
  dryRun?: boolean;
}

interface Tables {
  header: IntegrationTableMapping;
  bcInvoices: SideTable;
  dvInvoices: SideTable;
}

function tables(pc: InvoiceProcessContext): Tables {
  const [header] = postedInvoiceMappings(pc.options);
  const dv = dataverseTable(header!, pc.ctx.dataverseCompanyId);
  return {
    header: header!,
    // The whole posted invoice: the order link, customer, currency and ledger figures besides the mapped fields.
    bcInvoices: { ...bcTable(header!), select: header!.bc.properties },
    dvInvoices: { ...dv, select: [...new Set([...(dv.select ?? []), ...DV_STATE_COLUMNS, '_salesorderid_value', 'totallineitemdiscountamount', 'totaltax', 'freightamount', 'discountpercentage', 'totaldiscountamount'])] },
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function selectedInvoices(pc: InvoiceProcessContext, t: Tables, selection: InvoiceSelection): Promise<Rec[]> {
  if ('all' in selection) return readAll(pc.ctx.bc, t.bcInvoices);
  const wanted = selection.invoice.trim();
  const found = GUID.test(wanted)
    ? await pc.ctx.bc.get(t.bcInvoices, [wanted.toLowerCase()])
    : await readAll(pc.ctx.bc, t.bcInvoices, [{ field: 'number', op: 'eq', value: wanted }]);
  const posted = found.filter((r) => POSTED_INVOICE_STATUSES.includes(text(r.fields.status)));
  if (posted.length === 0) {
    throw new UsageError(`No posted sales invoice "${wanted}" in Business Central; give the number (e.g. 103001) or id of a posted invoice, or --all.`);
  }
  return posted;
}

/** A create a crash left unseen is coupled (it landed whole) or forgotten (it never did), before anything else. */
async function resolveInvoiceIntents(pc: InvoiceProcessContext, t: Tables): Promise<void> {
  const { bc, dataverse, state, intents } = pc.ctx;
  await resolveOpenIntents({ bc, dataverse, tables: { bc: t.bcInvoices, dataverse: t.dvInvoices }, state, intents }, t.header);
}

const label = (invoice: Rec): string => `invoice ${text(invoice.fields.number)}`;

/** Business Central's "Create Invoice in Dynamics 365 Sales" for the selected posted invoices, then completes the coupled ones. */
export async function createPostedInvoices(pc: InvoiceProcessContext, selection: InvoiceSelection, options: InvoiceRunOptions = {}): Promise<MappingReport> {
  const { ctx } = pc;
  const dryRun = Boolean(options.dryRun);
  const t = tables(pc);
  const r = startReport(POSTED_INVOICE_MAPPING, ctx, dryRun);
  if (!dryRun) await resolveInvoiceIntents(pc, t);
  else r.report.openIntents = ctx.intents.open(POSTED_INVOICE_MAPPING).length;
  const invoices = await selectedInvoices(pc, t, selection);
  const lines = await invoiceLines(pc, invoices.map((i) => i.id));
  const uncoupled = invoices.filter((i) => !ctx.state.byBcId(POSTED_INVOICE_MAPPING, i.id));
  const bodies = await newInvoiceBodies(pc, t, uncoupled, lines, r);
  const total = bodies.length;
  let done = 0;
  for (const { invoice, body } of bodies) {
    if (dryRun) {
      r.report.counts['to-dataverse'].inserted++;
      continue;
    }
    pc.progress?.('creating', done, total);
    const id = randomUUID();
    const [intent] = await ctx.intents.record([
      { mapping: POSTED_INVOICE_MAPPING, direction: 'to-dataverse', target: 'dataverse', entitySet: t.dvInvoices.entitySet, sourceId: invoice.id, sourceModifiedAt: invoice.modifiedAt, chosenId: id },
    ]);
    const result = await ctx.dataverse.createWithRelated!(t.dvInvoices, id, body);
    if (!result.ok) {
      // A refusal is known not to have created anything; an answer that never came leaves the intent open.
      if (result.error?.status !== undefined) await ctx.intents.close([intent!]);
      r.fail(label(invoice), result.error?.message ?? 'the invoice was not created', { bcId: invoice.id });
      continue;
    }
    ctx.state.couple({
      mapping: POSTED_INVOICE_MAPPING,
      bcId: invoice.id,
      dataverseId: id,
      bcModifiedAt: invoice.modifiedAt || undefined,
      dataverseModifiedAt: result.record?.modifiedAt || undefined,
      syncedDirection: 'to-dataverse',
      extra: { [WRITTEN_BY_US_KEY]: true },
    });
    await ctx.state.commit();
    await ctx.intents.close([intent!]);
    r.report.counts['to-dataverse'].inserted++;
    pc.progress?.('created', ++done, total);
  }
  const coupled = invoices.filter((i) => ctx.state.byBcId(POSTED_INVOICE_MAPPING, i.id));
  await completeInvoices(pc, t, coupled, lines, r, dryRun);
  if (!dryRun) r.report.openIntents = ctx.intents.open(POSTED_INVOICE_MAPPING).length || undefined;
  return r.finish();
}

/**
 * The scheduled POSTEDSALESINV-INV job: coupled invoices whose Business Central invoice changed since the last run,
 * or that a crash left incomplete, brought in line; invoices no longer Active in Dataverse are left alone.
 */
export async function syncCoupledInvoices(pc: InvoiceProcessContext, options: InvoiceRunOptions = {}): Promise<MappingReport> {
  const { ctx } = pc;
  const dryRun = Boolean(options.dryRun);
  const t = tables(pc);
  const r = startReport(POSTED_INVOICES, ctx, dryRun);
  if (!dryRun) await resolveInvoiceIntents(pc, t);
  const couplings = [...ctx.state.couplings(POSTED_INVOICE_MAPPING)];
  const invoices = couplings.length ? await ctx.bc.get(t.bcInvoices, couplings.map((c) => c.bcId)) : [];
  // Only what changed in Business Central since the invoice was last brought in line, or never was (a crash).
  const due = invoices.filter((i) => {
    const c = ctx.state.byBcId(POSTED_INVOICE_MAPPING, i.id);
    return c?.extra?.[COMPLETE_KEY] !== true || !(Date.parse(i.modifiedAt) <= Date.parse(c.bcModifiedAt ?? ''));
  });
  r.report.counts['to-dataverse'].unchanged += invoices.length - due.length;
  const lines = await invoiceLines(pc, due.map((i) => i.id));
  await completeInvoices(pc, t, due, lines, r, dryRun);
  return r.finish();
}

// ---------------------------------------------------------------------------------------------
// New invoices

interface NewInvoice {
  invoice: Rec;
  body: Record<string, unknown>;
}

/** What the new invoices refer to, read once for all of them. */
interface References {
  orders: Map<string, Rec>;
  blockedItems: Map<string, string>;
  resources: Map<string, { id: string; blocked: boolean; name: string }>;
  shipmentMethods: Map<string, string>;
  priceLists: Map<string, string>;
  currencies: Map<string, string>;
  /** Sales & Receivables Setup "Write-in Product Type" and "No." (`Item 9000`), '' when none is set. */
  writeIn: string;
}

async function references(pc: InvoiceProcessContext, invoices: readonly Rec[], lines: Map<string, Rec[]>): Promise<References> {
  const { bc, dataverse } = pc.ctx;
  const all = invoices.flatMap((i) => lines.get(i.id) ?? []);
  const refs = invoices.map((i) => text(i.fields.customerPurchaseOrderReference).trim()).filter((v) => v !== '');
  const orders = new Map((refs.length ? await readWhereIn(dataverse, DV_ORDERS, 'ordernumber', refs) : []).map((o) => [text(o.fields.ordernumber), o]));
  const itemIds = [...new Set(all.filter((l) => text(l.fields.lineType) === 'Item' && text(l.fields.itemId) !== BLANK_GUID).map((l) => text(l.fields.itemId).toLowerCase()))];
  const blockedItems = new Map(
    (itemIds.length ? await bc.get(BC_ITEMS, itemIds) : []).filter((i) => i.fields.blocked === true).map((i) => [i.id, `${text(i.fields.number)} ${text(i.fields.displayName)}`]),
  );
  const resourceNumbers = all.filter((l) => text(l.fields.lineType) === 'Resource').map((l) => text(l.fields.lineObjectNumber));
  const resources = new Map(
    (resourceNumbers.length ? await readWhereIn(bc, BC_RESOURCES, 'number', resourceNumbers) : []).map((x) => [
      text(x.fields.number).toUpperCase(),
      { id: x.id, blocked: x.fields.blocked === true, name: text(x.fields.name) },
    ]),
  );
  const methodIds = invoices.map((i) => text(i.fields.shipmentMethodId)).filter((v) => v !== '' && v !== BLANK_GUID);
  const shipmentMethods = new Map((methodIds.length ? await bc.get(BC_SHIPMENT_METHODS, methodIds) : []).map((m) => [m.id, text(m.fields.displayName)]));
  const unlinked = invoices.filter((i) => !orders.has(text(i.fields.customerPurchaseOrderReference).trim()));
  const foreign = [...new Set(unlinked.map((i) => foreignCurrency(pc, i)).filter((c): c is string => c !== undefined))];
  const names = unlinked.length ? [DEFAULT_PRICE_LIST, ...foreign.map(currencyPriceList)] : [];
  const priceLists = new Map((names.length ? await readWhereIn(dataverse, DV_PRICE_LISTS, 'name', names) : []).map((p) => [text(p.fields.name), p.id]));
  const missingCurrencies = foreign.filter((c) => !priceLists.has(currencyPriceList(c)));
  const currencies = new Map(
    (missingCurrencies.length ? await readWhereIn(dataverse, DV_CURRENCIES, 'isocurrencycode', missingCurrencies) : []).map((c) => [text(c.fields.isocurrencycode).toUpperCase(), c.id]),
  );
  const setup = all.length ? (await readAll(bc, BC_SALES_SETUP))[0] : undefined;
  const writeIn = setup && text(setup.fields.writeInProductNumber) !== '' ? `${text(setup.fields.writeInProductType)} ${text(setup.fields.writeInProductNumber).toUpperCase()}` : '';
  return { orders, blockedItems, resources, shipmentMethods, priceLists, currencies, writeIn };
}

/** The invoice's currency code when it is not the local currency. */
function foreignCurrency(pc: InvoiceProcessContext, invoice: Rec): string | undefined {
  const code = text(invoice.fields.currencyCode).trim().toUpperCase();
  return code === '' || code === pc.ctx.bcLcyCode.toUpperCase() ? undefined : code;
}

/** The Dataverse price list of an invoice not linked to an order (created when missing, except in a dry run). */
async function priceListOf(pc: InvoiceProcessContext, refs: References, invoice: Rec, dryRun: boolean): Promise<string | { error: string }> {
  const foreign = foreignCurrency(pc, invoice);
  const name = foreign ? currencyPriceList(foreign) : DEFAULT_PRICE_LIST;
  const known = refs.priceLists.get(name);
  if (known) return known;
  const currencyId = foreign ? refs.currencies.get(foreign) : pc.ctx.dataverseBaseCurrencyId;
  if (!currencyId) return { error: `Dataverse has no currency ${foreign ?? pc.ctx.bcLcyCode} for the price list "${name}"; synchronize CURRENCY first ("bcsync sync --mapping CURRENCY").` };
  const id = randomUUID();
  if (!dryRun) {
    const [written] = await pc.ctx.dataverse.write(DV_PRICE_LISTS, [
      { kind: 'create', id, fields: { name, 'transactioncurrencyid@odata.bind': `/transactioncurrencies(${currencyId})` } },
    ]);
    if (!written?.ok) return { error: `the price list "${name}" could not be created: ${written?.error?.message ?? 'no answer'}` };
  }
  refs.priceLists.set(name, id);
  return id;
}

async function newInvoiceBodies(pc: InvoiceProcessContext, t: Tables, invoices: readonly Rec[], lines: Map<string, Rec[]>, r: ReportBuilder): Promise<NewInvoice[]> {
  if (invoices.length === 0) return [];
  const { ctx } = pc;
  const refs = await references(pc, invoices, lines);
  const lookups = lookupsFor(ctx);
  let plans = invoices.map((i) => planFieldTransfer(t.header, 'to-dataverse', i.fields, undefined, lookups.context()));
  if (lookups.missing.size && (await lookups.buildMissing())) plans = invoices.map((i) => planFieldTransfer(t.header, 'to-dataverse', i.fields, undefined, lookups.context()));
  const out: NewInvoice[] = [];
  for (const [n, invoice] of invoices.entries()) {
    const plan = plans[n]!;
    const invoiceLines = syncedLines(lines.get(invoice.id) ?? []);
    const blocked = invoiceLines.flatMap((l) => blockedOf(refs, l));
    if (blocked.length) {
      r.fail(label(invoice), `${label(invoice)} has lines of blocked ${blocked.join(', ')}; unblock them in Business Central (or correct the invoice) and run again`, { bcId: invoice.id });
      continue;
    }
    if (plan.errors.length) {
      r.fail(label(invoice), plan.errors.map((e) => e.message).join('; '), { bcId: invoice.id });
      continue;
    }
    const header = await headerBody(pc, refs, invoice, plan.values, Boolean(r.report.dryRun));
    if ('error' in header) {
      r.fail(label(invoice), `${label(invoice)}: ${header.error}`, { bcId: invoice.id });
      continue;
    }
    const pricesIncludeTax = invoice.fields.pricesIncludeTax === true;
    header.invoice_details = invoiceLines.map((l) => lineBody(l, productOf(pc, refs, l), pricesIncludeTax));
    out.push({ invoice, body: header });
  }
  return out;
}

function blockedOf(refs: References, line: Rec): string[] {
  const type = text(line.fields.lineType);
  if (type === 'Item') {
    const item = refs.blockedItems.get(text(line.fields.itemId).toLowerCase());
    return item ? [`item ${item}`] : [];
  }
  if (type === 'Resource') {
    const resource = refs.resources.get(text(line.fields.lineObjectNumber).toUpperCase());
    return resource?.blocked ? [`resource ${text(line.fields.lineObjectNumber)} ${resource.name}`] : [];
  }
  return [];
}

/** A coupled item or resource is its product; anything else (the write-in product, G/L accounts, uncoupled ones) is a write-in. */
function productOf(pc: InvoiceProcessContext, refs: References, line: Rec): LineProduct {
  const type = text(line.fields.lineType);
  const state = pc.ctx.state;
  // The write-in product stands for anything typed in Sales; it is never a product there (docs/integration.md §8).
  if (refs.writeIn !== '' && `${type} ${text(line.fields.lineObjectNumber).toUpperCase()}` === refs.writeIn) return { writeIn: writeInName(line) };
  if (type === 'Item') {
    const c = state.byBcId('ITEM-PRODUCT', text(line.fields.itemId).toLowerCase());
    if (c) return { productId: c.dataverseId };
  }
  if (type === 'Resource') {
    const resource = refs.resources.get(text(line.fields.lineObjectNumber).toUpperCase());
    const c = resource ? state.byBcId('RESOURCE-PRODUCT', resource.id) : undefined;
    if (c) return { productId: c.dataverseId };
  }
  return { writeIn: writeInName(line) };
}

/**
 * The header of a new invoice: the mapped fields, then the order it came from (Your Reference = the order's number)
 * or the invoice's own name, customer and price list; the company stamp; Shipment Method as the description.
 */
async function headerBody(
  pc: InvoiceProcessContext,
  refs: References,
  invoice: Rec,
  mapped: Record<string, unknown>,
  dryRun: boolean,
): Promise<Record<string, unknown> | { error: string }> {
  const { ctx } = pc;
  const f = invoice.fields;
  const body: Record<string, unknown> = { ...mapped };
  const customer = ctx.state.byBcId('CUSTOMER', text(f.customerId).toLowerCase());
  if (!customer) {
    return { error: `customer ${text(f.customerNumber)} ${text(f.customerName)} is not coupled to an account; couple it ("bcsync couple --mapping CUSTOMER ...") or synchronize CUSTOMER, then run again` };
  }
  const order = refs.orders.get(text(f.customerPurchaseOrderReference).trim());
  if (order) {
    const orderCustomer = text(order.fields._customerid_value).toLowerCase();
    if (orderCustomer !== customer.dataverseId) {
      return { error: `the Dataverse order ${text(order.fields.ordernumber)} (Your Reference) belongs to another customer than ${text(f.customerNumber)} ${text(f.customerName)}; correct Your Reference or the order's customer` };
    }
    body.name = text(order.fields.name);
    body['salesorderid@odata.bind'] = `/salesorders(${order.id})`;
    const bind = (nav: string, set: string, value: unknown): void => {
      if (typeof value === 'string' && value !== '') body[`${nav}@odata.bind`] = `/${set}(${value})`;
    };
    bind('opportunityid', 'opportunities', order.fields._opportunityid_value);
    bind('pricelevelid', 'pricelevels', order.fields._pricelevelid_value);
    bind('ownerid', 'systemusers', order.fields._ownerid_value);
  } else {
    body.name = text(f.number);
    const priceList = await priceListOf(pc, refs, invoice, dryRun);
    if (typeof priceList !== 'string') return priceList;
    body['pricelevelid@odata.bind'] = `/pricelevels(${priceList})`;
  }
  body['customerid_account@odata.bind'] = `/accounts(${customer.dataverseId})`;
  if (ctx.dataverseCompanyId) body['bcbi_companyid@odata.bind'] = `/cdm_companies(${ctx.dataverseCompanyId})`;
  const method = refs.shipmentMethods.get(text(f.shipmentMethodId).toLowerCase());
  if (method) body.description = method;
  return body;
}

// ---------------------------------------------------------------------------------------------
// Completing and updating coupled invoices

/**
 * Brings coupled invoices in line: lines coupled by line number, line amounts and tax as docs/integration.md §8.4 sets them after
 * insert, then the header's mapped fields and totals, and (for an invoice still New: just created) its status
 * from the ledger. Invoices no longer Active in Dataverse (paid, cancelled) are not touched.
 */
async function completeInvoices(pc: InvoiceProcessContext, t: Tables, invoices: readonly Rec[], lines: Map<string, Rec[]>, r: ReportBuilder, dryRun: boolean): Promise<void> {
  if (invoices.length === 0) return;
  const { ctx } = pc;
  const counts = r.report.counts['to-dataverse'];
  const pairs = invoices.map((invoice) => ({ invoice, coupling: ctx.state.byBcId(POSTED_INVOICE_MAPPING, invoice.id)! }));
  // Brought in line (or no longer Active, so left alone from now on) as of this BC version: the scheduled job reads
  // an invoice again only when Business Central changes it. Failed ones stay due.
  const markComplete = async (): Promise<void> => {
    if (dryRun) return;
    for (const p of pairs) {
      if (r.report.records.some((x) => x.bcId === p.invoice.id)) continue;
      const c = ctx.state.byBcId(POSTED_INVOICE_MAPPING, p.invoice.id);
      if (c?.extra?.[COMPLETE_KEY] === true && c.bcModifiedAt === p.invoice.modifiedAt) continue;
      ctx.state.update(POSTED_INVOICE_MAPPING, p.invoice.id, { bcModifiedAt: p.invoice.modifiedAt || undefined, extra: { [COMPLETE_KEY]: true } });
    }
    await ctx.state.commit();
  };
  const dvInvoices = new Map((await ctx.dataverse.get(t.dvInvoices, pairs.map((p) => p.coupling.dataverseId))).map((x) => [x.id, x]));
  const active = pairs.filter((p) => {
    const dv = dvInvoices.get(p.coupling.dataverseId);
    if (!dv) r.fail(label(p.invoice), `${label(p.invoice)}: its coupled Dataverse invoice ${p.coupling.dataverseId} no longer exists; uncouple it ("bcsync uncouple --mapping ${POSTED_INVOICE_MAPPING} --bc ${p.invoice.id}") and create it again`, { bcId: p.invoice.id, dataverseId: p.coupling.dataverseId });
    else if (num(dv.fields.statecode) !== 0) counts.unchanged++;
    return dv !== undefined && num(dv.fields.statecode) === 0;
  });
  if (active.length === 0) return markComplete();
  const dvLines = await readWhereIn(ctx.dataverse, DV_LINES, '_invoiceid_value', active.map((p) => p.coupling.dataverseId));
  const lookups = lookupsFor(ctx);
  const plan = (p: (typeof active)[number]) => planFieldTransfer(t.header, 'to-dataverse', p.invoice.fields, dvInvoices.get(p.coupling.dataverseId)!.fields, lookups.context());
  let plans = active.map(plan);
  if (lookups.missing.size && (await lookups.buildMissing())) plans = active.map(plan);

  const lineOps: WriteOp[] = [];
  const headerOps: Array<{ op: WriteOp; index: number }> = [];
  for (const [n, p] of active.entries()) {
    const dv = dvInvoices.get(p.coupling.dataverseId)!;
    const bcLines = syncedLines(lines.get(p.invoice.id) ?? []);
    const mine = new Map(dvLines.filter((l) => text(l.fields._invoiceid_value).toLowerCase() === dv.id).map((l) => [num(l.fields.lineitemnumber), l]));
    for (const line of bcLines) {
      const dvLine = mine.get(num(line.fields.sequence));
      if (!dvLine) continue;
      if (!dryRun && !ctx.state.byBcId(POSTED_INVOICE_LINE_MAPPING, line.id)) {
        ctx.state.couple({ mapping: POSTED_INVOICE_LINE_MAPPING, bcId: line.id, dataverseId: dvLine.id, syncedDirection: 'to-dataverse' });
      }
      const { tax, ...amounts } = lineAmounts(line);
      const changes = differing({ ...amounts, tax, quantity: num(line.fields.quantity), manualdiscountamount: num(line.fields.discountAmount) }, dvLine.fields);
      if (Object.keys(changes).length) lineOps.push({ kind: 'update', id: dvLine.id, etag: dvLine.etag, fields: changes });
    }
    if (plans[n]!.errors.length) {
      r.fail(label(p.invoice), plans[n]!.errors.map((e) => e.message).join('; '), { bcId: p.invoice.id, dataverseId: dv.id });
      continue;
    }
    const wanted: Record<string, unknown> = headerTotals(p.invoice, bcLines, pc.options.orderSync !== 'off');
    // Just created (still New): the status the customer ledger gives, in the same write as the totals.
    if (sameState(NEW, dv.fields)) {
      Object.assign(wanted, paymentState({ cancelled: text(p.invoice.fields.status) === 'Canceled', amount: num(p.invoice.fields.totalAmountIncludingTax), remaining: num(p.invoice.fields.remainingAmount) }));
    } else if (!sameState(BILLED, dv.fields)) Object.assign(wanted, BILLED);
    // Mapped fields that changed, less those the totals decide and the owner of an invoice that took its order's owner.
    const mapped = Object.fromEntries(
      Object.entries(plans[n]!.values).filter(([k]) => !(k in wanted) && !(text(dv.fields._salesorderid_value) !== '' && k.startsWith('ownerid'))),
    );
    const changes = { ...mapped, ...differing(wanted, dv.fields) };
    if (Object.keys(changes).length) headerOps.push({ op: { kind: 'update', id: dv.id, etag: dv.etag, fields: changes }, index: n });
  }
  const touched = new Set<number>();
  if (!dryRun) {
    pc.progress?.('completing', 0, active.length);
    // Lines first: a line write makes Dataverse recompute the header totals, which the header write then sets.
    const lineResults = lineOps.length ? await ctx.dataverse.write(DV_LINES, lineOps) : [];
    for (const [i, op] of lineOps.entries()) {
      const n = active.findIndex((p) => dvLines.some((l) => l.id === op.id && text(l.fields._invoiceid_value).toLowerCase() === p.coupling.dataverseId));
      if (n >= 0) touched.add(n);
      const res = lineResults[i]!;
      if (!res.ok) r.fail(`invoice line ${res.op.id}`, res.error?.message ?? 'not written', { bcId: n >= 0 ? active[n]!.invoice.id : undefined, dataverseId: res.op.id });
    }
    const headerResults = headerOps.length ? await ctx.dataverse.write(t.dvInvoices, headerOps.map((h) => h.op)) : [];
    headerResults.forEach((res, i) => {
      const { index } = headerOps[i]!;
      const p = active[index]!;
      if (!res.ok) return r.fail(label(p.invoice), `${label(p.invoice)}: ${res.error?.message ?? 'not written'}`, { bcId: p.invoice.id, dataverseId: p.coupling.dataverseId });
      touched.add(index);
      ctx.state.update(POSTED_INVOICE_MAPPING, p.invoice.id, { bcModifiedAt: p.invoice.modifiedAt || undefined, dataverseModifiedAt: res.record?.modifiedAt || undefined });
    });
    await markComplete();
  } else {
    for (const h of headerOps) touched.add(h.index);
    for (const op of lineOps) {
      const n = active.findIndex((p) => dvLines.some((l) => l.id === op.id && text(l.fields._invoiceid_value).toLowerCase() === p.coupling.dataverseId));
      if (n >= 0) touched.add(n);
    }
  }
  for (const [n] of active.entries()) {
    if (touched.has(n)) counts.modified++;
    else counts.unchanged++;
  }
  pc.progress?.('completed', active.length, active.length);
}
