/**
 * Bound actions of the companion extension's salesHeaders page (bc-extension/src/BCSSalesHeaders.Page.al):
 * release and reopen set the document status as codeunit "Release Sales Document" does; archive stores a new
 * version in salesHeaderArchives (with its lines in salesLineArchives), numbered per document and occurrence as
 * Business Central's archive does.
 *
 * salesHeaders and the v2.0 documents are two pages over one Sales Header record: the header row here shares the
 * document's id and follows it (number, modified time, Completely Shipped), and the status set here shows on the
 * v2.0 page as BC's API maps it (Open → Draft, Released and Pending Prepayment → Open).
 */
import type { Company } from './company.js';
import { errors } from './errors.js';
import type { Hooks } from './hooks.js';
import type { Rec, Row } from './store.js';
import { isoDateTime, newGuid, round2 } from './values.js';

type MirroredSet = 'salesQuotes' | 'salesOrders';
const DOCUMENT_TYPE: Readonly<Record<MirroredSet, string>> = { salesQuotes: 'Quote', salesOrders: 'Order' };
const SET_OF_TYPE: Readonly<Record<string, MirroredSet>> = { Quote: 'salesQuotes', Order: 'salesOrders' };
const LINE_SET: Readonly<Record<MirroredSet, string>> = { salesQuotes: 'salesQuoteLines', salesOrders: 'salesOrderLines' };
/** The v2.0 order page's status for each Sales Header status. */
const V2_ORDER_STATUS: Readonly<Record<string, string>> = { Open: 'Draft', Released: 'Open', 'Pending Approval': 'In Review', 'Pending Prepayment': 'Open' };
/** Archive line type for each v2.0 line type. */
const ARCHIVE_LINE_TYPE: Readonly<Record<string, string>> = { Comment: ' ', Account: 'G/L Account', Item: 'Item', Resource: 'Resource', 'Fixed Asset': 'Fixed Asset', Charge: 'Charge (Item)' };

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const isMirrored = (set: string): set is MirroredSet => set in DOCUMENT_TYPE;

/** Doc. No. Occurrence of a new document: one more than the newest archived occurrence of its number (1 when none). */
function nextOccurrence(c: Company, documentType: string, number: unknown): number {
  let last = 0;
  for (const r of c.store.rows('salesHeaderArchives')) {
    if (r.data.documentType === documentType && r.data.number === number) last = Math.max(last, num(r.data.docNoOccurrence));
  }
  return last + 1;
}

/**
 * Keeps the salesHeaders row of a quote or order in step with the document (after insert, update and every
 * recalculation): created Open on the document's first write, then number, modified time, Completely Shipped
 * (every line with a quantity fully shipped) and Last Shipment Date (the day shipped quantities last grew).
 */
export function mirrorSalesHeader(c: Company, set: string, id: string): void {
  if (!isMirrored(set)) return;
  const doc = c.get(set, id);
  if (!doc) return;
  const d = doc.data;
  const existing = c.get('salesHeaders', id);
  const lines = c.children(LINE_SET[set], 'documentId', id).map((l) => l.data);
  const goods = lines.filter((l) => l.lineType !== 'Comment' && num(l.quantity) > 0);
  const shipped = round2(goods.reduce((s, l) => s + num(l.shippedQuantity), 0));
  const previousShipped = shippedSoFar.get(id) ?? 0;
  shippedSoFar.set(id, shipped);
  const data: Rec = existing
    ? { ...existing.data }
    : {
        ...c.blank(c.def('salesHeaders')),
        id,
        documentType: DOCUMENT_TYPE[set],
        status: 'Open',
        docNoOccurrence: nextOccurrence(c, DOCUMENT_TYPE[set], d.number),
      };
  data.number = d.number;
  data.completelyShipped = set === 'salesOrders' && goods.length > 0 && goods.every((l) => num(l.shippedQuantity) >= num(l.quantity));
  if (shipped > previousShipped) data.lastShipmentDate = c.today();
  data.lastModifiedDateTime = d.lastModifiedDateTime;
  c.store.put('salesHeaders', id, data);
}

/** Per document: the shipped quantity the header row last saw (Last Shipment Date moves when it grows). */
const shippedSoFar = new Map<string, number>();

export function dropSalesHeader(c: Company, id: string): void {
  if (c.get('salesHeaders', id)) c.store.delete('salesHeaders', id);
  shippedSoFar.delete(id);
}

/** Sales Header status of a quote or order (Open when it has no header row, as a new document starts). */
export function salesHeaderStatus(c: Company, id: string): string {
  return String(c.get('salesHeaders', id)?.data.status ?? 'Open');
}

/** BC's TestField(Status, Open) on document and line changes, in its own words. */
export function assertStatusOpen(c: Company, id: string): void {
  const header = c.get('salesHeaders', id);
  if (!header || header.data.status === 'Open') return;
  throw errors.dialog(
    `Status must be equal to 'Open'  in Sales Header: Document Type=${String(header.data.documentType)}, No.=${String(header.data.number)}. Current value is '${String(header.data.status)}'.`,
  );
}

function setStatus(c: Company, header: Row, status: string): void {
  if (header.data.status === status) return;
  const set = SET_OF_TYPE[String(header.data.documentType)];
  const doc = set ? c.get(set, header.data.id as string) : undefined;
  if (doc && set === 'salesOrders') {
    // One record: the status change modifies the document, and both pages show the same modified time.
    c.store.put('salesHeaders', header.data.id as string, { ...header.data, status });
    c.touch(set, doc.data.id as string, { status: V2_ORDER_STATUS[status] });
    mirrorSalesHeader(c, set, doc.data.id as string);
    return;
  }
  c.touch('salesHeaders', header.data.id as string, { status });
}

/**
 * Codeunit "Release Sales Document": nothing to release without a line with a quantity; an order whose
 * prepayment is due (Prepayment % set, no prepayment invoice posted; the emulator posts none) becomes Pending
 * Prepayment instead of Released.
 */
function release(c: Company, header: Row): void {
  if (header.data.status === 'Released') return;
  const set = SET_OF_TYPE[String(header.data.documentType)];
  const doc = set ? c.get(set, header.data.id as string) : undefined;
  const lines = set && doc ? c.children(LINE_SET[set], 'documentId', header.data.id as string) : [];
  if (doc && !lines.some((l) => l.data.lineType !== 'Comment' && num(l.data.quantity) !== 0)) {
    throw errors.dialog(`There is nothing to release for the document of type ${String(header.data.documentType)} with the number ${String(header.data.number)}.`);
  }
  const prepaymentDue = header.data.documentType === 'Order' && num(header.data.prepaymentPercent) > 0;
  setStatus(c, header, prepaymentDue ? 'Pending Prepayment' : 'Released');
}

/** A new archive version of the document with its lines; `invoice` is the archive's Invoice flag (set by posting). */
export function archiveSalesDocument(c: Company, header: Row, options: { invoice?: boolean } = {}): void {
  const h = header.data;
  const versions = [...c.store.rows('salesHeaderArchives')].filter((r) => r.data.documentType === h.documentType && r.data.number === h.number && r.data.docNoOccurrence === h.docNoOccurrence).length;
  const set = SET_OF_TYPE[String(h.documentType)];
  const doc = set ? c.get(set, h.id as string)?.data : undefined;
  const id = newGuid();
  const versionNumber = versions + 1;
  const stamp = c.nowText();
  const lines = set ? c.children(LINE_SET[set], 'documentId', h.id as string).map((l) => l.data) : [];
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
  for (const l of lines) {
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
