/**
 * Sales documents (quotes, orders, invoices and their lines), customer payments and the customer
 * financial figures derived from them, as the BC API v2.0 pages behave (docs/protocols.md §6.2, §7.2;
 * docs/integration.md §8): server-computed amounts and totals, read-only status driven by bound
 * actions, posting, payment application.
 */
import type { Company, WriteOptions } from './company.js';
import { errors } from './errors.js';
import type { Hooks } from './hooks.js';
import { postItemEntry } from './inventory.js';
import { postCancellationEntry, postInvoiceEntry, postPaymentEntry } from './ledger.js';
import { POSTED_PAYMENTS } from './resources.js';
import { archiveSalesDocument, assertStatusOpen } from './sales-extras.js';
import type { Rec, Row } from './store.js';
import { BLANK_GUID, applyDateFormula, newGuid, round2 } from './values.js';
import { dropMirror, mirrorLine } from './sales-mirror.js';

/** Sales tax the emulated company charges tax-liable customers, per taxable line. */
export const SALES_TAX_PERCENT = 10;

export type HeaderSet = 'salesQuotes' | 'salesOrders' | 'salesInvoices';
export type LineSet = 'salesQuoteLines' | 'salesOrderLines' | 'salesInvoiceLines';

export const LINES_OF: Readonly<Record<HeaderSet, LineSet>> = {
  salesQuotes: 'salesQuoteLines',
  salesOrders: 'salesOrderLines',
  salesInvoices: 'salesInvoiceLines',
};
const HEADER_OF: Readonly<Record<LineSet, HeaderSet>> = {
  salesQuoteLines: 'salesQuotes',
  salesOrderLines: 'salesOrders',
  salesInvoiceLines: 'salesInvoices',
};
const DOCUMENT_NAME: Readonly<Record<HeaderSet, string>> = { salesQuotes: 'quote', salesOrders: 'order', salesInvoices: 'invoice' };

/** Invoice statuses of posted invoices (the `appliesToInvoiceId` rule names them). */
const POSTED_INVOICE_STATUSES = new Set(['Open', 'Paid', 'Corrective', 'Canceled']);

export function isPostedInvoice(data: Readonly<Rec>): boolean {
  return POSTED_INVOICE_STATUSES.has(data.status as string);
}

const ADDRESS_PARTS: ReadonlyArray<[string, string]> = [
  ['AddressLine1', 'addressLine1'],
  ['AddressLine2', 'addressLine2'],
  ['City', 'city'],
  ['Country', 'country'],
  ['State', 'state'],
  ['PostCode', 'postalCode'],
];

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

// ---------------------------------------------------------------------------------------------
// Headers

function assertHeaderEditable(set: HeaderSet, header: Readonly<Rec>, opts: WriteOptions): void {
  if (opts.person) return;
  if (set === 'salesInvoices' && isPostedInvoice(header)) {
    throw errors.dialog(`The invoice ${String(header.number)} has been posted and can no longer be changed.`);
  }
}

function customerOf(c: Company, id: unknown): Readonly<Rec> | undefined {
  return typeof id === 'string' && id !== BLANK_GUID ? c.get('customers', id)?.data : undefined;
}

/** The sell-to customer's defaults that BC copies into a document when the customer is set. */
function applySellToDefaults(data: Rec, sent: Readonly<Rec>, customer: Readonly<Rec>): void {
  const setUnlessSent = (field: string, value: unknown): void => {
    if (!(field in sent)) data[field] = value;
  };
  data.customerName = customer.displayName;
  for (const [suffix, from] of ADDRESS_PARTS) {
    setUnlessSent(`sellTo${suffix}`, customer[from]);
    setUnlessSent(`shipTo${suffix}`, customer[from]);
  }
  setUnlessSent('shipToName', customer.displayName);
  setUnlessSent('shipToContact', '');
  if (!('billToCustomerId' in sent) && !('billToCustomerNumber' in sent)) {
    data.billToCustomerId = customer.id;
    data.billToCustomerNumber = customer.number;
  }
  if (!('currencyId' in sent) && !('currencyCode' in sent)) {
    data.currencyId = customer.currencyId;
    data.currencyCode = customer.currencyCode;
  }
  setUnlessSent('paymentTermsId', customer.paymentTermsId);
  setUnlessSent('shipmentMethodId', customer.shipmentMethodId);
  setUnlessSent('salesperson', customer.salespersonCode);
  setUnlessSent('phoneNumber', customer.phoneNumber);
  setUnlessSent('email', customer.email);
}

function applyBillTo(c: Company, data: Rec): void {
  const billTo = customerOf(c, data.billToCustomerId);
  data.billToName = billTo?.displayName ?? '';
  for (const [suffix, from] of ADDRESS_PARTS) data[`billTo${suffix}`] = billTo?.[from] ?? '';
}

function dueDateBase(set: HeaderSet, data: Readonly<Rec>): string | undefined {
  if (set === 'salesInvoices') return data.invoiceDate as string;
  if (set === 'salesQuotes') return data.documentDate as string;
  return undefined;
}

function computeDueDate(c: Company, set: HeaderSet, data: Rec): void {
  const base = dueDateBase(set, data);
  if (base === undefined) return;
  const terms = data.paymentTermsId !== BLANK_GUID ? c.get('paymentTerms', data.paymentTermsId as string)?.data : undefined;
  data.dueDate = terms ? applyDateFormula(base, String(terms.dueDateCalculation ?? '')) : base;
}

function blockedCheck(customer: Readonly<Rec>, posting: boolean): void {
  const blocked = customer.blocked as string;
  if (blocked === 'All' || (posting && blocked === 'Invoice')) {
    const what = posting ? 'post' : 'create';
    throw errors.dialog(`You cannot ${what} this type of document when Customer ${String(customer.number)} is blocked with type ${blocked}`);
  }
}

