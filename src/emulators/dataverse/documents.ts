/**
 * Sales document rules (orders, quotes, invoices): numbers, editable states, line pricing and amounts, and
 * header totals recomputed from the lines (docs/protocols.md §6.1, §7.1).
 */
import { applyCurrency, currencyPrecision } from './currency.js';
import { invalidArgument } from './errors.js';
import type { Actor, Organization, RowWrite } from './org.js';
import { listPrice } from './pricing.js';
import { num, setLookup, setValue } from './row-values.js';
import type { Row } from './store.js';
import type { TableDef } from './schema.js';
import { roundTo } from './values.js';

export interface DocumentRule {
  lineSet: string;
  via: string;
  numberColumn: string;
  prefix: string;
  /** States in which the document (and its lines) can be edited. */
  editableStates: number[];
}

export const DOCUMENTS: Record<string, DocumentRule> = {
  salesorder: { lineSet: 'salesorderdetails', via: 'salesorderid', numberColumn: 'ordernumber', prefix: 'ORD', editableStates: [0] },
  quote: { lineSet: 'quotedetails', via: 'quoteid', numberColumn: 'quotenumber', prefix: 'QUO', editableStates: [0] },
  invoice: { lineSet: 'invoicedetails', via: 'invoiceid', numberColumn: 'invoicenumber', prefix: 'INV', editableStates: [0, 1] },
};

export const LINES: Record<string, { parentSet: string; parentLogical: string; via: string }> = {
  salesorderdetail: { parentSet: 'salesorders', parentLogical: 'salesorder', via: 'salesorderid' },
  quotedetail: { parentSet: 'quotes', parentLogical: 'quote', via: 'quoteid' },
  invoicedetail: { parentSet: 'invoices', parentLogical: 'invoice', via: 'invoiceid' },
};

/** Totals a client may write on a document header (BC writes them for posted invoices). */
export const HEADER_TOTALS = ['totalamount', 'totalamountlessfreight', 'totaltax', 'totaldiscountamount', 'totallineitemdiscountamount'];

/** A document header: its number on create, the price list's currency, and totals from its lines. */
export function headerRules(org: Organization, write: RowWrite, doc: DocumentRule): void {
  const { table, values, targets, previous, parsed } = write;
  if (!previous && typeof values[doc.numberColumn] !== 'string') values[doc.numberColumn] = nextDocumentNumber(org, doc.prefix);
  if (!previous && !values['_transactioncurrencyid_value']) {
    const priceList = typeof values['_pricelevelid_value'] === 'string' ? org.store.get('pricelevels', values['_pricelevelid_value'] as string) : undefined;
    const currencyId = priceList?.values['_transactioncurrencyid_value'];
    if (typeof currencyId === 'string') setLookup(values, targets, 'transactioncurrencyid', { id: currencyId, logicalName: 'transactioncurrency' });
  }
  // Totals follow the lines and the header's discount and freight; a write that touches none of them (a state
  // change, an address) leaves the totals as they are, also totals a client wrote (BC writes its own amounts).
  if (!previous || TOTAL_INPUTS.some((k) => parsed.values.has(k))) computeDocumentTotals(org, table, values, doc, new Set([...parsed.values.keys()]));
}

/** Header columns the totals are computed from (besides the lines). */
const TOTAL_INPUTS = ['discountamount', 'discountpercentage', 'freightamount'];

