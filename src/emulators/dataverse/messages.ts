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
