/**
 * Business Central's "Update Account Statistics" and Customer Statistics job (docs/integration.md §8.5): the
 * `nav_accountstatistics` row of every coupled account, created and linked on first upload, then updated for the
 * customers whose ledger entries or sales documents changed since the last run (README.md in this folder).
 * It sees the systems only through the Sides, and the couplings and watermarks through the state.
 */
import { counterpartId, isGuid } from '../../engine/ids.js';
import { editedInSameSecond, WRITTEN_BY_US_KEY } from '../../engine/plan.js';
import { UsageError } from '../../errors.js';
import type { Coupling, StateStore } from '../../state/index.js';
import type { Rec, Side, SideTable, WriteOp, WriteResult } from '../../sides/types.js';

/** The job-queue process and the name its watermark ("Cust. Statistics Synch. Time") is kept under. */
export const STATISTICS_PROCESS = 'CUSTOMER-STATISTICS';
/** The integration table mapping whose couplings pair a customer with an account. */
export const CUSTOMER_MAPPING = 'CUSTOMER';

export type StatisticsResult = 'inserted' | 'modified' | 'unchanged' | 'failed';

export interface AccountStatistics {
  accountid: string;
  customerNumber: string;
  /** The linked `nav_accountstatistics` row; null when the customer or account is missing. */
  statisticsId: string | null;
  result: StatisticsResult;
  /** Why it failed, or why the account link waits for a later run. */
  message?: string;
}

export interface StatisticsSources {
  bc: Side;
  dataverse: Side;
  state: StateStore;
  /** Dataverse systemuserid of the integration identity: its own edits of an account are not the user's. */
  integrationUserId: string;
  /** The Dataverse base currency, which is BC's LCY (checked when the environment is read). */
  lcyCurrencyId: string | undefined;
  dryRun: boolean;
}

/** Which customers: the ones that changed since the last run (and every one not uploaded yet), or these. */
export type StatisticsScope = { all: true } | { customer: string };

const bcTable = (entitySet: string, select: string[], api: 'v2.0' | 'custom' = 'v2.0'): SideTable => ({
  entitySet,
  api,
  key: 'id',
  modifiedField: 'lastModifiedDateTime',
  filter: [],
  select,
});

/** The figures docs/integration.md §8.5 lists, in the custom API's names (docs/custom-api.md, `customerStatistics`). */
const CUSTOMER_STATISTICS = bcTable(
  'customerStatistics',
  ['number', 'balance', 'outstandingOrders', 'shippedNotInvoiced', 'outstandingInvoices', 'totalAmount', 'creditLimit', 'overdueAmount', 'overdueAsOfDate', 'totalSales', 'invoicedPrepayments'],
  'custom',
);
const CUSTOMER_NAMES = bcTable('customers', ['number', 'displayName']);
const LEDGER_ENTRIES = bcTable('customerLedgerEntries', ['customerNumber'], 'custom');
/** Sales lines change their document's lastModifiedDateTime; the figures come from orders and unposted invoices. */
const SALES_DOCUMENTS = [bcTable('salesOrders', ['customerId', 'billToCustomerId']), bcTable('salesInvoices', ['customerId', 'billToCustomerId'])];

const ACCOUNTS: SideTable = { entitySet: 'accounts', key: 'accountid', modifiedField: 'modifiedon', filter: [], select: ['name', '_nav_accountstatisticsid_value'] };

/** `nav_accountstatistics` money columns ← customerStatistics properties. */
const MONEY: ReadonlyArray<[string, string]> = [
  ['nav_balancelcy', 'balance'],
  ['nav_outstandingorderslcy', 'outstandingOrders'],
  ['nav_shippednotinvoicedlcy', 'shippedNotInvoiced'],
  ['nav_outstandinginvoiceslcy', 'outstandingInvoices'],
  ['nav_totallcy', 'totalAmount'],
  ['nav_creditlimitlcy', 'creditLimit'],
  ['nav_overdueamountslcy', 'overdueAmount'],
  ['nav_totalsaleslcy', 'totalSales'],
  ['nav_invoicedprepaymentamountlcy', 'invoicedPrepayments'],
];
/** Service-management figures: initialised with the others, never updated (BC v29; no service module here). */
const SERVICE_MONEY = ['nav_outstandingserviceorderslcy', 'nav_servshippednotinvoicedlcy', 'nav_outstandingservinvoiceslcy'];

