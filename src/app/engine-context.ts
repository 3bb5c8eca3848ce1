/**
 * Builds what the engine needs from the two clients: the Sides, the integration user, this company's
 * Dataverse company row, LCY and base currency, exchange rates, and the profile's mappings. Commands use it;
 * the engine itself never sees a client.
 */
import { z } from 'zod';
import type { BcClient } from '../clients/bc/client.js';
import type { DataverseClient, WhoAmI } from '../clients/dataverse/client.js';
import { odataString } from '../clients/odata/index.js';
import { salesSetup } from '../clients/bc/resources/salesSetup.js';
import type { Clock } from '../clock.js';
import type { EngineContext } from '../engine/run.js';
import { ConfigError } from '../errors.js';
import { applyOverrides, defaultMappings, mappingOverridesSchema } from '../mapping/index.js';
import type { IntegrationOptions, IntegrationTableMapping } from '../mapping/index.js';
import { BcSide } from '../sides/bc-side.js';
import { DataverseSide } from '../sides/dataverse-side.js';
import { checkBaseCurrency, ORGANIZATION_CURRENCY_QUERY, parseOrganizationCurrency, readBcLocalCurrency } from '../diagnostics/currency.js';
import { readExchangeRates } from '../diagnostics/exchange-rates.js';
import { readEnvironmentCache, writeEnvironmentCache, type IntentJournal, type StateStore } from '../state/index.js';

const loose = z.looseObject({});

/** The profile's integration table mappings: defaults for its options with its overrides applied. */
export function profileMappings(options: IntegrationOptions, overrides: unknown): IntegrationTableMapping[] {
  const parsed = mappingOverridesSchema.safeParse(overrides ?? {});
  if (!parsed.success) {
    throw new ConfigError(`The profile's mapping overrides are invalid (${parsed.error.issues[0]?.message}); run "bcsync mappings reset" to restore the defaults.`);
  }
  return applyOverrides(defaultMappings(options), parsed.data);
}

export interface EngineClients {
  bc: BcClient;
  dataverse: DataverseClient;
}

/** What a run needs to know about the two environments; cached beside the state (it rarely changes). */
export const environmentSchema = z.object({
  integrationUserId: z.string(),
  dataverseCompanyId: z.string().optional(),
  dataverseBaseCurrencyId: z.string().optional(),
  dataverseCurrencyPrecision: z.number().optional(),
  bcLcyCode: z.string(),
  exchangeRates: z.record(z.string(), z.number()),
  /** Sales & Receivables Setup's write-in product: never synchronized (docs/integration.md §8.1). */
  writeInProduct: z.object({ type: z.enum(['Item', 'Resource']), number: z.string() }).optional(),
  fetchedAt: z.number(),
  /** The connection it was read for (environmentKey): a cache read for another company is not used. */
  readFor: z.string().optional(),
});
export type Environment = z.infer<typeof environmentSchema>;

/** Refreshed after this long (exchange rates change daily; the rest almost never). */
const ENVIRONMENT_TTL_MS = 60 * 60 * 1000;

/** `who`: Dataverse's WhoAmI answer when the caller has just read it (setup's connection test). */
export async function fetchEnvironment(clients: EngineClients, companyName: string, now: number, who?: WhoAmI): Promise<Environment> {
  const { bc, dataverse } = clients;
  who ??= await dataverse.whoAmI();
  // Plain GETs (not a $batch, which is a POST): reading the environment is a read, in dry runs too.
  const companyRow = await (async () => {
    for await (const page of dataverse.list('cdm_companies', { select: ['cdm_companyid'], filter: `cdm_name eq ${odataString(companyName)}` }, loose)) {
      return page[0] as Record<string, unknown> | undefined;
    }
    return undefined;
  })().catch(() => undefined); // without the integration solution there is no company table: no company filter
  const org = await (async () => {
    const rows: unknown[] = [];
    for await (const page of dataverse.list('organizations', ORGANIZATION_CURRENCY_QUERY, loose)) rows.push(...page);
    return { value: rows };
  })().catch((error: Error) => {
    throw new ConfigError(`The Dataverse organization could not be read (${error.message.split('\n')[0]}); nothing was synchronized.`);
  });
  const orgCurrency = parseOrganizationCurrency(org);
  const lcy = await readBcLocalCurrency(bc);
  // Before anything is written: amounts in the wrong currency cannot be told apart afterwards.
  checkBaseCurrency(lcy, orgCurrency);
  const rates = await readExchangeRates(bc, now);
  const writeInProduct = await readWriteInProduct(bc);
  return {
    integrationUserId: who.UserId.toLowerCase(),
    dataverseCompanyId: companyRow ? String(companyRow.cdm_companyid) : undefined,
    dataverseBaseCurrencyId: orgCurrency.baseCurrencyId,
    dataverseCurrencyPrecision: orgCurrency.pricingDecimalPrecision,
    bcLcyCode: lcy,
    exchangeRates: rates,
    ...(writeInProduct ? { writeInProduct } : {}),
    fetchedAt: now,
  };
}

