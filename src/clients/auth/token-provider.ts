import { z } from 'zod';
import { systemClock, type Clock } from '../../clock.js';
import { ApiError, AuthError } from '../../errors.js';
import { HttpTransport, type AuthHook } from '../http/transport.js';

/**
 * OAuth 2.0 client credentials against Microsoft Entra ID (docs/protocols.md §1): one form POST to
 * `{authority}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, `client_id`, `client_secret`
 * and `scope=<resource>/.default`.
 *
 * Why not @azure/msal-node: MSAL insists on an HTTPS authority and performs instance discovery against
 * login.microsoftonline.com before it will request a token. The embedded emulators (bcsync demo, sandbox,
 * tests) serve the token endpoint over loopback HTTP and cannot answer instance discovery, so MSAL cannot
 * talk to them. The flow itself is one documented request, so we implement it here, with the caching and
 * single-flight behaviour MSAL would have given us.
 */

/** What the API clients need from any token source. */
export interface TokenSource {
  getToken(scope: string): Promise<string>;
  /** Drops the cached token for `scope` (only if it still is `token`, when given). */
  invalidate(scope: string, token?: string): void;
}

export interface ClientCredentialsOptions {
  /** Full token URL. Alternatively give `authority` (default https://login.microsoftonline.com) and `tenantId`. */
  tokenUrl?: string;
  authority?: string;
  tenantId?: string;
  clientId: string;
  clientSecret: string;
  clock?: Clock;
  /** Transport for the token endpoint (api 'token'); default: an own one. */
  transport?: HttpTransport;
  /** Refresh this long before expiry, ms. Default: 10% of the token's lifetime, at most 5 minutes. */
  refreshMarginMs?: number;
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number),
  token_type: z.string().optional(),
});

const tokenErrorSchema = z.looseObject({
  error: z.string().optional(),
  error_description: z.string().optional(),
  error_codes: z.array(z.number()).optional(),
  trace_id: z.string().optional(),
  correlation_id: z.string().optional(),
});

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

const FIVE_MINUTES = 5 * 60_000;

export class ClientCredentialsTokenProvider implements TokenSource {
  readonly tokenUrl: string;
  private readonly clientId: string;
  private readonly secret: string;
  private readonly tenantLabel: string;
  private readonly clock: Clock;
  private readonly transport: HttpTransport;
  private readonly ownsTransport: boolean;
  private readonly refreshMarginMs: number | undefined;
  private readonly cache = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  private tokenRequests = 0;

