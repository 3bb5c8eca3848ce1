/**
 * SALESORDER-ORDER, legacy order integration (docs/integration.md §2.1, §2.2, §8.1): the Business Central order's
 * progress pushed to the coupled Dataverse sales order, one way, for coupled Released orders only. The BC side is
 * the Sales Header table through the custom API `salesHeaders` (docs/custom-api.md): API v2.0 `salesOrders` has no
 * Last Shipment Date and no Sales Header status (Released), which are what this mapping is about.
 *
 * The field lists are exported so the bidirectional variant can reuse them.
 */
import { field, ownerFields, tableMapping } from '../build.js';
import type { IntegrationOptions } from '../integration-options.js';
import type { FieldMapping, IntegrationTableMapping, ReopenForWrite } from '../types.js';

export const SALES_ORDER_MAPPING_NAME = 'SALESORDER-ORDER';

/** Custom API `salesHeaders` properties (bc-extension/src/BCSSalesHeaders.Page.al). */
export const SALES_HEADER_PROPERTIES = [
  'id', 'documentType', 'number', 'yourReference', 'quoteValidUntilDate', 'quoteNumber', 'status', 'completelyShipped',
  'lastShipmentDate', 'docNoOccurrence', 'currencyCode', 'salespersonCode', 'requestedDeliveryDate', 'shippingAgentCode',
  'paymentTermsCode', 'billToName', 'billToAddress', 'billToAddress2', 'billToCity', 'billToCountryCode', 'billToPostCode',
  'billToCounty', 'shipToName', 'shipToAddress', 'shipToAddress2', 'shipToCity', 'shipToCountryCode', 'shipToPostCode',
  'shipToCounty', 'amount', 'amountIncludingVAT', 'invoiceDiscountAmount', 'lastModifiedDateTime',
];

/** salesorder statecode / statuscode (docs/integration.md §12). */
export const SALES_ORDER_STATE = {
  active: 0,
  submitted: 1,
  canceled: 2,
  fulfilled: 3,
  invoiced: 4,
} as const;
export const SALES_ORDER_STATUS = { new: 1, pending: 2, inProgress: 3, invoiced: 100003 } as const;

/**
 * A Submitted order's fields are read-only in Dataverse ("only active orders can be edited"): BC makes the order
 * Active before it writes and Submitted again after (docs/integration.md §8.1, §12).
 */
export const SUBMITTED_ORDER_REOPEN: ReopenForWrite = {
  lockedStates: [SALES_ORDER_STATE.submitted],
  open: { statecode: SALES_ORDER_STATE.active, statuscode: SALES_ORDER_STATUS.new },
};

type AddressPart = { suffix: string; alField: string; bc: string; maxBc: number; maxDv: number; code?: boolean };

const ADDRESS_PARTS: AddressPart[] = [
  { suffix: 'name', alField: 'Name', bc: 'Name', maxBc: 100, maxDv: 200 },
  { suffix: 'line1', alField: 'Address', bc: 'Address', maxBc: 100, maxDv: 250 },
  { suffix: 'line2', alField: 'Address 2', bc: 'Address2', maxBc: 50, maxDv: 250 },
  { suffix: 'city', alField: 'City', bc: 'City', maxBc: 30, maxDv: 80 },
  { suffix: 'country', alField: 'Country/Region Code', bc: 'CountryCode', maxBc: 10, maxDv: 80, code: true },
  { suffix: 'postalcode', alField: 'Post Code', bc: 'PostCode', maxBc: 20, maxDv: 20, code: true },
  { suffix: 'stateorprovince', alField: 'County', bc: 'County', maxBc: 30, maxDv: 50 },
];

/** Ship-to or bill-to Name/Address/Address 2/City/Country/Post Code/County → `shipto_*` / `billto_*`, BC → Dataverse. */
export function orderAddressFields(prefix: 'shipTo' | 'billTo', direction: FieldMapping['direction'], parts: readonly string[] = ADDRESS_PARTS.map((p) => p.suffix)): FieldMapping[] {
  const dv = prefix === 'shipTo' ? 'shipto' : 'billto';
  const al = prefix === 'shipTo' ? 'Ship-to' : 'Bill-to';
  return ADDRESS_PARTS.filter((p) => parts.includes(p.suffix)).map((p) =>
    field({
      id: `${prefix}${p.bc}`,
      bcField: `${al} ${p.alField}`,
      bc: `${prefix}${p.bc}`,
      dataverse: `${dv}_${p.suffix}`,
      direction,
      bcType: p.code ? 'code' : 'text',
      bcMaxLength: p.maxBc,
      dataverseMaxLength: p.maxDv,
    }),
  );
}

