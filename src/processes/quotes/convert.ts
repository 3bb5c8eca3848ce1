/**
 * SEAM (README.md in this folder, "Shared document code"): a Dataverse quote with its lines as the header and
 * lines of a Business Central sales document (docs/integration.md §8.3: the order rules, which quotes share).
 * Engineer "create" writes the shared conversion in src/processes/documents/ for orders; once it is merged into
 * main, `convertQuote` hands the quote to it and this file keeps only the quote's own header fields. Until then
 * this is the small local conversion quotes need: the customer through its coupled account (a contact's parent
 * account), product lines on the coupled item or resource, write-in lines on the write-in product, descriptions
 * continued on comment lines of at most 100 characters, line discounts, freight on the freight G/L account and
 * the quote discount as an invoice discount. Units are left to the item's or resource's base unit here.
 */
import type { StateStore } from '../../state/index.js';
import type { Rec, Side, SideTable } from '../../sides/types.js';
import { text } from './list.js';

/** Why a document cannot be converted, and what to do: one line. */
export class DocumentRefused extends Error {}

export interface BcDocumentDraft {
  /** Header properties of the v2.0 sales document (customerNumber, externalDocumentNumber, discountAmount, ...). */
  header: Record<string, unknown>;
  /** v2.0 line bodies, in order (sequence 10000, 20000, ...). */
  lines: Record<string, unknown>[];
}

export interface ConversionSources {
  bc: Side;
  dataverse: Side;
  state: StateStore;
}

/** Business Central's Sales Line Description (Text[100]) and External Document No. (Code[35]). */
const DESCRIPTION_LENGTH = 100;
export const EXTERNAL_DOCUMENT_NO_LENGTH = 35;
const LINE_STEP = 10000;

const t = (entitySet: string, key: string, select: string[], api?: 'custom'): SideTable => ({
  entitySet,
  key,
  modifiedField: api === 'custom' || key === 'id' ? 'lastModifiedDateTime' : 'modifiedon',
  filter: [],
  select,
  ...(api ? { api } : {}),
});

export const QUOTE_LINES = t('quotedetails', 'quotedetailid', [
  '_quoteid_value',
  '_productid_value',
  'isproductoverridden',
  'productdescription',
  'description',
  'quantity',
  'priceperunit',
  'manualdiscountamount',
  'volumediscountamount',
  'sequencenumber',
]);
const ACCOUNTS = t('accounts', 'accountid', ['name', 'customertypecode']);
const CONTACTS = t('contacts', 'contactid', ['fullname', '_parentcustomerid_value']);
const PRODUCTS = t('products', 'productid', ['name', 'producttypecode', 'statecode']);
const CUSTOMERS = t('customers', 'id', ['number', 'displayName']);
const ITEMS = t('items', 'id', ['number', 'displayName']);
const RESOURCES = t('resources', 'id', ['number', 'name'], 'custom');
const SALES_SETUP = t('salesSetup', 'id', ['writeInProductType', 'writeInProductNumber', 'freightAccountNumber'], 'custom');

/** External Document No. ← name: a Code field, so upper-cased and cut to 35 characters. */
export function externalDocumentNumber(name: unknown): string {
  return text(name).toUpperCase().slice(0, EXTERNAL_DOCUMENT_NO_LENGTH);
}

/** Text as Business Central lines of at most 100 characters: each memo line on its own, long ones cut in pieces. */
export function descriptionChunks(value: string): string[] {
  const out: string[] = [];
  for (const line of value.split(/\r?\n/)) {
    for (let i = 0; i < line.length; i += DESCRIPTION_LENGTH) out.push(line.slice(i, i + DESCRIPTION_LENGTH));
  }
  return out.filter((s) => s.trim() !== '');
}

export const ORDER_LINES: SideTable = {
  ...QUOTE_LINES,
  entitySet: 'salesorderdetails',
  key: 'salesorderdetailid',
  select: QUOTE_LINES.select!.map((c) => (c === '_quoteid_value' ? '_salesorderid_value' : c)),
};

