import { Option, type Command } from 'commander';
import type { CompaniesRow } from '../../clients/bc/index.js';
import { parseConnectionString, type ParsedConnectionString } from '../../config/connection-string.js';
import { DEFAULT_AUTHORITY, DEFAULT_SECRET_ENV, PROFILE_SCHEMA_VERSION, type Profile } from '../../config/profile.js';
import {
  isEnvVarName,
  isGuid,
  isTenantId,
  normalizeAuthority,
  normalizeBcUrl,
  normalizeDataverseUrl,
  type BcApiLocation,
} from '../../config/urls.js';
import type { Deps } from '../../deps.js';
import { BcsyncError, ConfigError, ExitCode, UsageError } from '../../errors.js';
import type { Choice } from '../../io/prompter.js';
import type { RegisterCommand } from '../registry.js';
import { fullSyncRun } from '../full-sync/full-sync.js';
import { countOption } from '../sync/sync.js';
import { defaultIntegrationOptions, type IntegrationOptions } from '../../mapping/index.js';
import { connectProfile, isSecretRefused, type Connection } from '../../app/connect.js';
import type { WhoAmI } from '../../clients/dataverse/client.js';
import { environmentKey, fetchEnvironment, saveEnvironment, type Environment } from '../../app/engine-context.js';
import { testConnection, type ConnectionCheck, type ConnectionReport } from './checks.js';
import {
  applyIntegrationFlags,
  checkIntegrationRules,
  collectOrderSync,
  OWNERSHIP_MODELS,
  PRICING_MODELS,
  type IntegrationFlags,
} from './options.js';
import { printProfile, showDocument, maskProfile } from './show.js';
import { mappingColumns, mappingRows, mappingSummaries, type MappingSummary } from './summary.js';

/**
 * `bcsync setup`: the connection wizard (Business Central's "Set up Dynamics 365 Sales connection",
 * docs/integration.md §1, §4, §8). It asks for (or takes as flags) where both systems are, how to sign in and
 * which integration options to use, tests the connection, writes the profile and shows the default integration
 * table mappings those options produce. `--show`, `--test`, `--enable` and `--disable` work on a saved profile.
 */

export interface SetupFlags extends IntegrationFlags {
  yes?: boolean;
  bcUrl?: string;
  company?: string;
  dataverseUrl?: string;
  tenantId?: string;
  authority?: string;
  clientId?: string;
  clientSecretEnv?: string;
  /** true: store the secret in the profile (opt-in); false: go back to the environment variable. */
  storeSecret?: boolean;
  connectionString?: string;
  /** The profile's default --max-changes / --max-deletes for sync and full-sync. */
  maxChanges?: number;
  maxDeletes?: number;
  show?: boolean;
  test?: boolean;
  enable?: boolean;
  disable?: boolean;
}

export interface SetupOptions extends SetupFlags {
  /**
   * Runs the full synchronization review (`bcsync full-sync --dry-run`) for the new profile and returns its exit
   * code; given by the CLI when that command exists. Setup offers it on a terminal, and otherwise says how.
   */
  runFullSyncReview?: () => Promise<number>;
}

export interface SetupResult {
  /** 0, or the code of a failure already reported on stdout (--json) or of the review that was run. */
  exitCode: number;
  profile?: Profile;
  checks?: ConnectionCheck[];
  mappings?: MappingSummary[];
}

const CONFIG_FLAGS: Array<[keyof SetupFlags, string]> = [
  ['bcUrl', '--bc-url'],
  ['company', '--company'],
  ['dataverseUrl', '--dataverse-url'],
  ['tenantId', '--tenant-id'],
  ['authority', '--authority'],
  ['clientId', '--client-id'],
  ['clientSecretEnv', '--client-secret-env'],
  ['storeSecret', '--store-secret'],
  ['connectionString', '--connection-string'],
  ['ownership', '--ownership'],
  ['orderSync', '--order-sync'],
  ['autoCreateOrders', '--auto-create-orders'],
  ['autoProcessQuotes', '--auto-process-quotes'],
  ['itemAvailability', '--item-availability'],
  ['unitGroups', '--unit-groups'],
  ['pricing', '--pricing'],
  ['maxChanges', '--max-changes'],
  ['maxDeletes', '--max-deletes'],
];

