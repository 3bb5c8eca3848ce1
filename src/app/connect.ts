import { BcClient, type BcClientOptions } from '../clients/bc/index.js';
import { ClientCredentialsTokenProvider, type TokenSource } from '../clients/auth/index.js';
import { DataverseClient, type DataverseClientOptions } from '../clients/dataverse/index.js';
import { HttpTransport, type RequestEvent } from '../clients/http/index.js';
import type { Clock } from '../clock.js';
import type { MemoryPolicy } from '../deps.js';
import { DEFAULT_SECRET_ENV, type Profile } from '../config/profile.js';
import { dataverseApiUrl } from '../config/urls.js';
import { AuthError, ConfigError } from '../errors.js';

/**
 * Builds the API clients of a profile: one token provider (client credentials against the profile's authority
 * and tenant, tokens cached per resource), a Business Central client scoped to the profile's company and a
 * Dataverse client. Every command that talks to the services goes through here, so secret resolution and the
 * masked --verbose dump behave the same everywhere.
 */

/** What connectProfile needs of a profile (setup connects before a company is chosen). */
export interface ConnectableProfile {
  name?: string;
  bc: { apiUrl: string; companyId?: string };
  dataverse: { url: string };
  auth: Profile['auth'];
  /** The bound on Retry-After-directed waits (`maxThrottleWaitMinutes`) is read here. */
  limits?: Profile['limits'];
}

export interface ConnectDeps {
  env: Record<string, string | undefined>;
  /** Where the masked --verbose request dump goes (the command's output); the wiring itself never prints. */
  out: { readonly verbose: boolean; debug(text: string): void };
  clock: Clock;
  /** Told when either service begins to pace the run (see memory-policy.ts). */
  memory?: MemoryPolicy;
}

export interface ConnectOptions {
  /** Use this secret instead of the profile's (setup: the one just typed, before anything is stored). */
  clientSecret?: string;
  /** Where `clientSecret` came from, a phrase following "the client secret" (e.g. `you entered`); never the value. */
  clientSecretSource?: string;
  /** Also called with every (masked) request event, e.g. to count requests. */
  onRequest?: (event: RequestEvent) => void;
  /** Dump every request to stderr (default: the --verbose flag). */
  verbose?: boolean;
  bc?: Pick<BcClientOptions, 'maxPageSize' | 'batchSize'>;
  dataverse?: Pick<DataverseClientOptions, 'maxPageSize' | 'batchSize'>;
}

/** Client-credentials tokens, cached per resource; refusals name where the secret came from. */
export interface ConnectionTokens extends TokenSource {
  /** Token requests sent so far. */
  readonly requestsMade: number;
}

export interface Connection {
  tokens: ConnectionTokens;
  /** Scoped to the profile's company when it has one. */
  bc: BcClient;
  dataverse: DataverseClient;
  /** Where the secret came from, a phrase that follows "the client secret": `in environment variable X`, `stored in the profile`. */
  secretSource: string;
  close(): Promise<void>;
}

export type SecretSource =
  | { kind: 'env'; variable: string; set: boolean }
  | { kind: 'profile' };

/** Where a profile's client secret lives (never the secret itself). */
export function secretSourceOf(auth: Profile['auth'], env: Record<string, string | undefined>): SecretSource {
  if (auth.clientSecret !== undefined) return { kind: 'profile' };
  const variable = auth.clientSecretEnv ?? DEFAULT_SECRET_ENV;
  return { kind: 'env', variable, set: Boolean(env[variable]) };
}

export function describeSecretSource(source: SecretSource): string {
  return source.kind === 'profile' ? 'stored in the profile' : `in environment variable ${source.variable}`;
}

/** The client secret of a profile: the opted-in stored one, else the referenced environment variable. */
export function resolveClientSecret(profile: ConnectableProfile, env: Record<string, string | undefined>): string {
  if (profile.auth.clientSecret) return profile.auth.clientSecret;
  const variable = profile.auth.clientSecretEnv ?? DEFAULT_SECRET_ENV;
  const value = env[variable];
  if (!value) {
    const which = profile.name ? `profile "${profile.name}"` : 'this profile';
    throw new ConfigError(
      `Environment variable ${variable} is not set: export the client secret of the app registration in ${variable} (${which} reads it from there) and run again.`,
    );
  }
  return value;
}

const SECRET_REFUSED = new Set(['AADSTS7000215', 'AADSTS7000222', 'AADSTS7000218', 'AADSTS7000216']);

/** The identity provider refused the client secret (wrong, expired, or the secret's id instead of its value). */
export function isSecretRefused(error: unknown): boolean {
  return error instanceof AuthError && error.details.serviceCode !== undefined && SECRET_REFUSED.has(error.details.serviceCode);
}

