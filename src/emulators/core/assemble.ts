import { randomBytes } from 'node:crypto';
import type { EmulatedApiModule } from './api-module.js';
import { RequestLog } from './request-log.js';
import { createNamedRng } from './rng.js';
import { startApiServer, type ApiRoute, type RunningApiServer } from './server.js';
import { createTokenEndpoint } from '../token/endpoint.js';
import { TokenRegistry } from '../token/registry.js';
import type { BcSeed, DataverseSeed, SeedData } from '../seed/types.js';
import type {
  ApplicationUserRoles,
  EmulatorDataAccess,
  FaultRule,
  LatencyModel,
  RunningEmulators,
  SeedName,
  ServiceLimits,
  StartEmulatorsOptions,
} from '../types.js';

/**
 * A realistic cost model (what a cloud round trip roughly costs; not measured, chosen so that batches cost
 * more than one request but far less than their operations one by one). Off by default so tests stay fast.
 */
export const DEFAULT_LATENCY: Readonly<Record<'bc' | 'dataverse', Readonly<LatencyModel>>> = {
  dataverse: { baseMs: 25, perOperationMs: 3, perRowMs: 0.02 },
  bc: { baseMs: 40, perOperationMs: 8, perRowMs: 0.05 },
};

/** The documented service-protection limits (docs/protocols.md §5.2, §5.4). On by default. */
export const DEFAULT_LIMITS: Readonly<Record<'bc' | 'dataverse', Readonly<ServiceLimits>>> = {
  // 6,000 requests and 20 minutes of combined execution time per 5-minute sliding window; 52 concurrent requests per user.
  dataverse: { concurrent: 52, requestsPerWindow: 6000, windowMs: 300_000, executionMsPerWindow: 1_200_000 },
  // 6,000 requests per 5 minutes; 5 processed at once, 95 more may wait (100 connections).
  bc: { concurrent: 5, maxQueue: 95, requestsPerWindow: 6000, windowMs: 300_000 },
};

/** The Business Central resource every BC token is for, whatever the tenant. */
export const BC_RESOURCE = 'https://api.businesscentral.dynamics.com';

/** Fixed directory and application ids, so profiles written against the emulators stay valid across runs. */
export const EMULATOR_TENANT_ID = '5e3b2f0a-7c41-4d8e-9b6a-2f1c0d9e8a7b';
export const EMULATOR_CLIENT_ID = '0b7d4c2e-9a15-4f3b-8e6d-1c2a3b4d5e6f';
export const EMULATOR_ENVIRONMENT = 'production';

export interface EmulatorOptions extends StartEmulatorsOptions {
  /** Fixed credentials instead of the defaults (the secret is otherwise random per start). */
  credentials?: Partial<{ tenantId: string; clientId: string; clientSecret: string }>;
  /** Business Central environment name in the URL (default `production`). */
  environment?: string;
}

export type DataverseModule = EmulatedApiModule & { integrationUserId: string };
export type BcModule = EmulatedApiModule & { companyId: string; companyName: string };

/** How the emulated systems are built; `startEmulators` passes the real modules, tests may pass small ones. */
export interface EmulatorFactories {
  createDataverseModule(opts: {
    now: () => number;
    orgUrl: string;
    applicationClientId: string;
    seed: DataverseSeed;
    applicationUserRoles?: ApplicationUserRoles;
    baseCurrency?: string;
  }): DataverseModule;
  createBcModule(opts: { now: () => number; tenantId: string; environment: string; seed: BcSeed; customApi?: boolean }): BcModule;
  loadSeed(name: SeedName): SeedData;
}

function resolveLatency(opt: StartEmulatorsOptions['latency'], api: 'bc' | 'dataverse'): LatencyModel | undefined {
  // Absent or false: no latency. An entry for an API (even `{}`) switches on DEFAULT_LATENCY with its overrides.
  if (!opt) return undefined;
  const given = opt[api];
  if (!given) return undefined;
  return { ...DEFAULT_LATENCY[api], ...given };
}

function resolveLimits(opt: StartEmulatorsOptions['limits'], api: 'bc' | 'dataverse'): ServiceLimits | undefined {
  // Absent: the documented limits. false: none. An entry overrides single figures.
  if (opt === false) return undefined;
  return { ...DEFAULT_LIMITS[api], ...(opt?.[api] ?? {}) };
}