/**
 * Line amounts (docs/protocols.md §6.2 lines): gross = quantity × unit price, line discount by amount or
 * percent, tax at the line's tax percent; prices including tax are split the other way round.
 */
function computeLineAmounts(c: Company, header: Readonly<Rec>, line: Rec, sent: Readonly<Rec>, previous: Readonly<Rec> | undefined): void {
  const zero = (): void => {
    for (const f of ['quantity', 'unitPrice', 'discountAmount', 'discountPercent', 'amountExcludingTax', 'taxPercent', 'totalTaxAmount', 'amountIncludingTax']) {
      line[f] = 0;
    }
  };
  if (line.lineType === 'Comment') {
    zero();
    return;
  }
  const customer = customerOf(c, header.billToCustomerId) ?? customerOf(c, header.customerId);
  const taxPercent = customer?.taxLiable === true ? SALES_TAX_PERCENT : 0;
  const gross = round2(num(line.quantity) * num(line.unitPrice));
  if ('discountAmount' in sent) {
    line.discountPercent = gross !== 0 ? round2((num(line.discountAmount) / gross) * 100) : 0;
  } else if ('discountPercent' in sent || previous === undefined || line.quantity !== previous.quantity || line.unitPrice !== previous.unitPrice) {
    line.discountAmount = round2((gross * num(line.discountPercent)) / 100);
  }
  if (num(line.discountAmount) > gross && gross >= 0) {
    throw errors.dialog(`The line discount amount ${num(line.discountAmount)} cannot be greater than the line amount ${gross}.`);
  }
  const afterDiscount = round2(gross - num(line.discountAmount));
  line.taxPercent = taxPercent;
  line.discountAppliedBeforeTax = true;
  if (header.pricesIncludeTax === true) {
    line.amountIncludingTax = afterDiscount;
    line.amountExcludingTax = round2(afterDiscount / (1 + taxPercent / 100));
    line.totalTaxAmount = round2(afterDiscount - num(line.amountExcludingTax));
  } else {
    line.amountExcludingTax = afterDiscount;
    line.totalTaxAmount = round2((afterDiscount * taxPercent) / 100);
    line.amountIncludingTax = round2(afterDiscount + num(line.totalTaxAmount));
  }
}

/**
 * How a header's invoice discount meets the line amounts: `validate` refuses a discount above the
 * total (the client just set it), `clamp` lowers it (lines shrank under it), `keep` leaves it for
 * lines still to come (deep insert).
 */
type DiscountMode = 'validate' | 'clamp' | 'keep';

/**
 * Header totals from the lines, with the header's invoice discount spread over the lines by amount
 * (`invoiceDiscountAllocation`). Lines whose allocation changes are re-stored.
 */
function computeTotals(c: Company, set: HeaderSet, header: Rec, mode: DiscountMode): void {
  const lineSet = LINES_OF[set];
  const lines = c.children(lineSet, 'documentId', header.id as string);
  const base = round2(lines.reduce((s, l) => s + (l.data.lineType === 'Comment' ? 0 : num(l.data.amountExcludingTax)), 0));
  let discount = num(header.discountAmount);
  if (discount < 0 || (discount > base && discount > 0 && mode !== 'keep')) {
    if (mode === 'validate' || discount < 0) {
      throw errors.dialog(`The discount amount must be between 0 and the total amount ${base.toFixed(2)}.`);
    }
    discount = Math.max(0, Math.min(discount, base));
  }
  const allocatable = Math.min(discount, base);
  const eligible = lines.filter((l) => l.data.lineType !== 'Comment' && num(l.data.amountExcludingTax) > 0);
  let remaining = allocatable;
  let totalExcl = 0;
  let totalTax = 0;
  for (const l of lines) {
    const d = l.data;
    let allocation = 0;
    const idx = eligible.indexOf(l);
    if (idx >= 0 && allocatable > 0) {
      allocation = idx === eligible.length - 1 ? round2(remaining) : round2((allocatable * num(d.amountExcludingTax)) / base);
      remaining = round2(remaining - allocation);
    }
    const net = round2(num(d.amountExcludingTax) - allocation);
    const netTax = round2((net * num(d.taxPercent)) / 100);
    const changes = { invoiceDiscountAllocation: allocation, netAmount: net, netTaxAmount: netTax, netAmountIncludingTax: round2(net + netTax) };
    c.patchSilently(lineSet, d.id as string, changes);
    totalExcl += net;
    totalTax += netTax;
  }
  header.discountAmount = discount;
  header.discountAppliedBeforeTax = true;
  header.totalAmountExcludingTax = round2(totalExcl);
  header.totalTaxAmount = round2(totalTax);
  header.totalAmountIncludingTax = round2(totalExcl + totalTax);
  if (set === 'salesInvoices' && !isPostedInvoice(header)) header.remainingAmount = header.totalAmountIncludingTax;
  if (set === 'salesOrders') {
    const goods = lines.filter((l) => l.data.lineType !== 'Comment' && num(l.data.quantity) > 0);
    header.fullyShipped = goods.length > 0 && goods.every((l) => num(l.data.shippedQuantity) >= num(l.data.quantity));
  }
}

/** Recomputes a header after a line changed; a line change also modifies its header (lastModifiedDateTime). */
function recalcHeader(c: Company, set: HeaderSet, id: string, mode: DiscountMode = 'clamp'): void {
  const row = c.get(set, id);
  if (!row) return;
  const data: Rec = { ...row.data };
  computeTotals(c, set, data, mode);
  if (pendingRemaining.delete(id)) data.remainingAmount = data.totalAmountIncludingTax;
  c.touch(set, id, data);
}

/** Posted invoices inserted without a remaining amount: it becomes the total once the lines are in. */
const pendingRemaining = new Set<string>();

