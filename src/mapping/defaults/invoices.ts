/**
 * POSTEDSALESINV-INV and POSTEDSALESLINE-INV (docs/integration.md §2.1, §2.2, §8.4): posted sales invoices and their
 * lines → Dataverse `invoice` / `invoicedetail`. Only the header mapping has a job; lines travel with their header.
 * BC names the posted invoice's fields; API v2.0 `salesInvoices` (posted ones have status Open, Paid, Canceled or
 * Corrective) carries most of them: Your Reference is `customerPurchaseOrderReference` there, and the AL "Amount"
 * of a line (after the invoice discount) is `netAmount`. The §8.4 logic that is not a field mapping (order link,
 * price list, line amounts after insert, totals, status) is src/processes/invoices/.
 */
import { field, notInV2, ownerFields, tableMapping } from '../build.js';
import type { IntegrationOptions } from '../integration-options.js';
import type { FieldMapping, IntegrationTableMapping } from '../types.js';

export const POSTED_INVOICE_MAPPING = 'POSTEDSALESINV-INV';
export const POSTED_INVOICE_LINE_MAPPING = 'POSTEDSALESLINE-INV';

const HEADER_SET = 'salesInvoices';
const LINE_SET = 'salesInvoiceLines';

/** Posted statuses of API v2.0 salesInvoices (Draft and In Review are unposted invoices). */
export const POSTED_INVOICE_STATUSES = ['Open', 'Paid', 'Canceled', 'Corrective'];

const ADDRESS: ReadonlyArray<[string, string, string]> = [
  ['Name', 'Name', 'name'],
  ['Address', 'AddressLine1', 'line1'],
  ['Address 2', 'AddressLine2', 'line2'],
  ['City', 'City', 'city'],
  ['Country', 'Country', 'country'],
  ['Post Code', 'PostCode', 'postalcode'],
  ['County', 'State', 'stateorprovince'],
];

function addressFields(prefix: 'Ship-to' | 'Bill-to'): FieldMapping[] {
  const bc = prefix === 'Ship-to' ? 'shipTo' : 'billTo';
  const dv = prefix === 'Ship-to' ? 'shipto_' : 'billto_';
  return ADDRESS.map(([al, api, column]) =>
    field({
      id: `${bc}${api}`,
      bcField: `${prefix} ${al}`,
      bc: `${bc}${api}`,
      dataverse: `${dv}${column}`,
      direction: 'to-dataverse',
      bcReadOnly: true,
    }),
  );
}