/** The lines of quotes, by quote id, in `sequencenumber` order (one read per 100 quotes). */
export function readQuoteLines(dataverse: Side, quoteIds: readonly string[]): Promise<Map<string, Rec[]>> {
  return readDocumentLines(dataverse, QUOTE_LINES, '_quoteid_value', quoteIds);
}

/** The lines of documents (quotes or orders), by document id, in `sequencenumber` order (one read per 100 documents). */
export async function readDocumentLines(dataverse: Side, lineTable: SideTable, parentColumn: string, ids: readonly string[]): Promise<Map<string, Rec[]>> {
  const byQuote = new Map<string, Rec[]>(ids.map((id) => [id, []]));
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    for await (const page of dataverse.list(lineTable, { where: [{ field: parentColumn, op: 'in', value: chunk }] })) {
      for (const line of page) byQuote.get(text(line.fields[parentColumn]).toLowerCase())?.push(line);
    }
  }
  for (const lines of byQuote.values()) lines.sort((a, b) => Number(a.fields.sequencenumber ?? 0) - Number(b.fields.sequencenumber ?? 0));
  return byQuote;
}

/**
 * The BC document of one Dataverse quote (header without the quote's own fields, and its lines). Throws
 * DocumentRefused naming what is missing and what to do.
 */
export async function convertDocument(sources: ConversionSources, quote: Rec, lines: readonly Rec[]): Promise<BcDocumentDraft> {
  const { bc, dataverse, state } = sources;
  const customerNumber = await customerOf(sources, quote);
  const header: Record<string, unknown> = { customerNumber, externalDocumentNumber: externalDocumentNumber(quote.fields.name) };
  const productIds = [...new Set(lines.map((l) => text(l.fields._productid_value).toLowerCase()).filter((id) => id !== ''))];
  const products = new Map((productIds.length ? await dataverse.get(PRODUCTS, productIds) : []).map((p) => [p.id, p]));
  const itemIds = new Map<string, string>();
  const resourceIds = new Map<string, string>();
  for (const id of productIds) {
    const item = state.byDataverseId('ITEM-PRODUCT', id);
    if (item) itemIds.set(id, item.bcId);
    const resource = state.byDataverseId('RESOURCE-PRODUCT', id);
    if (resource) resourceIds.set(id, resource.bcId);
  }
  const items = new Map((itemIds.size ? await bc.get(ITEMS, [...itemIds.values()]) : []).map((r) => [r.id, r.fields]));
  const resources = new Map((resourceIds.size ? await bc.get(RESOURCES, [...resourceIds.values()]) : []).map((r) => [r.id, r.fields]));
  const needsSetup = lines.some((l) => text(l.fields._productid_value) === '') || Number(quote.fields.freightamount ?? 0) > 0;
  const setup = needsSetup ? await salesSetup(bc) : undefined;
  const out: Record<string, unknown>[] = [];
  const push = (line: Record<string, unknown>): void => {
    out.push({ ...line, sequence: (out.length + 1) * LINE_STEP });
  };
  const comments = (chunks: string[]): void => chunks.forEach((description) => push({ lineType: 'Comment', description }));
  for (const line of lines) {
    const f = line.fields;
    const quantity = Number(f.quantity ?? 0);
    const discountAmount = round2(quantity * Number(f.volumediscountamount ?? 0) + Number(f.manualdiscountamount ?? 0));
    const amounts = { quantity, unitPrice: Number(f.priceperunit ?? 0), ...(discountAmount !== 0 ? { discountAmount } : {}) };
    const memo = text(f.description);
    const productId = text(f._productid_value).toLowerCase();
    if (productId === '') {
      if (!setup?.writeInProductNumber) {
        throw new DocumentRefused('it has a write-in product but no default write-in product is configured; set the Write-in Product No. in Sales & Receivables Setup (custom API salesSetup) and process it again');
      }
      const chunks = descriptionChunks(memo !== '' ? memo : text(f.productdescription));
      push({ lineType: setup.writeInProductType === 'Resource' ? 'Resource' : 'Item', lineObjectNumber: setup.writeInProductNumber, description: chunks[0] ?? '', ...amounts });
      comments(chunks.slice(1));
      continue;
    }
    const product = products.get(productId);
    if (!product || Number(product.fields.statecode) !== 0) throw new DocumentRefused(`its product ${productId} is not an Active product; activate it in Sales or change the line, then process it again`);
    const typeCode = Number(product.fields.producttypecode);
    const bcId = typeCode === 1 ? itemIds.get(productId) : typeCode === 3 ? resourceIds.get(productId) : undefined;
    const target = bcId ? (typeCode === 1 ? items.get(bcId) : resources.get(bcId)) : undefined;
    if (typeCode !== 1 && typeCode !== 3) throw new DocumentRefused(`product "${text(product.fields.name)}" is neither a Sales Inventory nor a Services product; Business Central cannot take it on a line`);
    if (!target) throw new DocumentRefused(`product "${text(product.fields.name)}" is not coupled to a Business Central ${typeCode === 1 ? 'item' : 'resource'}; run "bcsync sync --all" (or couple it), then process it again`);
    const ownName = text(typeCode === 1 ? target.displayName : target.name);
    push({ lineType: typeCode === 1 ? 'Item' : 'Resource', lineObjectNumber: text(target.number), ...amounts });
    if (memo !== '' && memo !== ownName) comments(descriptionChunks(memo));
  }
  const freight = Number(quote.fields.freightamount ?? 0);
  if (freight > 0) {
    if (!setup?.freightAccountNumber) throw new DocumentRefused('it has freight but no Freight G/L Acc. No. is set in Sales & Receivables Setup; set it (custom API salesSetup) and process it again');
    push({ lineType: 'Account', lineObjectNumber: setup.freightAccountNumber, description: 'Freight Amount', quantity: 1, unitPrice: freight });
  }
  if (Number(quote.fields.discountamount ?? 0) !== 0 || Number(quote.fields.discountpercentage ?? 0) !== 0) {
    header.discountAmount = round2(Number(quote.fields.totallineitemamount ?? 0) - Number(quote.fields.totalamountlessfreight ?? 0));
  }
  return { header, lines: out };
}