/** The legacy SALESORDER-ORDER field mappings (docs/integration.md §2.2), every one BC → Dataverse. */
export function legacyOrderFields(options: IntegrationOptions): FieldMapping[] {
  const to = 'to-dataverse' as const;
  return [
    field({ id: 'number', bcField: 'No.', bc: 'number', dataverse: 'ordernumber', direction: to, bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 100 }),
    ...(options.ownershipModel === 'person' ? ownerFields('salesHeaders', 'Salesperson Code', 'salespersonCode') : []),
    field({ id: 'currency', bcField: 'Currency Code', bc: 'currencyCode', dataverse: 'transactioncurrencyid', direction: to, transform: { kind: 'currency' }, bcType: 'code', bcMaxLength: 10, notes: 'Dataverse accepts the currency of an order on create only: a changed BC currency fails the record' }),
    ...orderAddressFields('shipTo', to),
    field({ id: 'lastShipmentDate', bcField: 'Last Shipment Date', bc: 'lastShipmentDate', dataverse: 'datefulfilled', direction: to, bcType: 'date' }),
    ...orderAddressFields('billTo', to),
    field({ id: 'amount', bcField: 'Amount', bc: 'amount', dataverse: 'totalamountlessfreight', direction: to, bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'amountIncludingVAT', bcField: 'Amount Including VAT', bc: 'amountIncludingVAT', dataverse: 'totalamount', direction: to, bcType: 'decimal', bcReadOnly: true }),
    field({ id: 'invoiceDiscountAmount', bcField: 'Invoice Discount Amount', bc: 'invoiceDiscountAmount', dataverse: 'discountamount', direction: to, bcType: 'decimal' }),
    field({ id: 'shippingAgent', bcField: 'Shipping Agent Code', bc: 'shippingAgentCode', dataverse: 'shippingmethodcode', direction: to, transform: { kind: 'option', mapping: 'SHIPPING AGENT', bcKey: 'code' }, bcType: 'code', bcMaxLength: 10 }),
    field({ id: 'paymentTerms', bcField: 'Payment Terms Code', bc: 'paymentTermsCode', dataverse: 'paymenttermscode', direction: to, transform: { kind: 'option', mapping: 'PAYMENT TERMS', bcKey: 'code' }, bcType: 'code', bcMaxLength: 10 }),
    field({ id: 'requestedDeliveryDate', bcField: 'Requested Delivery Date', bc: 'requestedDeliveryDate', dataverse: 'requestdeliveryby', direction: to, bcType: 'date' }),
  ];
}

/** The Sales Header as the order mappings see it: orders of this company through the custom API. */
export function salesHeaderTable(status: 'Released'): IntegrationTableMapping['bc'] {
  return {
    api: 'custom',
    entitySet: 'salesHeaders',
    table: 'Sales Header (36)',
    key: 'id',
    modifiedField: 'lastModifiedDateTime',
    naturalKey: 'number',
    nameField: 'number',
    filter: [
      { field: 'documentType', op: 'eq', value: 'Order' },
      { field: 'status', op: 'eq', value: status },
    ],
    properties: SALES_HEADER_PROPERTIES,
  };
}

/** SALESORDER-ORDER when orderSync = legacy: →DV, only coupled, Released orders, job every 30 min / 720 (docs/integration.md §2.1, §9). */
export function legacySalesOrderMapping(options: IntegrationOptions): IntegrationTableMapping {
  return tableMapping({
    name: SALES_ORDER_MAPPING_NAME,
    bc: salesHeaderTable('Released'),
    dataverse: {
      table: 'salesorder',
      entitySet: 'salesorders',
      key: 'salesorderid',
      modifiedField: 'modifiedon',
      nameField: 'name',
      filter: [],
      companyFilter: true,
      companyIdStamp: 'always',
      ownerTeamOnInsert: false,
      reopenForWrite: SUBMITTED_ORDER_REOPEN,
    },
    direction: 'to-dataverse',
    dependencies: ['ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'OPPORTUNITY'],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 720 },
    fields: legacyOrderFields(options),
    notes: [
      'Orders are coupled by "bcsync sales-orders create" (Create in Business Central); this mapping never creates a Dataverse order.',
      'A Submitted Dataverse order is made Active before the write and Submitted again after it (Dataverse refuses changes to a Submitted order).',
      'Timeline posts, the Invoiced state and deleted orders are handled by the ORDER-STATUS job ("bcsync sales-orders sync").',
    ],
  });
}
