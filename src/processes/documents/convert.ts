/**
 * Business Central's conversion of a Dataverse sales document into a BC sales document (docs/integration.md
 * §8.1; README.md in this folder): the header rules and the line rules, pure over what `readLookups` found.
 * Orders use it now, quotes next; nothing here depends on which.
 */
import type { ConversionLookups, DataverseCustomer } from './read.js';
import type { BcAddress, BcDocument, BcDocumentLine, ConversionError, DataverseAddress, DataverseDocument, DataverseDocumentLine } from './types.js';

/** Your Reference and External Document No. are 35 characters; a Sales Line description 100 (docs/integration.md §9). */
export const REFERENCE_LENGTH = 35;
export const DESCRIPTION_LENGTH = 100;
/** New line numbering step (docs/integration.md §9). */
export const LINE_NUMBER_STEP = 10000;
/** The freight line's description, as BC writes it. */
export const FREIGHT_DESCRIPTION = 'Freight Amount';
/** Product statecode Active; producttypecode Sales Inventory (an item) and Services (a resource). */
const PRODUCT_ACTIVE = 0;
const SALES_INVENTORY = 1;
const SERVICES = 3;
/** BC's Country/Region Code is Code[10]. */
const COUNTRY_CODE_LENGTH = 10;

/** External Document No. is a Code field: BC stores it upper-cased, at most 35 characters. */
export function externalDocumentNumber(name: string): string {
  return name.trim().toUpperCase().slice(0, REFERENCE_LENGTH);
}

/**
 * Splits a text into pieces of at most `max` characters, each text line of a multi-line memo on pieces of its
 * own, breaking at the last space that fits so words stay whole (a word longer than `max` is cut).
 */
