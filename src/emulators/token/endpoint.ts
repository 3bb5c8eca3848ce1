import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { EmulatedApiModule } from '../core/api-module.js';
import type { EmuRequest, EmuResponse } from '../core/http-types.js';
import type { EmulatorDataAccess } from '../types.js';
import { normalizeAudience, type TokenRegistry } from './registry.js';

/**
 * The Microsoft Entra ID v2.0 token endpoint, client-credentials grant only (docs/protocols.md §1):
 * `POST /{tenant}/oauth2/v2.0/token`, form-encoded `grant_type=client_credentials&client_id&client_secret&scope=<resource>/.default`.
 * Errors use Entra's body: `{error, error_description: 'AADSTSnnnn: …', error_codes: [n], timestamp, trace_id, correlation_id}`.
 */

export interface TokenClient {
  clientId: string;
  clientSecret: string;
}

export interface TokenEndpointOptions {
  tenantId: string;
  /** Registered applications (client id + secret). */
  clients: readonly TokenClient[];
  /**
   * Resources a token can be issued for (e.g. the Dataverse org URL, `https://api.businesscentral.dynamics.com`).
   * Read per request: the Dataverse URL is known only once its listener has a port.
   */
  resources: () => readonly string[];
  tokens: TokenRegistry;
  /** Access-token lifetime in seconds; read per request so it can change while running. */
  lifetimeSeconds: () => number;
  now: () => number;
}

interface EntraError {
  status: number;
  error: string;
  code: number;
  message: string;
}

function entraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** Entra's error body; the description ends with the trace/correlation ids and timestamp, as Entra writes it. */
export function entraErrorBody(now: number, error: string, code: number, message: string): object {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = entraTimestamp(now);
  return {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const NO_DATA: EmulatorDataAccess = {
  list: () => [],
  get: () => undefined,
  insert: () => {
    throw new Error('The token endpoint holds no records.');
  },
  update: () => {
    throw new Error('The token endpoint holds no records.');
  },
  remove: () => {
    throw new Error('The token endpoint holds no records.');
  },
  count: () => 0,
};

export type TokenEndpointModule = EmulatedApiModule;

export function createTokenEndpoint(opts: TokenEndpointOptions): TokenEndpointModule {
  const fail = (e: EntraError): EmuResponse => ({
    status: e.status,
    headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
    body: entraErrorBody(opts.now(), e.error, e.code, e.message),
  });

  const handler = (req: EmuRequest): EmuResponse => {
    const match = /^([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path);
    if (!match) {
      return fail({
        status: 404,
        error: 'invalid_request',
        code: 900561,
        message: `There is no endpoint at '/${req.path}'; the token endpoint is '/{tenant}/oauth2/v2.0/token'.`,
      });
    }
    const tenant = match[1]!;
    if (req.method !== 'POST') {
      return fail({
        status: 400,
        error: 'invalid_request',
        code: 900561,
        message: `The endpoint only accepts POST requests. Received a ${req.method} request.`,
      });
    }
    if (tenant.toLowerCase() !== opts.tenantId.toLowerCase()) {
      return fail({
        status: 400,
        error: 'invalid_request',
        code: 90002,
        message: `Tenant '${tenant}' not found. Check that the tenant id in the token URL is your directory (tenant) id.`,
      });
    }
    // Only form-encoded bodies are read; anything else looks like a request without parameters, as Entra treats it.
    const contentType = req.headers['content-type'] ?? '';
    const form = contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(req.body.toString('utf8'))
      : new URLSearchParams();

    const grantType = form.get('grant_type');
    if (!grantType) {
      return fail({ status: 400, error: 'invalid_request', code: 900144, message: "The request body must contain the following parameter: 'grant_type'." });
    }
    if (grantType !== 'client_credentials') {
      return fail({
        status: 400,
        error: 'unsupported_grant_type',
        code: 70003,
        message: `The app requested an unsupported grant type '${grantType}'; this endpoint issues tokens for grant_type=client_credentials.`,
      });
    }

    // client_secret_basic (Authorization: Basic) or client_secret_post (form fields).
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers['authorization'] ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        clientId ??= decodeURIComponent(decoded.slice(0, colon));
        clientSecret ??= decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    if (!clientId) {
      return fail({ status: 400, error: 'invalid_request', code: 900144, message: "The request body must contain the following parameter: 'client_id'." });
    }
    const client = opts.clients.find((c) => c.clientId.toLowerCase() === clientId!.toLowerCase());
    if (!client) {
      return fail({
        status: 400,
        error: 'unauthorized_client',
        code: 700016,
        message: `Application with identifier '${clientId}' was not found in the directory '${opts.tenantId}'. Check the client (application) id and that the app is registered in this tenant.`,
      });
    }
    if (!clientSecret) {
      return fail({
        status: 401,
        error: 'invalid_client',
        code: 7000216,
        message: "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      });
    }
    if (!sameSecret(clientSecret, client.clientSecret)) {
      return fail({
        status: 401,
        error: 'invalid_client',
        code: 7000215,
        message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
      });
    }

    const scope = form.get('scope');
    if (!scope) {
      return fail({ status: 400, error: 'invalid_request', code: 900144, message: "The request body must contain the following parameter: 'scope'." });
    }
    const scopes = scope.trim().split(/\s+/);
    const resourceScope = scopes.find((s) => s !== 'offline_access' && s !== 'openid' && s !== 'profile');
    if (scopes.length !== 1 || !resourceScope || !resourceScope.endsWith('/.default')) {
      return fail({
        status: 400,
        error: 'invalid_scope',
        code: 70011,
        message: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. Client credential flows must have a single scope value with /.default suffixed to the resource identifier (application ID URI).`,
      });
    }
    // `<org>/.default` and the documented `<org>//.default` both name the resource `<org>`.
    const audience = normalizeAudience(resourceScope.slice(0, -'/.default'.length));
    const resources = new Map(opts.resources().map((r) => [normalizeAudience(r), r]));
    if (!resources.has(audience)) {
      return fail({
        status: 400,
        error: 'invalid_scope',
        code: 70011,
        message: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} does not name a resource this tenant knows (expected one of: ${[...resources.values()].map((r) => `${r}/.default`).join(', ')}).`,
      });
    }
    const lifetime = opts.lifetimeSeconds();
    const token = opts.tokens.issue(client.clientId, audience, lifetime);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
      body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token.accessToken },
    };
  };

  return {
    handler,
    data: NO_DATA,
    // Harness-made answers (injected faults) in Entra's shape.
    // AADSTS50000 is Entra's generic token-issuance failure.
    errorBody: (code, message) => entraErrorBody(opts.now(), code, 50000, message),
    errorCodes: {
      unauthorized: 'invalid_client',
      rateLimited: 'temporarily_unavailable',
      concurrencyLimited: 'temporarily_unavailable',
      unavailable: 'temporarily_unavailable',
      notFound: 'invalid_request',
      internal: 'server_error',
    },
  };
}
