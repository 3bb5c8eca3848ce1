/**
 * State-change messages the platform makes through an action instead of an update. Only
 * `FulfillSalesOrder` so far: the one path to an order's Fulfilled state (docs/protocols.md §7.1).
 */
import { invalidArgument, recordNotFound } from './errors.js';
import type { Actor, Organization } from './org.js';
import { stateModel } from './schema.js';

const FULFILLED = 3;
/** Orders that may still be fulfilled: Active and Submitted (Canceled, Fulfilled and Invoiced are closed). */
const FULFILLABLE = [0, 1];

/**
 * `POST FulfillSalesOrder` with `OrderClose` (an orderclose bound to the order through
 * `salesorderid@odata.bind`) and `Status` (a Fulfilled status, or -1 for the state's default).
 * Records the order close activity as Completed and moves the order to Fulfilled, atomically.
 */
export function fulfillSalesOrder(org: Organization, body: Record<string, unknown>, actor: Actor): void {
  const close = body['OrderClose'];
  const status = body['Status'];
  if (close === null || typeof close !== 'object' || Array.isArray(close)) {
    throw invalidArgument('FulfillSalesOrder needs OrderClose: an orderclose with salesorderid@odata.bind pointing at the order.');
  }
  if (typeof status !== 'number' || !Number.isInteger(status)) {
    throw invalidArgument('FulfillSalesOrder needs Status: a status code of the Fulfilled state, or -1 for its default.');
  }
  const orders = org.table('salesorders');
  const model = stateModel(orders)!;
  const newStatus = status === -1 ? model.defaultStatus.get(FULFILLED)! : status;
  if (model.stateOfStatus.get(newStatus) !== FULFILLED) {
    throw invalidArgument(`${status} is not a valid status code for state code SalesOrderState.Fulfilled on salesorder.`);
  }
  org.store.atomic(() => {
    const closeTable = org.table('ordercloses');
    const activity = org.create(closeTable, { ...(close as Record<string, unknown>), statecode: 1, statuscode: 2, actualend: org.nowText() }, actor);
    const orderId = activity.values['_salesorderid_value'] as string;
    const order = org.store.get('salesorders', orderId);
    if (!order) throw recordNotFound('salesorder', orderId);
    const state = order.values['statecode'] as number;
    if (!FULFILLABLE.includes(state)) {
      const label = org.options.label('salesorder', 'statecode', state) ?? String(state);
      throw invalidArgument(`The salesorder ${orderId} is ${label} and cannot be fulfilled: only Active or Submitted orders can.`);
    }
    org.systemUpdate(orders, order, { statecode: FULFILLED, statuscode: newStatus }, actor);
  });
}

/** quote statecode values (docs/protocols.md §6.1). */
const QUOTE_ACTIVE = 1;
const QUOTE_WON = 2;
const QUOTE_CLOSED = 3;
/** quote statuscode Revised (state Closed): what ReviseQuote leaves on the revision it replaces. */
const QUOTE_REVISED = 7;

function quoteCloseAndStatus(org: Organization, message: string, body: Record<string, unknown>, state: number): { close: Record<string, unknown>; status: number } {
  const close = body['QuoteClose'];
  const status = body['Status'];
  if (close === null || typeof close !== 'object' || Array.isArray(close)) {
    throw invalidArgument(`${message} needs QuoteClose: a quoteclose with quoteid@odata.bind pointing at the quote.`);
  }
  if (typeof status !== 'number' || !Number.isInteger(status)) {
    throw invalidArgument(`${message} needs Status: a status code of the ${state === QUOTE_WON ? 'Won' : 'Closed'} state, or -1 for its default.`);
  }
  const model = stateModel(org.table('quotes'))!;
  const newStatus = status === -1 ? model.defaultStatus.get(state)! : status;
  if (model.stateOfStatus.get(newStatus) !== state) {
    throw invalidArgument(`${status} is not a valid status code for state code QuoteState.${state === QUOTE_WON ? 'Won' : 'Closed'} on quote.`);
  }
  return { close: close as Record<string, unknown>, status: newStatus };
}

/**
 * `WinQuote` / `CloseQuote` (unbound, `QuoteClose` + `Status`): record the quote close activity as Completed and
 * move an Active quote to Won or Closed, atomically. Only Active quotes can be won or closed (a Draft quote is
 * activated first; a closed one is revised).
 */