/** The BC customer number of a document's customer: its coupled account, or a contact's parent account. */
async function customerOf(sources: ConversionSources, quote: Rec): Promise<string> {
  const { bc, dataverse, state } = sources;
  let accountId = text(quote.fields._customerid_value).toLowerCase();
  const [account] = accountId ? await dataverse.get(ACCOUNTS, [accountId]) : [];
  if (!account && accountId) {
    const [contact] = await dataverse.get(CONTACTS, [accountId]);
    accountId = text(contact?.fields._parentcustomerid_value).toLowerCase();
  }
  const coupling = accountId ? state.byDataverseId('CUSTOMER', accountId) : undefined;
  const [customer] = coupling ? await bc.get(CUSTOMERS, [coupling.bcId]) : [];
  if (!customer) throw new DocumentRefused("its customer's account is not coupled to a Business Central customer; couple the account (\"bcsync couple\" or \"bcsync sync --all\"), then process it again");
  return text(customer.fields.number);
}

async function salesSetup(bc: Side): Promise<{ writeInProductType: string; writeInProductNumber: string; freightAccountNumber: string }> {
  for await (const page of bc.list(SALES_SETUP)) {
    const f = page[0]?.fields;
    if (f) return { writeInProductType: text(f.writeInProductType), writeInProductNumber: text(f.writeInProductNumber), freightAccountNumber: text(f.freightAccountNumber) };
  }
  return { writeInProductType: '', writeInProductNumber: '', freightAccountNumber: '' };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
