import { ConfigError } from '../errors.js';

/**
 * The service addresses a profile holds, normalized from what people paste (docs/protocols.md §1): the Business
 * Central API v2.0 base with tenant and environment, the Dataverse environment origin, the Entra authority.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isGuid(text: string): boolean {
  return GUID.test(text);
}

/** A directory (tenant) id: a GUID or a verified domain such as contoso.onmicrosoft.com. */
export function isTenantId(text: string): boolean {
  return GUID.test(text) || DOMAIN.test(text);
}

function parseHttpUrl(text: string, what: string, example: string): URL {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ConfigError(`The ${what} "${trimmed}" is not a URL; use e.g. ${example}.`);
  }
  if (url.protocol === 'http:') {
    // Access tokens travel with every request; plain HTTP is only acceptable to this machine (emulators).
    if (!LOOPBACK.has(url.hostname)) {
      throw new ConfigError(`The ${what} "${trimmed}" uses http; use https (plain http is accepted only for localhost).`);
    }
  } else if (url.protocol !== 'https:') {
    throw new ConfigError(`The ${what} "${trimmed}" is not an http(s) URL; use e.g. ${example}.`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`The ${what} must not contain a user name or password; bcsync signs in with the app registration.`);
  }
  return url;
}

export interface BcApiLocation {
  /** `{origin}/v2.0/{tenant}/{environment}/api/v2.0` */
  apiUrl: string;
  /** The tenant segment of the URL (a GUID or a domain). */
  tenant: string;
  environment: string;
}

const BC_EXAMPLE = 'https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>';

/**
 * Accepts `.../v2.0/{tenant}/{environment}` or `.../v2.0/{tenant}/{environment}/api/v2.0` (anything after
 * `api/v2.0`, such as `/companies`, is dropped) and returns the API v2.0 base.
 */
export function normalizeBcUrl(text: string): BcApiLocation {
  const url = parseHttpUrl(text, 'Business Central API URL', BC_EXAMPLE);
  const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  // The endpoint's own `v2.0` (not the `api/v2.0` of the API version).
  const version = segments.findIndex((s, i) => s === 'v2.0' && segments[i - 1] !== 'api');
  if (version < 0) {
    throw new ConfigError(`The Business Central API URL "${text.trim()}" has no /v2.0/ segment; use ${BC_EXAMPLE}.`);
  }
  let rest = segments.slice(version + 1);
  const api = rest.findIndex((s, i) => s === 'api' && rest[i + 1] === 'v2.0');
  if (api >= 0) rest = rest.slice(0, api);
  if (rest.length === 1) {
    throw new ConfigError(
      `The Business Central API URL "${text.trim()}" names no tenant; use the form with the tenant (an app-only token needs it): ${BC_EXAMPLE}.`,
    );
  }
  if (rest.length !== 2) {
    throw new ConfigError(`The Business Central API URL "${text.trim()}" is not of the form ${BC_EXAMPLE}[/api/v2.0].`);
  }
  const [tenant, environment] = rest as [string, string];
  if (!isTenantId(tenant)) {
    throw new ConfigError(`The tenant "${tenant}" in the Business Central API URL is neither a GUID nor a domain; use ${BC_EXAMPLE}.`);
  }
  const prefix = segments.slice(0, version).map(encodeURIComponent).join('/');
  const base = `${url.origin}${prefix ? `/${prefix}` : ''}/v2.0/${encodeURIComponent(tenant)}/${encodeURIComponent(environment)}`;
  return { apiUrl: `${base}/api/v2.0`, tenant, environment };
}

const DV_EXAMPLE = 'https://<org>.crm.dynamics.com';

/** The Dataverse environment origin, from the environment URL, the Web API URL or a browser address. */
export function normalizeDataverseUrl(text: string): string {
  const url = parseHttpUrl(text, 'Dataverse URL', DV_EXAMPLE);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '' || /^\/api\/data\/v9\.\d+$/i.test(path) || /^\/main\.aspx$/i.test(path)) return url.origin;
  throw new ConfigError(`The Dataverse URL "${text.trim()}" is not an environment URL; use ${DV_EXAMPLE} (without a path).`);
}

/** The Dataverse Web API base of an environment origin. */
export function dataverseApiUrl(origin: string): string {
  return `${origin.replace(/\/+$/, '')}/api/data/v9.2`;
}

/** The Entra authority without the tenant, e.g. `https://login.microsoftonline.com`. */
export function normalizeAuthority(text: string): string {
  const url = parseHttpUrl(text, 'authority', 'https://login.microsoftonline.com');
  if (url.search || url.hash) throw new ConfigError(`The authority "${text.trim()}" must not have a query; use e.g. https://login.microsoftonline.com.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export function isEnvVarName(text: string): boolean {
  return ENV_NAME.test(text);
}