function givenConfigFlags(opts: SetupFlags): string[] {
  return CONFIG_FLAGS.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
}

export async function setupRun(deps: Deps, opts: SetupOptions): Promise<SetupResult> {
  if (opts.enable && opts.disable) throw new UsageError('--enable and --disable cannot be combined; pass one of them.');
  const modes = [opts.show && '--show', opts.test && '--test'].filter((m): m is string => Boolean(m));
  const configFlags = givenConfigFlags(opts);
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined; pass one of them.`);
  if (modes.length === 1) {
    const extra = [...configFlags, ...(opts.yes ? ['--yes'] : []), ...(opts.enable ? ['--enable'] : []), ...(opts.disable ? ['--disable'] : [])];
    if (extra.length) throw new UsageError(`${modes[0]} works on the saved profile and takes no ${extra.join(', ')}; run them separately.`);
    return opts.show ? show(deps) : testSaved(deps);
  }
  if ((opts.enable || opts.disable) && !opts.yes && configFlags.length === 0) return setEnabled(deps, Boolean(opts.enable));
  return configure(deps, opts);
}

// ---- --show, --test, --enable / --disable ----

function show(deps: Deps): SetupResult {
  const profile = deps.profiles.load(deps.profileName);
  const doc = showDocument(profile, deps.profiles.file(profile.name), deps.env);
  if (deps.out.json) deps.out.writeJson(doc);
  else printProfile(deps.out, doc);
  return { exitCode: ExitCode.ok, profile: doc.profile };
}

async function testSaved(deps: Deps): Promise<SetupResult> {
  const profile = deps.profiles.load(deps.profileName);
  const conn = connectProfile(deps, profile);
  let report: ConnectionReport;
  let environment: Environment | undefined;
  try {
    report = await testConnection(conn, { companyId: profile.bc.companyId, clientId: profile.auth.clientId }, deps.out);
    if (report.ok) environment = await readEnvironment(deps, conn, profile.bc.companyName, report.whoAmI);
  } finally {
    await conn.close();
  }
  if (!report.ok) return failed(deps, report);
  if (environment) await saveEnvironment(deps.layout.stateDir(profile.name), environment, environmentKey(profile));
  if (deps.out.json) deps.out.writeJson({ ok: true, profile: profile.name, checks: report.checks });
  else deps.out.info(`Connection of profile "${profile.name}" works.`);
  return { exitCode: ExitCode.ok, profile, checks: report.checks };
}

/**
 * What a synchronization run needs to know of both environments (integration user, company row, currencies),
 * read while the tested connection is open and cached for the profile, so the first run does not read it again.
 * A problem here (say, different base currencies) is a warning: every run checks it again before it writes.
 */
async function readEnvironment(deps: Deps, conn: Pick<Connection, 'bc' | 'dataverse'>, companyName: string, who: WhoAmI | undefined): Promise<Environment | undefined> {
  try {
    return await fetchEnvironment(conn, companyName, deps.clock.now(), who);
  } catch (error) {
    deps.out.warn(`${((error as Error)?.message ?? String(error)).split('\n')[0]} Synchronization runs check this again before they write.`);
    return undefined;
  }
}

function setEnabled(deps: Deps, enabled: boolean): SetupResult {
  const profile = deps.profiles.load(deps.profileName);
  const updated: Profile = { ...profile, integration: { ...profile.integration, enabled }, updatedAt: new Date(deps.clock.now()).toISOString() };
  deps.profiles.save(updated);
  if (deps.out.json) deps.out.writeJson({ ok: true, profile: updated.name, enabled });
  else deps.out.info(`Connection of profile "${updated.name}" ${enabled ? 'enabled' : 'disabled: synchronization runs do nothing until "bcsync setup --enable"'}.`);
  return { exitCode: ExitCode.ok, profile: updated };
}

/**
 * A failed connection test: with --json the document carries the checks and the error, and the exit code is
 * returned (main would print a second document); otherwise the error goes to main as usual.
 */
function failed(deps: Deps, report: ConnectionReport): SetupResult {
  const error = report.error ?? new BcsyncError('The connection test failed.');
  if (!deps.out.json) throw error;
  const exitCode = error instanceof BcsyncError ? error.exitCode : ExitCode.error;
  const message = error.message.split('\n')[0]!;
  deps.out.writeJson({ ok: false, checks: report.checks, error: { type: error.name, message, exitCode } });
  deps.io.stderr.write(`error: ${error.message}\n`);
  return { exitCode, checks: report.checks };
}

// ---- the wizard ----

/** Turns a value check into an inquirer validator (true or the message). */
function validator(check: (value: string) => unknown): (value: string) => true | string {
  return (value) => {
    try {
      check(value);
      return true;
    } catch (error) {
      return (error as Error).message;
    }
  };
}

/** A flag's value checked like a typed answer; a bad value is a usage error naming the flag. */
function fromFlag<T>(flag: string, value: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof BcsyncError && !(error instanceof ConfigError)) throw error;
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

function checkGuid(what: string): (v: string) => string {
  return (v) => {
    const t = v.trim();
    if (!isGuid(t)) throw new ConfigError(`The ${what} "${t}" is not a GUID; copy the Application (client) ID from the app registration's overview.`);
    return t.toLowerCase();
  };
}

