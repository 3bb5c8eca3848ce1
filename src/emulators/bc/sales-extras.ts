/**
 * Bound actions of the companion extension's salesHeaders page (bc-extension/src/BCSSalesHeaders.Page.al):
 * release and reopen set the document status as codeunit "Release Sales Document" does; archive stores a new
 * version in salesHeaderArchives (and the document's lines in salesLineArchives), numbered per document and
 * occurrence as Business Central's archive does.
 *
 * salesHeaders is a second view of the Sales Header table the v2.0 salesQuotes, salesOrders and (draft)
 * salesInvoices pages show: one record, one id (docs/custom-api.md). The emulator stores the view's own fields
 * in a row of its own and keeps it in step with the document (`mirrorSalesHeader`, `dropSalesHeader`); Quote
 * Valid Until Date is one field, shown as `validUntilDate` on salesQuotes and `quoteValidUntilDate` here.
 */
import type { Company } from './company.js';
import type { Hooks } from './hooks.js';
import type { Rec, Row } from './store.js';
import { errors } from './errors.js';
import { isoDateTime, newGuid } from './values.js';

/** The v2.0 document pages over Sales Header, and the Document Type each shows. */
const DOCUMENT_TYPE_OF: Readonly<Record<string, string>> = { salesQuotes: 'Quote', salesOrders: 'Order', salesInvoices: 'Invoice' };
const POSTED_INVOICE = new Set(['Open', 'Paid', 'Corrective', 'Canceled']);

/** Creates or refreshes the salesHeaders view of a v2.0 document (a posted invoice is no Sales Header any more). */
export function mirrorSalesHeader(c: Company, set: string, doc: Readonly<Rec>): void {
  const documentType = DOCUMENT_TYPE_OF[set];
  if (!documentType) return;
  const id = doc.id as string;
  if (set === 'salesInvoices' && POSTED_INVOICE.has(doc.status as string)) {
    dropSalesHeader(c, id);
    return;
  }
  const existing = c.get('salesHeaders', id)?.data;
  const view: Rec = {
    ...(existing ?? { ...c.blank(c.def('salesHeaders')), id, status: 'Open', docNoOccurrence: 1 }),
    documentType,
    number: doc.number,
  };
  if (set === 'salesQuotes') view.quoteValidUntilDate = doc.validUntilDate;
  if (existing && Object.keys(view).every((k) => view[k] === existing[k])) return;
  view.lastModifiedDateTime = doc.lastModifiedDateTime ?? c.nowText();
  c.store.put('salesHeaders', id, view);
}

export function dropSalesHeader(c: Company, id: string): void {
  if (c.get('salesHeaders', id)) c.store.delete('salesHeaders', id);
}

/** The v2.0 document behind a salesHeaders row, with the set it lives in. */
function documentOf(c: Company, id: string): { set: string; row: Row } | undefined {
  for (const set of Object.keys(DOCUMENT_TYPE_OF)) {
    const row = c.get(set, id);
    if (row) return { set, row };
  }
  return undefined;
}

/** Business Central refuses changes to a released document ("Status must be equal to 'Open'"). */
export function assertOpen(c: Company, id: string): void {
  const header = c.get('salesHeaders', id)?.data;
  if (header && header.status !== 'Open') {
    throw errors.fieldValidation(
      `Status must be equal to 'Open'  in Sales Header: Document Type=${String(header.documentType)}, No.=${String(header.number)}. Current value is '${String(header.status)}'.`,
    );
  }
}

/** Sales Line types as the archive (and the Sales Line table) name them; API v2.0 calls them otherwise. */
const ARCHIVE_LINE_TYPE: Readonly<Record<string, string>> = { Comment: ' ', Account: 'G/L Account', Item: 'Item', Resource: 'Resource', 'Fixed Asset': 'Fixed Asset', Charge: 'Charge (Item)' };
const LINE_SET_OF: Readonly<Record<string, string>> = { salesQuotes: 'salesQuoteLines', salesOrders: 'salesOrderLines', salesInvoices: 'salesInvoiceLines' };

function setStatus(c: Company, header: Row, status: 'Open' | 'Released'): void {
  if (header.data.status === status) return;
  c.touch('salesHeaders', header.data.id as string, { status });
}

function archive(c: Company, header: Row): void {
  const h = header.data;
  const versions = [...c.store.rows('salesHeaderArchives')].filter((r) => r.data.documentType === h.documentType && r.data.number === h.number && r.data.docNoOccurrence === h.docNoOccurrence).length;
  const id = newGuid();
  const doc = documentOf(c, h.id as string);
  const now = c.nowText();
  c.store.put('salesHeaderArchives', id, {
    ...c.blank(c.def('salesHeaderArchives')),
    id,
    documentType: h.documentType,
    number: h.number,
    docNoOccurrence: h.docNoOccurrence,
    versionNumber: versions + 1,
    customerNumber: doc?.row.data.customerNumber ?? '',
    yourReference: h.yourReference,
    externalDocumentNumber: doc?.row.data.externalDocumentNumber ?? '',
    quoteNumber: h.quoteNumber,
    dateArchived: isoDateTime(c.now()).slice(0, 10),
    lastModifiedDateTime: now,
  });
  if (!doc) return;
  for (const line of c.children(LINE_SET_OF[doc.set]!, 'documentId', h.id as string)) {
    const l = line.data;
    const lineId = newGuid();
    c.store.put('salesLineArchives', lineId, {
      ...c.blank(c.def('salesLineArchives')),
      id: lineId,
      documentType: h.documentType,
      documentNumber: h.number,
      docNoOccurrence: h.docNoOccurrence,
      versionNumber: versions + 1,
      lineNumber: l.sequence,
      lineType: ARCHIVE_LINE_TYPE[l.lineType as string] ?? ' ',
      lineObjectNumber: l.lineObjectNumber,
      description: l.description,
      quantity: l.quantity,
      quantityShipped: l.shippedQuantity ?? 0,
      quantityInvoiced: l.invoicedQuantity ?? 0,
      unitPrice: l.unitPrice,
      lineDiscountPercent: l.discountPercent,
      lineDiscountAmount: l.discountAmount,
      lastModifiedDateTime: now,
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
    // One record with the v2.0 document: Quote Valid Until Date written here shows on salesQuotes too.
    afterUpdate: (c, row) => {
      const doc = documentOf(c, row.data.id as string);
      if (!doc) return;
      const changes: Rec = doc.set === 'salesQuotes' ? { validUntilDate: row.data.quoteValidUntilDate } : {};
      const touched = c.touch(doc.set, doc.row.data.id as string, changes);
      c.store.put('salesHeaders', row.data.id as string, { ...row.data, lastModifiedDateTime: touched.data.lastModifiedDateTime });
    },
    actions: {
      release: (c, row) => setStatus(c, row, 'Released'),
      reopen: (c, row) => setStatus(c, row, 'Open'),
      archive,
    },
  },
};