/** Exposes a module's data under stable functions (the module is built after its listener knows its port). */
function delegateData(data: () => EmulatorDataAccess): EmulatorDataAccess {
  return {
    list: (table) => data().list(table),
    get: (table, id) => data().get(table, id),
    insert: (table, record) => data().insert(table, record),
    update: (table, id, changes) => data().update(table, id, changes),
    remove: (table, id) => data().remove(table, id),
    count: (table) => data().count(table),
    act: (table, id, action) => {
      const d = data();
      if (!d.act) throw new Error('This emulator has no actions a person runs.');
      d.act(table, id, action);
    },
  };
}

/** A module stand-in for the listener until the real module exists. */
function deferredModule(get: () => EmulatedApiModule | undefined, api: string): EmulatedApiModule {
  const module = (): EmulatedApiModule => {
    const m = get();
    if (!m) throw new Error(`The ${api} emulator is still starting; retry in a moment.`);
    return m;
  };
  return {
    handler: (req) => module().handler(req),
    get data() {
      return module().data;
    },
    errorBody: (code, message) => module().errorBody(code, message),
    get errorCodes() {
      return module().errorCodes;
    },
  };
}

export async function startEmulatorSet(opts: EmulatorOptions, factories: EmulatorFactories): Promise<RunningEmulators> {
  const now = opts.now ?? (() => Date.now());
  const host = opts.host ?? '127.0.0.1';
  const basePort = opts.port ?? 0;
  const portFor = (offset: number): number => (basePort === 0 ? 0 : basePort + offset);
  const randomSeed = opts.randomSeed ?? 1;
  const tenantId = (opts.credentials?.tenantId ?? EMULATOR_TENANT_ID).toLowerCase();
  const clientId = (opts.credentials?.clientId ?? EMULATOR_CLIENT_ID).toLowerCase();
  const secret = opts.credentials?.clientSecret ?? randomBytes(30).toString('base64url');
  const environment = opts.environment ?? EMULATOR_ENVIRONMENT;
  const tokenLifetimeSeconds = opts.tokenLifetimeSeconds ?? 3599;
  const seed = factories.loadSeed(opts.seed ?? 'demo');

  const dvLimits = resolveLimits(opts.limits, 'dataverse');
  const bcLimits = resolveLimits(opts.limits, 'bc');
  const log = new RequestLog({ dataverse: dvLimits, bc: bcLimits });
  const tokens = new TokenRegistry(now);
  let faults: FaultRule[] = [...(opts.faults ?? [])];
  const currentFaults = (): readonly FaultRule[] => faults;

  const started: RunningApiServer[] = [];
  const closeStarted = async (): Promise<void> => {
    for (const s of started.splice(0)) await s.close();
  };

  try {
    // ---- Token endpoint (resources are filled in once the Dataverse listener knows its URL)
    const resources: string[] = [BC_RESOURCE];
    const tokenModule = createTokenEndpoint({
      tenantId,
      clients: [{ clientId, clientSecret: secret }],
      resources: () => resources,
      tokens,
      lifetimeSeconds: () => tokenLifetimeSeconds,
      now,
    });
    const tokenServer = await startApiServer({
      api: 'token',
      module: tokenModule,
      route: (pathname, origin) => {
        const path = pathname.replace(/^\/+/, '');
        return { path, baseUrl: origin, logPath: path };
      },
      faults: currentFaults,
      rng: createNamedRng(randomSeed, 'token'),
      log,
      now,
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      host,
      port: portFor(0),
      requestIdHeader: 'x-ms-request-id',
      odata: false,
    });
    started.push(tokenServer);
    const authority = tokenServer.origin;
    const authorizationUri = `${authority}/${tenantId}/oauth2/authorize`;

    // ---- Dataverse
    let dv: DataverseModule | undefined;
    let orgUrl = '';
    const dvServer = await startApiServer({
      api: 'dataverse',
      module: deferredModule(() => dv, 'Dataverse'),
      route: (pathname, origin): ApiRoute | undefined => {
        const m = /^\/api\/data\/(v9\.[012])(?:\/(.*))?$/.exec(pathname);
        if (!m) return undefined;
        const path = m[2] ?? '';
        return { path, baseUrl: `${origin}/api/data/${m[1]}`, logPath: path };
      },
      auth: {
        tokens,
        get audience() {
          return orgUrl;
        },
        userIdFor: () => dv?.integrationUserId ?? '',
        authorizationUri,
      },
      latency: resolveLatency(opts.latency, 'dataverse'),
      limits: dvLimits,
      concurrencyMode: 'reject',
      // 20 minutes of combined execution time per 5-minute window (docs/protocols.md §5.2).
      rateLimitHeaders: { executionMsPerWindow: dvLimits?.executionMsPerWindow ?? 1_200_000 },
      faults: currentFaults,
      rng: createNamedRng(randomSeed, 'dataverse'),
      editRng: createNamedRng(randomSeed, 'dataverse/412'),
      log,
      now,
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      host,
      port: portFor(1),
      requestIdHeader: 'x-ms-service-request-id',
    });
    started.push(dvServer);
    orgUrl = dvServer.origin;
    resources.push(orgUrl);
    dv = factories.createDataverseModule({
      now,
      orgUrl,
      applicationClientId: clientId,
      seed: seed.dataverse,
      ...(opts.scenario?.applicationUserRoles !== undefined ? { applicationUserRoles: opts.scenario.applicationUserRoles } : {}),
      ...(opts.scenario?.dataverseBaseCurrency !== undefined ? { baseCurrency: opts.scenario.dataverseBaseCurrency } : {}),
    });

    // ---- Business Central
    let bc: BcModule | undefined;
    const bcServer = await startApiServer({
      api: 'bc',
      module: deferredModule(() => bc, 'Business Central'),
      route: (pathname, origin): ApiRoute | undefined => {
        // `/v2.0/{tenant}/{environment}/api/...` or, tenant taken from the token, `/v2.0/{environment}/api/...`.
        const withTenant = /^\/v2\.0\/([^/]+)\/([^/]+)\/api\/(.*)$/.exec(pathname);
        const withoutTenant = withTenant ? undefined : /^\/v2\.0\/([^/]+)\/api\/(.*)$/.exec(pathname);
        let base: string;
        let env: string;
        let rest: string;
        if (withTenant) {
          if (withTenant[1]!.toLowerCase() !== tenantId) return undefined;
          env = withTenant[2]!;
          rest = withTenant[3]!;
          base = `${origin}/v2.0/${withTenant[1]}/${env}/api`;
        } else if (withoutTenant) {
          env = withoutTenant[1]!;
          rest = withoutTenant[2]!;
          base = `${origin}/v2.0/${env}/api`;
        } else {
          return undefined;
        }
        if (env.toLowerCase() !== environment.toLowerCase()) return undefined;
        // The log speaks paths relative to the API base the client used (`companies(…)/customers`, `$batch`).
        const logPath = rest.startsWith('v2.0/') ? rest.slice('v2.0/'.length) : rest === 'v2.0' ? '' : rest;
        return { path: rest, baseUrl: base, logPath };
      },
      auth: { tokens, audience: BC_RESOURCE, userIdFor: (id) => id, authorizationUri },
      latency: resolveLatency(opts.latency, 'bc'),
      limits: bcLimits,
      concurrencyMode: 'queue',
      faults: currentFaults,
      rng: createNamedRng(randomSeed, 'bc'),
      editRng: createNamedRng(randomSeed, 'bc/412'),
      log,
      now,
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      host,
      port: portFor(2),
      requestIdHeader: 'request-id',
    });
    started.push(bcServer);
    bc = factories.createBcModule({ now, tenantId, environment, seed: seed.bc, customApi: opts.scenario?.customApi ?? true });

    const dvModule = dv;
    const bcModule = bc;
    const bcApiRoot = `${bcServer.origin}/v2.0/${tenantId}/${environment}/api`;
    let closed = false;

    return {
      bc: {
        ...delegateData(() => bcModule.data),
        url: `${bcApiRoot}/v2.0`,
        customUrl: `${bcApiRoot}/bcsync/integration/v1.0`,
        tenantId,
        environment,
        companyId: bcModule.companyId,
        companyName: bcModule.companyName,
        scope: `${BC_RESOURCE}/.default`,
      },
      dataverse: {
        ...delegateData(() => dvModule.data),
        url: `${orgUrl}/api/data/v9.2`,
        orgUrl,
        integrationUserId: dvModule.integrationUserId,
        scope: `${orgUrl}/.default`,
      },
      tokenUrl: `${authority}/${tenantId}/oauth2/v2.0/token`,
      authority,
      credentials: { tenantId, clientId, clientSecret: secret },
      requestLog: log.entries,
      stats: () => log.stats(),
      resetLog: () => log.reset(),
      setFaults: (next) => {
        faults = [...next];
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await closeStarted();
      },
    };
  } catch (err) {
    await closeStarted();
    throw err;
  }
}
