/**
 * Public contract of the emulators (`import { startEmulators } from 'bcsync/emulators'`).
 * Emulators are written from docs/protocols.md, never from the client code: they import
 * nothing from src/clients, src/engine or src/mapping.
 */

export type EmulatedApi = 'bc' | 'dataverse' | 'token';

/** Cost model: the emulator sleeps this long before answering (0 everywhere = no latency). */
export interface LatencyModel {
  /** Fixed cost of any request, ms. */
  baseMs: number;
  /** Extra cost per operation (each part of a $batch, each write), ms. */
  perOperationMs: number;
  /** Extra cost per row returned by a read, ms. */
  perRowMs: number;
}

export interface ServiceLimits {
  /** Requests processed at once. Dataverse: answered 429 beyond it; BC: queued beyond it. */
  concurrent: number;
  /** BC only: queued + processing beyond which requests get 429. */
  maxQueue?: number;
  /** Requests per window; beyond it 429 with Retry-After until the window frees up. 0 = unlimited. */
  requestsPerWindow: number;
  windowMs: number;
  /** Dataverse only: combined execution time (ms) of requests per window; counted in the lower bound. */
  executionMsPerWindow?: number;
  /**
   * Dataverse only: the degree of parallelism the `x-ms-dop-hint` response header recommends (the service sends
   * it on every answer; its value depends on the environment's resources). Default: `concurrent`.
   */
  dopHint?: number;
}

/**
 * `412` is a concurrent edit: just before one of our conditional writes (If-Match with an ETag) a person saves
 * the row without changing its data, so its version and ETag move and the write meets a stale ETag, answered as
 * the API answers one (Dataverse 412 Precondition Failed; Business Central 409 Request_EntityChanged). A re-read
 * gets the new ETag. The others answer the whole request at the gateway.
 */
export type FaultKind = '429' | '502' | '503' | '504' | 'reset' | 'slow' | '412';

export interface FaultRule {
  kind: FaultKind;
  /** Which API the rule applies to; all when omitted. */
  api?: EmulatedApi;
  /** Probability per request (0..1), drawn from the seeded generator; for `412`, per conditional write. */
  rate?: number;
  /** 1-based request numbers (per API, counting every request that API received) that get the fault (`412`: every conditional write in them). */
  requestNumbers?: number[];
  /** Retry-After seconds sent with 429/502/503 (default 1). */
  retryAfterSeconds?: number;
  /** Extra delay for 'slow', ms (default 2000). */
  slowMs?: number;
}

export type SeedName = 'demo' | 'empty' | `scale:${number}`;

export interface StartEmulatorsOptions {
  /** Port of the first listener (token); Dataverse gets port+1 and BC port+2. 0 = any free ports. */
  port?: number;
  host?: string;
  seed?: SeedName;
  /** Seed for the fault/jitter generator, so runs are repeatable (default 1). */
  randomSeed?: number;
  latency?: Partial<Record<'bc' | 'dataverse', Partial<LatencyModel>>> | false;
  limits?: Partial<Record<'bc' | 'dataverse', Partial<ServiceLimits>>> | false;
  faults?: FaultRule[];
  /** Access token lifetime in seconds (default 3599). */
  tokenLifetimeSeconds?: number;
  /** Time source of the emulators (token expiry, modifiedon, lastModifiedDateTime). */
  now?: () => number;
  /**
   * Waits of the cost model (and 'slow' faults) on the emulators' clock instead of real time, e.g. a test's virtual
   * clock: a request then executes for its modelled cost in that clock's time, and counts that toward the limits.
   */
  sleep?: (ms: number) => Promise<void>;
  /** How the emulated environments are set up, for trying what `bcsync doctor` and `setup` check. */
  scenario?: EmulatorScenario;
}

/**
 * How the application user holds its Dataverse security role: directly (default), only through a team,
 * or System Administrator (directly or through a team), which setup and doctor must refuse.
 */
export type ApplicationUserRoles = 'direct' | 'team' | 'system-administrator' | 'team-system-administrator';

export interface EmulatorScenario {
  /** Serve the `bcsync/integration/v1.0` namespace, as an installed companion extension does (default true). */
  customApi?: boolean;
  applicationUserRoles?: ApplicationUserRoles;
  /** ISO code of a seeded Dataverse currency to make the organization's base currency (e.g. EUR against BC's USD). */
  dataverseBaseCurrency?: string;
}

