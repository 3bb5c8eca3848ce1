/**
 * Bidirectional order integration (docs/integration.md §2.1, §2.2, §8.2): SALESORDER-ORDER ⇄ between Business
 * Central's released sales orders and this company's submitted Dataverse orders, and SOLINE-ORDERDETAIL ⇄ for their
 * lines. A BC order is read through two pages over the one Sales Header record: API v2.0 `salesOrders` (customer,
 * addresses, currency, amounts) and the custom `salesHeaders` (No., Your Reference, Status, Last Shipment Date,
 * Doc. No. Occurrence; docs/custom-api.md). The header's BC record is both merged; the process that runs these
 * mappings (src/processes/bidirectional-orders) writes each property through the page that carries it.
 */
import { field, notInCustom, notInV2, ownerFields, productByType, tableMapping } from '../build.js';
import type { IntegrationOptions } from '../integration-options.js';
import type { FieldMapping, IntegrationTableMapping } from '../types.js';

export const BIDIRECTIONAL_ORDER_MAPPING = 'SALESORDER-ORDER';
export const BIDIRECTIONAL_ORDER_LINE_MAPPING = 'SOLINE-ORDERDETAIL';

/** Properties of the custom `salesHeaders` page the header mapping reads or writes (the rest are v2.0 `salesOrders`). */
export const BIDIRECTIONAL_HEADER_PROPERTIES = ['number', 'yourReference', 'status', 'completelyShipped', 'lastShipmentDate', 'docNoOccurrence', 'prepaymentPercent'];

const ADDRESS_PARTS: ReadonlyArray<[string, string, string, number, number]> = [
  // v2.0 property suffix, AL field suffix, Dataverse column suffix, BC length, Dataverse length
  ['AddressLine1', 'Address', 'line1', 100, 250],
  ['AddressLine2', 'Address 2', 'line2', 50, 250],
  ['PostCode', 'Post Code', 'postalcode', 20, 20],
  ['City', 'City', 'city', 30, 80],
  ['Country', 'Country/Region Code', 'country', 10, 80],
  ['State', 'County', 'stateorprovince', 30, 50],
];

function addressFields(prefix: 'shipTo' | 'billTo', alPrefix: 'Ship-to' | 'Bill-to', dvPrefix: 'shipto' | 'billto'): FieldMapping[] {
  return ADDRESS_PARTS.map(([bcSuffix, alSuffix, dvSuffix, bcLength, dvLength]) =>
    field({
      id: `${prefix}${bcSuffix}`,
      bcField: `${alPrefix} ${alSuffix}`,
      bc: `${prefix}${bcSuffix}`,
      dataverse: `${dvPrefix}_${dvSuffix}`,
      // The v2.0 page takes bill-to addresses from the bill-to customer: they can only go to Dataverse.
      direction: prefix === 'billTo' ? 'to-dataverse' : 'bidirectional',
      bcReadOnly: prefix === 'billTo',
      bcMaxLength: bcLength,
      dataverseMaxLength: dvLength,
      ...(prefix === 'billTo' ? { notes: 'BC: ⇄; the v2.0 salesOrders page reads bill-to addresses from the bill-to customer' } : {}),
    }),
  );
}

