import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { defaultIntegrationOptions, type IntegrationOptions } from '../mapping/integration-options.js';
import { isValidProfileName } from './paths.js';

export const PROFILE_SCHEMA_VERSION = 1;
export const DEFAULT_SECRET_ENV = 'BCSYNC_CLIENT_SECRET';
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';

const integrationSchema = z.object({
  ownershipModel: z.enum(['person', 'team']),
  unitGroups: z.boolean(),
  pricing: z.enum(['groups', 'lists']),
  orderSync: z.enum(['off', 'legacy', 'bidirectional']),
  itemAvailability: z.boolean(),
  autoCreateOrders: z.boolean(),
  autoProcessQuotes: z.boolean(),
  enabled: z.boolean(),
}) satisfies z.ZodType<IntegrationOptions>;

/** A service URL: http(s) only (a typo like "htp:/" would otherwise reach the transport as origin "null"). */
const httpUrl = z.string().url().refine((u) => /^https?:\/\/[^/]/i.test(u), { message: 'not an http(s) URL (expected https://…)' });

export const profileSchema = z.object({
  schemaVersion: z.number().int().positive(),
  name: z.string(),
  bc: z.object({
    /** API v2.0 base: `.../v2.0/{tenant}/{environment}/api/v2.0`. */
    apiUrl: httpUrl,
    companyId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a company id (GUID)'),
    companyName: z.string(),
  }),
  dataverse: z.object({
    /** Environment URL, e.g. `https://org.crm.dynamics.com`. */
    url: httpUrl,
  }),
  auth: z
    .object({
      tenantId: z.string().min(1),
      authority: httpUrl,
      clientId: z.string().min(1),
      /** Name of the environment variable holding the client secret (the default, safe place). */
      clientSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
      /** Only when the user explicitly opted in to storing the secret in the profile. */
      clientSecret: z.string().min(1).optional(),
    })
    .refine((a) => a.clientSecretEnv !== undefined || a.clientSecret !== undefined, {
      message: 'needs clientSecretEnv (the environment variable holding the client secret) or an opted-in clientSecret',
    }),
  integration: integrationSchema,
  /** Per-mapping changes to the default integration table mappings (validated by the mapping layer). */
  mappingOverrides: z.record(z.string(), z.unknown()).default({}),
  /**
   * Safety valve for unattended runs: the default --max-changes / --max-deletes of sync and full-sync. And the
   * requests kept in flight: Dataverse when its answers carry no `x-ms-dop-hint` (1-52, default 52), Business
   * Central (1-5, default 5). And the most one request waits as the services' Retry-After tells it (1-1440
   * minutes, default 30): past it, the records of that request fail for this run and the next run writes them.
   */
  limits: z
    .object({
      maxChanges: z.number().int().nonnegative().optional(),
      maxDeletes: z.number().int().nonnegative().optional(),
      dataverseParallelRequests: z.number().int().min(1).max(52).optional(),
      bcParallelRequests: z.number().int().min(1).max(5).optional(),
      maxThrottleWaitMinutes: z.number().min(1).max(1440).optional(),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type Profile = z.infer<typeof profileSchema>;

export function newProfileDefaults(): Pick<Profile, 'integration' | 'mappingOverrides'> {
  return { integration: { ...defaultIntegrationOptions }, mappingOverrides: {} };
}

/** Parses profile JSON text; throws ConfigError naming the file and the problem. */
export function parseProfile(text: string, file: string): Profile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Profile ${file} is not valid JSON (${(error as Error).message}); fix or remove it and run "bcsync setup" again. The file was left as it is.`,
    );
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > PROFILE_SCHEMA_VERSION) {
    throw new ConfigError(
      `Profile ${file} was written by a newer bcsync (profile version ${version}, this one reads ${PROFILE_SCHEMA_VERSION}); upgrade bcsync or use another --profile. The file was left as it is.`,
    );
  }
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `Profile ${file} is invalid at "${issue.path.join('.') || '(root)'}": ${issue.message}; fix it or run "bcsync setup" again. The file was left as it is.`,
    );
  }
  return parsed.data;
}

/**
 * Profiles are stored with conf (atomic writes), one file per profile under `<home>/profiles/`,
 * created with mode 0600 because a profile may hold a secret when the user opted in.
 */
export class ProfileStore {
  constructor(readonly dir: string) {}

  file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  private conf(name: string): Conf<Record<string, unknown>> {
    if (!isValidProfileName(name)) {
      throw new ConfigError(`Profile name "${name}" is not valid; use letters, digits, ".", "_" or "-" (at most 64).`);
    }
    const file = this.file(name);
    return new Conf<Record<string, unknown>>({
      cwd: this.dir,
      configName: name,
      configFileMode: 0o600,
      accessPropertiesByDotNotation: false,
      serialize: (value) => JSON.stringify(value, null, 2) + '\n',
      // conf calls this on every read; validation failures surface as ConfigError and nothing is rewritten.
      deserialize: (text) => parseProfile(text, file) as unknown as Record<string, unknown>,
    });
  }

  exists(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  list(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
  }

  /** Loads and validates; ConfigError when missing, corrupt or newer. */
  load(name: string): Profile {
    if (!this.exists(name)) {
      const others = this.list();
      throw new ConfigError(
        `No profile "${name}" in ${this.dir}; run "bcsync setup${name === 'default' ? '' : ` --profile ${name}`}" first` +
          (others.length ? ` (existing profiles: ${others.join(', ')})` : '') +
          '.',
      );
    }
    return parseProfile(fs.readFileSync(this.file(name), 'utf8'), this.file(name));
  }

  save(profile: Profile): void {
    const checked = profileSchema.parse(profile);
    this.conf(profile.name).store = checked as unknown as Record<string, unknown>;
    // conf applies the mode on creation only; make sure an existing file is private too.
    fs.chmodSync(this.file(profile.name), 0o600);
  }
}