const STATISTICS_ROWS: SideTable = {
  entitySet: 'nav_accountstatisticses',
  key: 'nav_accountstatisticsid',
  modifiedField: 'modifiedon',
  filter: [],
  select: ['nav_name', 'nav_customerno', 'nav_overdueamountsasof', '_transactioncurrencyid_value', ...MONEY.map(([dv]) => dv)],
};

/** Extra flag on the CUSTOMER coupling: the statistics row uploaded and linked ("Statistics Uploaded"). */
const UPLOADED = 'statisticsId';

const EMPTY_DATE = '0001-01-01';

/** One customer in scope: its coupling, and what the run finds and decides. */
interface Target {
  coupling: Coupling;
  figures?: Record<string, unknown>;
  name?: string;
  account?: Rec;
  statisticsId?: string;
  existing?: Rec;
  result?: StatisticsResult;
  message?: string;
  /** The account must be linked to the statistics row. */
  link?: boolean;
}

export interface StatisticsRun {
  accounts: AccountStatistics[];
  /** The watermark moved to (runs over all customers). */
  watermark?: string;
}

export async function updateAccountStatistics(src: StatisticsSources, scope: StatisticsScope): Promise<StatisticsRun> {
  const { state } = src;
  const couplings = [...state.couplings(CUSTOMER_MAPPING)].filter((c) => !c.skipped);
  let targets: Coupling[];
  let watermark: string | undefined;
  if ('customer' in scope) targets = [await resolveCustomer(src, couplings, scope.customer)];
  else {
    const changed = await changedCustomers(src);
    watermark = changed.seen;
    targets = couplings.filter((c) => changed.all || changed.ids.has(c.bcId) || typeof c.extra?.[UPLOADED] !== 'string');
  }
  const inScope: Target[] = targets.map((coupling) => ({ coupling }));
  await readFigures(src, inScope);
  await readAccounts(src, inScope);
  plan(inScope);
  if (!src.dryRun) {
    await write(src, inScope);
    if (watermark) state.setWatermark(STATISTICS_PROCESS, 'bc', watermark);
    await state.commit();
  }
  return {
    accounts: inScope.map((t) => ({
      accountid: t.coupling.dataverseId,
      customerNumber: String(t.figures?.number ?? ''),
      statisticsId: t.result === 'failed' ? null : (t.statisticsId ?? null),
      result: t.result!,
      ...(t.message ? { message: t.message } : {}),
    })),
    watermark: src.dryRun ? undefined : watermark,
  };
}

/** `--customer X`: a BC customer number or id, or the coupled account's id; it must be a coupled customer. */
async function resolveCustomer(src: StatisticsSources, couplings: Coupling[], ref: string): Promise<Coupling> {
  const text = ref.trim();
  const id = text.replace(/^\{|\}$/g, '').toLowerCase();
  let coupling = isGuid(id) ? couplings.find((c) => c.bcId === id || c.dataverseId === id) : undefined;
  if (!coupling && !isGuid(id)) {
    const found: Rec[] = [];
    for await (const page of src.bc.list(CUSTOMER_NAMES, { where: [{ field: 'number', op: 'eq', value: text }] })) found.push(...page);
    if (found.length === 0) throw new UsageError(`Customer "${text}" does not exist in Business Central; pass a customer number or id (see "bcsync couplings --mapping CUSTOMER").`);
    coupling = couplings.find((c) => c.bcId === found[0]!.id);
  }
  if (!coupling) {
    throw new UsageError(
      `Customer "${text}" is not coupled to an account (or its coupling is skipped); couple it first ("bcsync couple --mapping CUSTOMER --bc ${text} --dataverse <accountid>").`,
    );
  }
  return coupling;
}

/**
 * Customers whose ledger entries or sales documents changed after the watermark (BC's rule uses the Cust. Ledger
 * Entry and Sales Line SystemModifiedAt; docs/integration.md §8.5), and the newest change seen, the next
 * watermark. Without a watermark every customer counts as changed: the first run uploads them all.
 */
async function changedCustomers(src: StatisticsSources): Promise<{ all: boolean; ids: Set<string>; seen: string | undefined }> {
  const after = src.state.watermark(STATISTICS_PROCESS).bc;
  const ids = new Set<string>();
  const numbers = new Set<string>();
  let seen = after;
  const note = (r: Rec): void => {
    if (r.modifiedAt && (!seen || Date.parse(r.modifiedAt) > Date.parse(seen))) seen = r.modifiedAt;
  };
  for await (const page of src.bc.list(LEDGER_ENTRIES, { modifiedAfter: after })) {
    for (const r of page) {
      note(r);
      numbers.add(String(r.fields.customerNumber));
    }
  }
  for (const table of SALES_DOCUMENTS) {
    for await (const page of src.bc.list(table, { modifiedAfter: after })) {
      for (const r of page) {
        note(r);
        for (const f of ['customerId', 'billToCustomerId']) if (typeof r.fields[f] === 'string') ids.add((r.fields[f] as string).toLowerCase());
      }
    }
  }
  for (const id of await numbersToIds(src, [...numbers])) ids.add(id);
  return { all: after === undefined, ids, seen };
}