function closeQuoteAs(org: Organization, message: string, body: Record<string, unknown>, actor: Actor, state: number): void {
  const { close, status } = quoteCloseAndStatus(org, message, body, state);
  org.store.atomic(() => {
    const activity = org.create(org.table('quotecloses'), { ...close, statecode: 1, statuscode: 2, actualend: org.nowText() }, actor);
    const quoteId = activity.values['_quoteid_value'] as string;
    const quotes = org.table('quotes');
    const quote = org.store.get('quotes', quoteId);
    if (!quote) throw recordNotFound('quote', quoteId);
    const current = quote.values['statecode'] as number;
    if (current !== QUOTE_ACTIVE) {
      const label = org.options.label('quote', 'statecode', current) ?? String(current);
      throw invalidArgument(`The quote ${quoteId} is ${label}: only an Active quote can be ${state === QUOTE_WON ? 'won' : 'closed'}.`);
    }
    org.systemUpdate(quotes, quote, { statecode: state, statuscode: status, closedon: org.nowText().slice(0, 10) }, actor);
  });
}

export function winQuote(org: Organization, body: Record<string, unknown>, actor: Actor): void {
  closeQuoteAs(org, 'WinQuote', body, actor, QUOTE_WON);
}

export function closeQuote(org: Organization, body: Record<string, unknown>, actor: Actor): void {
  closeQuoteAs(org, 'CloseQuote', body, actor, QUOTE_CLOSED);
}

/** Columns a revision does not take over from the quote it revises: its identity, state, audit and computed values. */
const NOT_REVISED = new Set(['quoteid', 'statecode', 'statuscode', 'revisionnumber', 'closedon', 'createdon', 'modifiedon', 'versionnumber', '_createdby_value', '_modifiedby_value']);

/**
 * `ReviseQuote` (unbound, `QuoteId` + `ColumnSet`): the revised quote (Active, or Closed as Lost or Canceled) is
 * closed with status Revised, and a copy of it with its lines becomes a new Draft quote with the same
 * `quotenumber` and `revisionnumber` + 1, which the action returns. A Won quote or one already revised cannot
 * be revised again (the emulator's reading of the documented "sets the state of a quote to Draft").
 */
export function reviseQuote(org: Organization, body: Record<string, unknown>, actor: Actor): { table: ReturnType<Organization['table']>; id: string } {
  const quoteId = body['QuoteId'];
  if (typeof quoteId !== 'string' || quoteId === '') throw invalidArgument('ReviseQuote needs QuoteId: the id of the quote to revise.');
  const quotes = org.table('quotes');
  const lines = org.table('quotedetails');
  const id = quoteId.toLowerCase().replace(/[{}]/g, '');
  return org.store.atomic(() => {
    const original = org.store.get('quotes', id);
    if (!original) throw recordNotFound('quote', id);
    const state = original.values['statecode'] as number;
    const status = original.values['statuscode'] as number;
    if (state !== QUOTE_ACTIVE && !(state === QUOTE_CLOSED && status !== QUOTE_REVISED)) {
      const label = org.options.label('quote', 'statecode', state) ?? String(state);
      throw invalidArgument(`The quote ${id} is ${label}${status === QUOTE_REVISED ? ' (Revised)' : ''} and cannot be revised: revise an Active quote, or one closed as Lost or Canceled.`);
    }
    if (state === QUOTE_ACTIVE) org.systemUpdate(quotes, original, { statecode: QUOTE_CLOSED, statuscode: QUOTE_REVISED, closedon: org.nowText().slice(0, 10) }, actor);
    const now = org.nowText();
    const copy = (row: { values: Record<string, unknown>; targets: Record<string, string> }, key: string, newId: string): { values: Record<string, unknown>; targets: Record<string, string> } => {
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row.values)) if (!NOT_REVISED.has(k) && k !== key) values[k] = v;
      values[key] = newId;
      values['createdon'] = now;
      values['modifiedon'] = now;
      values['_createdby_value'] = actor.userId;
      values['_modifiedby_value'] = actor.userId;
      return { values, targets: { ...row.targets, createdby: 'systemuser', modifiedby: 'systemuser' } };
    };
    const revisionId = org.ids.next();
    const header = copy(original, 'quoteid', revisionId);
    header.values['statecode'] = 0;
    header.values['statuscode'] = 1;
    header.values['revisionnumber'] = ((original.values['revisionnumber'] as number | undefined) ?? 0) + 1;
    org.commitRow(quotes, revisionId, header.values, header.targets);
    for (const lineId of [...org.store.lookup('quotedetails', '_quoteid_value', id)]) {
      const line = org.store.get('quotedetails', lineId)!;
      const newLineId = org.ids.next();
      const copied = copy(line, 'quotedetailid', newLineId);
      copied.values['_quoteid_value'] = revisionId;
      org.commitRow(lines, newLineId, copied.values, copied.targets);
    }
    return { table: quotes, id: revisionId };
  });
}
