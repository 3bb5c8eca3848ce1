/**
 * Defence in depth for files bcsync keeps: callers never pass secrets, but an API error text may quote a
 * header or a token endpoint answer. Anything that looks like a credential is replaced before it is
 * written to the state or the sync log.
 */

const MASK = '***';

const PATTERNS: [RegExp, string][] = [
  // Authorization: Bearer <token> / Basic <credentials>
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${MASK}`],
  // JWTs (access tokens, id tokens): three base64url parts, the first starting with {"
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, MASK],
  // key=value / "key":"value" for the usual secret names
  [
    /\b(client_secret|clientSecret|access_token|accessToken|refresh_token|refreshToken|id_token|password|client_assertion|secret)(["']?\s*[:=]\s*["']?)([^"'&\s,;}]+)/gi,
    `$1$2${MASK}`,
  ],
];

export function maskSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
