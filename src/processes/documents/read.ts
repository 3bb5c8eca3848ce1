/**
 * Reading what a conversion needs (README.md in this folder, "Requests"): the Dataverse documents with their
 * lines, and everything their fields point at (customers, products, units, currencies, option couplings, the
 * Sales & Receivables setup), a fixed number of reads per batch of documents, whatever the number of lines.
 */
import type { Rec, Side, SideTable } from '../../sides/types.js';
import type { DataverseAddress, DataverseDocument, DataverseDocumentLine, DocumentTables } from './types.js';

/** The integration table mappings whose couplings a conversion follows. */
export const MAPPINGS = {
  customer: 'CUSTOMER',
  item: 'ITEM-PRODUCT',
  resource: 'RESOURCE-PRODUCT',
  itemUnit: 'ITEM UOM',
  resourceUnit: 'RESOURCE UOM',
  paymentTerms: 'PAYMENT TERMS',
  shipmentMethod: 'SHIPMENT METHOD',
  shippingAgent: 'SHIPPING AGENT',
} as const;

/** Couplings by either side's id (the state store has this shape). */
export interface CouplingLookup {
  byDataverseId(mapping: string, dataverseId: string): { bcId: string } | undefined;
  byBcId(mapping: string, bcId: string): { dataverseId: string } | undefined;
}

const dvTable = (entitySet: string, key: string, select: string[]): SideTable => ({ entitySet, key, modifiedField: 'modifiedon', filter: [], select });
const bcTable = (entitySet: string, select: string[], api: 'v2.0' | 'custom' = 'v2.0'): SideTable => ({ entitySet, api, key: 'id', modifiedField: 'lastModifiedDateTime', filter: [], select });

const ADDRESS_PARTS = ['name', 'line1', 'line2', 'city', 'stateorprovince', 'postalcode', 'country'];
const HEADER_COLUMNS = [
  'name', 'description', '_customerid_value', '_transactioncurrencyid_value', 'discountamount', 'discountpercentage', 'freightamount',
  'totallineitemamount', 'totalamountlessfreight', 'paymenttermscode', 'shippingmethodcode', 'statecode', '_bcbi_companyid_value',
  ...ADDRESS_PARTS.flatMap((p) => [`billto_${p}`, `shipto_${p}`]),
];
const ORDER_ONLY_COLUMNS = ['requestdeliveryby', 'freighttermscode', 'lastbackofficesubmit'];
const LINE_COLUMNS = [
  '_productid_value', '_uomid_value', 'quantity', 'priceperunit', 'manualdiscountamount', 'volumediscountamount', 'description',
  'productdescription', 'sequencenumber',
];

export function headerTable(tables: DocumentTables): SideTable {
  const select = [tables.numberField, ...HEADER_COLUMNS, ...(tables.kind === 'order' ? ORDER_ONLY_COLUMNS : [])];
  return dvTable(tables.headerSet, tables.headerKey, select);
}