export interface RequestLogEntry {
  /** 1-based, per API. */
  seq: number;
  api: EmulatedApi;
  method: string;
  /** Path relative to the API base (e.g. `accounts`, `companies(<id>)/customers`, `$batch`). */
  path: string;
  /** Query string without the leading `?` ('' when none). */
  query: string;
  status: number;
  /** 1 for a plain request; the number of operations inside a $batch. */
  operations: number;
  /**
   * A `$batch`: how many requests of each method it carried (change sets included), whether executed or not;
   * a batch of GETs only is a read.
   */
  partMethods?: Record<string, number>;
  /** Rows returned by a read (0 for writes). */
  rows: number;
  /** Wall time the emulator took to answer, ms. */
  durationMs: number;
  /** Time the cost model charged for it, ms. */
  costMs: number;
  /** Fault injected or limit applied, if any. */
  fault?: FaultKind | 'throttled';
  /** The Retry-After (seconds) the answer carried (429, 502, 503): a retry must not start before it ran out. */
  retryAfterSeconds?: number;
  startedAt: number;
  /** The `$skiptoken` this read continued (a page after the first). */
  pageToken?: string;
  /** The `$skiptoken` of the `@odata.nextLink` it answered with: the next page cannot be asked for before this answer. */
  nextPageToken?: string;
}

export interface EmulatorStats {
  requests: Record<EmulatedApi, number>;
  operations: Record<EmulatedApi, number>;
  throttled: Record<EmulatedApi, number>;
  faults: Record<EmulatedApi, number>;
  /** Least wall time (ms) the cost model and limits allow for the work served so far, per API and overall. */
  lowerBoundMs: { bc: number; dataverse: number; total: number };
}

/** Direct, in-process access to an emulated system's data: for tests and the demo to play "a person edits a record". */
export interface EmulatorDataAccess {
  /** Entity set (Dataverse) or resource path under the company (BC, e.g. `customers`). */
  list(table: string): Record<string, unknown>[];
  get(table: string, id: string): Record<string, unknown> | undefined;
  /** Insert as a person (not the integration user); server-managed columns are set as the API would. */
  insert(table: string, record: Record<string, unknown>): Record<string, unknown>;
  /** Update as a person; bumps modifiedon/lastModifiedDateTime, version and ETag. */
  update(table: string, id: string, changes: Record<string, unknown>): Record<string, unknown>;
  remove(table: string, id: string): void;
  count(table: string): number;
  /**
   * A person runs an action on a record, as in the client (BC: `release`, `ship`, `invoice` of an order; the API's
   * bound actions, and the posting a person does that the API does not offer).
   */
  act?(table: string, id: string, action: string): void;
}

export interface RunningEmulators {
  bc: EmulatorDataAccess & {
    /** BC API base: `http://host:port/v2.0/{tenant}/{environment}/api/v2.0`. */
    url: string;
    /** Custom API base for what API v2.0 lacks: `http://host:port/v2.0/{tenant}/{environment}/api/bcsync/integration/v1.0`. */
    customUrl: string;
    tenantId: string;
    environment: string;
    companyId: string;
    companyName: string;
    /** Scope the token endpoint accepts for BC. */
    scope: string;
  };
  dataverse: EmulatorDataAccess & {
    /** Web API base: `http://host:port/api/data/v9.2`. */
    url: string;
    /** Environment URL (what a user types in setup): `http://host:port`. */
    orgUrl: string;
    /** systemuserid of the application user the credentials map to. */
    integrationUserId: string;
    scope: string;
  };
  /** `http://host:port/{tenant}/oauth2/v2.0/token`. */
  tokenUrl: string;
  /** `http://host:port` (the authority without the tenant). */
  authority: string;
  credentials: { tenantId: string; clientId: string; clientSecret: string };
  requestLog: RequestLogEntry[];
  stats(): EmulatorStats;
  /** Empties the request log and counters (not the data). */
  resetLog(): void;
  /** Replace the fault rules while running. */
  setFaults(faults: FaultRule[]): void;
  close(): Promise<void>;
}