function headerHooks(set: HeaderSet): Hooks {
  return {
    beforeInsert(c, data, sent, opts) {
      const customer = customerOf(c, data.customerId);
      if (!customer) throw errors.dialog('A "customerNumber" or a "customerId" must be provided.');
      if (!opts.person) blockedCheck(customer, false);
      applySellToDefaults(data, sent, customer);
      // Bill-to name and address always come from the bill-to customer (read-only on the page).
      applyBillTo(c, data);
      const today = c.today();
      const dateDefaults: Record<HeaderSet, string[]> = {
        salesQuotes: ['documentDate', 'postingDate'],
        salesOrders: ['orderDate', 'postingDate'],
        salesInvoices: ['invoiceDate', 'postingDate'],
      };
      for (const f of dateDefaults[set]) if (!(f in sent)) data[f] = today;
      if (!('dueDate' in sent)) computeDueDate(c, set, data);
      if (!('status' in sent)) data.status = 'Draft';
      if (set === 'salesInvoices' && isPostedInvoice(data) && data.number === '') {
        data.number = c.nextNumber('postedSalesInvoices', 'salesInvoices');
      }
      computeTotals(c, set, data, 'keep');
      if (set === 'salesInvoices' && isPostedInvoice(data) && !('remainingAmount' in sent)) pendingRemaining.add(data.id as string);
    },
    afterInsert(c, row, nested, opts) {
      const id = row.data.id as string;
      const lines = nested[LINES_OF[set]] ?? [];
      // Deep insert: one transaction; the header is recomputed once, after its last line.
      for (const line of lines) c.insert(LINES_OF[set], line, { person: opts.person, parentId: id, deferHeader: true });
      recalcHeader(c, set, id, num(row.data.discountAmount) !== 0 ? 'validate' : 'clamp');
      // An invoice that arrives posted (ship and invoice, a person's entry) is in the customer ledger at once.
      const stored = c.get(set, id)!.data;
      if (set === 'salesInvoices' && stored.status === 'Open') postInvoiceEntry(c, stored);
    },
    beforeUpdate(c, data, sent, previous, opts) {
      assertHeaderEditable(set, previous, opts);
      if (!opts.person && set === 'salesOrders') assertStatusOpen(c, data.id as string);
      if (data.customerId !== previous.customerId) {
        const customer = customerOf(c, data.customerId);
        if (!customer) throw errors.dialog('A "customerNumber" or a "customerId" must be provided.');
        if (!opts.person) blockedCheck(customer, false);
        applySellToDefaults(data, sent, customer);
      }
      if (data.billToCustomerId !== previous.billToCustomerId || data.customerId !== previous.customerId) applyBillTo(c, data);
      const base = dueDateBase(set, data);
      if (!('dueDate' in sent) && base !== undefined && (base !== dueDateBase(set, previous) || data.paymentTermsId !== previous.paymentTermsId)) {
        computeDueDate(c, set, data);
      }
      const taxInputsChanged =
        data.pricesIncludeTax !== previous.pricesIncludeTax ||
        data.customerId !== previous.customerId ||
        data.billToCustomerId !== previous.billToCustomerId;
      if (taxInputsChanged) {
        for (const l of c.children(LINES_OF[set], 'documentId', data.id as string)) {
          const line: Rec = { ...l.data };
          computeLineAmounts(c, data, line, {}, l.data);
          c.patchSilently(LINES_OF[set], line.id as string, line);
        }
      }
      computeTotals(c, set, data, 'discountAmount' in sent ? 'validate' : 'clamp');
    },
    beforeDelete(c, row, opts) {
      if (!opts.person && set === 'salesInvoices' && isPostedInvoice(row.data)) {
        throw errors.dialog(`The invoice ${String(row.data.number)} has been posted and cannot be deleted.`);
      }
      for (const l of c.children(LINES_OF[set], 'documentId', row.data.id as string)) {
        dropMirror(c, LINES_OF[set], l);
        c.store.delete(LINES_OF[set], l.data.id as string);
      }
    },
    actions: HEADER_ACTIONS[set],
  };
}

// ---------------------------------------------------------------------------------------------
// Lines

/** Sets the line's item/resource from `itemId` or `lineObjectNumber` and copies its defaults. */
function resolveLineObject(c: Company, line: Rec, sent: Readonly<Rec>, previous: Readonly<Rec> | undefined): void {
  const typeSent = 'lineType' in sent;
  const idSent = 'itemId' in sent && line.itemId !== BLANK_GUID;
  const numberSent = 'lineObjectNumber' in sent;
  if (!typeSent && idSent) line.lineType = 'Item';
  if (!typeSent && !idSent && !numberSent && !('itemId' in sent)) return;
  const setUnlessSent = (field: string, value: unknown): void => {
    if (!(field in sent)) line[field] = value;
  };
  const setUnit = (unitCode: string): void => {
    if ('unitOfMeasureCode' in sent || 'unitOfMeasureId' in sent) return;
    const unit = unitCode === '' ? undefined : c.getByKey('unitsOfMeasure', unitCode);
    line.unitOfMeasureCode = unitCode;
    line.unitOfMeasureId = unit ? unit.data.id : BLANK_GUID;
  };
  if (line.lineType === 'Item') {
    // undefined = not sent, null = sent blank (clears the item).
    let byId: Row | null | undefined;
    let byNumber: Row | null | undefined;
    if ('itemId' in sent) {
      byId = line.itemId === BLANK_GUID ? null : c.get('items', line.itemId as string);
      if (byId === undefined) throw errors.dialog('The "itemId" does not match to an Item.');
    }
    if (numberSent) {
      byNumber = line.lineObjectNumber === '' ? null : c.getByKey('items', line.lineObjectNumber as string);
      if (byNumber === undefined) throw errors.tableRelation('No.', 'Sales Line', String(line.lineObjectNumber), 'Item');
    }
    if (byId !== undefined && byNumber !== undefined && (byId?.data.id ?? null) !== (byNumber?.data.id ?? null)) {
      throw errors.dialog('The item values do not match to a specific Item.');
    }
    const kept = previous?.lineType === 'Item' && previous.itemId !== BLANK_GUID ? c.get('items', previous.itemId as string) : undefined;
    const item = byId !== undefined ? byId : byNumber !== undefined ? byNumber : kept;
    if (!item) {
      line.itemId = BLANK_GUID;
      line.lineObjectNumber = '';
      return;
    }
    if (item.data.blocked === true) {
      throw errors.fieldValidation(`Blocked must be equal to 'No'  in Item: No.=${String(item.data.number)}. Current value is 'Yes'.`);
    }
    line.itemId = item.data.id;
    line.lineObjectNumber = item.data.number;
    if (item.data.id !== previous?.itemId) {
      setUnlessSent('description', item.data.displayName);
      setUnlessSent('unitPrice', item.data.unitPrice);
      setUnit(String(item.data.baseUnitOfMeasureCode ?? ''));
    }
    return;
  }
  if (idSent) throw errors.dialog(`The "itemId" can only be set on lines of type Item, not '${String(line.lineType)}'.`);
  line.itemId = BLANK_GUID;
  if (line.lineType === 'Comment') {
    if (numberSent && line.lineObjectNumber !== '') {
      throw errors.dialog('A comment line cannot have a "lineObjectNumber"; set "lineType" to Item, Resource or Account.');
    }
    line.lineObjectNumber = '';
    return;
  }
  if (line.lineType === 'Resource' && line.lineObjectNumber !== '' && line.lineObjectNumber !== previous?.lineObjectNumber) {
    const resource = c.getByKey('resources', line.lineObjectNumber as string);
    if (!resource) throw errors.tableRelation('No.', 'Sales Line', String(line.lineObjectNumber), 'Resource');
    if (resource.data.blocked === true) {
      throw errors.fieldValidation(`Blocked must be equal to 'No'  in Resource: No.=${String(resource.data.number)}. Current value is 'Yes'.`);
    }
    setUnlessSent('description', resource.data.name);
    setUnlessSent('unitPrice', resource.data.unitPrice);
    setUnit(String(resource.data.baseUnitOfMeasureCode ?? ''));
  }
}

