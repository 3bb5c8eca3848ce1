import { randomBytes } from 'node:crypto';

/** What the token endpoint knows about an access token it issued. */
export interface IssuedToken {
  accessToken: string;
  clientId: string;
  /** Normalized resource (audience) the token is for, e.g. `https://api.businesscentral.dynamics.com`. */
  audience: string;
  /** Epoch ms, on the emulators' clock. */
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; clientId: string }
  | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'audience' };

/** Lower-cased, without trailing slashes: `https://org.crm.dynamics.com/` and `…//` name the same resource. */
export function normalizeAudience(resource: string): string {
  return resource.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * Opaque random bearer tokens (clients must not read them) and their audience, client and expiry.
 * The listener harness asks `check` on every API request.
 */
export class TokenRegistry {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly now: () => number) {}

  issue(clientId: string, audience: string, lifetimeSeconds: number): IssuedToken {
    this.purgeExpired();
    const token: IssuedToken = {
      accessToken: randomBytes(32).toString('base64url'),
      clientId,
      audience: normalizeAudience(audience),
      expiresAt: this.now() + lifetimeSeconds * 1000,
    };
    this.tokens.set(token.accessToken, token);
    return token;
  }

  /** Checks a raw `Authorization` header value for `audience`. */
  check(authorization: string | undefined, audience: string): TokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { ok: false, reason: 'missing' };
    const token = this.tokens.get(match[1]!);
    if (!token) return { ok: false, reason: 'unknown' };
    if (this.now() >= token.expiresAt) return { ok: false, reason: 'expired' };
    if (token.audience !== normalizeAudience(audience)) return { ok: false, reason: 'audience' };
    return { ok: true, clientId: token.clientId };
  }

  /** Forgets every token (e.g. to simulate a secret rotation). */
  revokeAll(): void {
    this.tokens.clear();
  }

  private purgeExpired(): void {
    // Keep the map bounded in long demo runs; an expired token answers 'unknown' afterwards, still a 401.
    if (this.tokens.size < 1024) return;
    const now = this.now();
    for (const [key, t] of this.tokens) if (now >= t.expiresAt) this.tokens.delete(key);
  }
}