/** A document line: an editable parent, its currency, the product (or a write-in), the list price, sequence and amounts. */
export function lineRules(org: Organization, write: RowWrite, line: { parentSet: string; parentLogical: string; via: string }): void {
  const { table, values, targets, previous, parsed } = write;
  const parent = assertParentEditable(org, table, values, line);
  const currency = parent.values['_transactioncurrencyid_value'];
  if (typeof currency === 'string') setLookup(values, targets, 'transactioncurrencyid', { id: currency, logicalName: 'transactioncurrency' });
  const productId = values['_productid_value'];
  const product = typeof productId === 'string' ? org.store.get('products', productId) : undefined;
  if (values['isproductoverridden'] === true) {
    if (product) throw invalidArgument(`A write-in ${table.logicalName} (isproductoverridden = true) cannot also have a productid.`);
    if (typeof values['productdescription'] !== 'string' || values['productdescription'] === '') {
      throw invalidArgument(`A write-in ${table.logicalName} needs productdescription (the name of the write-in product).`);
    }
    setValue(values, 'productname', null);
    setValue(values, 'productnumber', null);
  } else {
    if (!product) throw invalidArgument(`${table.logicalName} needs productid, or isproductoverridden = true with a productdescription for a write-in product.`);
    setValue(values, 'productname', (product.values['name'] as string | undefined) ?? null);
    setValue(values, 'productnumber', (product.values['productnumber'] as string | undefined) ?? null);
    if (!values['_uomid_value'] && typeof product.values['_defaultuomid_value'] === 'string') {
      setLookup(values, targets, 'uomid', { id: product.values['_defaultuomid_value'] as string, logicalName: 'uom' });
    }
    const uom = typeof values['_uomid_value'] === 'string' ? org.store.get('uoms', values['_uomid_value'] as string) : undefined;
    if (uom && uom.values['_uomscheduleid_value'] !== product.values['_defaultuomscheduleid_value']) {
      throw invalidArgument(`The unit ${uom.id} does not belong to the unit group of product ${product.id}. Use a unit of the product's unit group.`);
    }
    const repricing = !previous || parsed.lookups.has('productid') || parsed.lookups.has('uomid') || parsed.values.has('ispriceoverridden');
    if (values['ispriceoverridden'] !== true && parent.values['ispricelocked'] !== true && repricing) {
      const fromList = listPrice(org, parent.values['_pricelevelid_value'], product, values['_uomid_value']);
      if (fromList !== undefined) values['priceperunit'] = fromList;
    }
  }
  if (typeof values['priceperunit'] !== 'number') values['priceperunit'] = typeof product?.values['price'] === 'number' ? product.values['price'] : 0;
  if (!previous && typeof values['sequencenumber'] !== 'number') {
    let max = 0;
    for (const id of org.store.lookup(table.entitySet, `_${line.via}_value`, parent.id)) {
      const s = org.store.get(table.entitySet, id)?.values['sequencenumber'];
      if (typeof s === 'number' && s > max) max = s;
    }
    values['sequencenumber'] = max + 1;
  }
  const precision = currencyPrecision(org, currency);
  const quantity = typeof values['quantity'] === 'number' ? (values['quantity'] as number) : 0;
  const price = values['priceperunit'] as number;
  const manual = num(values['manualdiscountamount']);
  const volume = num(values['volumediscountamount']);
  const tax = num(values['tax']);
  // On create the amounts are always computed; an update may set them explicitly (BC writes posted amounts).
  const explicitBase = previous !== undefined && parsed.values.has('baseamount');
  const explicitExtended = previous !== undefined && parsed.values.has('extendedamount');
  if (!explicitBase) values['baseamount'] = roundTo(price * quantity, precision);
  if (!explicitExtended) values['extendedamount'] = roundTo(num(values['baseamount']) - manual - volume + tax, precision);
}

/** The document a line belongs to, which must be in a state whose lines may change. */
export function assertParentEditable(org: Organization, table: TableDef, values: Readonly<Record<string, unknown>>, line: { parentSet: string; parentLogical: string; via: string }): Row {
  const parentId = values[`_${line.via}_value`];
  const parent = typeof parentId === 'string' ? org.store.get(line.parentSet, parentId) : undefined;
  if (!parent) throw invalidArgument(`${table.logicalName} needs ${line.via}: bind it to an existing ${line.parentLogical}.`);
  const doc = DOCUMENTS[line.parentLogical]!;
  const state = parent.values['statecode'] as number;
  if (!doc.editableStates.includes(state)) {
    const label = org.options.label(line.parentLogical, 'statecode', state) ?? String(state);
    throw invalidArgument(`The ${line.parentLogical} ${parent.id} is ${label}; its lines cannot be changed. Set the ${line.parentLogical} back to an editable state first.`);
  }
  return parent;
}

