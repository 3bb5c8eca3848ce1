/**
 * The shapes of a Dataverse sales document (order or quote) as read for conversion, and of the Business
 * Central document it becomes (README.md in this folder).
 */

/** Which Dataverse document table pair is read (orders now, quotes next). */
export type DocumentKind = 'order' | 'quote';

export interface DocumentTables {
  kind: DocumentKind;
  /** Header entity set, key and number column: `salesorders` / `salesorderid` / `ordernumber`. */
  headerSet: string;
  headerKey: string;
  numberField: string;
  /** Line entity set, key and the lookup to the header: `salesorderdetails` / `salesorderdetailid` / `_salesorderid_value`. */
  lineSet: string;
  lineKey: string;
  lineParent: string;
  /** The document's name in messages ("Order", "Quote"). */
  noun: string;
}

export const ORDER_TABLES: DocumentTables = {
  kind: 'order',
  headerSet: 'salesorders',
  headerKey: 'salesorderid',
  numberField: 'ordernumber',
  lineSet: 'salesorderdetails',
  lineKey: 'salesorderdetailid',
  lineParent: '_salesorderid_value',
  noun: 'Order',
};

export const QUOTE_TABLES: DocumentTables = {
  kind: 'quote',
  headerSet: 'quotes',
  headerKey: 'quoteid',
  numberField: 'quotenumber',
  lineSet: 'quotedetails',
  lineKey: 'quotedetailid',
  lineParent: '_quoteid_value',
  noun: 'Quote',
};

export interface DataverseAddress {
  name: string;
  line1: string;
  line2: string;
  city: string;
  stateOrProvince: string;
  postalCode: string;
  country: string;
}

export interface DataverseDocumentLine {
  id: string;
  sequenceNumber: number;
  /** null: a write-in product. */
  productId: string | null;
  uomId: string | null;
  quantity: number;
  pricePerUnit: number;
  manualDiscountAmount: number;
  volumeDiscountAmount: number;
  /** The line's memo text (may hold several text lines). */
  description: string;
  /** A write-in product's name. */
  productDescription: string;
}

export interface DataverseDocument {
  kind: DocumentKind;
  id: string;
  /** ordernumber / quotenumber. */
  number: string;
  name: string;
  description: string;
  customerId: string | null;
  currencyId: string | null;
  requestDeliveryBy: string | null;
  discountAmount: number;
  discountPercentage: number;
  freightAmount: number;
  totalLineItemAmount: number;
  totalAmountLessFreight: number;
  billTo: DataverseAddress;
  shipTo: DataverseAddress;
  /** Option values of the payment terms, shipment method (freight terms) and shipping agent (shipping method). */
  paymentTermsCode: number | null;
  freightTermsCode: number | null;
  shippingMethodCode: number | null;
  statecode: number;
  lastBackOfficeSubmit: string | null;
  companyId: string | null;
  modifiedAt: string;
  /** In `sequencenumber` order. */
  lines: DataverseDocumentLine[];
}

/** BC address fields of a document header, as API v2.0 names them after their prefix (`shipToCity`). */
export interface BcAddress {
  name: string;
  addressLine1: string;
  addressLine2: string;
  city: string;
  state: string;
  postCode: string;
  /** Country/region code; empty when the Dataverse text is not a code BC could hold (Code[10]). */
  country: string;
}

export type BcLineType = 'Item' | 'Resource' | 'Account' | 'Comment';

/** One Sales Line of the new document. */
export interface BcDocumentLine {
  /** Line No.: 10000, 20000, … in the order the lines are created. */
  lineNumber: number;
  lineType: BcLineType;
  /** Item, resource or G/L account number; empty on comment lines. */
  number: string;
  /** Sent only when set: a product line otherwise keeps its item's or resource's description. */
  description?: string;
  quantity?: number;
  unitPrice?: number;
  unitOfMeasureCode?: string;
  /** Line Discount Amount = quantity × volume discount + manual discount. */
  discountAmount?: number;
  /** Comment lines continuing a description: the product line they belong to ("Attached to Line No."). */
  attachedToLineNumber?: number;
  /** The Dataverse line it comes from (none for the freight line). */
  sourceLineId?: string;
}

/** The Business Central sales document a Dataverse document becomes. */
export interface BcDocument {
  kind: DocumentKind;
  sourceId: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  /** Code[35]: upper-cased and cut to 35, as BC stores it. */
  externalDocumentNumber: string;
  /** Text[35]. */
  yourReference: string;
  /** Empty for the local currency. */
  currencyCode: string;
  requestedDeliveryDate?: string;
  /** Only when the Dataverse document has at least one address field (else the customer's defaults stay). */
  billTo?: BcAddress;
  shipTo?: BcAddress;
  paymentTermsId?: string;
  shipmentMethodId?: string;
  shippingAgentCode?: string;
  paymentDiscountPercent: number;
  /** Invoice discount amount (total of the lines less the discounted total), 0 when there is no order discount. */
  invoiceDiscountAmount: number;
  lines: BcDocumentLine[];
}

/** A document that cannot be converted: one line naming the document, what is wrong and what to do. */
export interface ConversionError {
  message: string;
}
