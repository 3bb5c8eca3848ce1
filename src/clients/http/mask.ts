/**
 * Masking for the --verbose dump. Tokens and client secrets must never reach a terminal or a log, so
 * everything the dump shows passes through here first.
 */

export const MASK = '***';

const SECRET_HEADER_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
/** Form fields, JSON properties and query parameters whose value is a credential. */
const SECRET_NAME = /secret|password|passwd|token|assertion|^code$|api[-_]?key|credential/i;
/** A JWT anywhere in free text (access tokens issued by Entra are JWTs). */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

export function isSecretName(name: string): boolean {
  // OData system query options ($skiptoken, $deltatoken) are paging cursors, not credentials.
  if (name.startsWith('$')) return false;
  return SECRET_NAME.test(name);
}

export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (SECRET_HEADER_NAMES.has(name.toLowerCase())) {
      const scheme = /^(\w+)\s+/.exec(value)?.[1];
      out[name] = scheme ? `${scheme} ${MASK}` : MASK;
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Replaces every occurrence of known secret values and anything that looks like a JWT. */
export function maskKnownSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(MASK);
  }
  return out.replace(JWT, MASK);
}

function maskForm(text: string): string {
  const params = new URLSearchParams(text);
  const parts: string[] = [];
  for (const [name, value] of params) {
    parts.push(`${encodeURIComponent(name)}=${isSecretName(name) ? MASK : encodeURIComponent(value)}`);
  }
  return parts.join('&');
}

function maskJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJsonValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = isSecretName(k) && (typeof v === 'string' || typeof v === 'number') ? MASK : maskJsonValue(v);
    }
    return out;
  }
  return value;
}

/** Masks a request or response body for display, by content type; truncated to `limit` characters. */
export function maskBody(
  body: string,
  contentType: string | undefined,
  secrets: Iterable<string>,
  limit = 4000,
): string {
  let out = body;
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) {
    out = maskForm(body);
  } else if (type.includes('json') || /^\s*[[{]/.test(body)) {
    try {
      out = JSON.stringify(maskJsonValue(JSON.parse(body)));
    } catch {
      // Not JSON after all (e.g. a multipart batch); the text masks below still apply.
    }
  }
  out = maskKnownSecrets(out, secrets);
  return out.length > limit ? `${out.slice(0, limit)}… (${out.length - limit} more characters)` : out;
}

/** Masks secret-looking query parameters of a URL. */
export function maskUrl(url: string, secrets: Iterable<string>): string {
  const q = url.indexOf('?');
  if (q < 0) return maskKnownSecrets(url, secrets);
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const name of [...params.keys()]) {
    if (isSecretName(name)) {
      params.set(name, MASK);
      changed = true;
    }
  }
  const masked = changed ? `${url.slice(0, q)}?${params.toString()}` : url;
  return maskKnownSecrets(masked, secrets);
}