/** Ledger entries name the customer by number: those become ids (one read per 100 numbers). */
async function numbersToIds(src: StatisticsSources, numbers: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < numbers.length; i += 100) {
    const chunk = numbers.slice(i, i + 100);
    for await (const page of src.bc.list(CUSTOMER_NAMES, { where: [{ field: 'number', op: 'in', value: chunk }] })) ids.push(...page.map((r) => r.id));
  }
  return ids;
}

async function readFigures(src: StatisticsSources, targets: Target[]): Promise<void> {
  if (targets.length === 0) return;
  const ids = targets.map((t) => t.coupling.bcId);
  const figures = new Map((await src.bc.get(CUSTOMER_STATISTICS, ids)).map((r) => [r.id, r.fields]));
  const names = new Map((await src.bc.get(CUSTOMER_NAMES, ids)).map((r) => [r.id, String(r.fields.displayName ?? '')]));
  for (const t of targets) {
    t.figures = figures.get(t.coupling.bcId);
    t.name = names.get(t.coupling.bcId);
    if (!t.figures) fail(t, `the customer ${t.coupling.bcId} no longer exists in Business Central`);
  }
}

async function readAccounts(src: StatisticsSources, targets: Target[]): Promise<void> {
  const live = targets.filter((t) => !t.result);
  if (live.length === 0) return;
  const accounts = new Map((await src.dataverse.get(ACCOUNTS, live.map((t) => t.coupling.dataverseId))).map((r) => [r.id, r]));
  for (const t of live) {
    t.account = accounts.get(t.coupling.dataverseId);
    if (!t.account) {
      fail(t, `the coupled account ${t.coupling.dataverseId} no longer exists in Dataverse`);
      continue;
    }
    const linked = t.account.fields._nav_accountstatisticsid_value;
    t.statisticsId = typeof linked === 'string' && linked !== '' ? linked.toLowerCase() : counterpartId(STATISTICS_PROCESS, 'dataverse', t.coupling.bcId);
  }
  const found = new Map((await src.dataverse.get(STATISTICS_ROWS, live.filter((t) => !t.result).map((t) => t.statisticsId!))).map((r) => [r.id, r]));
  for (const t of live) if (!t.result) t.existing = found.get(t.statisticsId!);
}

function fail(t: Target, message: string): void {
  t.result = 'failed';
  t.message = message;
}

/** The row's columns as the customer's figures say (docs/integration.md §8.5). */
function wanted(t: Target): Record<string, unknown> {
  const f = t.figures!;
  const asOf = String(f.overdueAsOfDate ?? '');
  const row: Record<string, unknown> = {
    nav_name: t.name ?? '',
    nav_customerno: String(f.number ?? ''),
    nav_overdueamountsasof: asOf === '' || asOf === EMPTY_DATE ? null : asOf,
  };
  for (const [dv, bc] of MONEY) row[dv] = typeof f[bc] === 'number' ? f[bc] : 0;
  return row;
}

function differs(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a ?? 0) !== Number(b ?? 0);
  return (a ?? null) !== (b ?? null);
}

/** inserted (no row yet), modified (a figure differs), unchanged; the account linked when it is not. */
function plan(targets: Target[]): void {
  for (const t of targets) {
    if (t.result) continue;
    const linkedTo = t.account!.fields._nav_accountstatisticsid_value;
    t.link = typeof linkedTo !== 'string' || linkedTo.toLowerCase() !== t.statisticsId;
    if (!t.existing) t.result = 'inserted';
    else {
      const want = wanted(t);
      t.result = Object.entries(want).some(([k, v]) => differs(v, t.existing!.fields[k])) ? 'modified' : 'unchanged';
    }
  }
}

const bind = (entitySet: string, id: string): string => `/${entitySet}(${id})`;

