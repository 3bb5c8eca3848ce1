/**
 * A Dataverse quote (or the order that won it) as the writes of a Business Central sales document. The rules are
 * the shared conversion of src/processes/documents (docs/integration.md §8.1, which §8.3 applies to quotes); this
 * file only lays its result out as API v2.0 bodies (header and lines, one deep insert) and the custom API's
 * fields v2.0 lacks (Your Reference, Payment Discount %, Shipping Agent, and Attached to Line No. of comment lines).
 */
import { convertDocument, readLines, readLookups, toDocument, type BcDocument, type CouplingLookup, type DocumentTables } from '../documents/index.js';
import type { Rec, Side } from '../../sides/types.js';

/** Why a document cannot be processed, and what to do: one line. */
export class DocumentRefused extends Error {}

export interface ConversionSources {
  bc: Side;
  dataverse: Side;
  /** The couplings the conversion follows (the state store). */
  state: CouplingLookup;
  /** Business Central's local currency code. */
  lcyCode: string;
}

/** A converted document as the requests that write it. */
export interface BcDocumentDraft {
  /** API v2.0 header properties (customerNumber, externalDocumentNumber, addresses, terms, discountAmount, ...). */
  header: Record<string, unknown>;
  /** API v2.0 line bodies, `sequence` = Line No. */
  lines: Record<string, unknown>[];
  /** custom API salesHeaders properties: yourReference, paymentDiscountPercent, shippingAgentCode. */
  salesHeader: Record<string, unknown>;
  /** Comment lines tied to their product line: Line No. → Attached to Line No. (custom API salesLines). */
  attached: Map<number, number>;
}

/** The shared conversion's document as bodies for the two APIs. */
export function toDraft(doc: BcDocument): BcDocumentDraft {
  const header: Record<string, unknown> = { customerNumber: doc.customerNumber, externalDocumentNumber: doc.externalDocumentNumber };
  if (doc.currencyCode !== '') header.currencyCode = doc.currencyCode;
  if (doc.requestedDeliveryDate && doc.kind === 'order') header.requestedDeliveryDate = doc.requestedDeliveryDate;
  if (doc.paymentTermsId) header.paymentTermsId = doc.paymentTermsId;
  if (doc.shipmentMethodId) header.shipmentMethodId = doc.shipmentMethodId;
  // API v2.0 shows the bill-to address read-only (it follows the bill-to customer); the ship-to address is writable.
  if (doc.shipTo) {
    const a = doc.shipTo;
    Object.assign(header, { shipToName: a.name, shipToAddressLine1: a.addressLine1, shipToAddressLine2: a.addressLine2, shipToCity: a.city, shipToState: a.state, shipToPostCode: a.postCode, shipToCountry: a.country });
  }
  if (doc.invoiceDiscountAmount !== 0) header.discountAmount = doc.invoiceDiscountAmount;
  const lines = doc.lines.map((l) => {
    const body: Record<string, unknown> = { sequence: l.lineNumber, lineType: l.lineType };
    if (l.number !== '') body.lineObjectNumber = l.number;
    for (const key of ['description', 'quantity', 'unitPrice', 'unitOfMeasureCode', 'discountAmount'] as const) if (l[key] !== undefined) body[key] = l[key];
    return body;
  });
  const salesHeader: Record<string, unknown> = { yourReference: doc.yourReference, paymentDiscountPercent: doc.paymentDiscountPercent };
  if (doc.shippingAgentCode) salesHeader.shippingAgentCode = doc.shippingAgentCode;
  const attached = new Map(doc.lines.filter((l) => l.attachedToLineNumber !== undefined).map((l) => [l.lineNumber, l.attachedToLineNumber!]));
  return { header, lines, salesHeader, attached };
}

/**
 * The documents (quotes or orders, as read with their header table) converted: by id, the draft, or the refusal
 * with what to do. One read of their lines per 100 documents, then the shared lookups once for all of them.
 */
export async function convertDocuments(sources: ConversionSources, tables: DocumentTables, headers: readonly Rec[]): Promise<Map<string, BcDocumentDraft | DocumentRefused>> {
  const out = new Map<string, BcDocumentDraft | DocumentRefused>();
  if (headers.length === 0) return out;
  const lines = await readLines(sources.dataverse, tables, headers.map((h) => h.id));
  const docs = headers.map((h) => toDocument(tables, h, lines.get(h.id) ?? []));
  const lookups = await readLookups({ bc: sources.bc, dataverse: sources.dataverse, couplings: sources.state, lcyCode: sources.lcyCode }, docs);
  for (const doc of docs) {
    const converted = convertDocument(doc, lookups);
    out.set(doc.id, 'message' in converted ? new DocumentRefused(converted.message) : toDraft(converted));
  }
  return out;
}
