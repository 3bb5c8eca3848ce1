/**
 * Steps the engine acceptance tests share: the order of mappings that works on the demo seed, mapping copies
 * for the scale seeds, and request counts read from the emulators' own log.
 */
import { matchBasedCoupling, type MatchReport } from '../../src/engine/match-coupling.js';
import { syncMapping } from '../../src/engine/run.js';
import type { MappingReport } from '../../src/engine/report.js';
import type { EmulatedApi, RequestLogEntry } from '../../src/emulators/index.js';
import type { IntegrationTableMapping } from '../../src/mapping/index.js';
import type { EngineHarness } from './engine-harness.js';

/** Mappings CUSTOMER looks up through (spec §4.4 order); the option mappings have no uncoupled duplicates. */
export const CUSTOMER_DEPENDENCIES = ['CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT'] as const;

/**
 * Tests that sync CUSTOMER of a scale seed without syncing SALESPEOPLE first (whose users the seed's salespeople
 * couple to by email) switch the owner field mappings off in a copy, as a profile override would. Currency, payment terms and shipment
 * method need no coupling there (local currency, blank codes).
 */
export const SCALE_CUSTOMER_DISABLED_FIELDS = ['owner', 'ownerType'] as const;

/** A copy of `m` with these field mappings disabled (the profile override `status: disabled`). */
export function withFieldsDisabled(m: IntegrationTableMapping, ids: readonly string[]): IntegrationTableMapping {
  const known = new Set(m.fields.map((f) => f.id));
  for (const id of ids) if (!known.has(id)) throw new Error(`mapping ${m.name} has no field mapping ${id}`);
  return { ...m, fields: m.fields.map((f) => (ids.includes(f.id) ? { ...f, status: 'disabled' as const } : f)) };
}

/** Fails with the record outcomes when a run had failures, so a broken setup step says what went wrong. */
export function expectClean(report: MappingReport): MappingReport {
  const bad = report.directions.reduce((n, d) => n + report.counts[d].failed + report.counts[d].skipped, 0);
  if (bad > 0) {
    throw new Error(`${report.mapping}: ${bad} records failed or were skipped: ${JSON.stringify(report.records.slice(0, 3))}`);
  }
  return report;
}

export interface DemoCustomerSetup {
  salespeople: MatchReport;
  customers: MatchReport;
  fullSync: MappingReport;
}

/** Reference data, salespeople and customers of the demo seed, as `bcsync full-sync` would run them after matching. */
export async function syncDemoReferenceData(h: EngineHarness): Promise<MatchReport> {
  for (const name of CUSTOMER_DEPENDENCIES) expectClean(await syncMapping(h.ctx, h.mapping(name), { full: true }));
  const salespeople = await matchBasedCoupling(h.ctx, h.mapping('SALESPEOPLE'), { fields: ['email'] });
  expectClean(await syncMapping(h.ctx, h.mapping('SALESPEOPLE'), { full: true }));
  return salespeople;
}

/** Full sync of CUSTOMER on the demo seed (after matching by name), followed by one settling run. */
export async function syncDemoCustomers(h: EngineHarness): Promise<DemoCustomerSetup> {
  const salespeople = await syncDemoReferenceData(h);
  const customers = await matchBasedCoupling(h.ctx, h.mapping('CUSTOMER'), { fields: ['name'] });
  const fullSync = expectClean(await syncMapping(h.ctx, h.mapping('CUSTOMER'), { full: true }));
  expectClean(await syncMapping(h.ctx, h.mapping('CUSTOMER'), {}));
  return { salespeople, customers, fullSync };
}

/** Requests per API in the emulators' log (optionally only those matching `where`). */
export function requestsBy(log: readonly RequestLogEntry[], api: EmulatedApi, where: (e: RequestLogEntry) => boolean = () => true): RequestLogEntry[] {
  return log.filter((e) => e.api === api && where(e));
}

/** "GET accounts?$filter=..." lines, for failure messages that show what was sent. */
export function describeRequests(entries: readonly RequestLogEntry[]): string[] {
  return entries.map((e) => `${e.method} ${e.path}${e.query ? '?' + decodeURIComponent(e.query).slice(0, 160) : ''} (${e.operations} ops)`);
}