  constructor(options: ClientCredentialsOptions) {
    if (options.tokenUrl) {
      this.tokenUrl = options.tokenUrl;
    } else if (options.tenantId) {
      const authority = (options.authority ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
      this.tokenUrl = `${authority}/${encodeURIComponent(options.tenantId)}/oauth2/v2.0/token`;
    } else {
      throw new AuthError('No token endpoint configured: set the tenant id (or a full token URL) in the profile.');
    }
    if (!options.clientId) throw new AuthError('No client id configured: set the client id (application id) in the profile.');
    if (!options.clientSecret) throw new AuthError('No client secret configured: set the client secret in the profile.');
    this.clientId = options.clientId;
    this.secret = options.clientSecret;
    this.tenantLabel = options.tenantId ?? new URL(this.tokenUrl).pathname.split('/').filter(Boolean)[0] ?? '(unknown)';
    this.clock = options.clock ?? systemClock;
    this.ownsTransport = options.transport === undefined;
    this.transport = options.transport ?? new HttpTransport({ api: 'token', clock: this.clock });
    this.transport.addSecret(this.secret);
    this.refreshMarginMs = options.refreshMarginMs;
  }

  /** Token requests sent so far (one per scope per expiry when things go well). */
  get requestsMade(): number {
    return this.tokenRequests;
  }

  async getToken(scope: string): Promise<string> {
    const cached = this.cache.get(scope);
    const now = this.clock.now();
    if (cached && now < cached.refreshAt) return cached.token;
    // Single flight: every caller waiting for this scope shares one token request.
    const inFlight = this.pending.get(scope);
    if (inFlight) return inFlight;
    const request = this.fetchToken(scope, cached).finally(() => this.pending.delete(scope));
    this.pending.set(scope, request);
    return request;
  }

  invalidate(scope: string, token?: string): void {
    const cached = this.cache.get(scope);
    if (cached && (token === undefined || cached.token === token)) this.cache.delete(scope);
  }

  /** An AuthHook for the HTTP transport: `Bearer <token>` for `scope`, refreshed once on a 401. */
  authFor(scope: string): AuthHook {
    return bearerAuth(this, scope);
  }

  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  private async fetchToken(scope: string, previous: CachedToken | undefined): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.clientId,
      client_secret: this.secret,
      scope,
    });
    this.tokenRequests += 1;
    let res;
    try {
      res = await this.transport.request({
        method: 'POST',
        url: this.tokenUrl,
        kind: 'token',
        idempotent: true,
        auth: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
      });
    } catch (err) {
      // An early refresh that fails in transit keeps using the token that is still valid.
      if (previous && this.clock.now() < previous.expiresAt) return previous.token;
      throw err;
    }
    if (res.status >= 200 && res.status < 300) {
      let parsed: z.infer<typeof tokenResponseSchema>;
      try {
        parsed = tokenResponseSchema.parse(res.json());
      } catch {
        throw new AuthError(
          `The token endpoint (${this.tokenUrl}) answered without an access token: check the token URL / tenant id.`,
          { status: res.status },
        );
      }
      const lifetimeMs = parsed.expires_in * 1000;
      const margin = this.refreshMarginMs ?? Math.min(FIVE_MINUTES, lifetimeMs / 10);
      const now = this.clock.now();
      this.transport.addSecret(parsed.access_token);
      this.cache.set(scope, { token: parsed.access_token, expiresAt: now + lifetimeMs, refreshAt: now + lifetimeMs - margin });
      return parsed.access_token;
    }
    if (res.status >= 500 || res.status === 429) {
      if (previous && this.clock.now() < previous.expiresAt) return previous.token;
      throw new ApiError(
        `The token endpoint (${this.tokenUrl}) is unavailable (HTTP ${res.status}); try again later.`,
        'token',
        res.status,
        undefined,
        res.headers['x-ms-request-id'],
      );
    }
    throw this.refusal(res.status, safeJson(res.text()), scope, res.headers['x-ms-request-id']);
  }

  private refusal(status: number, body: unknown, scope: string, headerRequestId: string | undefined): AuthError {
    const parsed = tokenErrorSchema.safeParse(body);
    const info = parsed.success ? parsed.data : {};
    const description = firstLine(info.error_description ?? '').split(this.secret).join('***');
    const aadsts = /AADSTS(\d+)/.exec(description)?.[0] ?? (info.error_codes?.[0] !== undefined ? `AADSTS${info.error_codes[0]}` : undefined);
    const code = aadsts ?? info.error ?? `HTTP ${status}`;
    const details = { status, serviceCode: code, requestId: info.correlation_id ?? info.trace_id ?? headerRequestId };
    const said = description ? `: ${description}` : '';
    let advice: string;
    switch (aadsts) {
      case 'AADSTS7000215':
      case 'AADSTS7000222':
      case 'AADSTS7000218':
        advice = `check the client secret (it is wrong or expired; create a new one under the app registration's "Certificates & secrets" and update the profile)`;
        break;
      case 'AADSTS700016':
        advice = `check the client id (${this.clientId} is not an application registered in tenant ${this.tenantLabel})`;
        break;
      case 'AADSTS90002':
      case 'AADSTS900023':
      case 'AADSTS90013':
        advice = `check the tenant id (${this.tenantLabel} was not found)`;
        break;
      case 'AADSTS70011':
      case 'AADSTS500011':
      case 'AADSTS1002012':
        advice = `check the service URL the scope was built from (${scope} was refused)`;
        break;
      case 'AADSTS7000112':
        advice = 'check that the app registration is enabled in the tenant';
        break;
      default:
        if (info.error === 'invalid_scope') {
          advice = `check the service URL the scope was built from (${scope} was refused)`;
        } else if (info.error === 'invalid_client' || info.error === 'unauthorized_client') {
          advice = 'check the client id and the client secret';
        } else if (status === 404) {
          advice = `check the tenant id and the token URL (${this.tokenUrl} was not found)`;
        } else {
          advice = 'check the tenant id, client id and client secret';
        }
    }
    return new AuthError(`Sign-in refused (${code}): ${advice}.${said ? ` The identity provider said${said}` : ''}`, details);
  }
}

/** Bearer auth for one scope of any TokenSource. */
export function bearerAuth(tokens: TokenSource, scope: string): AuthHook {
  return {
    authorization: async () => `Bearer ${await tokens.getToken(scope)}`,
    invalidate: (authorization) => tokens.invalidate(scope, authorization.replace(/^Bearer\s+/i, '')),
  };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]?.trim() ?? '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