/** SALESORDER-ORDER in bidirectional mode (docs/integration.md §2.2 "SALESORDER-ORDER bidirectional"). */
export function bidirectionalOrderMapping(options: IntegrationOptions): IntegrationTableMapping {
  const set = 'salesOrders';
  const fields: FieldMapping[] = [
    ...(options.ownershipModel === 'person' ? ownerFields(set, 'Salesperson Code', 'salesperson') : []),
    field({
      id: 'documentType',
      bcField: 'Document Type',
      direction: 'from-dataverse',
      transform: { kind: 'constant', value: 'Order' },
      unavailable: 'implicit: the order is written through the v2.0 salesOrders page, which only holds orders',
    }),
    field({ id: 'number', bcField: 'No.', bc: 'number', dataverse: 'bcbi_businesscentralordernumber', direction: 'to-dataverse', bcType: 'code', bcReadOnly: true, bcMaxLength: 20, dataverseMaxLength: 20 }),
    field({
      id: 'yourReference',
      bcField: 'Your Reference',
      bc: 'yourReference',
      dataverse: 'ordernumber',
      direction: 'from-dataverse',
      transform: { kind: 'truncate', length: 35 },
      bcMaxLength: 35,
    }),
    field({
      id: 'customerIdType',
      dataverse: 'customeridtype',
      direction: 'to-dataverse',
      transform: { kind: 'targetType', lookupField: 'customerid', target: 'account' },
      validateField: false,
    }),
    field({
      id: 'customer',
      bcField: 'Sell-to Customer No.',
      bc: 'customerId',
      dataverse: 'customerid',
      direction: 'bidirectional',
      transform: { kind: 'lookup', mapping: 'CUSTOMER', key: { bcProperty: 'id' }, target: 'accounts', navigation: 'customerid_account' },
      bcType: 'guid',
    }),
    field({ id: 'currency', bcField: 'Currency Code', bc: 'currencyCode', dataverse: 'transactioncurrencyid', direction: 'bidirectional', transform: { kind: 'currency' }, bcType: 'code', bcMaxLength: 10 }),
    field({ id: 'shipToName', bcField: 'Ship-to Name', bc: 'shipToName', dataverse: 'shipto_name', direction: 'bidirectional', bcMaxLength: 100, dataverseMaxLength: 200 }),
    ...addressFields('shipTo', 'Ship-to', 'shipto'),
    ...addressFields('billTo', 'Bill-to', 'billto'),
    field({ id: 'invoiceDiscount', bcField: 'Invoice Discount Amount', bc: 'discountAmount', dataverse: 'discountamount', direction: 'bidirectional', bcType: 'decimal' }),
    field({
      id: 'shippingAgent',
      bcField: 'Shipping Agent Code',
      dataverse: 'shippingmethodcode',
      direction: 'bidirectional',
      transform: { kind: 'option', mapping: 'SHIPPING AGENT', bcKey: 'code' },
      bcType: 'code',
      unavailable: notInV2(set, 'Shipping Agent Code'),
    }),
    field({
      id: 'paymentTerms',
      bcField: 'Payment Terms Code',
      bc: 'paymentTermsId',
      dataverse: 'paymenttermscode',
      direction: 'bidirectional',
      transform: { kind: 'option', mapping: 'PAYMENT TERMS', bcKey: 'id' },
      bcType: 'guid',
    }),
    field({
      id: 'shipmentMethod',
      bcField: 'Shipment Method Code',
      bc: 'shipmentMethodId',
      dataverse: 'freighttermscode',
      direction: 'bidirectional',
      transform: { kind: 'option', mapping: 'SHIPMENT METHOD', bcKey: 'id' },
      bcType: 'guid',
    }),
    field({ id: 'requestedDeliveryDate', bcField: 'Requested Delivery Date', bc: 'requestedDeliveryDate', dataverse: 'requestdeliveryby', direction: 'bidirectional', bcType: 'date' }),
    field({
      id: 'paymentDiscount',
      bcField: 'Payment Discount %',
      dataverse: 'discountpercentage',
      direction: 'bidirectional',
      bcType: 'decimal',
      unavailable: `${notInV2(set, 'Payment Discount %')}; ${notInCustom('salesHeaders', 'Payment Discount %')}`,
    }),
    field({
      id: 'workDescription',
      bcField: 'Work Description',
      dataverse: 'description',
      direction: 'bidirectional',
      validateField: false,
      unavailable: `${notInV2(set, 'Work Description', 'a BLOB')}`,
    }),
    field({ id: 'lastShipmentDate', bcField: 'Last Shipment Date', bc: 'lastShipmentDate', dataverse: 'datefulfilled', direction: 'to-dataverse', bcType: 'date', bcReadOnly: true }),
  ];
  return tableMapping({
    name: BIDIRECTIONAL_ORDER_MAPPING,
    bc: {
      api: 'v2.0',
      entitySet: set,
      table: 'Sales Header (36)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'number',
      nameField: 'number',
      // Document Type = Order is the page itself; the v2.0 page calls Status Released "Open" (and Open "Draft").
      filter: [{ field: 'status', op: 'eq', value: 'Open' }],
      properties: [
        'id', 'number', 'externalDocumentNumber', 'orderDate', 'customerId', 'customerNumber', 'customerName', 'shipToName',
        'shipToAddressLine1', 'shipToAddressLine2', 'shipToCity', 'shipToCountry', 'shipToState', 'shipToPostCode',
        'billToAddressLine1', 'billToAddressLine2', 'billToCity', 'billToCountry', 'billToState', 'billToPostCode',
        'currencyCode', 'paymentTermsId', 'shipmentMethodId', 'salesperson', 'requestedDeliveryDate', 'discountAmount',
        'totalAmountExcludingTax', 'totalTaxAmount', 'totalAmountIncludingTax', 'fullyShipped', 'status', 'lastModifiedDateTime',
      ],
    },
    dataverse: {
      table: 'salesorder',
      entitySet: 'salesorders',
      key: 'salesorderid',
      modifiedField: 'modifiedon',
      nameField: 'name',
      filter: [{ field: 'statecode', op: 'eq', value: 1 }],
      companyFilter: true,
      companyIdStamp: 'always',
      ownerTeamOnInsert: options.ownershipModel === 'team',
    },
    direction: 'bidirectional',
    synchOnlyCoupledRecords: true,
    dependencies: ['CUSTOMER', 'ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'OPPORTUNITY'],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 720 },
    fields,
    notes: [
      'Dataverse → BC: the BC order is reopened for the write, its lines reconciled (SOLINE-ORDERDETAIL), then released again, or left Open while a prepayment is due; No. and Doc. No. Occurrence are written back.',
      'BC → Dataverse: the Dataverse order is set Active for the write, its lines reconciled, then Submitted, or Fulfilled (FulfillSalesOrder) when the BC order is completely shipped.',
      'Couplings of orders deleted in BC after posting are flagged archived and ignored here; the ARCHIVED-ORDERS job updates them from the newest archive version.',
    ],
  });
}

/** SOLINE-ORDERDETAIL (docs/integration.md §2.2): synchronized as part of its order, never on its own schedule. */
export function bidirectionalOrderLineMapping(): IntegrationTableMapping {
  const set = 'salesOrderLines';
  const fields: FieldMapping[] = [
    field({
      id: 'documentType',
      bcField: 'Document Type',
      direction: 'from-dataverse',
      transform: { kind: 'constant', value: 'Order' },
      unavailable: 'implicit: lines are written under their v2.0 salesOrders order',
    }),
    field({ id: 'productType', dataverse: 'producttypecode', direction: 'to-dataverse', transform: { kind: 'constant', value: 1 }, validateField: false }),
    field({
      id: 'product',
      bcField: 'No.',
      bc: 'lineObjectNumber',
      dataverse: 'productid',
      direction: 'bidirectional',
      transform: productByType('lineType'),
      bcType: 'code',
      bcMaxLength: 20,
      notes: 'the write-in product (Sales & Receivables Setup) ↔ no product: isproductoverridden, productdescription = line description',
    }),
    field({ id: 'lineNumber', bcField: 'Line No.', bc: 'sequence', dataverse: 'bcbi_businesscentrallinenumber', direction: 'to-dataverse', bcType: 'integer', bcReadOnly: true, notes: 'BC: ⇄; BC numbers new lines itself (step 10000)' }),
    field({ id: 'quantity', bcField: 'Quantity', bc: 'quantity', dataverse: 'quantity', direction: 'bidirectional', bcType: 'decimal' }),
    field({ id: 'quantityShipped', bcField: 'Quantity Shipped', bc: 'shippedQuantity', dataverse: 'quantityshipped', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true, notes: 'BC: ⇄; read-only on the BC page' }),
    field({ id: 'unitPrice', bcField: 'Unit Price', bc: 'unitPrice', dataverse: 'priceperunit', direction: 'bidirectional', bcType: 'decimal' }),
    field({ id: 'currency', bcField: 'Currency Code', dataverse: 'transactioncurrencyid', direction: 'bidirectional', transform: { kind: 'currency' }, bcType: 'code', unavailable: notInV2(set, 'Currency Code', 'the line takes its order\'s currency') }),
    field({ id: 'amount', bcField: 'Amount', bc: 'amountExcludingTax', dataverse: 'baseamount', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true, notes: 'BC: ⇄; computed by BC' }),
    field({ id: 'amountIncludingVat', bcField: 'Amount Including VAT', bc: 'amountIncludingTax', dataverse: 'extendedamount', direction: 'to-dataverse', bcType: 'decimal', bcReadOnly: true, notes: 'BC: ⇄; computed by BC' }),
    field({ id: 'priceOverridden', dataverse: 'ispriceoverridden', direction: 'to-dataverse', transform: { kind: 'constant', value: true }, validateField: false }),
  ];
  return tableMapping({
    name: BIDIRECTIONAL_ORDER_LINE_MAPPING,
    bc: {
      api: 'v2.0',
      entitySet: set,
      table: 'Sales Line (37)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: undefined,
      keyParts: ['documentId', 'sequence'],
      nameField: 'description',
      filter: [{ field: 'lineType', op: 'in', value: ['Item', 'Resource'] }],
      properties: [
        'id', 'documentId', 'sequence', 'itemId', 'lineType', 'lineObjectNumber', 'description', 'unitOfMeasureCode', 'quantity', 'unitPrice',
        'discountAmount', 'amountExcludingTax', 'amountIncludingTax', 'totalTaxAmount', 'shippedQuantity', 'lastModifiedDateTime',
      ],
    },
    dataverse: {
      table: 'salesorderdetail',
      entitySet: 'salesorderdetails',
      key: 'salesorderdetailid',
      modifiedField: 'modifiedon',
      nameField: 'productdescription',
      filter: [],
      companyFilter: false,
      companyIdStamp: 'never',
      ownerTeamOnInsert: false,
    },
    direction: 'bidirectional',
    synchOnlyCoupledRecords: false,
    deletionConflict: 'remove-coupling',
    dependencies: [BIDIRECTIONAL_ORDER_MAPPING],
    // Synchronized only as part of its order (docs/integration.md §2.1).
    schedule: undefined,
    fields,
    notes: ['Synchronized with its order (SALESORDER-ORDER): lines whose counterpart vanished are deleted, the others written both ways.'],
  });
}