/** Header totals from the lines (order/quote/invoice); totals written explicitly in this payload win. */
export function computeDocumentTotals(org: Organization, table: TableDef, values: Record<string, unknown>, doc: DocumentRule, explicit: ReadonlySet<string>): void {
  const precision = currencyPrecision(org, values['_transactioncurrencyid_value']);
  let detail = 0;
  let lineDiscounts = 0;
  let tax = 0;
  const id = values[table.key] as string;
  for (const lineId of org.store.lookup(doc.lineSet, `_${doc.via}_value`, id)) {
    const l = org.store.get(doc.lineSet, lineId)!.values;
    detail += num(l['baseamount']) - num(l['manualdiscountamount']) - num(l['volumediscountamount']);
    lineDiscounts += num(l['manualdiscountamount']);
    tax += num(l['tax']);
  }
  const headerDiscount = num(values['discountamount']) + (detail * num(values['discountpercentage'])) / 100;
  const lessFreight = detail - headerDiscount;
  const computed: Record<string, number> = {
    totallineitemamount: roundTo(detail, precision),
    totallineitemdiscountamount: roundTo(lineDiscounts, precision),
    totaldiscountamount: roundTo(headerDiscount, precision),
    totalamountlessfreight: roundTo(lessFreight, precision),
    totaltax: roundTo(tax, precision),
    totalamount: roundTo(lessFreight + num(values['freightamount']) + tax, precision),
  };
  for (const [k, v] of Object.entries(computed)) {
    if (explicit.has(k) && HEADER_TOTALS.includes(k)) continue;
    values[k] = v;
  }
}

/** After a line changed: the header totals again, written by the platform when they moved. */
export function recalculateDocument(org: Organization, parentSet: string, parentId: string, actor: Actor): void {
  const table = org.table(parentSet);
  const row = org.store.get(parentSet, parentId);
  if (!row) return;
  const doc = DOCUMENTS[table.logicalName]!;
  const values: Record<string, unknown> = { ...row.values };
  computeDocumentTotals(org, table, values, doc, new Set());
  const changes: Record<string, unknown> = {};
  for (const k of ['totallineitemamount', 'totallineitemdiscountamount', 'totaldiscountamount', 'totalamountlessfreight', 'totaltax', 'totalamount']) {
    if (values[k] !== row.values[k]) changes[k] = values[k];
  }
  if (Object.keys(changes).length === 0) return;
  const rate = typeof row.values['exchangerate'] === 'number' ? (row.values['exchangerate'] as number) : 1;
  for (const [k, v] of Object.entries(changes)) changes[`${k}_base`] = roundTo((v as number) / rate, 4);
  org.systemUpdate(table, row, changes, actor);
}

/** A document number as Dataverse makes them (`ORD-01001-A1B2C3`). */
export function nextDocumentNumber(org: Organization, prefix: string): string {
  const n = (org.numberCounters.get(prefix) ?? 1000) + 1;
  org.numberCounters.set(prefix, n);
  const suffix = org.ids.next().replace(/-/g, '').slice(0, 6).toUpperCase();
  return `${prefix}-${String(n).padStart(5, '0')}-${suffix}`;
}

/** Seeded documents get totals that agree with their lines (modifiedon kept: nobody edited them). */
export function refreshDocumentTotals(org: Organization): void {
  for (const [logicalName, doc] of Object.entries(DOCUMENTS)) {
    const table = org.schema.byLogical.get(logicalName)!;
    for (const row of [...org.store.rows(table.entitySet)]) {
      const values: Record<string, unknown> = { ...row.values };
      const targets: Record<string, string> = { ...row.targets };
      computeDocumentTotals(org, table, values, doc, new Set(Object.keys(row.values).filter((k) => HEADER_TOTALS.includes(k))));
      applyCurrency(org, table, values, targets);
      org.commitRow(table, row.id, values, targets);
    }
  }
}
