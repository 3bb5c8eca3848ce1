/**
 * Where the bidirectional order integration reads and writes (README.md in this folder): the two BC pages over a
 * Sales Header (v2.0 `salesOrders`, custom `salesHeaders`), order lines, archives and the write-in product setup,
 * and the Dataverse order tables. Columns are named once here.
 */
import type { FilterCondition, SideTable } from '../../sides/types.js';

const bc = (entitySet: string, api: 'v2.0' | 'custom', select: string[], filter: FilterCondition[] = []): SideTable => ({
  entitySet,
  api,
  key: 'id',
  modifiedField: 'lastModifiedDateTime',
  filter,
  select,
});
const dv = (entitySet: string, key: string, select: string[], filter: FilterCondition[] = []): SideTable => ({ entitySet, key, modifiedField: 'modifiedon', filter, select });

export const BC_ORDERS = bc('salesOrders', 'v2.0', [
  'number', 'externalDocumentNumber', 'orderDate', 'customerId', 'customerNumber', 'customerName', 'shipToName',
  'shipToAddressLine1', 'shipToAddressLine2', 'shipToCity', 'shipToCountry', 'shipToState', 'shipToPostCode',
  'billToAddressLine1', 'billToAddressLine2', 'billToCity', 'billToCountry', 'billToState', 'billToPostCode',
  'currencyCode', 'paymentTermsId', 'shipmentMethodId', 'salesperson', 'requestedDeliveryDate', 'discountAmount',
  'totalAmountExcludingTax', 'totalTaxAmount', 'totalAmountIncludingTax', 'status',
]);

/** Orders only; the released ones are what BC sends to Dataverse (docs/integration.md §2.1). */
export const BC_HEADERS = bc(
  'salesHeaders',
  'custom',
  ['documentType', 'number', 'yourReference', 'status', 'completelyShipped', 'lastShipmentDate', 'docNoOccurrence', 'prepaymentPercent'],
  [{ field: 'documentType', op: 'eq', value: 'Order' }],
);

export const BC_LINES = bc('salesOrderLines', 'v2.0', [
  'documentId', 'sequence', 'itemId', 'lineType', 'lineObjectNumber', 'description', 'unitOfMeasureCode', 'quantity', 'unitPrice',
  'discountAmount', 'amountExcludingTax', 'amountIncludingTax', 'totalTaxAmount', 'shippedQuantity',
]);

export const BC_RESOURCES = bc('resources', 'custom', ['number']);
export const BC_SALES_SETUP = bc('salesSetup', 'custom', ['writeInProductType', 'writeInProductNumber']);

export const BC_HEADER_ARCHIVES = bc('salesHeaderArchives', 'custom', ['documentType', 'number', 'docNoOccurrence', 'versionNumber', 'shipmentDate', 'invoice'], [
  { field: 'documentType', op: 'eq', value: 'Order' },
]);
export const BC_LINE_ARCHIVES = bc('salesLineArchives', 'custom', [
  'documentType', 'documentNumber', 'docNoOccurrence', 'versionNumber', 'lineNumber', 'lineType', 'lineObjectNumber', 'description',
  'quantity', 'quantityShipped', 'unitPrice', 'lineDiscountAmount', 'amount', 'amountIncludingVat',
]);

export const DV_ORDERS = dv('salesorders', 'salesorderid', [
  'name', 'ordernumber', '_customerid_value', '_transactioncurrencyid_value', '_pricelevelid_value', 'statecode', 'statuscode', '_bcbi_companyid_value',
  'bcbi_businesscentralordernumber', 'bcbi_businesscentraldocumentoccurrencenumber', 'discountamount', 'discountpercentage',
  'requestdeliveryby', 'datefulfilled', 'paymenttermscode', 'freighttermscode', 'shippingmethodcode', '_ownerid_value',
  'shipto_name', 'shipto_line1', 'shipto_line2', 'shipto_postalcode', 'shipto_city', 'shipto_country', 'shipto_stateorprovince',
  'billto_line1', 'billto_line2', 'billto_postalcode', 'billto_city', 'billto_country', 'billto_stateorprovince', 'totallineitemdiscountamount',
]);

export const DV_LINES = dv('salesorderdetails', 'salesorderdetailid', [
  '_salesorderid_value', '_productid_value', '_uomid_value', 'isproductoverridden', 'productdescription', 'description', 'quantity', 'priceperunit',
  'ispriceoverridden', 'manualdiscountamount', 'baseamount', 'extendedamount', 'tax', 'quantityshipped', 'sequencenumber',
  'bcbi_businesscentrallinenumber', 'producttypecode',
]);

export const DV_PRICE_LISTS = dv('pricelevels', 'pricelevelid', ['name', '_transactioncurrencyid_value']);
export const DV_PRICE_LIST_ITEMS = dv('productpricelevels', 'productpricelevelid', ['_pricelevelid_value', '_productid_value', '_uomid_value', 'amount']);

/** salesorder state codes (docs/integration.md §8.2). */
export const ORDER_STATE = { active: 0, submitted: 1, fulfilled: 3, invoiced: 4 } as const;
export const INVOICED_STATUS = 100003;