function lineHooks(set: LineSet): Hooks {
  const headerSet = HEADER_OF[set];
  const headerOf = (c: Company, line: Readonly<Rec>): Row => {
    if (line.documentId === BLANK_GUID) throw errors.dialog('You must specify a document id to get the lines.');
    const header = c.get(headerSet, line.documentId as string);
    if (!header) throw errors.dialog(`The ${DOCUMENT_NAME[headerSet]} cannot be found.`);
    return header;
  };
  const orderQuantities = (line: Rec, sent: Readonly<Rec>, previous: Readonly<Rec> | undefined): void => {
    if (set !== 'salesOrderLines') return;
    const quantity = num(line.quantity);
    if (quantity < num(line.shippedQuantity)) {
      throw errors.dialog(`The quantity ${quantity} cannot be less than the quantity already shipped (${num(line.shippedQuantity)}).`);
    }
    const quantityChanged = previous === undefined || previous.quantity !== line.quantity;
    if (!('shipQuantity' in sent) && quantityChanged) line.shipQuantity = round2(quantity - num(line.shippedQuantity));
    if (!('invoiceQuantity' in sent) && quantityChanged) line.invoiceQuantity = round2(quantity - num(line.invoicedQuantity));
    if (num(line.shipQuantity) > round2(quantity - num(line.shippedQuantity))) {
      throw errors.dialog(`You cannot ship more than ${round2(quantity - num(line.shippedQuantity))} units.`);
    }
    if (num(line.invoiceQuantity) > round2(quantity - num(line.invoicedQuantity))) {
      throw errors.dialog(`You cannot invoice more than ${round2(quantity - num(line.invoicedQuantity))} units.`);
    }
  };
  return {
    beforeInsert(c, data, sent, opts) {
      const header = headerOf(c, data);
      assertHeaderEditable(headerSet, header.data, opts);
      if (!opts.person) assertStatusOpen(c, header.data.id as string);
      if (!('lineType' in sent) && !('itemId' in sent)) data.lineType = 'Comment';
      resolveLineObject(c, data, sent, undefined);
      if (!('sequence' in sent) || data.sequence === 0) {
        const siblings = c.children(set, 'documentId', header.data.id as string);
        data.sequence = siblings.reduce((m, l) => Math.max(m, num(l.data.sequence)), 0) + 10000;
      }
      if (!('shipmentDate' in sent) && 'shipmentDate' in data) {
        data.shipmentDate = (header.data.orderDate ?? header.data.invoiceDate ?? header.data.postingDate) as string;
      }
      computeLineAmounts(c, header.data, data, sent, undefined);
      orderQuantities(data, sent, undefined);
    },
    afterInsert(c, row, _nested, opts) {
      mirrorLine(c, set, row.data);
      if (!opts.deferHeader) recalcHeader(c, headerSet, row.data.documentId as string);
    },
    beforeUpdate(c, data, sent, previous, opts) {
      const header = headerOf(c, data);
      assertHeaderEditable(headerSet, header.data, opts);
      if (!opts.person) assertStatusOpen(c, header.data.id as string);
      resolveLineObject(c, data, sent, previous);
      computeLineAmounts(c, header.data, data, sent, previous);
      orderQuantities(data, sent, previous);
    },
    afterUpdate(c, row) {
      mirrorLine(c, set, row.data);
      recalcHeader(c, headerSet, row.data.documentId as string);
    },
    beforeDelete(c, row, opts) {
      const header = c.get(headerSet, row.data.documentId as string);
      if (header) assertHeaderEditable(headerSet, header.data, opts);
      if (header && !opts.person) assertStatusOpen(c, header.data.id as string);
    },
    afterDelete(c, row) {
      dropMirror(c, set, row);
      recalcHeader(c, headerSet, row.data.documentId as string);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Actions

/** Header properties a document carries over when it becomes another document type. */
const COPIED_HEADER_FIELDS = [
  'externalDocumentNumber',
  'customerId',
  'billToCustomerId',
  'shipToName',
  'shipToContact',
  'sellToAddressLine1',
  'sellToAddressLine2',
  'sellToCity',
  'sellToCountry',
  'sellToState',
  'sellToPostCode',
  'shipToAddressLine1',
  'shipToAddressLine2',
  'shipToCity',
  'shipToCountry',
  'shipToState',
  'shipToPostCode',
  'currencyId',
  'paymentTermsId',
  'shipmentMethodId',
  'salesperson',
  'discountAmount',
  'phoneNumber',
  'email',
] as const;

const COPIED_LINE_FIELDS = [
  'sequence',
  'lineType',
  'lineObjectNumber',
  'description',
  'description2',
  'unitOfMeasureId',
  'unitOfMeasureCode',
  'quantity',
  'unitPrice',
  'discountAmount',
  'taxCode',
  'itemVariantId',
  'locationId',
] as const;

function copyLine(line: Readonly<Rec>, quantity?: number): Rec {
  const out: Rec = {};
  for (const f of COPIED_LINE_FIELDS) out[f] = line[f];
  if (line.lineType === 'Item') out.itemId = line.itemId;
  if (line.lineType === 'Comment') {
    out.quantity = 0;
    out.unitPrice = 0;
    out.discountAmount = 0;
    return out;
  }
  if (quantity !== undefined && quantity !== line.quantity) {
    out.quantity = quantity;
    // The line discount scales with the quantity taken over.
    out.discountAmount = num(line.quantity) !== 0 ? round2((num(line.discountAmount) * quantity) / num(line.quantity)) : 0;
  }
  return out;
}

function copyHeader(source: Readonly<Rec>): Rec {
  const out: Rec = {};
  for (const f of COPIED_HEADER_FIELDS) if (f in source) out[f] = source[f];
  if (out.discountAmount === 0) delete out.discountAmount;
  return out;
}

/** Creates a document from a quote (makeOrder / makeInvoice) and deletes the quote. */
function convertQuote(c: Company, quote: Row, target: 'salesOrders' | 'salesInvoices'): void {
  const customer = customerOf(c, quote.data.customerId);
  if (!customer) throw errors.dialog('A "customerNumber" or a "customerId" must be provided.');
  blockedCheck(customer, false);
  const body = copyHeader(quote.data);
  const lines = c.children('salesQuoteLines', 'documentId', quote.data.id as string).map((l) => copyLine(l.data));
  body[LINES_OF[target]] = lines;
  c.insert(target, body, { person: true });
  c.remove('salesQuotes', quote.data.id as string, { person: true });
}

/** Stock leaves with posted item lines as Sale item ledger entries; Inventory is a FlowField, so the item's timestamp stays. */
function reduceInventory(c: Company, lines: ReadonlyArray<Readonly<Rec>>, document: Readonly<Rec>): void {
  for (const l of lines) {
    if (l.lineType !== 'Item') continue;
    const item = c.get('items', l.itemId as string);
    if (!item || item.data.type !== 'Inventory') continue;
    postItemEntry(c, {
      itemNumber: item.data.number as string,
      quantity: -num(l.quantity),
      entryType: 'Sale',
      sourceType: 'Customer',
      sourceNumber: document.customerNumber,
      documentType: 'Sales Shipment',
      documentNumber: document.number,
      description: l.description,
    });
  }
}

function hasPostableLines(lines: ReadonlyArray<Readonly<Rec>>): boolean {
  return lines.some((l) => l.lineType !== 'Comment' && num(l.quantity) > 0);
}

/** What one posting of an order does: ship (Post > Ship), invoice what was shipped (Post > Invoice), or both. */
type OrderPosting = 'ship' | 'invoice' | 'shipAndInvoice';

/** Quantity each line posts as invoiced: what the line says to invoice, or (invoice alone) what is shipped and not invoiced. */
function quantityToInvoice(line: Readonly<Rec>, mode: OrderPosting): number {
  if (mode === 'ship' || line.lineType === 'Comment') return 0;
  if (mode === 'invoice') return round2(num(line.shippedQuantity) - num(line.invoicedQuantity));
  return num(line.invoiceQuantity);
}

/** A shipment posted: the item leaves the stock and the Sales Header's Last Shipment Date is today. */
function recordShipment(c: Company, order: Row, shipped: ReadonlyArray<{ line: Readonly<Rec>; quantity: number }>): void {
  if (shipped.length === 0) return;
  reduceInventory(c, shipped.map(({ line, quantity }) => ({ ...line, quantity })), order.data);
  if (c.get('salesHeaders', order.data.id as string)) c.touch('salesHeaders', order.data.id as string, { lastShipmentDate: c.today() });
}

/**
 * Posts an order as Business Central's sales-post codeunit does: `shipAndInvoice` (the API action
 * salesOrders(<id>)/Microsoft.NAV.shipAndInvoice) ships and invoices the quantities to invoice; a person can also
 * post the shipment alone (`ship`) and later invoice what was shipped (`invoice`). Each invoice is a posted
 * salesInvoice with the order's id and number; a fully invoiced order is deleted, as posting does.
 */
function postOrder(c: Company, order: Row, mode: OrderPosting): void {
  const customer = customerOf(c, order.data.billToCustomerId) ?? customerOf(c, order.data.customerId);
  const lines = c.children('salesOrderLines', 'documentId', order.data.id as string);
  const toInvoice = new Map(lines.map((l) => [l.data.id as string, quantityToInvoice(l.data, mode)]));
  const toShip = new Map(lines.map((l) => [l.data.id as string, mode === 'ship' && l.data.lineType !== 'Comment' ? num(l.data.shipQuantity) : 0]));
  const invoicing = lines.some((l) => (toInvoice.get(l.data.id as string) ?? 0) > 0);
  const shipping = lines.some((l) => (toShip.get(l.data.id as string) ?? 0) > 0);
  if (!invoicing && !shipping) throw errors.dialog('There is nothing to post.');
  if (customer) blockedCheck(customer, true);
  const today = c.today();
  if (invoicing) {
    const invoiceLines = lines
      .filter((l) => l.data.lineType === 'Comment' || (toInvoice.get(l.data.id as string) ?? 0) > 0)
      .map((l) => copyLine(l.data, l.data.lineType === 'Comment' ? undefined : toInvoice.get(l.data.id as string)));
    // The invoice carries the share of the order's invoice discount that belongs to what is invoiced.
    const discount = round2(
      lines.reduce(
        (s, l) => s + (num(l.data.quantity) > 0 ? (num(l.data.invoiceDiscountAllocation) * (toInvoice.get(l.data.id as string) ?? 0)) / num(l.data.quantity) : 0),
        0,
      ),
    );
    c.insert(
      'salesInvoices',
      {
        ...copyHeader(order.data),
        discountAmount: discount,
        number: c.nextNumber('postedSalesInvoices', 'salesInvoices'),
        invoiceDate: today,
        postingDate: today,
        pricesIncludeTax: order.data.pricesIncludeTax,
        orderId: order.data.id,
        orderNumber: order.data.number,
        status: 'Open',
        salesInvoiceLines: invoiceLines,
      },
      { person: true },
    );
  }
  // What was posted leaves the order; a fully invoiced order is deleted.
  let complete = true;
  const shipped: Array<{ line: Readonly<Rec>; quantity: number }> = [];
  for (const l of lines) {
    if (l.data.lineType === 'Comment') continue;
    const quantity = num(l.data.quantity);
    const invoiced = round2(num(l.data.invoicedQuantity) + (toInvoice.get(l.data.id as string) ?? 0));
    const shippedNow = round2(Math.min(quantity, Math.max(num(l.data.shippedQuantity) + (toShip.get(l.data.id as string) ?? 0), invoiced)));
    if (shippedNow > num(l.data.shippedQuantity)) shipped.push({ line: l.data, quantity: round2(shippedNow - num(l.data.shippedQuantity)) });
    if (invoiced < quantity) complete = false;
    c.patchSilently('salesOrderLines', l.data.id as string, {
      invoicedQuantity: invoiced,
      shippedQuantity: shippedNow,
      invoiceQuantity: round2(quantity - invoiced),
      shipQuantity: round2(quantity - shippedNow),
    });
  }
  // Posting archives the order (the bidirectional order integration switches "Archive Orders" on); the archive's
  // Invoice flag says that this posting invoiced.
  recordShipment(c, order, shipped);
  const header = c.get('salesHeaders', order.data.id as string);
  if (header) archiveSalesDocument(c, header, { invoice: invoicing });
  if (complete) {
    c.remove('salesOrders', order.data.id as string, { person: true });
    return;
  }
  recalcHeader(c, 'salesOrders', order.data.id as string);
}

function requireDraft(invoice: Row): void {
  if (invoice.data.status !== 'Draft') throw errors.dialog('The action can be applied to a draft invoice only.');
}

function requirePosted(invoice: Row): void {
  if (!isPostedInvoice(invoice.data)) throw errors.dialog('The action can be applied to a posted invoice only.');
}

function postInvoice(c: Company, invoice: Row): void {
  requireDraft(invoice);
  const lines = c.children('salesInvoiceLines', 'documentId', invoice.data.id as string).map((l) => l.data);
  if (!hasPostableLines(lines)) throw errors.dialog('There is nothing to post.');
  const customer = customerOf(c, invoice.data.billToCustomerId) ?? customerOf(c, invoice.data.customerId);
  if (customer) blockedCheck(customer, true);
  // A draft keeps its id when posted (Sales Invoice Aggregator) but takes a posted-invoice number.
  c.touch('salesInvoices', invoice.data.id as string, {
    number: c.nextNumber('postedSalesInvoices', 'salesInvoices'),
    status: 'Open',
    remainingAmount: invoice.data.totalAmountIncludingTax,
  });
  postInvoiceEntry(c, c.get('salesInvoices', invoice.data.id as string)!.data);
  reduceInventory(c, lines, c.get('salesInvoices', invoice.data.id as string)!.data);
}

function cancelInvoice(c: Company, invoice: Row): void {
  requirePosted(invoice);
  if (invoice.data.status === 'Canceled') throw errors.dialog(`The invoice ${String(invoice.data.number)} has already been canceled.`);
  if (invoice.data.status === 'Paid' || num(invoice.data.remainingAmount) < num(invoice.data.totalAmountIncludingTax)) {
    throw errors.dialog('You cannot cancel this posted sales invoice because it is fully or partially paid.');
  }
  postCancellationEntry(c, invoice.data, c.nextNumber('postedCreditMemos'));
  c.touch('salesInvoices', invoice.data.id as string, { status: 'Canceled', remainingAmount: 0 });
}

const HEADER_ACTIONS: Readonly<Record<HeaderSet, Record<string, (c: Company, row: Row) => void>>> = {
  salesQuotes: {
    send: (c, quote) => {
      c.touch('salesQuotes', quote.data.id as string, { status: 'Sent', sentDate: c.nowText() });
    },
    makeOrder: (c, quote) => convertQuote(c, quote, 'salesOrders'),
    makeInvoice: (c, quote) => convertQuote(c, quote, 'salesInvoices'),
  },
  salesOrders: { shipAndInvoice: (c, order) => postOrder(c, order, 'shipAndInvoice') },
  salesInvoices: {
    post: postInvoice,
    postAndSend: postInvoice,
    send: (_c, invoice) => requirePosted(invoice),
    cancel: cancelInvoice,
    cancelAndSend: cancelInvoice,
  },
};

// ---------------------------------------------------------------------------------------------
// Customer payments

/** appliesToInvoiceId / appliesToInvoiceNumber: two views of the posted invoice a payment settles. */
function resolveAppliesTo(c: Company, data: Rec, sent: Readonly<Rec>): void {
  const idSent = 'appliesToInvoiceId' in sent;
  const numberSent = 'appliesToInvoiceNumber' in sent;
  if (!idSent && !numberSent) return;
  let byId: Row | null | undefined;
  let byNumber: Row | null | undefined;
  if (idSent) {
    if (data.appliesToInvoiceId === BLANK_GUID) byId = null;
    else {
      byId = c.get('salesInvoices', data.appliesToInvoiceId as string);
      if (!byId || !isPostedInvoice(byId.data)) {
        throw errors.dialog('The "appliesToInvoiceId" should be the ID of an Open, Paid, Corrective, or Canceled Invoice.');
      }
    }
  }
  if (numberSent) {
    const found = data.appliesToInvoiceNumber === '' ? undefined : c.getByKey('salesInvoices', data.appliesToInvoiceNumber as string);
    byNumber = found && isPostedInvoice(found.data) ? found : null;
  }
  if (idSent && numberSent && byId && (byNumber?.data.id ?? null) !== byId.data.id) {
    throw errors.dialog('The Applies To Invoice values do not match to the same Invoice.');
  }
  const invoice = byId ?? byNumber ?? null;
  data.appliesToInvoiceId = invoice ? invoice.data.id : BLANK_GUID;
  if (invoice) data.appliesToInvoiceNumber = invoice.data.number;
  else if (idSent && !numberSent) data.appliesToInvoiceNumber = '';
  if (invoice && data.customerId === BLANK_GUID) {
    const customer = customerOf(c, invoice.data.billToCustomerId) ?? customerOf(c, invoice.data.customerId);
    if (customer) {
      data.customerId = customer.id;
      data.customerNumber = customer.number;
    }
  }
}

const customerPaymentHooks: Hooks = {
  beforeInsert(c, data, sent) {
    if (data.journalId === BLANK_GUID && data.journalDisplayName !== '') {
      const byName = c.getByKey('customerPaymentJournals', data.journalDisplayName as string);
      if (!byName) throw errors.dialog(`The journal batch ${String(data.journalDisplayName)} cannot be found.`);
      data.journalId = byName.data.id;
    }
    if (data.journalId === BLANK_GUID) throw errors.dialog('You must specify a journal batch ID or a journal ID to get a journal line.');
    const journal = c.get('customerPaymentJournals', data.journalId as string);
    if (!journal) throw errors.dialog(`The General Journal Batch with ID ${String(data.journalId)} cannot be found.`);
    if ('journalDisplayName' in sent && data.journalDisplayName !== '' && data.journalDisplayName !== journal.data.code) {
      throw errors.dialog('The Journal Id and Journal Display Name do not match.');
    }
    data.journalDisplayName = journal.data.code;
    if (!('lineNumber' in sent) || data.lineNumber === 0) {
      const siblings = c.children('customerPayments', 'journalId', journal.data.id as string);
      data.lineNumber = siblings.reduce((m, l) => Math.max(m, num(l.data.lineNumber)), 0) + 10000;
    }
    if (data.documentNumber === '') data.documentNumber = c.nextNumber('paymentDocuments');
    if (!('postingDate' in sent)) data.postingDate = c.today();
    resolveAppliesTo(c, data, sent);
  },
  beforeUpdate(c, data, sent, previous) {
    if (data.journalId !== previous.journalId) throw errors.dialog('The Journal Id cannot be changed.');
    if (data.journalDisplayName !== previous.journalDisplayName) throw errors.dialog('The Journal Batch Display Name cannot be changed.');
    resolveAppliesTo(c, data, sent);
  },
};

/**
 * journals(<id>)/Microsoft.NAV.post on a customer payment journal: each payment goes to the customer
 * ledger and settles the invoice it applies to; an invoice whose remaining amount reaches 0 is Paid.
 */
export function postPaymentJournal(c: Company, journal: Row): void {
  const payments = c.children('customerPayments', 'journalId', journal.data.id as string);
  if (payments.length === 0) throw errors.dialog('There is nothing to post.');
  for (const p of payments) {
    const d = p.data;
    if (d.customerId === BLANK_GUID) {
      throw errors.fieldValidation(
        `Account No. must have a value in Gen. Journal Line: Journal Template Name=CASHRCPT, Journal Batch Name=${String(journal.data.code)}, Line No.=${String(d.lineNumber)}. It cannot be zero or empty.`,
      );
    }
    // The page shows the amount as entered; BC books it as a credit to the customer either way.
    const amount = Math.abs(num(d.amount));
    let applied = 0;
    let invoiceNumber: string | undefined;
    if (d.appliesToInvoiceId !== BLANK_GUID) {
      const invoice = c.get('salesInvoices', d.appliesToInvoiceId as string);
      if (invoice && invoice.data.status === 'Open') {
        applied = Math.min(amount, num(invoice.data.remainingAmount));
        invoiceNumber = String(invoice.data.number);
        const remaining = round2(num(invoice.data.remainingAmount) - applied);
        c.touch('salesInvoices', invoice.data.id as string, { remainingAmount: remaining, status: remaining === 0 ? 'Paid' : 'Open' });
      }
    }
    if (amount !== 0) {
      const customer = customerOf(c, d.customerId);
      postPaymentEntry(c, {
        customerNumber: String(customer?.number ?? d.customerNumber ?? ''),
        documentNumber: String(d.documentNumber),
        amount,
        applied,
        invoiceNumber,
        postingDate: String(d.postingDate || c.today()),
      });
      const id = newGuid();
      c.store.put(POSTED_PAYMENTS, id, {
        id,
        customerId: d.customerId,
        amount,
        applied,
        appliesToInvoiceId: d.appliesToInvoiceId,
        postingDate: d.postingDate,
        documentNumber: d.documentNumber,
      });
    }
    c.store.delete('customerPayments', d.id as string);
  }
}

function postJournal(c: Company, journal: Row): void {
  // General journal lines are not emulated: a general journal has nothing to post.
  if (c.get('customerPaymentJournals', journal.data.id as string)) postPaymentJournal(c, journal);
  else throw errors.dialog('There is nothing to post.');
}

// ---------------------------------------------------------------------------------------------
// Customer financial details

export interface CustomerFigures {
  /** Balance (LCY): open invoice amounts less unapplied payments. */
  balance: number;
  /** Sales (LCY): posted invoices excluding tax. */
  totalSalesExcludingTax: number;
  /** Balance Due (LCY): remaining amounts of invoices due before today. */
  overdueAmount: number;
}

const figureCache = new WeakMap<Company, { key: string; figures: Map<string, CustomerFigures> }>();

/** Per customer id, computed from posted invoices and the posted payments. */
export function customerFigures(c: Company): ReadonlyMap<string, CustomerFigures> {
  const key = `${c.store.version('salesInvoices')}:${c.store.version(POSTED_PAYMENTS)}:${c.today()}`;
  const cached = figureCache.get(c);
  if (cached && cached.key === key) return cached.figures;
  const figures = new Map<string, CustomerFigures>();
  const of = (id: string): CustomerFigures => {
    let f = figures.get(id);
    if (!f) figures.set(id, (f = { balance: 0, totalSalesExcludingTax: 0, overdueAmount: 0 }));
    return f;
  };
  const today = c.today();
  for (const row of c.store.rows('salesInvoices')) {
    const d = row.data;
    if (d.status !== 'Open' && d.status !== 'Paid') continue;
    const customerId = (d.billToCustomerId !== BLANK_GUID ? d.billToCustomerId : d.customerId) as string;
    const f = of(customerId);
    f.totalSalesExcludingTax = round2(f.totalSalesExcludingTax + num(d.totalAmountExcludingTax));
    f.balance = round2(f.balance + num(d.remainingAmount));
    if (d.status === 'Open' && String(d.dueDate) < today) f.overdueAmount = round2(f.overdueAmount + num(d.remainingAmount));
  }
  for (const row of c.store.rows(POSTED_PAYMENTS)) {
    const f = of(row.data.customerId as string);
    f.balance = round2(f.balance - (num(row.data.amount) - num(row.data.applied)));
  }
  figureCache.set(c, { key, figures });
  return figures;
}

export interface OpenDocumentFigures {
  /** Outstanding Orders (LCY): order lines' amount including tax for the quantity not yet shipped. */
  outstandingOrders: number;
  /** Shipped Not Invoiced (LCY): order lines' amount including tax for the quantity shipped, not invoiced. */
  shippedNotInvoiced: number;
  /** Outstanding Invoices (LCY): unposted invoices' amount including tax. */
  outstandingInvoices: number;
}

const openFigureCache = new WeakMap<Company, { key: string; figures: Map<string, OpenDocumentFigures> }>();

/**
 * Per bill-to customer id, the Customer FlowFields over open sales lines (Outstanding Orders, Shipped Not
 * Invoiced, Outstanding Invoices; docs/integration.md §8.5): each line's share of its amount including tax.
 */
export function openDocumentFigures(c: Company): ReadonlyMap<string, OpenDocumentFigures> {
  const key = ['salesOrders', 'salesOrderLines', 'salesInvoices', 'salesInvoiceLines'].map((s) => c.store.version(s)).join(':');
  const cached = openFigureCache.get(c);
  if (cached && cached.key === key) return cached.figures;
  const figures = new Map<string, OpenDocumentFigures>();
  const of = (header: Readonly<Rec>): OpenDocumentFigures => {
    const id = (header.billToCustomerId !== BLANK_GUID ? header.billToCustomerId : header.customerId) as string;
    let f = figures.get(id);
    if (!f) figures.set(id, (f = { outstandingOrders: 0, shippedNotInvoiced: 0, outstandingInvoices: 0 }));
    return f;
  };
  for (const order of c.store.rows('salesOrders')) {
    const f = of(order.data);
    for (const l of c.children('salesOrderLines', 'documentId', order.data.id as string)) {
      const quantity = num(l.data.quantity);
      if (quantity <= 0) continue;
      const perUnit = num(l.data.amountIncludingTax) / quantity;
      f.outstandingOrders = round2(f.outstandingOrders + perUnit * (quantity - num(l.data.shippedQuantity)));
      f.shippedNotInvoiced = round2(f.shippedNotInvoiced + perUnit * (num(l.data.shippedQuantity) - num(l.data.invoicedQuantity)));
    }
  }
  for (const invoice of c.store.rows('salesInvoices')) {
    if (invoice.data.status !== 'Draft') continue;
    const f = of(invoice.data);
    f.outstandingInvoices = round2(f.outstandingInvoices + num(invoice.data.totalAmountIncludingTax));
  }
  openFigureCache.set(c, { key, figures });
  return figures;
}

export const documentHooks: Readonly<Record<string, Hooks>> = {
  salesQuotes: headerHooks('salesQuotes'),
  salesOrders: { ...headerHooks('salesOrders'), personActions: { ship: (c, o) => postOrder(c, o, 'ship'), invoice: (c, o) => postOrder(c, o, 'invoice') } },
  salesInvoices: headerHooks('salesInvoices'),
  salesQuoteLines: lineHooks('salesQuoteLines'),
  salesOrderLines: lineHooks('salesOrderLines'),
  salesInvoiceLines: lineHooks('salesInvoiceLines'),
  customerPayments: customerPaymentHooks,
  customerPaymentJournals: {
    // A person posts the journal from its page (the API posts it through journals(<id>)/Microsoft.NAV.post).
    personActions: { post: postPaymentJournal },
    beforeDelete(c, row) {
      for (const p of c.children('customerPayments', 'journalId', row.data.id as string)) c.store.delete('customerPayments', p.data.id as string);
    },
  },
  journals: { actions: { post: postJournal } },
};