function checkTenant(v: string): string {
  const t = v.trim();
  if (!isTenantId(t)) throw new ConfigError(`The tenant id "${t}" is neither a GUID nor a domain; copy the Directory (tenant) ID from the app registration's overview.`);
  return t;
}

function checkEnvName(v: string): string {
  const t = v.trim();
  if (!isEnvVarName(t)) throw new ConfigError(`"${t}" is not an environment variable name; use letters, digits and "_", e.g. ${DEFAULT_SECRET_ENV}.`);
  return t;
}

function nameOf(c: CompaniesRow): string {
  return c.name ?? c.displayName ?? c.id;
}

/** Companies whose id, name or display name is `wanted` (case-insensitive), best tier only. */
export function findCompany(companies: CompaniesRow[], wanted: string): CompaniesRow | undefined {
  const w = wanted.trim().toLowerCase();
  const tiers: Array<(c: CompaniesRow) => boolean> = [
    (c) => c.id.toLowerCase() === w,
    (c) => (c.name ?? '').toLowerCase() === w,
    (c) => (c.displayName ?? '').toLowerCase() === w,
  ];
  for (const tier of tiers) {
    const found = companies.filter(tier);
    if (found.length === 1) return found[0];
    if (found.length > 1) {
      throw new UsageError(`--company "${wanted}" matches ${found.length} companies; pass the company id instead (${found.map((c) => c.id).join(', ')}).`);
    }
  }
  return undefined;
}

function companyList(companies: CompaniesRow[]): string {
  return companies.map((c) => `"${nameOf(c)}"${c.displayName && c.displayName !== nameOf(c) ? ` ("${c.displayName}")` : ''} (${c.id})`).join(', ');
}

interface Answers {
  bc: BcApiLocation;
  dataverseUrl: string;
  tenantId: string;
  authority: string;
  clientId: string;
  clientSecretEnv: string;
  storeSecret: boolean;
  secret: string;
  /** Where the secret came from: a phrase following "the client secret". */
  secretSource: string;
  /** The secret is in the named environment variable (or stored), so later runs find it. */
  secretReachable: boolean;
}