async function write(src: StatisticsSources, targets: Target[]): Promise<void> {
  const currency = src.lcyCurrencyId ? { 'transactioncurrencyid@odata.bind': bind('transactioncurrencies', src.lcyCurrencyId) } : {};
  // First upload: the row with every money column at 1, as BC creates it so Sales shows numbers; then the figures.
  const creates: WriteOp[] = targets
    .filter((t) => t.result === 'inserted')
    .map((t) => {
      const ones = Object.fromEntries([...MONEY.map(([dv]) => dv), ...SERVICE_MONEY].map((k) => [k, 1]));
      return { kind: 'create', id: t.statisticsId!, fields: { nav_name: t.name ?? '', nav_customerno: String(t.figures!.number ?? ''), ...ones, ...currency } };
    });
  await applyWrites(src.dataverse, STATISTICS_ROWS, targets, creates);
  const updates: WriteOp[] = targets
    .filter((t) => t.result === 'inserted' || t.result === 'modified')
    .map((t) => ({ kind: 'update', id: t.statisticsId!, fields: { ...wanted(t), ...(t.result === 'modified' ? currency : {}) } }));
  await applyWrites(src.dataverse, STATISTICS_ROWS, targets, updates);
  await linkAccounts(src, targets);
}

/** Writes; a target whose write failed is failed with the service's message. */
async function applyWrites(side: Side, table: SideTable, targets: Target[], ops: WriteOp[]): Promise<WriteResult[]> {
  if (ops.length === 0) return [];
  const results = await side.write(table, ops);
  const byId = new Map(targets.filter((t) => t.statisticsId).map((t) => [t.statisticsId!, t]));
  for (const r of results) {
    const t = byId.get(r.op.id);
    if (t && !r.ok) fail(t, r.error?.message ?? 'the write failed');
  }
  return results;
}

/**
 * Links each new statistics row from its account. Linking modifies the account: where the account was otherwise
 * unchanged since the CUSTOMER mapping last synchronized it, the coupling's Dataverse modified time moves to the
 * account's new one, so the next CUSTOMER run does not take the link for a change (docs/integration.md §8.5). An
 * account with changes the mapping has not synchronized yet is linked on a later run: the link, made by the
 * integration user, would otherwise hide those changes from the mapping's echo filter.
 */
async function linkAccounts(src: StatisticsSources, targets: Target[]): Promise<void> {
  const toLink = targets.filter((t) => t.link && (t.result === 'inserted' || t.result === 'modified' || t.result === 'unchanged'));
  const ready = toLink.filter((t) => {
    const pending = hasUnsyncedChanges(t.account!, t.coupling, src.integrationUserId);
    if (pending) t.message = 'the account has changes the CUSTOMER mapping has not synchronized yet; it is linked on a later run';
    return !pending;
  });
  const ops: WriteOp[] = ready.map((t) => ({
    kind: 'update',
    id: t.coupling.dataverseId,
    etag: t.account!.etag,
    fields: { 'nav_accountstatisticsid@odata.bind': bind(STATISTICS_ROWS.entitySet, t.statisticsId!) },
  }));
  const results = ops.length ? await src.dataverse.write(ACCOUNTS, ops) : [];
  results.forEach((r, i) => {
    const t = ready[i]!;
    if (!r.ok) {
      fail(t, `linking the account failed: ${r.error?.message ?? 'the write failed'}`);
      return;
    }
    src.state.update(CUSTOMER_MAPPING, t.coupling.bcId, {
      // The stored time is now our write's: a person's edit in the same second is told apart by its modifier.
      ...(r.record?.modifiedAt ? { dataverseModifiedAt: r.record.modifiedAt } : {}),
      extra: { [UPLOADED]: t.statisticsId!, ...(r.record?.modifiedAt ? { [WRITTEN_BY_US_KEY]: true } : {}) },
    });
  });
  // Rows already linked (an earlier run, or linked in Sales) are uploaded as well.
  for (const t of targets) {
    if (!t.link && t.result && t.result !== 'failed' && t.coupling.extra?.[UPLOADED] !== t.statisticsId) {
      src.state.update(CUSTOMER_MAPPING, t.coupling.bcId, { extra: { [UPLOADED]: t.statisticsId! } });
    }
  }
}

/**
 * Whether a Dataverse row has changes its mapping has not synchronized: modified by someone else after the stored
 * time, or in the same second as our own write (Dataverse times have whole seconds; src/engine/plan.ts).
 */
export function hasUnsyncedChanges(row: Rec, coupling: Coupling, integrationUserId: string): boolean {
  if (row.modifiedBy === integrationUserId) return false;
  const synced = coupling.dataverseModifiedAt;
  return synced === undefined || Date.parse(row.modifiedAt) > Date.parse(synced) || editedInSameSecond(row, coupling, integrationUserId);
}