function lineTable(tables: DocumentTables): SideTable {
  return dvTable(tables.lineSet, tables.lineKey, [tables.lineParent, ...LINE_COLUMNS]);
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const optional = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const option = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function address(f: Record<string, unknown>, prefix: 'billto' | 'shipto'): DataverseAddress {
  return {
    name: text(f[`${prefix}_name`]),
    line1: text(f[`${prefix}_line1`]),
    line2: text(f[`${prefix}_line2`]),
    city: text(f[`${prefix}_city`]),
    stateOrProvince: text(f[`${prefix}_stateorprovince`]),
    postalCode: text(f[`${prefix}_postalcode`]),
    country: text(f[`${prefix}_country`]),
  };
}

function toLine(r: Rec): DataverseDocumentLine {
  const f = r.fields;
  return {
    id: r.id,
    sequenceNumber: num(f.sequencenumber),
    productId: optional(f._productid_value)?.toLowerCase() ?? null,
    uomId: optional(f._uomid_value)?.toLowerCase() ?? null,
    quantity: num(f.quantity),
    pricePerUnit: num(f.priceperunit),
    manualDiscountAmount: num(f.manualdiscountamount),
    volumeDiscountAmount: num(f.volumediscountamount),
    description: text(f.description),
    productDescription: text(f.productdescription),
  };
}

export function toDocument(tables: DocumentTables, r: Rec, lines: DataverseDocumentLine[]): DataverseDocument {
  const f = r.fields;
  return {
    kind: tables.kind,
    id: r.id,
    number: text(f[tables.numberField]),
    name: text(f.name),
    description: text(f.description),
    customerId: optional(f._customerid_value)?.toLowerCase() ?? null,
    currencyId: optional(f._transactioncurrencyid_value)?.toLowerCase() ?? null,
    requestDeliveryBy: optional(f.requestdeliveryby),
    discountAmount: num(f.discountamount),
    discountPercentage: num(f.discountpercentage),
    freightAmount: num(f.freightamount),
    totalLineItemAmount: num(f.totallineitemamount),
    totalAmountLessFreight: num(f.totalamountlessfreight),
    billTo: address(f, 'billto'),
    shipTo: address(f, 'shipto'),
    paymentTermsCode: option(f.paymenttermscode),
    freightTermsCode: option(f.freighttermscode),
    shippingMethodCode: option(f.shippingmethodcode),
    statecode: num(f.statecode),
    lastBackOfficeSubmit: optional(f.lastbackofficesubmit),
    companyId: optional(f._bcbi_companyid_value)?.toLowerCase() ?? null,
    modifiedAt: r.modifiedAt,
    // Lines in sequencenumber order (docs/integration.md §8.1); the line id settles equal numbers.
    lines: [...lines].sort((a, b) => a.sequenceNumber - b.sequenceNumber || a.id.localeCompare(b.id)),
  };
}

/** The documents by id, with their lines: one read of the headers and one of the lines per 100 documents. */
export async function readDocuments(dataverse: Side, tables: DocumentTables, ids: string[]): Promise<DataverseDocument[]> {
  if (ids.length === 0) return [];
  const headers = await dataverse.get(headerTable(tables), ids);
  const lines = await readLines(dataverse, tables, headers.map((h) => h.id));
  return headers.map((h) => toDocument(tables, h, lines.get(h.id) ?? []));
}

/** Lines of the given documents, by document id. */
export async function readLines(dataverse: Side, tables: DocumentTables, documentIds: string[]): Promise<Map<string, DataverseDocumentLine[]>> {
  const byDocument = new Map<string, DataverseDocumentLine[]>();
  for (let i = 0; i < documentIds.length; i += 100) {
    const chunk = documentIds.slice(i, i + 100);
    for await (const page of dataverse.list(lineTable(tables), { where: [{ field: tables.lineParent, op: 'in', value: chunk }] })) {
      for (const r of page) {
        const parent = text(r.fields[tables.lineParent]).toLowerCase();
        byDocument.set(parent, [...(byDocument.get(parent) ?? []), toLine(r)]);
      }
    }
  }
  return byDocument;
}

// ---------------------------------------------------------------------------------------------
// What the documents point at

export interface DataverseCustomer {
  id: string;
  kind: 'account' | 'contact';
  name: string;
  /** The account a contact customer belongs to (its parent account); the account itself otherwise. */
  accountId: string | null;
  accountName: string;
}

export interface CoupledCustomer {
  id: string;
  number: string;
  name: string;
}

export interface DataverseProduct {
  id: string;
  name: string;
  number: string;
  /** 0 Active, 1 Retired, 2 Draft, 3 Under Revision. */
  statecode: number;
  /** 1 Sales Inventory, 2 Miscellaneous Charges, 3 Services, 4 Flat Fees. */
  typeCode: number;
  /** The coupled BC item or resource. */
  bc?: { type: 'Item' | 'Resource'; id: string; number: string; description: string };
}

export interface SalesSetup {
  writeInProductType: string;
  writeInProductNumber: string;
  /** The write-in item or resource is coupled to a product (BC refuses that: it must stay uncoupled). */
  writeInProductCoupled: boolean;
  /** The write-in product exists in BC. */
  writeInProductFound: boolean;
  freightAccountNumber: string;
}

/** Everything a conversion looks up, read once for a batch of documents. */
export interface ConversionLookups {
  lcyCode: string;
  customers: Map<string, DataverseCustomer>;
  /** Dataverse account id → the BC customer coupled to it. */
  coupledCustomers: Map<string, CoupledCustomer>;
  products: Map<string, DataverseProduct>;
  /** Dataverse unit id → its name and the code of the coupled BC item/resource unit. */
  units: Map<string, { name: string; bcCode?: string }>;
  /** Dataverse currency id → ISO code. */
  currencies: Map<string, string>;
  /** Option value → BC id (payment terms, shipment methods) or code (shipping agents), through the option couplings. */
  paymentTerms: Map<number, string>;
  shipmentMethods: Map<number, string>;
  shippingAgents: Map<number, string>;
  setup?: SalesSetup;
}

export interface LookupSources {
  bc: Side;
  dataverse: Side;
  couplings: CouplingLookup;
  /** Business Central's local currency code (a document in it gets a blank currency). */
  lcyCode: string;
}

const ids = (values: Iterable<string | null | undefined>): string[] => [...new Set([...values].filter((v): v is string => !!v))];

/**
 * The lookups of the given documents: Dataverse accounts, contacts (and their parent accounts), products, units
 * and currencies; the coupled BC customers, items, resources, units and shipping agents; the sales setup when a
 * document has a write-in line or freight. Each kind is one request per 100 ids, and is skipped when empty.
 */
export async function readLookups(sources: LookupSources, documents: readonly DataverseDocument[]): Promise<ConversionLookups> {
  const { bc, dataverse, couplings } = sources;
  const lines = documents.flatMap((d) => d.lines);
  const lookups: ConversionLookups = {
    lcyCode: sources.lcyCode,
    customers: new Map(),
    coupledCustomers: new Map(),
    products: new Map(),
    units: new Map(),
    currencies: new Map(),
    paymentTerms: new Map(),
    shipmentMethods: new Map(),
    shippingAgents: new Map(),
  };

  // Customers: accounts first; ids that are not accounts are contacts, whose parent account is the customer.
  const customerIds = ids(documents.map((d) => d.customerId));
  const accounts = new Map<string, string>();
  const readAccounts = async (wanted: string[]): Promise<void> => {
    const missing = wanted.filter((id) => !accounts.has(id));
    if (missing.length) for (const r of await dataverse.get(dvTable('accounts', 'accountid', ['name']), missing)) accounts.set(r.id, text(r.fields.name));
  };
  await readAccounts(customerIds);
  const contactIds = customerIds.filter((id) => !accounts.has(id));
  const contacts = contactIds.length ? await dataverse.get(dvTable('contacts', 'contactid', ['fullname', '_parentcustomerid_value']), contactIds) : [];
  await readAccounts(ids(contacts.map((c) => optional(c.fields._parentcustomerid_value)?.toLowerCase())));
  for (const [id, name] of accounts) {
    if (customerIds.includes(id)) lookups.customers.set(id, { id, kind: 'account', name, accountId: id, accountName: name });
  }
  for (const c of contacts) {
    const parent = optional(c.fields._parentcustomerid_value)?.toLowerCase() ?? null;
    const accountId = parent && accounts.has(parent) ? parent : null;
    lookups.customers.set(c.id, { id: c.id, kind: 'contact', name: text(c.fields.fullname), accountId, accountName: accountId ? accounts.get(accountId)! : '' });
  }
  const coupledCustomerIds = new Map<string, string>();
  for (const c of lookups.customers.values()) {
    const bcId = c.accountId ? couplings.byDataverseId(MAPPINGS.customer, c.accountId)?.bcId : undefined;
    if (bcId) coupledCustomerIds.set(bcId, c.accountId!);
  }
  if (coupledCustomerIds.size) {
    for (const r of await bc.get(bcTable('customers', ['number', 'displayName']), [...coupledCustomerIds.keys()])) {
      lookups.coupledCustomers.set(coupledCustomerIds.get(r.id)!, { id: r.id, number: text(r.fields.number), name: text(r.fields.displayName) });
    }
  }

  // Products and the items or resources coupled to them.
  const productIds = ids(lines.map((l) => l.productId));
  if (productIds.length) {
    for (const r of await dataverse.get(dvTable('products', 'productid', ['name', 'productnumber', 'statecode', 'producttypecode']), productIds)) {
      lookups.products.set(r.id, { id: r.id, name: text(r.fields.name), number: text(r.fields.productnumber), statecode: num(r.fields.statecode), typeCode: num(r.fields.producttypecode) });
    }
    const coupledTo = (mapping: string): Map<string, string> => {
      const m = new Map<string, string>();
      for (const id of productIds) {
        const bcId = couplings.byDataverseId(mapping, id)?.bcId;
        if (bcId) m.set(bcId, id);
      }
      return m;
    };
    const items = coupledTo(MAPPINGS.item);
    if (items.size) {
      for (const r of await bc.get(bcTable('items', ['number', 'displayName']), [...items.keys()])) {
        const p = lookups.products.get(items.get(r.id)!);
        if (p) p.bc = { type: 'Item', id: r.id, number: text(r.fields.number), description: text(r.fields.displayName) };
      }
    }
    const resources = coupledTo(MAPPINGS.resource);
    if (resources.size) {
      for (const r of await bc.get(bcTable('resources', ['number', 'name'], 'custom'), [...resources.keys()])) {
        const p = lookups.products.get(resources.get(r.id)!);
        if (p) p.bc = { type: 'Resource', id: r.id, number: text(r.fields.number), description: text(r.fields.name) };
      }
    }
  }

  // Units: the coupled item or resource unit of measure gives the code.
  const unitIds = ids(lines.map((l) => l.uomId));
  if (unitIds.length) {
    for (const r of await dataverse.get(dvTable('uoms', 'uomid', ['name']), unitIds)) lookups.units.set(r.id, { name: text(r.fields.name) });
    for (const [mapping, entitySet] of [
      [MAPPINGS.itemUnit, 'itemUnitsOfMeasure'],
      [MAPPINGS.resourceUnit, 'resourceUnitsOfMeasure'],
    ] as const) {
      const coupled = new Map<string, string>();
      for (const id of unitIds) {
        const bcId = couplings.byDataverseId(mapping, id)?.bcId;
        if (bcId) coupled.set(bcId, id);
      }
      if (!coupled.size) continue;
      for (const r of await bc.get(bcTable(entitySet, ['code'], 'custom'), [...coupled.keys()])) {
        const unit = lookups.units.get(coupled.get(r.id)!);
        if (unit) unit.bcCode = text(r.fields.code);
      }
    }
  }

  const currencyIds = ids(documents.map((d) => d.currencyId));
  if (currencyIds.length) {
    for (const r of await dataverse.get(dvTable('transactioncurrencies', 'transactioncurrencyid', ['isocurrencycode']), currencyIds)) {
      lookups.currencies.set(r.id, text(r.fields.isocurrencycode));
    }
  }

  // Option couplings hold the option value as the Dataverse id (docs/integration.md §5.8).
  const optionTarget = (mapping: string, value: number | null): string | undefined => (value === null ? undefined : couplings.byDataverseId(mapping, String(value))?.bcId);
  for (const d of documents) {
    const terms = optionTarget(MAPPINGS.paymentTerms, d.paymentTermsCode);
    if (terms) lookups.paymentTerms.set(d.paymentTermsCode!, terms);
    const method = optionTarget(MAPPINGS.shipmentMethod, d.freightTermsCode);
    if (method) lookups.shipmentMethods.set(d.freightTermsCode!, method);
  }
  const agents = new Map<string, number>();
  for (const d of documents) {
    const agent = optionTarget(MAPPINGS.shippingAgent, d.shippingMethodCode);
    if (agent) agents.set(agent, d.shippingMethodCode!);
  }
  if (agents.size) {
    for (const r of await bc.get(bcTable('shippingAgents', ['code'], 'custom'), [...agents.keys()])) lookups.shippingAgents.set(agents.get(r.id)!, text(r.fields.code));
  }

  if (lines.some((l) => l.productId === null) || documents.some((d) => d.freightAmount > 0)) lookups.setup = await readSalesSetup(bc, couplings);
  return lookups;
}

/** Sales & Receivables setup: the write-in product (which must not be coupled) and the freight G/L account. */
export async function readSalesSetup(bc: Side, couplings: CouplingLookup): Promise<SalesSetup> {
  const rows: Rec[] = [];
  for await (const page of bc.list(bcTable('salesSetup', ['writeInProductType', 'writeInProductNumber', 'freightAccountNumber'], 'custom'))) rows.push(...page);
  const f = rows[0]?.fields ?? {};
  const setup: SalesSetup = {
    writeInProductType: text(f.writeInProductType).trim(),
    writeInProductNumber: text(f.writeInProductNumber),
    writeInProductCoupled: false,
    writeInProductFound: false,
    freightAccountNumber: text(f.freightAccountNumber),
  };
  if (setup.writeInProductNumber !== '' && (setup.writeInProductType === 'Item' || setup.writeInProductType === 'Resource')) {
    const item = setup.writeInProductType === 'Item';
    const table = item ? bcTable('items', ['number']) : bcTable('resources', ['number'], 'custom');
    const found: Rec[] = [];
    for await (const page of bc.list(table, { where: [{ field: 'number', op: 'eq', value: setup.writeInProductNumber }] })) found.push(...page);
    setup.writeInProductFound = found.length > 0;
    setup.writeInProductCoupled = found.some((r) => couplings.byBcId(item ? MAPPINGS.item : MAPPINGS.resource, r.id) !== undefined);
  }
  return setup;
}