async function configure(deps: Deps, opts: SetupOptions): Promise<SetupResult> {
  const out = deps.out;
  const interactive = !opts.yes;
  const existing = deps.profiles.exists(deps.profileName) ? deps.profiles.load(deps.profileName) : undefined;
  let cs: ParsedConnectionString | undefined;
  if (opts.connectionString !== undefined) {
    cs = parseConnectionString(opts.connectionString);
    if (cs.clientSecret !== undefined) {
      out.warn(
        `the connection string contains a ClientSecret, which stays visible in your shell history and the process list; ` +
          `prefer the environment variable ${opts.clientSecretEnv ?? existing?.auth.clientSecretEnv ?? DEFAULT_SECRET_ENV}. ` +
          `It is used for this run${opts.storeSecret ? ' and stored in the profile (--store-secret)' : ' only and not stored'}.`,
      );
    }
  }

  // Check the option flags before anything talks to a service or asks a question.
  const integrationFlags: IntegrationFlags = { ...opts, enabled: opts.enable ? true : opts.disable ? false : undefined };
  const flagged = applyIntegrationFlags(existing?.integration ?? defaultIntegrationOptions, integrationFlags);
  if (!interactive || (integrationFlags.autoCreateOrders && integrationFlags.orderSync !== undefined)) {
    checkIntegrationRules(flagged, integrationFlags);
  }

  if (interactive && !deps.canPrompt) {
    const missing: string[] = [];
    if (!opts.bcUrl && !existing) missing.push('--bc-url');
    if (!opts.dataverseUrl && !cs && !existing) missing.push('--dataverse-url');
    if (!opts.clientId && !cs?.appId && !existing) missing.push('--client-id');
    throw new UsageError(
      `No terminal to ask on: pass --yes to set up from flags${missing.length ? `, together with ${missing.join(', ')}` : ''} (see "bcsync setup --help").`,
    );
  }

  const answers = await collectConnection(deps, opts, existing, cs);
  const draft = {
    name: deps.profileName,
    bc: { apiUrl: answers.bc.apiUrl },
    dataverse: { url: answers.dataverseUrl },
    auth: authOf(answers),
  };
  let conn = connectProfile(deps, draft, { clientSecret: answers.secret, clientSecretSource: answers.secretSource });
  let profile: Profile;
  let report: ConnectionReport;
  let environment: Environment | undefined;
  try {
    let company: { id: string; name: string } | undefined;
    // The first request signs in: a refused secret is asked for again at once, not after every other question.
    for (let attempt = 1; company === undefined; attempt++) {
      try {
        company = await chooseCompany(deps, opts, existing, conn, interactive);
      } catch (error) {
        if (!(interactive && deps.canPrompt && isSecretRefused(error) && attempt < MAX_SECRET_ATTEMPTS)) throw error;
        // The company spinner has shown the refusal and where the secret came from.
        out.info(`Enter the client secret again (try ${attempt + 1} of ${MAX_SECRET_ATTEMPTS}).`);
        await conn.close();
        answers.secret = await askSecret(deps, answers.storeSecret, answers.clientSecretEnv);
        answers.secretSource = 'you entered';
        // The variable held the refused value: later runs will not find a working secret there.
        answers.secretReachable = answers.storeSecret;
        conn = connectProfile(deps, draft, { clientSecret: answers.secret, clientSecretSource: answers.secretSource });
      }
    }
    const integration = interactive ? await askIntegration(deps, flagged, integrationFlags) : flagged;
    const now = new Date(deps.clock.now()).toISOString();
    profile = {
      schemaVersion: PROFILE_SCHEMA_VERSION,
      name: deps.profileName,
      bc: { apiUrl: answers.bc.apiUrl, companyId: company.id, companyName: company.name },
      dataverse: { url: answers.dataverseUrl },
      auth: authOf(answers),
      integration,
      mappingOverrides: existing?.mappingOverrides ?? {},
      ...limitsOf(existing, opts),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    if (!out.json) out.info('Testing the connection…');
    report = await testConnection(conn, { companyId: company.id, clientId: answers.clientId }, out);
    if (report.ok) environment = await readEnvironment(deps, { bc: conn.bc.withCompany(company.id), dataverse: conn.dataverse }, company.name, report.whoAmI);
  } finally {
    await conn.close();
  }
  if (!report.ok) {
    out.info(`The profile was not saved${existing ? '; the previous one is unchanged' : ''}.`);
    return failed(deps, report);
  }

  deps.profiles.save(profile);
  if (environment) await saveEnvironment(deps.layout.stateDir(profile.name), environment, environmentKey(profile));
  const file = deps.profiles.file(profile.name);
  if (answers.storeSecret) {
    out.warn(
      `the client secret is stored in plain text in ${file} (readable by your user only, mode 0600) because of --store-secret; ` +
        `anyone who can read that file can sign in as the app. Prefer an environment variable (run setup again with --no-store-secret).`,
    );
  }
  const mappings = mappingSummaries(profile.integration);
  const reviewCommand = `bcsync full-sync --dry-run${deps.profileName === 'default' ? '' : ` --profile ${deps.profileName}`}`;

  if (out.json) {
    out.writeJson({ ok: true, profile: maskProfile(profile), file, checks: report.checks, mappings, next: reviewCommand });
    return { exitCode: ExitCode.ok, profile, checks: report.checks, mappings };
  }
  out.info(`Profile "${profile.name}" saved to ${file}.`);
  if (!answers.secretReachable) {
    out.warn(
      `environment variable ${answers.clientSecretEnv} is not set in this shell: set it to the client secret wherever bcsync runs (cron, CI); the profile only names it.`,
    );
  }
  if (!profile.integration.enabled) out.info('The connection is disabled: synchronization runs do nothing until "bcsync setup --enable".');
  out.info('Default integration table mappings for these options:');
  out.table(mappingRows(mappings), mappingColumns);

  let exitCode: number = ExitCode.ok;
  const canReview = interactive && deps.canPrompt && opts.runFullSyncReview !== undefined && answers.secretReachable;
  if (canReview && (await deps.prompter.confirm({ message: `Run the full synchronization review now (${reviewCommand})?`, default: true }))) {
    exitCode = await opts.runFullSyncReview!();
  } else {
    out.info(`Next: review what a full synchronization would do with: ${reviewCommand}`);
  }
  return { exitCode, profile, checks: report.checks, mappings };
}

function authOf(a: Answers): Profile['auth'] {
  return a.storeSecret
    ? { tenantId: a.tenantId, authority: a.authority, clientId: a.clientId, clientSecret: a.secret }
    : { tenantId: a.tenantId, authority: a.authority, clientId: a.clientId, clientSecretEnv: a.clientSecretEnv };
}

/**
 * One value: the flag when given, else a question (on a terminal) defaulting to `fallback`, else `fallback`
 * (--yes), else a usage error naming the flag.
 */
async function value<T>(
  deps: Deps,
  interactive: boolean,
  spec: {
    flag: string;
    what: string;
    given: string | undefined;
    fallback: string | undefined;
    message: string;
    parse: (v: string) => T;
  },
): Promise<T> {
  if (spec.given !== undefined) return fromFlag(spec.flag, spec.given, spec.parse);
  if (!interactive) {
    if (spec.fallback !== undefined) return spec.parse(spec.fallback);
    throw new UsageError(`Missing ${spec.flag}: ${spec.what}. Pass ${spec.flag} (with --yes nothing is asked).`);
  }
  const answer = await deps.prompter.input({ message: spec.message, default: spec.fallback, validate: validator(spec.parse) });
  return spec.parse(answer);
}

async function collectConnection(
  deps: Deps,
  opts: SetupOptions,
  existing: Profile | undefined,
  cs: ParsedConnectionString | undefined,
): Promise<Answers> {
  const interactive = !opts.yes;
  const bc = await value(deps, interactive, {
    flag: '--bc-url',
    what: 'the Business Central API URL with tenant and environment',
    given: opts.bcUrl,
    fallback: existing?.bc.apiUrl,
    message: 'Business Central API URL (https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>):',
    parse: normalizeBcUrl,
  });
  const dataverseUrl = await value(deps, interactive, {
    flag: '--dataverse-url',
    what: 'the Dataverse environment URL (https://<org>.crm.dynamics.com)',
    given: opts.dataverseUrl ?? cs?.url,
    fallback: existing?.dataverse.url,
    message: 'Dataverse (Dynamics 365 Sales) environment URL (https://<org>.crm.dynamics.com):',
    parse: normalizeDataverseUrl,
  });
  // The tenant in the BC URL is the directory the app registration lives in, unless the user says otherwise.
  const tenantId = await value(deps, interactive, {
    flag: '--tenant-id',
    what: 'the directory (tenant) id',
    given: opts.tenantId ?? cs?.tenantId,
    fallback: opts.bcUrl === undefined && existing ? existing.auth.tenantId : bc.tenant,
    message: 'Directory (tenant) id:',
    parse: checkTenant,
  });
  const authority = await value(deps, interactive, {
    flag: '--authority',
    what: 'the sign-in authority',
    given: opts.authority,
    fallback: existing?.auth.authority ?? DEFAULT_AUTHORITY,
    message: 'Sign-in authority:',
    parse: normalizeAuthority,
  });
  const clientId = await value(deps, interactive, {
    flag: '--client-id',
    what: 'the application (client) id of the app registration',
    given: opts.clientId ?? cs?.appId,
    fallback: existing?.auth.clientId,
    message: 'Application (client) id of the app registration:',
    parse: checkGuid('client id'),
  });
  const storeSecret = opts.storeSecret ?? existing?.auth.clientSecret !== undefined;
  let clientSecretEnv = existing?.auth.clientSecretEnv ?? DEFAULT_SECRET_ENV;
  if (!storeSecret || opts.clientSecretEnv !== undefined) {
    clientSecretEnv = await value(deps, interactive, {
      flag: '--client-secret-env',
      what: 'the environment variable that holds the client secret',
      given: opts.clientSecretEnv,
      fallback: clientSecretEnv,
      message: 'Environment variable that will hold the client secret:',
      parse: checkEnvName,
    });
  }

  const fromEnv = deps.env[clientSecretEnv];
  let secret: string;
  let secretSource: string;
  if (cs?.clientSecret) {
    secret = cs.clientSecret;
    secretSource = 'in the ClientSecret of --connection-string';
  } else if (fromEnv) {
    secret = fromEnv;
    secretSource = `in environment variable ${clientSecretEnv}`;
    deps.out.info(`Using the client secret from environment variable ${clientSecretEnv}.`);
  } else if (existing?.auth.clientSecret && storeSecret) {
    secret = existing.auth.clientSecret;
    secretSource = 'stored in the profile';
  } else if (interactive) {
    secretSource = 'you entered';
    secret = await askSecret(deps, storeSecret, clientSecretEnv);
  } else if (cs?.authType === 'OAuth') {
    // An OAuth connection string signs a person in (RedirectUri, LoginPrompt); cron has no person to sign in.
    throw new ConfigError(
      `--connection-string uses AuthType=OAuth, which signs a person in interactively; bcsync runs unattended and signs in as the app registration with a client secret, so it supports AuthType=ClientSecret (or OAuth with an AppId, used the same way): export the app's client secret in ${clientSecretEnv} and run setup again.`,
    );
  } else {
    throw new ConfigError(
      `Environment variable ${clientSecretEnv} is not set: export the client secret of the app registration in ${clientSecretEnv} (or name another variable with --client-secret-env) and run setup again.`,
    );
  }
  const secretReachable = storeSecret || Boolean(fromEnv);
  return { bc, dataverseUrl, tenantId, authority, clientId, clientSecretEnv, storeSecret, secret, secretSource, secretReachable };
}

/** The profile's change limits: the flags given, else what the profile had. */
function limitsOf(existing: Profile | undefined, opts: SetupFlags): Pick<Profile, 'limits'> {
  const maxChanges = opts.maxChanges ?? existing?.limits?.maxChanges;
  const maxDeletes = opts.maxDeletes ?? existing?.limits?.maxDeletes;
  // Other limits the profile holds (requests in flight) are kept as they are.
  const others = { ...existing?.limits, maxChanges: undefined, maxDeletes: undefined };
  const kept = Object.values(others).some((v) => v !== undefined);
  return maxChanges === undefined && maxDeletes === undefined && !kept ? {} : { limits: { ...others, maxChanges, maxDeletes } };
}

/** Typed secrets tried before the wizard gives up (each refusal costs one token request). */
const MAX_SECRET_ATTEMPTS = 3;

async function askSecret(deps: Deps, storeSecret: boolean, clientSecretEnv: string): Promise<string> {
  const secret = await deps.prompter.password({
    message: `Client secret (hidden; used to test the connection${storeSecret ? ' and stored in the profile' : `, not stored: bcsync reads ${clientSecretEnv} later`}):`,
    validate: (v) => (v.trim() ? true : 'Enter the client secret value (not the secret id).'),
  });
  return secret.trim();
}

async function chooseCompany(
  deps: Deps,
  opts: SetupOptions,
  existing: Profile | undefined,
  conn: Connection,
  interactive: boolean,
): Promise<{ id: string; name: string }> {
  // With --yes and a saved company in the same environment, the connection test checks it; no list needed.
  const sameEnvironment = existing !== undefined && existing.bc.apiUrl === conn.bc.url;
  if (!interactive && opts.company === undefined && sameEnvironment) {
    return { id: existing.bc.companyId, name: existing.bc.companyName };
  }
  const spinner = interactive && !deps.out.json ? deps.out.spinner('Listing Business Central companies…') : undefined;
  let companies: CompaniesRow[];
  try {
    companies = await conn.bc.companies();
    spinner?.stop();
  } catch (error) {
    spinner?.fail(`Listing Business Central companies: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  }
  if (companies.length === 0) {
    throw new ConfigError(`Business Central environment ${conn.bc.url} has no company: create one in Business Central, then run setup again.`);
  }
  if (opts.company !== undefined) {
    const found = findCompany(companies, opts.company);
    if (!found) throw new UsageError(`--company "${opts.company}" is not a company of this environment; use one of ${companyList(companies)}.`);
    return { id: found.id, name: nameOf(found) };
  }
  if (!interactive) {
    if (companies.length === 1) return { id: companies[0]!.id, name: nameOf(companies[0]!) };
    throw new UsageError(`Missing --company: this environment has ${companies.length} companies; pass --company with one of ${companyList(companies)}.`);
  }
  const choices: Choice<string>[] = companies.map((c) => ({
    name: c.displayName && c.displayName !== nameOf(c) ? `${c.displayName} (${nameOf(c)})` : nameOf(c),
    value: c.id,
    description: c.id,
  }));
  const previous = existing && companies.find((c) => c.id.toLowerCase() === existing.bc.companyId.toLowerCase());
  const id = await deps.prompter.select({ message: 'Business Central company to synchronize:', choices, default: previous?.id });
  const chosen = companies.find((c) => c.id === id)!;
  return { id: chosen.id, name: nameOf(chosen) };
}

/** The integration option questions; flags answer theirs, the rest default to the profile's or BC's values. */
async function askIntegration(deps: Deps, base: IntegrationOptions, flags: IntegrationFlags): Promise<IntegrationOptions> {
  const p = deps.prompter;
  const o: IntegrationOptions = { ...base };
  if (flags.ownership === undefined) {
    o.ownershipModel = await p.select({
      message: 'Ownership model for records created in Dynamics 365 Sales:',
      choices: [
        { name: 'Person (owner = the salesperson coupled to a Sales user)', value: 'person' as const },
        { name: 'Team (owner = the team of the business unit)', value: 'team' as const },
      ],
      default: base.ownershipModel,
    });
  }
  if (flags.unitGroups === undefined) {
    o.unitGroups = await p.confirm({ message: 'Synchronize unit groups (several units of measure per item and resource)?', default: base.unitGroups });
  }
  if (flags.pricing === undefined) {
    o.pricing = await p.select({
      message: 'Pricing model:',
      choices: [
        { name: 'Price lists (extended pricing)', value: 'lists' as const },
        { name: 'Customer price groups and sales prices', value: 'groups' as const },
      ],
      default: base.pricing,
    });
  }
  if (flags.itemAvailability === undefined) {
    o.itemAvailability = await p.confirm({ message: 'Show item availability from Business Central in Sales?', default: base.itemAvailability });
  }
  if (flags.orderSync === undefined) {
    o.orderSync = await p.select({
      message: 'Sales order integration:',
      choices: [
        { name: 'Off', value: 'off' as const },
        { name: 'Legacy (one-way: submitted Sales orders become BC orders; status goes back)', value: 'legacy' as const },
        { name: 'Bidirectional (orders and lines synchronized both ways)', value: 'bidirectional' as const },
      ],
      default: base.orderSync,
    });
  }
  if (o.orderSync !== 'legacy') {
    // Automatic order creation belongs to the legacy integration; an explicit flag is refused below instead.
    if (flags.autoCreateOrders === undefined) o.autoCreateOrders = false;
  } else if (flags.autoCreateOrders === undefined) {
    o.autoCreateOrders = await p.confirm({ message: 'Create sales orders in Business Central automatically from submitted Sales orders?', default: base.autoCreateOrders });
  }
  if (flags.autoProcessQuotes === undefined) {
    o.autoProcessQuotes = await p.confirm({ message: 'Process Sales quotes in Business Central automatically?', default: base.autoProcessQuotes });
  }
  if (flags.enabled === undefined) {
    o.enabled = await p.confirm({ message: 'Enable the connection (synchronization runs) now?', default: base.enabled });
  }
  checkIntegrationRules(o, flags);
  return o;
}

// ---- commander wiring ----

export const SETUP_EXAMPLES = `
Examples:
  $ bcsync setup                      interactive wizard: asks, tests, saves
  $ export BCSYNC_CLIENT_SECRET=...   the secret stays out of the command line
  $ bcsync setup --yes \\
      --bc-url https://api.businesscentral.dynamics.com/v2.0/<tenant>/production \\
      --company "CRONUS USA, Inc." --dataverse-url https://contoso.crm.dynamics.com \\
      --client-id <app-guid> --order-sync legacy --auto-create-orders
  $ bcsync setup --yes --bc-url <url> --company <id> --connection-string \\
      "AuthType=ClientSecret;Url=https://contoso.crm.dynamics.com;ClientId=<guid>"
  $ bcsync setup --profile canada --yes ...    a second profile (one per company)
  $ bcsync setup --show               the profile, client secret masked
  $ bcsync setup --test --json        connection test: {ok, checks:[{name, ok, detail}]}
  $ bcsync setup --disable            stop synchronization for this profile

By default the profile names the environment variable that holds the client
secret (--client-secret-env, default BCSYNC_CLIENT_SECRET); --store-secret
writes the secret into the profile file (mode 0600) instead. Without a
terminal pass --yes: a missing value is then an error naming its flag.
Exit codes: 0 ok, 1 error, 2 usage, 3 configuration or sign-in refused,
130 interrupted.`;

export const registerSetup: RegisterCommand = (program: Command, act) => {
  program
    .command('setup')
    .description('create or change a connection profile: Business Central, Dataverse, sign-in and integration options; test it')
    .option('-y, --yes', 'no questions: take every value from flags, the saved profile or the defaults')
    .option('--bc-url <url>', 'Business Central API URL: https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>[/api/v2.0]')
    .option('--company <company>', 'Business Central company: id, name or display name')
    .option('--dataverse-url <url>', 'Dataverse environment URL, e.g. https://contoso.crm.dynamics.com')
    .option('--tenant-id <tenant>', 'directory (tenant) id or domain (default: the tenant in --bc-url)')
    .option('--authority <url>', `sign-in authority (default ${DEFAULT_AUTHORITY})`)
    .option('--client-id <guid>', 'application (client) id of the app registration')
    .option('--client-secret-env <name>', `environment variable holding the client secret (default ${DEFAULT_SECRET_ENV})`)
    .option('--store-secret', 'store the client secret in the profile file (plain text, mode 0600); not recommended')
    .option('--no-store-secret', 'keep only the environment variable name in the profile (default)')
    .option('--connection-string <text>', 'XRM connection string: Url, AppId/ClientId, TenantId (flags override it)')
    .addOption(new Option('--ownership <model>', 'ownership model of records created in Sales').choices([...OWNERSHIP_MODELS]))
    .option('--order-sync <mode>', 'sales order integration: off, legacy (one-way) or bidirectional', collectOrderSync)
    .option('--auto-create-orders', 'create BC sales orders from submitted Sales orders automatically (needs legacy)')
    .option('--no-auto-create-orders', 'do not create sales orders automatically')
    .option('--auto-process-quotes', 'process Sales quotes in Business Central automatically')
    .option('--no-auto-process-quotes', 'do not process quotes automatically')
    .option('--item-availability', 'publish item availability from Business Central to Sales')
    .option('--no-item-availability', 'no item availability')
    .option('--unit-groups', 'synchronize unit groups (several units of measure per item; BC default)')
    .option('--no-unit-groups', 'synchronize units of measure only')
    .addOption(new Option('--pricing <model>', 'lists = price lists, groups = customer price groups + sales prices').choices([...PRICING_MODELS]))
    .option('--max-changes <n>', 'default for sync/full-sync: stop before a run writes more than N records', countOption('--max-changes'))
    .option('--max-deletes <n>', 'default for sync/full-sync: stop before a run deletes more than N records', countOption('--max-deletes'))
    .option('--show', 'print the profile (client secret masked) and where the secret comes from')
    .option('--test', 'test the saved profile\'s connection only')
    .option('--enable', 'enable the connection of the profile')
    .option('--disable', 'disable the connection of the profile (synchronization does nothing)')
    .addHelpText('after', SETUP_EXAMPLES)
    .action((options: SetupFlags, cmd: Command) => act(cmd, async (deps) => {
      // The review is full-sync's own run, on the same deps (same home, profile, terminal).
      const runFullSyncReview = async (): Promise<number> => (await fullSyncRun(deps, { dryRun: true })).exitCode;
      return setupRun(deps, { ...options, runFullSyncReview });
    }));
};


