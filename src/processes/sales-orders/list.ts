/**
 * Which Dataverse sales orders wait for Business Central, and where the coupled ones stand there
 * (README.md in this folder, "Which orders wait"). Read-only: it reads through the Sides and the couplings.
 */
import type { FilterCondition, Rec, Side, SideTable } from '../../sides/types.js';

/** The integration table mapping whose couplings pair a Sales Header (order) with a Dataverse salesorder. */
export const SALES_ORDER_MAPPING = 'SALESORDER-ORDER';

/** salesorder statecode Submitted. */
export const SUBMITTED = 1;
/** How Dataverse and BC spell "never submitted to the back office" besides empty. */
export const NEVER_SUBMITTED = '1900-01-01';

/** Status shown for a submitted order Business Central has not created yet. */
export const STATUS_TO_CREATE = 'to create';
/** Status shown for a coupled order whose Business Central order no longer exists. */
export const STATUS_GONE = 'deleted in Business Central';

export interface SalesOrderListing {
  salesorderid: string;
  ordernumber: string;
  name: string;
  /** The customer's name: an account's name, or a contact's full name. */
  customer: string;
  /** The coupled BC order's number; null until it is created. */
  bcNumber: string | null;
  /** `to create`, or the BC order's status (Draft, In Review, Open, Released), or `deleted in Business Central`. */
  status: string;
}

export interface SalesOrderSources {
  bc: Side;
  dataverse: Side;
  /** Dataverse order id → BC order id, for the orders coupled under SALESORDER-ORDER. */
  coupledOrders: ReadonlyMap<string, string>;
  /** This company's row in `cdm_companies`; undefined when the integration solution has none. */
  dataverseCompanyId?: string;
}

const ORDER_COLUMNS = ['ordernumber', 'name', '_customerid_value', 'statecode', 'lastbackofficesubmit', '_bcbi_companyid_value'];

const table = (entitySet: string, key: string, select: string[], modifiedField = 'modifiedon'): SideTable => ({ entitySet, key, modifiedField, filter: [], select });

const ORDERS = table('salesorders', 'salesorderid', ORDER_COLUMNS);
const ACCOUNTS = table('accounts', 'accountid', ['name']);
const CONTACTS = table('contacts', 'contactid', ['fullname']);
const BC_ORDERS = table('salesOrders', 'id', ['number', 'status'], 'lastModifiedDateTime');

/** Submitted, never processed, unstamped or stamped with this company: the orders BC's conversion takes. */
export function waitingOrdersFilter(dataverseCompanyId: string | undefined): FilterCondition[] {
  return [
    { field: 'statecode', op: 'eq', value: SUBMITTED },
    { field: 'lastbackofficesubmit', op: 'in', value: [null, NEVER_SUBMITTED] },
    { field: '_bcbi_companyid_value', op: 'in', value: dataverseCompanyId ? [null, dataverseCompanyId] : [null] },
  ];
}

/**
 * The submitted orders not yet processed (statecode Submitted, `lastbackofficesubmit` empty or 1900-01-01) that
 * are unstamped or stamped with this company (an unstamped order belongs to whichever company processes it),
 * then every coupled order with its BC number and status; sorted by order number.
 */
export async function listSalesOrders(sources: SalesOrderSources): Promise<SalesOrderListing[]> {
  const { bc, dataverse, coupledOrders, dataverseCompanyId } = sources;
  const candidates: Rec[] = [];
  const where = waitingOrdersFilter(dataverseCompanyId);
  for await (const page of dataverse.list(ORDERS, { where })) candidates.push(...page.filter((r) => !coupledOrders.has(r.id)));
  const coupled = coupledOrders.size > 0 ? await dataverse.get(ORDERS, [...coupledOrders.keys()]) : [];
  const bcOrders = new Map((coupledOrders.size > 0 ? await bc.get(BC_ORDERS, [...coupledOrders.values()]) : []).map((r) => [r.id, r.fields]));
  const customers = await customerNames(dataverse, [...candidates, ...coupled]);

  const listing = (r: Rec, bcNumber: string | null, status: string): SalesOrderListing => ({
    salesorderid: r.id,
    ordernumber: text(r.fields.ordernumber),
    name: text(r.fields.name),
    customer: customers.get(text(r.fields._customerid_value).toLowerCase()) ?? '',
    bcNumber,
    status,
  });
  const rows = candidates.map((r) => listing(r, null, STATUS_TO_CREATE));
  for (const r of coupled) {
    const bcOrder = bcOrders.get(coupledOrders.get(r.id)!);
    rows.push(bcOrder ? listing(r, text(bcOrder.number), text(bcOrder.status)) : listing(r, null, STATUS_GONE));
  }
  return rows.sort((a, b) => a.ordernumber.localeCompare(b.ordernumber) || a.salesorderid.localeCompare(b.salesorderid));
}

/** Customer id → name: accounts first, then contacts for the ids that are not accounts (a contact as customer). */
async function customerNames(dataverse: Side, orders: Rec[]): Promise<Map<string, string>> {
  const ids = [...new Set(orders.map((r) => text(r.fields._customerid_value).toLowerCase()).filter((id) => id !== ''))];
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  for (const r of await dataverse.get(ACCOUNTS, ids)) names.set(r.id, text(r.fields.name));
  const rest = ids.filter((id) => !names.has(id));
  if (rest.length > 0) for (const r of await dataverse.get(CONTACTS, rest)) names.set(r.id, text(r.fields.fullname));
  return names;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}