export function postedSalesInvoiceMapping(options: IntegrationOptions): IntegrationTableMapping {
  const fields: FieldMapping[] = [
    field({ id: 'number', bcField: 'No.', bc: 'number', dataverse: 'invoicenumber', direction: 'to-dataverse', bcType: 'code', bcReadOnly: true, dataverseMaxLength: 100 }),
    ...(options.ownershipModel === 'person' ? ownerFields(HEADER_SET, 'Salesperson Code', 'salesperson') : []),
    field({ id: 'currency', bcField: 'Currency Code', bc: 'currencyCode', dataverse: 'transactioncurrencyid', direction: 'to-dataverse', transform: { kind: 'currency' }, bcType: 'code', insertOnly: true }),
    field({ id: 'dueDate', bcField: 'Due Date', bc: 'dueDate', dataverse: 'duedate', direction: 'to-dataverse', bcType: 'date', bcReadOnly: true }),
    ...addressFields('Ship-to'),
    field({ id: 'shipmentDate', bcField: 'Shipment Date', dataverse: 'datedelivered', direction: 'to-dataverse', bcType: 'date', unavailable: notInV2(HEADER_SET, 'Shipment Date', 'only the lines carry shipmentDate') }),
    ...addressFields('Bill-to'),
    field({ id: 'amount', bcField: 'Amount', bc: 'totalAmountExcludingTax', dataverse: 'totalamountlessfreight', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'amountIncludingVat', bcField: 'Amount Including VAT', bc: 'totalAmountIncludingTax', dataverse: 'totalamount', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'invoiceDiscount', bcField: 'Invoice Discount Amount', bc: 'discountAmount', dataverse: 'discountamount', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'shippingAgent', bcField: 'Shipping Agent Code', dataverse: 'shippingmethodcode', direction: 'to-dataverse', bcType: 'code', unavailable: notInV2(HEADER_SET, 'Shipping Agent Code') }),
    field({
      id: 'paymentTerms',
      bcField: 'Payment Terms Code',
      bc: 'paymentTermsId',
      dataverse: 'paymenttermscode',
      direction: 'to-dataverse',
      transform: { kind: 'option', mapping: 'PAYMENT TERMS', bcKey: 'id' },
      bcType: 'guid',
      bcReadOnly: true,
    }),
    field({ id: 'workDescription', bcField: 'Work Description', dataverse: 'description', direction: 'to-dataverse', validateField: false, unavailable: notInV2(HEADER_SET, 'Work Description') }),
  ];
  return tableMapping({
    name: POSTED_INVOICE_MAPPING,
    bc: {
      api: 'v2.0',
      entitySet: HEADER_SET,
      table: 'Sales Invoice Header (112)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'number',
      nameField: 'number',
      filter: [{ field: 'status', op: 'in', value: POSTED_INVOICE_STATUSES }],
      properties: [
        'id', 'number', 'externalDocumentNumber', 'invoiceDate', 'postingDate', 'dueDate', 'customerPurchaseOrderReference', 'customerId',
        'customerNumber', 'customerName', 'billToName', 'billToCustomerId', 'billToCustomerNumber', 'shipToName', 'shipToContact',
        ...ADDRESS.slice(1).flatMap(([, api]) => [`sellTo${api}`, `billTo${api}`, `shipTo${api}`]),
        'currencyId', 'currencyCode', 'orderId', 'orderNumber', 'paymentTermsId', 'shipmentMethodId', 'salesperson', 'pricesIncludeTax',
        'remainingAmount', 'discountAmount', 'discountAppliedBeforeTax', 'totalAmountExcludingTax', 'totalTaxAmount', 'totalAmountIncludingTax',
        'status', 'lastModifiedDateTime',
      ],
    },
    dataverse: {
      table: 'invoice',
      entitySet: 'invoices',
      key: 'invoiceid',
      modifiedField: 'modifiedon',
      nameField: 'name',
      filter: [],
      companyFilter: true,
      companyIdStamp: 'always',
      ownerTeamOnInsert: options.ownershipModel === 'team',
    },
    direction: 'to-dataverse',
    dependencies: ['ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'OPPORTUNITY'],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 1440 },
    fields,
    notes: [
      'Created per invoice by "invoices create" (BC\'s "Create Invoice in Dynamics 365 Sales"); the scheduled sync updates coupled invoices that are still Active.',
      'Your Reference equal to a Dataverse order number links the invoice to that order (opportunity, order, price list, name, customer, owner from it); otherwise the name is the invoice number and the price list the default one (LCY) or "Price List in <currency>".',
      'Totals and tax are written after the lines; the status comes from the customer ledger (Billed, Paid/Partial, Paid/Complete, Canceled).',
    ],
  });
}

export function postedSalesInvoiceLineMapping(): IntegrationTableMapping {
  const fields: FieldMapping[] = [
    field({ id: 'quantity', bcField: 'Quantity', bc: 'quantity', dataverse: 'quantity', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'lineDiscount', bcField: 'Line Discount Amount', bc: 'discountAmount', dataverse: 'manualdiscountamount', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'unitPrice', bcField: 'Unit Price', bc: 'unitPrice', dataverse: 'priceperunit', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'priceOverridden', dataverse: 'ispriceoverridden', direction: 'to-dataverse', transform: { kind: 'constant', value: true } }),
    field({ id: 'amount', bcField: 'Amount', bc: 'netAmount', dataverse: 'baseamount', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'amountIncludingVat', bcField: 'Amount Including VAT', bc: 'netAmountIncludingTax', dataverse: 'extendedamount', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true }),
  ];
  return tableMapping({
    name: POSTED_INVOICE_LINE_MAPPING,
    bc: {
      api: 'v2.0',
      entitySet: LINE_SET,
      table: 'Sales Invoice Line (113)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: undefined,
      keyParts: ['documentId', 'sequence'],
      nameField: 'description',
      filter: [],
      properties: [
        'id', 'documentId', 'sequence', 'itemId', 'accountId', 'lineType', 'lineObjectNumber', 'description', 'description2', 'unitOfMeasureId',
        'unitOfMeasureCode', 'quantity', 'unitPrice', 'discountAmount', 'discountPercent', 'amountExcludingTax', 'taxPercent', 'totalTaxAmount',
        'amountIncludingTax', 'invoiceDiscountAllocation', 'netAmount', 'netTaxAmount', 'netAmountIncludingTax', 'shipmentDate',
      ],
    },
    dataverse: {
      table: 'invoicedetail',
      entitySet: 'invoicedetails',
      key: 'invoicedetailid',
      modifiedField: 'modifiedon',
      nameField: 'productdescription',
      filter: [],
      companyFilter: false,
      companyIdStamp: 'never',
      ownerTeamOnInsert: false,
    },
    direction: 'to-dataverse',
    synchOnlyCoupledRecords: false,
    dependencies: [POSTED_INVOICE_MAPPING],
    // Synchronized only as part of its header (docs/integration.md §2.1).
    schedule: undefined,
    fields,
    notes: [
      'Lines are written with their invoice, never on their own: lineitemnumber = Line No., tax = Amount Incl. VAT − Amount; items and resources not coupled (and the write-in product) become write-in lines "<No.> <Description>.".',
      'After insert: baseamount = Amount + Inv. Discount Amount + Line Discount Amount, extendedamount = Amount Incl. VAT + Inv. Discount Amount.',
    ],
  });
}

/** Both mappings, header first. */
export function postedInvoiceMappings(options: IntegrationOptions): IntegrationTableMapping[] {
  return [postedSalesInvoiceMapping(options), postedSalesInvoiceLineMapping()];
}
