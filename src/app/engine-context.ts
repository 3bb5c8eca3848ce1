/**
 * Builds what the engine needs from the two clients: the Sides, the integration user, this company's
 * Dataverse company row, LCY and base currency, exchange rates, and the profile's mappings. Commands use it;
 * the engine itself never sees a client.
 */
import { z } from 'zod';
import type { BcClient } from '../clients/bc/client.js';
import type { BcResource } from '../clients/bc/resource.js';
import type { DataverseClient } from '../clients/dataverse/client.js';
import { odataString } from '../clients/odata/index.js';
import type { Clock } from '../clock.js';
import type { EngineContext } from '../engine/run.js';
import { ConfigError } from '../errors.js';
import { applyOverrides, defaultMappings, mappingOverridesSchema } from '../mapping/index.js';
import type { IntegrationOptions, IntegrationTableMapping } from '../mapping/index.js';
import { BcSide } from '../sides/bc-side.js';
import { DataverseSide } from '../sides/dataverse-side.js';
import { readEnvironmentCache, writeEnvironmentCache, type IntentJournal, type StateStore } from '../state/index.js';

const loose = z.looseObject({});

function resource(entitySet: string): BcResource {
  return { entitySet, custom: false, companyScoped: true, schema: z.looseObject({ id: z.string() }), alwaysPresent: ['id'] };
}

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
  fetchedAt: z.number(),
});
export type Environment = z.infer<typeof environmentSchema>;

/** Refreshed after this long (exchange rates change daily; the rest almost never). */
const ENVIRONMENT_TTL_MS = 60 * 60 * 1000;

export async function fetchEnvironment(clients: EngineClients, companyName: string, now: number): Promise<Environment> {
  const { bc, dataverse } = clients;
  const who = await dataverse.whoAmI();
  const [company, org] = await dataverse.batch(
    [
      { kind: 'raw', method: 'GET', path: `cdm_companies?$select=cdm_companyid&$filter=${encodeURIComponent(`cdm_name eq ${odataString(companyName)}`)}` },
      { kind: 'raw', method: 'GET', path: 'organizations?$select=_basecurrencyid_value,pricingdecimalprecision' },
    ],
    { continueOnError: true },
  );
  const first = (r: typeof company): Record<string, unknown> | undefined => {
    const value = r?.ok && r.body && typeof r.body === 'object' ? (r.body as { value?: unknown[] }).value : undefined;
    return Array.isArray(value) && value.length ? loose.parse(value[0]) : undefined;
  };
  const companyRow = first(company);
  const orgRow = first(org);
  let lcy = '';
  for await (const page of bc.list(resource('companyInformation'), { select: ['id', 'currencyCode'] })) {
    const row = page[0] as Record<string, unknown> | undefined;
    if (row && typeof row.currencyCode === 'string') lcy = row.currencyCode;
  }
  const rates: Record<string, number> = {};
  for await (const page of bc.list(resource('currencyExchangeRates'), {})) {
    for (const row of page as Record<string, unknown>[]) {
      const code = String(row.currencyCode ?? '').toUpperCase();
      const rate = Number(row.exchangeRateAmount ?? 0) / Number(row.relationalExchangeRateAmount ?? 1);
      if (code && Number.isFinite(rate) && rate > 0) rates[code] = rate;
    }
  }
  return {
    integrationUserId: who.UserId.toLowerCase(),
    dataverseCompanyId: companyRow ? String(companyRow.cdm_companyid) : undefined,
    dataverseBaseCurrencyId: typeof orgRow?._basecurrencyid_value === 'string' ? orgRow._basecurrencyid_value : undefined,
    dataverseCurrencyPrecision: typeof orgRow?.pricingdecimalprecision === 'number' ? orgRow.pricingdecimalprecision : undefined,
    bcLcyCode: lcy,
    exchangeRates: rates,
    fetchedAt: now,
  };
}

/** The cached environment of a state directory (through src/state, mode 0600), refreshed when stale or missing. */
export async function loadEnvironment(clients: EngineClients, stateDir: string, companyName: string, now: number): Promise<Environment> {
  const cached = environmentSchema.safeParse(await readEnvironmentCache(stateDir));
  if (cached.success && now - cached.data.fetchedAt < ENVIRONMENT_TTL_MS) return cached.data;
  const fresh = await fetchEnvironment(clients, companyName, now);
  await writeEnvironmentCache(stateDir, fresh);
  return fresh;
}

export function engineContext(
  clients: EngineClients,
  env: Environment,
  input: { state: StateStore; intents: IntentJournal; clock: Clock; mappings: IntegrationTableMapping[]; signal?: AbortSignal },
): EngineContext {
  return {
    bc: new BcSide(clients.bc),
    dataverse: new DataverseSide(clients.dataverse),
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
    signal: input.signal,
  };
}