/**
 * Re-words a sign-in refusal so its first line names the setting to check: for a refused secret, where the
 * secret came from (the environment variable's name, never the value).
 */
export function explainSignInError(error: unknown, secretSource: string): unknown {
  if (!(error instanceof AuthError)) return error;
  const code = error.details.serviceCode;
  if (code !== undefined && SECRET_REFUSED.has(code)) {
    return new AuthError(
      `The client secret was refused (${code}): check the client secret ${secretSource} (it is wrong or expired; the value, not the secret id, of a secret under the app registration's "Certificates & secrets").`,
      error.details,
      { cause: error },
    );
  }
  return error;
}

/** One masked request as the --verbose dump shows it. */
export function formatRequestEvent(e: RequestEvent): string {
  const outcome = e.status !== undefined ? String(e.status) : `failed: ${e.error ?? 'no answer'}`;
  const next = e.next === 'return' || e.next === 'throw' ? '' : ` -> ${e.next}${e.waitMs !== undefined ? ` in ${e.waitMs} ms` : ''}`;
  const lines = [`[${e.api}] ${e.method} ${e.url} ${outcome} (${e.durationMs} ms, attempt ${e.attempt})${next}`];
  for (const [name, value] of Object.entries(e.requestHeaders)) lines.push(`  > ${name}: ${value}`);
  if (e.requestBody) lines.push(`  > ${e.requestBody}`);
  for (const [name, value] of Object.entries(e.responseHeaders ?? {})) lines.push(`  < ${name}: ${value}`);
  if (e.responseBody) lines.push(`  < ${e.responseBody}`);
  return lines.join('\n');
}

export function connectProfile(deps: ConnectDeps, profile: ConnectableProfile, options: ConnectOptions = {}): Connection {
  const secret = options.clientSecret ?? resolveClientSecret(profile, deps.env);
  const source =
    options.clientSecret !== undefined
      ? (options.clientSecretSource ?? 'you entered')
      : describeSecretSource(secretSourceOf(profile.auth, deps.env));
  const verbose = options.verbose ?? deps.out.verbose;
  // The hook only when someone reads it: with it, every request and response body is masked (re-parsed), which
  // costs a good share of a large sync's CPU for a dump nobody asked for.
  const listener = options.onRequest;
  const onRequest =
    verbose || listener
      ? (event: RequestEvent): void => {
          if (verbose) deps.out.debug(formatRequestEvent(event));
          listener?.(event);
        }
      : undefined;
  const maxThrottleWaitMinutes = profile.limits?.maxThrottleWaitMinutes;
  const retry = maxThrottleWaitMinutes !== undefined ? { retry: { maxThrottleWaitMs: Math.round(maxThrottleWaitMinutes * 60_000) } } : {};
  const memory = deps.memory;
  const onPaused = memory ? { onPaused: () => memory.servicePaced() } : {};
  const http = { ...(onRequest ? { onRequest } : {}), ...retry, ...onPaused, secrets: [secret] };
  const tokenTransport = new HttpTransport({ api: 'token', clock: deps.clock, ...http });
  const tokens = new ClientCredentialsTokenProvider({
    authority: profile.auth.authority,
    tenantId: profile.auth.tenantId,
    clientId: profile.auth.clientId,
    clientSecret: secret,
    clock: deps.clock,
    transport: tokenTransport,
  });
  // Refusals surface from any first request; make each one name where the secret came from.
  const explainingTokens: ConnectionTokens = {
    get requestsMade() {
      return tokens.requestsMade;
    },
    getToken: async (scope: string): Promise<string> => {
      try {
        return await tokens.getToken(scope);
      } catch (error) {
        throw explainSignInError(error, source);
      }
    },
    invalidate: (scope: string, token?: string): void => tokens.invalidate(scope, token),
  };
  const bcBase = new BcClient({ url: profile.bc.apiUrl, tokens: explainingTokens, clock: deps.clock, http, ...options.bc });
  const bc = profile.bc.companyId ? bcBase.withCompany(profile.bc.companyId) : bcBase;
  const dataverse = new DataverseClient({
    url: dataverseApiUrl(profile.dataverse.url),
    tokens: explainingTokens,
    clock: deps.clock,
    http,
    ...options.dataverse,
  });
  let closed = false;
  return {
    tokens: explainingTokens,
    bc,
    dataverse,
    secretSource: source,
    async close() {
      if (closed) return;
      closed = true;
      // bc shares bcBase's transport; closing it once is enough.
      await Promise.allSettled([bcBase.close(), dataverse.close(), tokenTransport.close()]);
    },
  };
}
