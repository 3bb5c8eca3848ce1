/**
 * Where the invoice processes read and write (README.md in this folder): the tables of both systems, and the
 * reads they share. Everything goes through the Sides the wiring hands in.
 */
import type { EngineContext } from '../../engine/run.js';
import type { IntegrationOptions } from '../../mapping/index.js';
import type { FilterCondition, Rec, Side, SideTable } from '../../sides/types.js';
import { text } from './convert.js';

/** What the wiring hands an invoice process. */
export interface InvoiceProcessContext {
  ctx: EngineContext;
  options: IntegrationOptions;
  /** The state directory (the payment-status watermark lives there, src/state/process-marks.ts). */
  stateDir: string;
  /** Progress as the run goes (a kill test counts these events). */
  progress?: (phase: string, done: number, total: number) => void;
}

export const table = (entitySet: string, key: string, select: string[] | undefined, extra: Partial<SideTable> = {}): SideTable => ({
  entitySet,
  key,
  modifiedField: key === 'id' ? 'lastModifiedDateTime' : 'modifiedon',
  filter: [],
  select,
  ...extra,
});

export const BC_LINES = table('salesInvoiceLines', 'id', [
  'documentId', 'sequence', 'itemId', 'lineType', 'lineObjectNumber', 'description', 'quantity', 'unitPrice', 'discountAmount',
  'invoiceDiscountAllocation', 'netAmount', 'netAmountIncludingTax',
]);
export const BC_ITEMS = table('items', 'id', ['number', 'displayName', 'blocked']);
export const BC_RESOURCES = table('resources', 'id', ['number', 'name', 'blocked'], { api: 'custom' });
export const BC_SALES_SETUP = table('salesSetup', 'id', ['writeInProductType', 'writeInProductNumber'], { api: 'custom' });
export const BC_SHIPMENT_METHODS = table('shipmentMethods', 'id', ['code', 'displayName']);
export const BC_LEDGER = table('customerLedgerEntries', 'id', ['entryNumber', 'documentType', 'documentNumber', 'amount', 'remainingAmount'], { api: 'custom' });
export const BC_DETAILED_LEDGER = table('detailedCustLedgerEntries', 'id', ['entryNumber', 'custLedgerEntryNumber', 'documentType'], { api: 'custom' });

export const DV_ORDERS = table('salesorders', 'salesorderid', ['ordernumber', 'name', '_customerid_value', '_pricelevelid_value', '_opportunityid_value', '_ownerid_value']);
export const DV_PRICE_LISTS = table('pricelevels', 'pricelevelid', ['name', '_transactioncurrencyid_value']);
export const DV_CURRENCIES = table('transactioncurrencies', 'transactioncurrencyid', ['isocurrencycode']);
export const DV_LINES = table('invoicedetails', 'invoicedetailid', [
  '_invoiceid_value', 'lineitemnumber', 'quantity', 'priceperunit', 'manualdiscountamount', 'tax', 'baseamount', 'extendedamount',
]);
export const DV_STATE_COLUMNS = ['statecode', 'statuscode'];

/** Values per request when a filter lists them (`x eq a or x eq b ...`): well under both services' URL limits. */
const PER_REQUEST = 40;

export async function readAll(side: Side, t: SideTable, where: FilterCondition[] = []): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const page of side.list(t, { where })) out.push(...page);
  return out;
}

/** Records whose `field` is one of `values`, in as few requests as the filter length allows. */
export async function readWhereIn(side: Side, t: SideTable, field: string, values: readonly (string | number)[]): Promise<Rec[]> {
  const distinct = [...new Set(values)];
  const out: Rec[] = [];
  for (let i = 0; i < distinct.length; i += PER_REQUEST) {
    out.push(...(await readAll(side, t, [{ field, op: 'in', value: distinct.slice(i, i + PER_REQUEST) }])));
  }
  return out;
}

/** BC invoice lines per invoice id. */
export async function invoiceLines(pc: InvoiceProcessContext, invoiceIds: readonly string[]): Promise<Map<string, Rec[]>> {
  const byInvoice = new Map<string, Rec[]>(invoiceIds.map((id) => [id, []]));
  if (invoiceIds.length === 0) return byInvoice;
  for (const line of await readWhereIn(pc.ctx.bc, BC_LINES, 'documentId', invoiceIds)) {
    byInvoice.get(text(line.fields.documentId).toLowerCase())?.push(line);
  }
  return byInvoice;
}
