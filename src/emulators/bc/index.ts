/**
 * Emulated Business Central: API v2.0 and the `bcsync/integration/v1.0` custom API (docs/custom-api.md),
 * written from docs/protocols.md (§1.2, §2, §3.2, §4.2, §5.3, §5.4, §6.2, §7.2).
 *
 * `createBcModule` builds the companies from the seed and answers requests whose path is relative to
 * `/v2.0/{tenant}/{environment}/api/` (`v2.0/...` or `bcsync/integration/v1.0/...`).
 */
import type { EmulatedApiModule } from '../core/api-module.js';
import type { BcCompanySeed, BcSeed } from '../seed/types.js';
import type { EmulatorDataAccess } from '../types.js';
import { Company } from './company.js';
import { customerFigures } from './documents.js';
import { seedLedger } from './ledger.js';
import { mirrorSeededDocuments } from './sales-mirror.js';
import { BcError, bcErrorBody } from './errors.js';
import { ITEM_SOURCE, RESOURCE_SOURCE, syncUnitGroup } from './masters.js';
import { COMPANION_EXTENSION, COMPUTED_PER_CUSTOMER, RESOURCE_BY_SET, RESOURCES } from './resources.js';
import { coerceValue, type ResourceDef } from './schema.js';
import { BcService } from './service.js';
import type { Rec } from './store.js';
import { Journal } from './store.js';
import { isoDateTime, newGuid, normalizeGuid, round2 } from './values.js';

export { MAX_BATCH_OPERATIONS } from './batch.js';
export { MAX_PAGE_SIZE } from './query.js';
export { SALES_TAX_PERCENT } from './documents.js';
export { COMPANION_EXTENSION, NUMBER_SERIES, RESOURCES } from './resources.js';
export { bcErrorBody } from './errors.js';

export interface BcModuleOptions {
  now: () => number;
  tenantId: string;
  environment: string;
  seed: BcSeed;
  /** Serve `bcsync/integration/v1.0`, as when the companion extension is installed (default true). */
  customApi?: boolean;
}

export type BcModule = EmulatedApiModule & { companyId: string; companyName: string };

/** Sets in the order a seed is loaded, so every link finds its target. Sets not named here load last. */
const LOAD_ORDER = [
  'companyInformation',
  'currencies',
  'currencyExchangeRates',
  'paymentTerms',
  'shipmentMethods',
  'shippingAgents',
  'salespeoplePurchasers',
  'generalProductPostingGroups',
  'inventoryPostingGroups',
  'itemCategories',
  'unitsOfMeasure',
  'items',
  'resources',
  'unitGroups',
  'itemUnitsOfMeasure',
  'resourceUnitsOfMeasure',
  'customerPriceGroups',
  'customers',
  'vendors',
  'contacts',
  'contactsInformation',
  'salesPrices',
  'priceListHeaders',
  'priceListLines',
  'opportunities',
  'salesQuotes',
  'salesQuoteLines',
  'salesOrders',
  'salesOrderLines',
  'salesInvoices',
  'salesInvoiceLines',
  'customerPaymentJournals',
  'journals',
  'customerPayments',
];

const DEFAULT_COMPANY_ID = '6c0e4a8e-2f3b-4c1d-9a7e-5b4d3c2a1f00';
const SYSTEM_VERSION = '25.0.23364.25378';

function seedError(company: string, set: string, record: Rec, detail: string): Error {
  return new Error(`BC seed, company '${company}', ${set} ${String(record.id ?? '(no id)')}: ${detail}`);
}

