import type { Profile } from '../../config/profile.js';
import { MASK } from '../../clients/http/index.js';
import type { Output } from '../../io/output.js';
import { secretSourceOf, type SecretSource } from '../../app/connect.js';

/** A profile as it may be shown: a stored client secret is replaced by a mask. */
export function maskProfile(profile: Profile): Profile {
  const auth = { ...profile.auth };
  if (auth.clientSecret !== undefined) auth.clientSecret = MASK;
  return { ...profile, auth };
}

export function describeSecret(source: SecretSource): string {
  if (source.kind === 'profile') return `${MASK} (stored in the profile by opt-in)`;
  return `from environment variable ${source.variable} (${source.set ? 'set' : 'not set: export it before running bcsync'})`;
}

export interface ShowDocument {
  profile: Profile;
  file: string;
  clientSecret: SecretSource;
}

export function showDocument(profile: Profile, file: string, env: Record<string, string | undefined>): ShowDocument {
  return { profile: maskProfile(profile), file, clientSecret: secretSourceOf(profile.auth, env) };
}

const ORDER_SYNC_LABEL = { off: 'off', legacy: 'legacy (one-way)', bidirectional: 'bidirectional' } as const;

/** Aligned `key  value` lines on stdout. */
export function printProfile(out: Output, doc: ShowDocument): void {
  const p = doc.profile;
  const i = p.integration;
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  const rows: Array<[string, string]> = [
    ['profile', `${p.name} (${doc.file})`],
    ['connection', i.enabled ? 'enabled' : 'disabled'],
    ['business central', p.bc.apiUrl],
    ['company', `${p.bc.companyName} (${p.bc.companyId})`],
    ['dataverse', p.dataverse.url],
    ['tenant id', p.auth.tenantId],
    ['authority', p.auth.authority],
    ['client id', p.auth.clientId],
    ['client secret', describeSecret(doc.clientSecret)],
    ['ownership model', i.ownershipModel],
    ['unit groups', yesNo(i.unitGroups)],
    ['pricing', i.pricing === 'lists' ? 'price lists' : 'customer price groups and sales prices'],
    ['item availability', yesNo(i.itemAvailability)],
    ['order sync', ORDER_SYNC_LABEL[i.orderSync]],
    ['auto-create orders', yesNo(i.autoCreateOrders)],
    ['auto-process quotes', yesNo(i.autoProcessQuotes)],
    ['mapping overrides', Object.keys(p.mappingOverrides).length ? Object.keys(p.mappingOverrides).join(', ') : 'none'],
    ['updated', p.updatedAt],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out.line(`${k.padEnd(width)}  ${v}`);
}
