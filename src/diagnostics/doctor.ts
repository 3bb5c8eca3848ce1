/**
 * `bcsync doctor`'s checks, for a command line what Business Central's connection setup page checks: a token
 * per service, the Dataverse identity and its roles (teams included, System Administrator refused by template),
 * the Business Central company, the companion extension and its version, the two currencies, every mapping's
 * access, and the service-protection headroom the services report. Nothing here prints: the result is data.
 * Independent checks all run, so one run lists every problem; a check that needs a failed one is skipped.
 */
import type { TokenSource } from '../clients/auth/token-provider.js';
import type { BcClient } from '../clients/bc/client.js';
import { COMPANION_EXTENSION_VERSION, integrationInfo } from '../clients/bc/resources/integrationInfo.js';
import type { DataverseClient } from '../clients/dataverse/client.js';
import type { TransportStats } from '../clients/http/transport.js';
import { EntitySetMissingError, ExitCode } from '../errors.js';
import type { IntegrationTableMapping } from '../mapping/index.js';
import { checkApplicationUser } from './application-user.js';
import { currencyMismatch, readBcLocalCurrency, readOrganizationCurrency } from './currency.js';
import { AttributeCache, checkMappingAccess, type MappingAccess } from './mapping-access.js';
import { judgeRoles, readEffectiveRoles } from './roles.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, when the check did not pass. */
  fix?: string;
}

export interface Headroom {
  dataverse: { burstRemaining?: number; timeRemainingMs?: number };
  bc: { throttled: number; retries: number; waitedMs: number };
}

export interface DoctorReport {
  ok: boolean;
  /** 0 ok; ExitCode.config for a connection, identity, role or currency problem; ExitCode.unavailable when only mappings cannot run. */
  exitCode: number;
  checks: DoctorCheck[];
  mappings: MappingAccess[];
  headroom: Headroom;
}

export interface DoctorServices {
  tokens: TokenSource;
  bc: BcClient;
  dataverse: DataverseClient;
}

export interface DoctorInput {
  companyId: string;
  clientId: string;
  mappings: readonly IntegrationTableMapping[];
  /** Headers of the latest Dataverse answer (lower-case names), for its x-ms-ratelimit-* figures. */
  lastDataverseHeaders(): Record<string, string> | undefined;
  bcTransportStats(): TransportStats;
}

