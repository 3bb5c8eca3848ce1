/**
 * The companion extension's salesHeaders page (bc-extension/src/BCSSalesHeaders.Page.al) over the Sales Header
 * table: one row per quote, order and unposted invoice, with the id of the v2.0 document (the same record in BC).
 * `mirrorSalesHeader` keeps the two views in step; release and reopen set the document status as codeunit "Release
 * Sales Document" does; archive stores a new version in salesHeaderArchives, numbered per document and occurrence as
 * Business Central's archive does.
 */
import type { Company } from './company.js';
import { isPostedInvoice } from './documents.js';
import type { Hooks } from './hooks.js';
import type { Rec, Row } from './store.js';
import { BLANK_GUID, isoDateTime, newGuid } from './values.js';

const DOCUMENT_TYPE: Readonly<Record<string, string>> = { salesQuotes: 'Quote', salesOrders: 'Order', salesInvoices: 'Invoice' };

/**
 * API v2.0 `salesOrders.status` as its entity buffer derives it from the Sales Header status: Open is "Draft",
 * Pending Approval "In Review", Released and Pending Prepayment "Open".
 */
const ORDER_STATUS_IN_V2: Readonly<Record<string, string>> = { Open: 'Draft', 'Pending Approval': 'In Review', Released: 'Open', 'Pending Prepayment': 'Open' };

const SALES_HEADER_STATUS_OF_V2: Readonly<Record<string, string>> = { Draft: 'Open', 'In Review': 'Pending Approval', Open: 'Released' };

const ADDRESS: ReadonlyArray<[string, string]> = [
  ['Address', 'AddressLine1'],
  ['Address2', 'AddressLine2'],
  ['City', 'City'],
  ['CountryCode', 'Country'],
  ['PostCode', 'PostCode'],
  ['County', 'State'],
];

/** The Sales Header fields a v2.0 document row determines (codes as the table stores them: LCY is blank). */
function headerFieldsOf(c: Company, set: string, doc: Readonly<Rec>): Rec {
  const terms = doc.paymentTermsId && doc.paymentTermsId !== BLANK_GUID ? c.get('paymentTerms', doc.paymentTermsId as string)?.data : undefined;
  const currency = String(doc.currencyCode ?? '');
  const out: Rec = {
    documentType: DOCUMENT_TYPE[set],
    number: doc.number,
    currencyCode: currency.toUpperCase() === c.lcyCode.toUpperCase() ? '' : currency,
    salespersonCode: doc.salesperson ?? '',
    paymentTermsCode: terms?.code ?? '',
    billToName: doc.billToName ?? '',
    shipToName: doc.shipToName ?? '',
    amount: doc.totalAmountExcludingTax ?? 0,
    amountIncludingVAT: doc.totalAmountIncludingTax ?? 0,
    invoiceDiscountAmount: doc.discountAmount ?? 0,
    lastModifiedDateTime: doc.lastModifiedDateTime,
  };
  if (typeof doc.requestedDeliveryDate === 'string') out.requestedDeliveryDate = doc.requestedDeliveryDate;
  if (set === 'salesOrders') out.completelyShipped = doc.fullyShipped === true;
  for (const [header, v2] of ADDRESS) {
    out[`billTo${header}`] = doc[`billTo${v2}`] ?? '';
    out[`shipTo${header}`] = doc[`shipTo${v2}`] ?? '';
  }
  return out;
}

/**
 * Keeps the Sales Header view in step with the v2.0 documents (one record in BC): a document written or deleted
 * writes or deletes its header row; a header row written (release, Your Reference) carries its status and
 * modification time to the order. Rows only change when a value differs, so the two calls settle at once.
 */
export function mirrorSalesHeader(c: Company, table: string, id: string, row: Row | undefined): void {
  const type = DOCUMENT_TYPE[table];
  if (type) {
    const header = c.store.get('salesHeaders', id);
    if (!row || (table === 'salesInvoices' && isPostedInvoice(row.data))) {
      if (header) c.store.delete('salesHeaders', id);
      return;
    }
    const fields = headerFieldsOf(c, table, row.data);
    // A status set on the v2.0 order (a person's edit) is the Sales Header status it stands for.
    const headerStatus = String(header?.data.status ?? 'Open');
    if (table === 'salesOrders' && ORDER_STATUS_IN_V2[headerStatus] !== row.data.status) fields.status = SALES_HEADER_STATUS_OF_V2[row.data.status as string] ?? headerStatus;
    if (header && Object.keys(fields).every((k) => header.data[k] === fields[k])) return;
    const base: Rec = header ? { ...header.data } : { ...c.blank(c.def('salesHeaders')), id, status: 'Open', docNoOccurrence: 1 };
    c.store.put('salesHeaders', id, { ...base, ...fields });
    return;
  }
  if (table !== 'salesHeaders' || !row) return;
  const order = c.store.get('salesOrders', id) ?? c.store.get('salesQuotes', id) ?? c.store.get('salesInvoices', id);
  if (!order) return;
  const changes: Rec = { lastModifiedDateTime: row.data.lastModifiedDateTime };
  if (row.data.documentType === 'Order') changes.status = ORDER_STATUS_IN_V2[row.data.status as string] ?? order.data.status;
  if (Object.keys(changes).every((k) => order.data[k] === changes[k])) return;
  const set = c.store.get('salesOrders', id) ? 'salesOrders' : c.store.get('salesQuotes', id) ? 'salesQuotes' : 'salesInvoices';
  c.store.put(set, id, { ...order.data, ...changes });
}

function setStatus(c: Company, header: Row, status: 'Open' | 'Released'): void {
  if (header.data.status === status) return;
  c.touch('salesHeaders', header.data.id as string, { status });
}

function archive(c: Company, header: Row): void {
  const h = header.data;
  const versions = [...c.store.rows('salesHeaderArchives')].filter((r) => r.data.documentType === h.documentType && r.data.number === h.number && r.data.docNoOccurrence === h.docNoOccurrence).length;
  const id = newGuid();
  c.store.put('salesHeaderArchives', id, {
    ...c.blank(c.def('salesHeaderArchives')),
    id,
    documentType: h.documentType,
    number: h.number,
    docNoOccurrence: h.docNoOccurrence,
    versionNumber: versions + 1,
    yourReference: h.yourReference,
    quoteNumber: h.quoteNumber,
    dateArchived: isoDateTime(c.now()).slice(0, 10),
    lastModifiedDateTime: c.nowText(),
  });
}

export const salesExtraHooks: Readonly<Record<string, Hooks>> = {
  recordLinks: {
    // Link ID is an AutoIncrement key; the page makes every link it inserts a note, stamped when created.
    beforeInsert: (c, data) => {
      const last = Math.max(0, ...[...c.store.rows('recordLinks')].map((r) => Number(r.data.linkId)));
      data.linkId = last + 1;
      data.type = 'Note';
      data.created = c.nowText();
    },
  },
  salesHeaders: {
    actions: {
      release: (c, row) => setStatus(c, row, 'Released'),
      reopen: (c, row) => setStatus(c, row, 'Open'),
      archive,
    },
  },
};
