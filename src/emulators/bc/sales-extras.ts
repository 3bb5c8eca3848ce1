/**
 * The companion extension's salesHeaders page (bc-extension/src/BCSSalesHeaders.Page.al) over the Sales Header
 * table: one row per quote, order and unposted invoice, with the id of the v2.0 document (the same record in BC).
 * `mirrorSalesHeader` keeps the two views in step; release and reopen set the document status as codeunit "Release
 * Sales Document" does (release validation, Pending Prepayment); archive stores a new version in salesHeaderArchives
 * with its lines in salesLineArchives, numbered per document and occurrence as Business Central's archive does.
 */
import type { Company } from './company.js';
import { isPostedInvoice } from './documents.js';
import { errors } from './errors.js';
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

function setStatus(c: Company, header: Row, status: string): void {
  if (header.data.status === status) return;
  c.touch('salesHeaders', header.data.id as string, { status });
}

const SET_OF_TYPE: Readonly<Record<string, string>> = { Quote: 'salesQuotes', Order: 'salesOrders', Invoice: 'salesInvoices' };
const LINE_SET: Readonly<Record<string, string>> = { salesQuotes: 'salesQuoteLines', salesOrders: 'salesOrderLines', salesInvoices: 'salesInvoiceLines' };
/** Archive line type for each v2.0 line type. */
const ARCHIVE_LINE_TYPE: Readonly<Record<string, string>> = { Comment: ' ', Account: 'G/L Account', Item: 'Item', Resource: 'Resource', 'Fixed Asset': 'Fixed Asset', Charge: 'Charge (Item)' };
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The v2.0 lines of the document a Sales Header row stands for (none when it has no document). */
function documentLines(c: Company, header: Readonly<Rec>): Array<Readonly<Rec>> {
  const set = SET_OF_TYPE[String(header.documentType)];
  if (!set || !c.store.get(set, header.id as string)) return [];
  return c.children(LINE_SET[set]!, 'documentId', header.id as string).map((l) => l.data);
}

/**
 * Codeunit "Release Sales Document": nothing to release without a line with a quantity; an order whose
 * prepayment is due (Prepayment % set, no prepayment invoice posted; the emulator posts none) becomes Pending
 * Prepayment instead of Released.
 */
function release(c: Company, header: Row): void {
  if (header.data.status === 'Released') return;
  const set = SET_OF_TYPE[String(header.data.documentType)];
  if (set && c.store.get(set, header.data.id as string) && !documentLines(c, header.data).some((l) => l.lineType !== 'Comment' && num(l.quantity) !== 0)) {
    throw errors.dialog(`There is nothing to release for the document of type ${String(header.data.documentType)} with the number ${String(header.data.number)}.`);
  }
  const prepaymentDue = header.data.documentType === 'Order' && num(header.data.prepaymentPercent) > 0;
  setStatus(c, header, prepaymentDue ? 'Pending Prepayment' : 'Released');
}

/** BC's TestField(Status, Open) on document and line changes, in its own words. */
export function assertStatusOpen(c: Company, id: string): void {
  const header = c.get('salesHeaders', id);
  if (!header || header.data.status === 'Open') return;
  throw errors.dialog(
    `Status must be equal to 'Open'  in Sales Header: Document Type=${String(header.data.documentType)}, No.=${String(header.data.number)}. Current value is '${String(header.data.status)}'.`,
  );
}

/** A new archive version of the document with its lines; `invoice` is the archive's Invoice flag (set by posting an invoice). */
export function archiveSalesDocument(c: Company, header: Row, options: { invoice?: boolean } = {}): void {
  const h = header.data;
  const versions = [...c.store.rows('salesHeaderArchives')].filter((r) => r.data.documentType === h.documentType && r.data.number === h.number && r.data.docNoOccurrence === h.docNoOccurrence).length;
  const set = SET_OF_TYPE[String(h.documentType)];
  const doc = set ? c.store.get(set, h.id as string)?.data : undefined;
  const id = newGuid();
  const versionNumber = versions + 1;
  const stamp = c.nowText();
  c.store.put('salesHeaderArchives', id, {
    ...c.blank(c.def('salesHeaderArchives')),
    id,
    documentType: h.documentType,
    number: h.number,
    docNoOccurrence: h.docNoOccurrence,
    versionNumber,
    customerNumber: doc?.customerNumber ?? '',
    yourReference: h.yourReference,
    externalDocumentNumber: doc?.externalDocumentNumber ?? '',
    quoteNumber: h.quoteNumber,
    dateArchived: isoDateTime(c.now()).slice(0, 10),
    documentDate: doc?.orderDate ?? doc?.documentDate ?? c.today(),
    shipmentDate: h.lastShipmentDate ?? '0001-01-01',
    invoice: options.invoice ?? false,
    lastModifiedDateTime: stamp,
  });
  for (const l of documentLines(c, h)) {
    const lineId = newGuid();
    c.store.put('salesLineArchives', lineId, {
      ...c.blank(c.def('salesLineArchives')),
      id: lineId,
      documentType: h.documentType,
      documentNumber: h.number,
      docNoOccurrence: h.docNoOccurrence,
      versionNumber,
      lineNumber: l.sequence,
      lineType: ARCHIVE_LINE_TYPE[String(l.lineType)] ?? ' ',
      lineObjectNumber: l.lineObjectNumber ?? '',
      description: l.description ?? '',
      quantity: num(l.quantity),
      quantityShipped: num(l.shippedQuantity),
      quantityInvoiced: num(l.invoicedQuantity),
      unitPrice: num(l.unitPrice),
      lineDiscountPercent: num(l.discountPercent),
      lineDiscountAmount: num(l.discountAmount),
      amount: num(l.netAmount),
      amountIncludingVat: num(l.netAmountIncludingTax),
      lastModifiedDateTime: stamp,
    });
  }
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
      release,
      reopen: (c, row) => setStatus(c, row, 'Open'),
      archive: (c, row) => archiveSalesDocument(c, row),
    },
  },
};
