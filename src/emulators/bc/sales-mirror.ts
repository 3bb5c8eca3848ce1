/**
 * The companion extension's salesLines page shows the same Sales Line records as API v2.0's quote and order
 * lines, under the same ids (docs/custom-api.md). The emulator stores the v2.0 lines; this keeps one custom-API
 * row per line next to them: made when the line is made, its number and type kept in step, removed with it.
 * (The salesHeaders rows follow their documents through the store's write hook, sales-extras.ts.)
 */
import type { Company } from './company.js';
import type { HeaderSet, LineSet } from './documents.js';
import type { Rec, Row } from './store.js';

const DOCUMENT_TYPE: Readonly<Partial<Record<HeaderSet | LineSet, string>>> = {
  salesQuotes: 'Quote',
  salesOrders: 'Order',
  salesQuoteLines: 'Quote',
  salesOrderLines: 'Order',
};
const HEADER_OF: Readonly<Partial<Record<LineSet, HeaderSet>>> = { salesQuoteLines: 'salesQuotes', salesOrderLines: 'salesOrders' };

/** API v2.0 line types as the Sales Line Type enum names them. */
const LINE_TYPE: Readonly<Record<string, string>> = { Comment: ' ', Account: 'G/L Account', Item: 'Item', Resource: 'Resource', 'Fixed Asset': 'Fixed Asset', Charge: 'Charge (Item)' };

/** The salesLines row of a quote or order line: Line No. is the v2.0 `sequence`; type, number, description follow the line. */
export function mirrorLine(c: Company, set: LineSet, line: Readonly<Rec>): void {
  const documentType = DOCUMENT_TYPE[set];
  const headerSet = HEADER_OF[set];
  if (!documentType || !headerSet) return;
  const id = line.id as string;
  const header = c.get(headerSet, line.documentId as string);
  const previous = c.get('salesLines', id)?.data;
  const data: Rec = {
    ...(previous ?? { ...c.blank(c.def('salesLines')), id, attachedToLineNumber: 0 }),
    documentType,
    documentNumber: header?.data.number ?? '',
    lineNumber: line.sequence,
    lineType: LINE_TYPE[String(line.lineType)] ?? ' ',
    lineObjectNumber: line.lineObjectNumber ?? '',
    description: line.description ?? '',
  };
  if (previous && Object.keys(data).every((k) => data[k] === previous[k])) return;
  c.store.put('salesLines', id, { ...data, lastModifiedDateTime: line.lastModifiedDateTime ?? c.nowText() });
}

/** Removes the custom-API row of a deleted line (the Sales Header rows follow their documents in sales-extras.ts). */
export function dropMirror(c: Company, set: LineSet, row: Row): void {
  if (DOCUMENT_TYPE[set] && c.get('salesLines', row.data.id as string)) c.store.delete('salesLines', row.data.id as string);
}

/** Seeded documents are stored without triggers: give them their custom-API rows once the seed is in. */
export function mirrorSeededDocuments(c: Company): void {
  for (const set of ['salesQuoteLines', 'salesOrderLines'] as const) for (const r of [...c.store.rows(set)]) mirrorLine(c, set, r.data);
}