/** Loads one seeded company as stored rows (a consistent snapshot: no triggers run, values are kept). */
function loadCompany(c: Company, seed: BcCompanySeed): void {
  const sets = Object.keys(seed.records);
  for (const set of sets) {
    const def = RESOURCE_BY_SET.get(set);
    if (!def || def.set === 'companies' || COMPUTED_PER_CUSTOMER.has(def.set)) {
      throw new Error(`BC seed, company '${seed.name}': '${set}' is not an entity set the emulator stores.`);
    }
  }
  const ordered = [...LOAD_ORDER.filter((s) => sets.includes(s)), ...sets.filter((s) => !LOAD_ORDER.includes(s))];
  const pendingLines: Array<{ set: string; record: Rec }> = [];
  const seededBalance = new Map<string, number>();
  const loadRecord = (def: ResourceDef, record: Rec): void => {
    const sent: Rec = {};
    for (const [name, value] of Object.entries(record)) {
      if (name.includes('@')) continue;
      const nav = def.navs?.find((n) => n.name === name && n.kind === 'lines');
      if (nav && Array.isArray(value)) {
        for (const line of value as Rec[]) pendingLines.push({ set: nav.target, record: { ...line, [nav.field]: record.id } });
        continue;
      }
      const field = def.fields[name];
      if (!field) throw seedError(seed.name, def.set, record, `'${name}' is not a property of ${def.set}.`);
      try {
        sent[name] = coerceValue(name, field, value);
      } catch (e) {
        throw seedError(seed.name, def.set, record, `${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const data: Rec = { ...c.blank(def), ...sent };
    data.id = (sent.id as string | undefined) ?? newGuid();
    // Plain table relations (salesperson codes, contact numbers) are kept as seeded: a snapshot may
    // name records it does not carry, as data imported into BC without validation can.
    const linkViews: Rec = { ...sent };
    for (const link of def.links ?? []) if (link.relation && link.codeField) delete linkViews[link.codeField];
    try {
      c.resolveLinks(def, data, linkViews);
    } catch (e) {
      throw seedError(seed.name, def.set, record, e instanceof Error ? e.message : String(e));
    }
    if (def.tracksModified && !('lastModifiedDateTime' in sent)) data.lastModifiedDateTime = c.nowText();
    if (def.set === 'customers' && typeof sent.balanceDue === 'number') seededBalance.set(data.id as string, sent.balanceDue);
    if (c.get(def.set, data.id as string)) throw seedError(seed.name, def.set, record, 'the id is used twice.');
    if (def.key && data[def.key] !== '' && c.getByKey(def.set, data[def.key] as string)) {
      throw seedError(seed.name, def.set, record, `${def.key} '${String(data[def.key])}' is used twice.`);
    }
    c.store.put(def.set, data.id as string, data);
  };
  for (const set of ordered) {
    const def = RESOURCE_BY_SET.get(set)!;
    for (const record of seed.records[set] ?? []) loadRecord(def, record);
    for (const pending of pendingLines.splice(0)) loadRecord(RESOURCE_BY_SET.get(pending.set)!, pending.record);
  }
  mirrorSeededDocuments(c);
  // BC keeps a unit group (and the base unit's row) for every item and resource.
  for (const row of [...c.store.rows('items')]) syncUnitGroup(c, ITEM_SOURCE, row.data);
  for (const row of [...c.store.rows('resources')]) syncUnitGroup(c, RESOURCE_SOURCE, row.data);
  // Every company has a cash receipt journal batch to enter customer payments in.
  if (c.store.count('customerPaymentJournals') === 0) {
    const id = newGuid();
    c.store.put('customerPaymentJournals', id, {
      ...c.blank(RESOURCE_BY_SET.get('customerPaymentJournals')!),
      id,
      code: 'GENERAL',
      displayName: 'Default Journal Batch',
      lastModifiedDateTime: c.nowText(),
    });
  }
  // What the companion extension's integrationInfo page shows for this company.
  const infoId = newGuid();
  c.store.put('integrationInfo', infoId, {
    ...c.blank(RESOURCE_BY_SET.get('integrationInfo')!),
    id: infoId,
    extensionId: COMPANION_EXTENSION.id,
    extensionName: COMPANION_EXTENSION.name,
    extensionPublisher: COMPANION_EXTENSION.publisher,
    extensionVersion: COMPANION_EXTENSION.version,
    localCurrencyCode: c.lcyCode,
    lastModifiedDateTime: c.nowText(),
  });
  // Every company has its Sales & Receivables Setup row.
  if (c.store.count('salesSetup') === 0) {
    const setupId = newGuid();
    c.store.put('salesSetup', setupId, { ...c.blank(RESOURCE_BY_SET.get('salesSetup')!), id: setupId, lastModifiedDateTime: c.nowText() });
  }
  // Posting wrote the ledger of the seeded posted invoices (unless the seed carries it).
  if (c.store.count('customerLedgerEntries') === 0) seedLedger(c);
  const figures = customerFigures(c);
  for (const [customerId, balance] of seededBalance) {
    const opening = round2(balance - (figures.get(customerId)?.balance ?? 0));
    if (opening !== 0) c.openingBalances.set(customerId, opening);
  }
}

function tableDef(table: string): ResourceDef {
  const def = RESOURCE_BY_SET.get(table);
  if (!def) {
    throw new Error(`'${table}' is not a Business Central entity set; use one of: ${RESOURCES.map((r) => r.set).join(', ')}.`);
  }
  return def;
}

export function createBcModule(opts: BcModuleOptions): BcModule {
  // Closures below must not reach `opts`: it holds the seed, which would then stay in memory (and be marked by every
  // major GC) for as long as the module lives: 80 MB at scale:100000.
  const now = opts.now;
  const journal = new Journal();
  let rowVersion = 10_000;
  const nextRowVersion = (): number => ++rowVersion;
  const seeds: BcCompanySeed[] =
    opts.seed.companies.length > 0 ? opts.seed.companies : [{ id: DEFAULT_COMPANY_ID, name: 'My Company', displayName: 'My Company', records: {} }];
  const companies = seeds.map((s) => {
    const lcy = (s.records.companyInformation?.[0]?.currencyCode as string | undefined) || 'USD';
    const id = normalizeGuid(s.id);
    if (!id) throw new Error(`BC seed: company '${s.name}' has id '${s.id}', which is not a GUID.`);
    const company = new Company(
      { id, name: s.name, displayName: s.displayName, systemVersion: SYSTEM_VERSION, createdAt: isoDateTime(now()) },
      journal,
      nextRowVersion,
      now,
      lcy,
    );
    loadCompany(company, s);
    return company;
  });
  const service = new BcService(companies, { customApi: opts.customApi ?? true });
  const first = companies[0]!;

  const data: EmulatorDataAccess = {
    list(table) {
      const def = tableDef(table);
      if (def.set === 'companies') return companies.map((c) => service.companyRecord(c));
      return service.presentedRows(first, def);
    },
    get(table, id) {
      const def = tableDef(table);
      return service.presentOne(first, def.set, id.toLowerCase());
    },
    insert(table, record) {
      const def = tableDef(table);
      const row = first.insert(def.set, record, { person: true });
      return service.present(first, def.set, row);
    },
    update(table, id, changes) {
      const def = tableDef(table);
      const row = first.update(def.set, id.toLowerCase(), changes, { person: true });
      return service.present(first, def.set, row);
    },
    remove(table, id) {
      const def = tableDef(table);
      first.remove(def.set, id.toLowerCase(), { person: true });
    },
    act(table, id, action) {
      const def = tableDef(table);
      first.runPersonAction(def.set, id.toLowerCase(), action);
    },
    count(table) {
      const def = tableDef(table);
      if (def.set === 'companies') return companies.length;
      if (COMPUTED_PER_CUSTOMER.has(def.set)) return first.store.count('customers');
      return first.store.count(def.set);
    },
  };

  return {
    handler: (req) => service.handle(req),
    data,
    errorBody: (code, message) => bcErrorBody(code, message),
    errorCodes: {
      unauthorized: 'Authentication_InvalidCredentials',
      rateLimited: 'Application_TooManyRequests',
      concurrencyLimited: 'Application_TooManyRequests',
      unavailable: 'Unknown',
      notFound: 'BadRequest_ResourceNotFound',
      internal: 'Internal_ServerError',
    },
    companyId: first.info.id,
    companyName: first.info.name,
  };
}

export { BcError };