/** The write-in item or resource of Sales & Receivables Setup (custom API); none without the extension or setup. */
async function readWriteInProduct(bc: BcClient): Promise<Environment['writeInProduct']> {
  try {
    for await (const page of bc.list(salesSetup, { select: ['writeInProductType', 'writeInProductNumber'] })) {
      const row = page[0];
      const type = row?.writeInProductType?.trim();
      if (row && (type === 'Item' || type === 'Resource') && row.writeInProductNumber) return { type, number: row.writeInProductNumber };
      return undefined;
    }
  } catch {
    return undefined; // no companion extension: nothing is left out
  }
  return undefined;
}

/** Which connection an environment belongs to: the BC company and the Dataverse organization. */
export function environmentKey(profile: { bc: { apiUrl: string; companyId: string }; dataverse: { url: string } }): string {
  return [profile.bc.apiUrl, profile.bc.companyId, profile.dataverse.url].map((part) => part.toLowerCase()).join(' ');
}

/**
 * The cached environment of a state directory (through src/state, mode 0600), refreshed when stale, missing or
 * read for another connection (`readFor`, see environmentKey: setup may have switched the company).
 */
export async function loadEnvironment(clients: EngineClients, stateDir: string, companyName: string, now: number, readFor?: string): Promise<Environment> {
  const cached = environmentSchema.safeParse(await readEnvironmentCache(stateDir));
  if (cached.success && now - cached.data.fetchedAt < ENVIRONMENT_TTL_MS && cached.data.readFor === readFor) return cached.data;
  const fresh = await fetchEnvironment(clients, companyName, now);
  await saveEnvironment(stateDir, fresh, readFor);
  return fresh;
}

/** Caches an environment just read (by a run, or by setup right after its connection test). */
export async function saveEnvironment(stateDir: string, env: Environment, readFor?: string): Promise<void> {
  await writeEnvironmentCache(stateDir, { ...env, ...(readFor !== undefined ? { readFor } : {}) });
}

export function engineContext(
  clients: EngineClients,
  env: Environment,
  input: {
    state: StateStore;
    intents: IntentJournal;
    clock: Clock;
    mappings: IntegrationTableMapping[];
    signal?: AbortSignal;
    /** Requests in flight per service (the profile's `limits`). */
    parallel?: { bc?: number; dataverse?: number };
    /** Told when a run is found to be one Dataverse's execution budget will pace (`DataverseSide.expectCreates`). */
    onPaced?: () => void;
  },
): EngineContext {
  return {
    bc: new BcSide(clients.bc, { parallelRequests: input.parallel?.bc }),
    dataverse: new DataverseSide(clients.dataverse, { parallelRequests: input.parallel?.dataverse, onPaced: input.onPaced }),
    state: input.state,
    intents: input.intents,
    clock: input.clock,
    integrationUserId: env.integrationUserId,
    dataverseCompanyId: env.dataverseCompanyId,
    mappings: input.mappings,
    bcLcyCode: env.bcLcyCode,
    dataverseBaseCurrencyId: env.dataverseBaseCurrencyId,
    exchangeRates: new Map(Object.entries(env.exchangeRates)),
    dataverseCurrencyPrecision: env.dataverseCurrencyPrecision,
    writeInProduct: env.writeInProduct,
    signal: input.signal,
  };
}