/** Below these, doctor warns that a full synchronization may be throttled (docs/protocols.md §5.2: 6,000 requests, 1,200,000 ms per 5 minutes). */
const LOW_BURST = 600;
const LOW_TIME_MS = 120_000;

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Compares dotted versions numerically: `1.10.0.0` is newer than `1.9.0.0`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function readNumber(headers: Record<string, string> | undefined, name: string): number | undefined {
  const raw = headers?.[name];
  if (raw === undefined) return undefined;
  const n = Number(raw.replace(/,/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

export async function runDoctor(services: DoctorServices, input: DoctorInput): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const configProblem = new Set<string>();

  /** Runs one check; a thrown error fails it with its first line. Returns the value, or undefined when it failed. */
  async function check<T>(
    id: string,
    title: string,
    run: () => Promise<{ value: T; detail: string; status?: CheckStatus; fix?: string }>,
    fixOnError: string,
  ): Promise<T | undefined> {
    try {
      const r = await run();
      const status = r.status ?? 'ok';
      checks.push({ id, title, status, detail: r.detail, ...(r.fix ? { fix: r.fix } : {}) });
      if (status === 'fail') configProblem.add(id);
      return status === 'fail' ? undefined : r.value;
    } catch (error) {
      checks.push({ id, title, status: 'fail', detail: firstLine(error), fix: fixOnError });
      configProblem.add(id);
      return undefined;
    }
  }
  const skip = (id: string, title: string, because: string): void => {
    checks.push({ id, title, status: 'skipped', detail: `not checked: ${because}` });
  };

  const bcToken = await check('bc-token', 'Business Central token', async () => {
    await services.tokens.getToken(services.bc.scope);
    return { value: true, detail: `issued for ${services.bc.scope}` };
  }, 'check the tenant, client id and client secret of the profile ("bcsync setup")');
  const dvToken = await check('dataverse-token', 'Dataverse token', async () => {
    await services.tokens.getToken(services.dataverse.scope);
    return { value: true, detail: `issued for ${services.dataverse.scope}` };
  }, 'check the Dataverse URL and the app registration ("bcsync setup")');

  let userId: string | undefined;
  if (dvToken) {
    userId = await check('dataverse-whoami', 'Dataverse WhoAmI', async () => {
      const who = await services.dataverse.whoAmI();
      return { value: who.UserId, detail: `user ${who.UserId}, organization ${who.OrganizationId}` };
    }, 'create an application user for this app registration in the Power Platform admin center');
  } else skip('dataverse-whoami', 'Dataverse WhoAmI', 'no Dataverse token');

  if (userId !== undefined) {
    const id = userId;
    await check('dataverse-application-user', 'Dataverse application user', async () => {
      return { value: true, detail: await checkApplicationUser(services.dataverse, id, input.clientId) };
    }, 'use an application user (Power Platform admin center > Application users)');
    await check('dataverse-roles', 'Dataverse security roles', async () => {
      const verdict = judgeRoles(await readEffectiveRoles(services.dataverse, id));
      return verdict.ok
        ? { value: true, detail: verdict.detail }
        : { value: false, detail: verdict.problem, status: 'fail' as const, fix: 'give the application user a least-privilege role instead (Power Platform admin center > Application users > Edit security roles)' };
    }, 'check that the application user may read its roles and teams');
  } else {
    skip('dataverse-application-user', 'Dataverse application user', 'WhoAmI failed');
    skip('dataverse-roles', 'Dataverse security roles', 'WhoAmI failed');
  }

  let companyOk = false;
  if (bcToken) {
    companyOk =
      (await check('bc-company', 'Business Central company', async () => {
        const companies = await services.bc.companies();
        const company = companies.find((c) => c.id.toLowerCase() === input.companyId.toLowerCase());
        if (!company) {
          return { value: false, status: 'fail' as const, detail: `company ${input.companyId} is not in this environment`, fix: `run "bcsync setup" again and choose one of ${companies.map((c) => `"${c.name}"`).join(', ') || '(none)'}` };
        }
        return { value: true, detail: `${company.displayName || company.name} (${company.id})` };
      }, 'register the app on the "Microsoft Entra Applications" page in Business Central and check the environment name')) === true;
  } else skip('bc-company', 'Business Central company', 'no Business Central token');

  let extensionPresent = false;
  if (companyOk) {
    const found = await (async (): Promise<{ version: string; name: string } | 'missing' | Error> => {
      try {
        for await (const page of services.bc.list(integrationInfo, { top: 1 })) {
          const row = page[0];
          if (row) return { version: row.extensionVersion ?? '', name: row.extensionName ?? '' };
        }
        return new Error('integrationInfo answered without a row');
      } catch (error) {
        return error instanceof EntitySetMissingError ? 'missing' : (error as Error);
      }
    })();
    if (found === 'missing') {
      checks.push({
        id: 'companion-extension',
        title: 'Companion extension',
        status: 'fail',
        detail: 'bcsync/integration/v1.0 does not exist in this environment: the companion extension is not installed',
        fix: 'install the companion extension (bc-extension/README.md); until then the mappings that need it cannot run',
      });
    } else if (found instanceof Error) {
      checks.push({ id: 'companion-extension', title: 'Companion extension', status: 'fail', detail: firstLine(found), fix: 'reinstall the companion extension (bc-extension/README.md)' });
    } else if (compareVersions(found.version, COMPANION_EXTENSION_VERSION) < 0) {
      extensionPresent = true;
      checks.push({
        id: 'companion-extension',
        title: 'Companion extension',
        status: 'warn',
        detail: `${found.name} ${found.version} is older than ${COMPANION_EXTENSION_VERSION}, which this bcsync expects`,
        fix: `upgrade the companion extension to ${COMPANION_EXTENSION_VERSION} (bc-extension/README.md)`,
      });
    } else {
      extensionPresent = true;
      checks.push({ id: 'companion-extension', title: 'Companion extension', status: 'ok', detail: `${found.name} ${found.version}` });
    }
  } else skip('companion-extension', 'Companion extension', 'the Business Central company is not reachable');

  if (companyOk && userId !== undefined) {
    await check('currency', 'Base currency', async () => {
      const [lcy, org] = await Promise.all([readBcLocalCurrency(services.bc), readOrganizationCurrency(services.dataverse)]);
      const problem = currencyMismatch(lcy, org);
      if (problem !== undefined) {
        return { value: false, status: 'fail' as const, detail: problem, fix: `connect a Dataverse environment whose base currency is ${lcy}` };
      }
      return { value: true, detail: `Dataverse base currency ${org.baseCurrencyCode} = Business Central LCY ${lcy}` };
    }, 'check that the application user may read the Organization and Currency tables');
  } else skip('currency', 'Base currency', 'a service is not reachable');

  const mappings: MappingAccess[] = [];
  if (companyOk && userId !== undefined) {
    const attributes = new AttributeCache(services.dataverse);
    for (const mapping of input.mappings) {
      const access = await checkMappingAccess(services, mapping, attributes);
      if (!access.ok && mapping.bc.api === 'custom' && !extensionPresent) access.fix = 'install the companion extension (bc-extension/README.md)';
      mappings.push(access);
    }
  }

  const headers = input.lastDataverseHeaders();
  const stats = input.bcTransportStats();
  const headroom: Headroom = {
    dataverse: {},
    bc: { throttled: stats.throttled, retries: stats.retries, waitedMs: stats.waitedMs },
  };
  const burst = readNumber(headers, 'x-ms-ratelimit-burst-remaining-xrm-requests');
  const time = readNumber(headers, 'x-ms-ratelimit-time-remaining-xrm-requests');
  if (burst !== undefined) headroom.dataverse.burstRemaining = burst;
  if (time !== undefined) headroom.dataverse.timeRemainingMs = time;
  const low = (burst !== undefined && burst < LOW_BURST) || (time !== undefined && time < LOW_TIME_MS);
  checks.push({
    id: 'dataverse-headroom',
    title: 'Dataverse service protection',
    status: low ? 'warn' : 'ok',
    detail:
      burst === undefined && time === undefined
        ? 'Dataverse reported no x-ms-ratelimit figures'
        : `${burst ?? '?'} requests and ${time === undefined ? '?' : Math.round(time / 1000)} s of execution time left in the 5-minute window`,
    ...(low ? { fix: 'another client is using this application user heavily; wait a few minutes or use a separate application user' } : {}),
  });
  checks.push({
    id: 'bc-headroom',
    title: 'Business Central throttling',
    status: stats.throttled > 0 ? 'warn' : 'ok',
    detail: `${stats.throttled} answer(s) 429 during these checks, ${stats.retries} retries, ${stats.waitedMs} ms waited`,
    ...(stats.throttled > 0 ? { fix: 'the per-user limit (6,000 requests per 5 minutes, 5 at once) is being reached; lower the parallelism or spread the load' } : {}),
  });

  const unavailable = mappings.some((m) => !m.ok);
  const failed = checks.some((c) => c.status === 'fail' && c.id !== 'companion-extension') || configProblem.size > 0;
  const extensionMissing = checks.some((c) => c.id === 'companion-extension' && c.status === 'fail');
  const exitCode = failed ? ExitCode.config : unavailable || extensionMissing ? ExitCode.unavailable : ExitCode.ok;
  return { ok: exitCode === ExitCode.ok, exitCode, checks, mappings, headroom };
}