export function splitText(value: string, max = DESCRIPTION_LENGTH): string[] {
  const pieces: string[] = [];
  for (const raw of value.split(/\r?\n/)) {
    let rest = raw.trim();
    while (rest.length > max) {
      const space = rest.lastIndexOf(' ', max);
      const cut = space > 0 ? space : max;
      pieces.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
    if (rest !== '') pieces.push(rest);
  }
  return pieces;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function label(doc: DataverseDocument): string {
  const noun = doc.kind === 'order' ? 'Order' : 'Quote';
  return `${noun} ${doc.number || doc.id}${doc.name ? ` "${doc.name}"` : ''}`;
}

function customerError(doc: DataverseDocument, customer: DataverseCustomer | undefined): string {
  if (!doc.customerId || !customer) return `${label(doc)} has no customer (an account or a contact); set one in Dynamics 365 Sales, then submit it again.`;
  if (!customer.accountId) {
    return `${label(doc)}: contact ${customer.name} has no parent account; set the contact's company to an account coupled to a Business Central customer.`;
  }
  const who = customer.kind === 'contact' ? `customer ${customer.name} (contact of ${customer.accountName})` : `customer ${customer.accountName}`;
  return (
    `${label(doc)}: ${who} is not coupled to a Business Central customer; couple account ${customer.accountId} with ` +
    `"bcsync couple --mapping CUSTOMER --dataverse ${customer.accountId} --bc <customer no.>" (or --create-in bc), then run the command again.`
  );
}

/** Bill-to and ship-to fields are copied only when the document has at least one of them (else the customer's stay). */
function bcAddress(a: DataverseAddress): BcAddress | undefined {
  const parts = [a.line1, a.line2, a.city, a.stateOrProvince, a.postalCode, a.country];
  if (parts.every((p) => p.trim() === '')) return undefined;
  const country = a.country.trim();
  return {
    name: a.name,
    addressLine1: a.line1,
    addressLine2: a.line2,
    city: a.city,
    state: a.stateOrProvince,
    postCode: a.postalCode,
    country: country.length <= COUNTRY_CODE_LENGTH ? country.toUpperCase() : '',
  };
}

/** The lines of one Dataverse line: the product (or write-in) line and the comment lines continuing its text. */
function convertLine(doc: DataverseDocument, line: DataverseDocumentLine, lookups: ConversionLookups, lineNumber: () => number): BcDocumentLine[] | ConversionError {
  const text = line.description.trim() !== '' ? line.description : line.productDescription;
  const pieces = splitText(text);
  const amounts = {
    quantity: line.quantity,
    unitPrice: line.pricePerUnit,
    discountAmount: round2(line.quantity * line.volumeDiscountAmount + line.manualDiscountAmount),
  };
  let main: BcDocumentLine;
  let continued: string[];
  if (line.productId === null) {
    // A write-in product: BC's configured write-in item or resource, described by the line's text.
    const setup = lookups.setup;
    if (!setup || setup.writeInProductNumber === '' || (setup.writeInProductType !== 'Item' && setup.writeInProductType !== 'Resource')) {
      return {
        message:
          `${label(doc)}: line ${line.sequenceNumber} is a write-in product but no write-in product is configured in Business Central; ` +
          'set Write-in Product Type and No. in Sales & Receivables Setup (an uncoupled Service or Non-Inventory item, or a resource).',
      };
    }
    if (!setup.writeInProductFound) {
      return { message: `${label(doc)}: the write-in product ${setup.writeInProductType} ${setup.writeInProductNumber} of Sales & Receivables Setup does not exist in Business Central; correct the setup.` };
    }
    if (setup.writeInProductCoupled) {
      return {
        message:
          `${label(doc)}: the write-in product ${setup.writeInProductType} ${setup.writeInProductNumber} is coupled to a Dataverse product; ` +
          `uncouple it ("bcsync uncouple --mapping ${setup.writeInProductType === 'Item' ? 'ITEM-PRODUCT' : 'RESOURCE-PRODUCT'} --bc ${setup.writeInProductNumber}") or choose another write-in product.`,
      };
    }
    main = { lineNumber: lineNumber(), lineType: setup.writeInProductType, number: setup.writeInProductNumber, description: pieces[0] ?? '', ...amounts, sourceLineId: line.id };
    continued = pieces.slice(1);
  } else {
    const product = lookups.products.get(line.productId);
    const name = product ? `product ${product.name}${product.number ? ` (${product.number})` : ''}` : `product ${line.productId}`;
    if (!product) return { message: `${label(doc)}: line ${line.sequenceNumber} refers to ${name}, which does not exist in Dynamics 365 Sales; correct the line.` };
    if (product.statecode !== PRODUCT_ACTIVE) return { message: `${label(doc)}: line ${line.sequenceNumber}: ${name} is not active; publish it in Dynamics 365 Sales or replace the line.` };
    if (product.typeCode !== SALES_INVENTORY && product.typeCode !== SERVICES) {
      return { message: `${label(doc)}: line ${line.sequenceNumber}: ${name} is neither Sales Inventory nor Services; Business Central converts only items and resources.` };
    }
    const mapping = product.typeCode === SERVICES ? 'RESOURCE-PRODUCT' : 'ITEM-PRODUCT';
    if (!product.bc || (product.typeCode === SERVICES) !== (product.bc.type === 'Resource')) {
      return {
        message:
          `${label(doc)}: line ${line.sequenceNumber}: ${name} is not coupled to a Business Central ${product.typeCode === SERVICES ? 'resource' : 'item'}; ` +
          `couple it with "bcsync couple --mapping ${mapping} --dataverse ${product.id} --bc <no.>" (or --create-in bc), then run the command again.`,
      };
    }
    let unitOfMeasureCode: string | undefined;
    if (line.uomId) {
      const unit = lookups.units.get(line.uomId);
      if (!unit?.bcCode) {
        const unitMapping = product.bc.type === 'Item' ? 'ITEM UOM' : 'RESOURCE UOM';
        return {
          message: `${label(doc)}: line ${line.sequenceNumber}: unit ${unit?.name ?? line.uomId} is not coupled to a Business Central unit of ${product.bc.number}; run "bcsync sync ${unitMapping}" (or couple it), then run the command again.`,
        };
      }
      unitOfMeasureCode = unit.bcCode;
    }
    main = { lineNumber: lineNumber(), lineType: product.bc.type, number: product.bc.number, ...amounts, ...(unitOfMeasureCode ? { unitOfMeasureCode } : {}), sourceLineId: line.id };
    // The whole text goes to comment lines when it says something else than the item's own description.
    continued = text.trim() !== '' && text.trim() !== product.bc.description ? pieces : [];
  }
  const comments = continued.map((description): BcDocumentLine => ({
    lineNumber: lineNumber(),
    lineType: 'Comment',
    number: '',
    description,
    attachedToLineNumber: main.lineNumber,
    sourceLineId: line.id,
  }));
  return [main, ...comments];
}

/**
 * The BC document for a Dataverse document, or the first reason it cannot be made (one line naming the document
 * and what to do). Nothing is read or written here.
 */
export function convertDocument(doc: DataverseDocument, lookups: ConversionLookups): BcDocument | ConversionError {
  const customer = doc.customerId ? lookups.customers.get(doc.customerId) : undefined;
  const bcCustomer = customer?.accountId ? lookups.coupledCustomers.get(customer.accountId) : undefined;
  if (!customer || !bcCustomer) return { message: customerError(doc, customer) };

  let next = 0;
  const lineNumber = (): number => (next += LINE_NUMBER_STEP);
  const lines: BcDocumentLine[] = [];
  // Lines in sequencenumber order (docs/integration.md §8.1), whatever order they were read in.
  const ordered = [...doc.lines].sort((a, b) => a.sequenceNumber - b.sequenceNumber || a.id.localeCompare(b.id));
  for (const line of ordered) {
    const converted = convertLine(doc, line, lookups, lineNumber);
    if ('message' in converted) return converted;
    lines.push(...converted);
  }
  if (doc.freightAmount > 0) {
    const account = lookups.setup?.freightAccountNumber ?? '';
    if (account === '') {
      return { message: `${label(doc)} has freight but no freight G/L account is configured in Business Central; set Freight G/L Acc. No. in Sales & Receivables Setup.` };
    }
    lines.push({ lineNumber: lineNumber(), lineType: 'Account', number: account, description: FREIGHT_DESCRIPTION, quantity: 1, unitPrice: doc.freightAmount });
  }

  const iso = doc.currencyId ? lookups.currencies.get(doc.currencyId) ?? '' : '';
  const discounted = doc.discountAmount !== 0 || doc.discountPercentage !== 0;
  const bcDoc: BcDocument = {
    kind: doc.kind,
    sourceId: doc.id,
    customerId: bcCustomer.id,
    customerNumber: bcCustomer.number,
    customerName: bcCustomer.name,
    externalDocumentNumber: externalDocumentNumber(doc.name),
    yourReference: doc.number.slice(0, REFERENCE_LENGTH),
    currencyCode: iso.toUpperCase() === lookups.lcyCode.toUpperCase() ? '' : iso.toUpperCase(),
    paymentDiscountPercent: doc.discountPercentage,
    // The order discount as BC applies it: the lines' total less the discounted total (docs/integration.md §8.1).
    invoiceDiscountAmount: discounted ? round2(doc.totalLineItemAmount - doc.totalAmountLessFreight) : 0,
    lines,
  };
  if (doc.requestDeliveryBy) bcDoc.requestedDeliveryDate = doc.requestDeliveryBy.slice(0, 10);
  const billTo = bcAddress(doc.billTo);
  if (billTo) bcDoc.billTo = billTo;
  const shipTo = bcAddress(doc.shipTo);
  if (shipTo) bcDoc.shipTo = shipTo;
  const terms = doc.paymentTermsCode === null ? undefined : lookups.paymentTerms.get(doc.paymentTermsCode);
  if (terms) bcDoc.paymentTermsId = terms;
  const method = doc.freightTermsCode === null ? undefined : lookups.shipmentMethods.get(doc.freightTermsCode);
  if (method) bcDoc.shipmentMethodId = method;
  const agent = doc.shippingMethodCode === null ? undefined : lookups.shippingAgents.get(doc.shippingMethodCode);
  if (agent) bcDoc.shippingAgentCode = agent;
  return bcDoc;
}
