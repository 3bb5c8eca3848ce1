import type { CompaniesRow } from '../../clients/bc/index.js';
import { systemusers } from '../../clients/dataverse/index.js';
import { ConfigError } from '../../errors.js';
import type { Output } from '../../io/output.js';
import type { Connection } from '../../app/connect.js';

/**
 * The connection test of `setup` and `setup --test`: a token for each resource, Dataverse WhoAmI, the
 * identity's systemuser row (it must be an application user) and security roles (never System Administrator),
 * Business Central companies and the profile's company. Steps run in order and stop at the first failure.
 */

export interface ConnectionCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ConnectionReport {
  ok: boolean;
  checks: ConnectionCheck[];
  /** The failure that stopped the test. */
  error?: Error;
  companies?: CompaniesRow[];
}

export interface ConnectionTarget {
  companyId: string;
  clientId: string;
}

const SYSTEM_ADMINISTRATOR = 'system administrator';
/** systemuser.accessmode 4 = Non-interactive: how application users are created. */
const NON_INTERACTIVE = 4;

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

export async function testConnection(conn: Connection, target: ConnectionTarget, out: Output): Promise<ConnectionReport> {
  const checks: ConnectionCheck[] = [];
  const report: ConnectionReport = { ok: false, checks };
  // Per-step lines are for people; with --json the document says it all.
  const people = !out.json;
  // ora draws its own ✔/✖ on a terminal; the plain lines elsewhere get them from us.
  const animated = out.io.stderrIsTTY && !out.quiet && !out.io.env.CI;
  const ok = animated ? '' : '✔ ';
  const bad = animated ? '' : '✖ ';

  async function step<T>(name: string, label: string, run: () => Promise<{ value: T; detail: string }>): Promise<T> {
    const spinner = people ? out.spinner(`${label}…`) : undefined;
    try {
      const { value, detail } = await run();
      checks.push({ name, ok: true, detail });
      spinner?.succeed(`${ok}${label}: ${detail}`);
      return value;
    } catch (error) {
      const detail = firstLine((error as Error)?.message ?? String(error));
      checks.push({ name, ok: false, detail });
      spinner?.fail(`${bad}${label}: ${detail}`);
      throw error;
    }
  }

  try {
    await step('bc-token', 'Business Central sign-in', async () => {
      await conn.tokens.getToken(conn.bc.scope);
      return { value: undefined, detail: `token issued for ${conn.bc.scope}` };
    });
    await step('dataverse-token', 'Dataverse sign-in', async () => {
      await conn.tokens.getToken(conn.dataverse.scope);
      return { value: undefined, detail: `token issued for ${conn.dataverse.scope}` };
    });
    const who = await step('dataverse-whoami', 'Dataverse WhoAmI', async () => {
      const value = await conn.dataverse.whoAmI();
      return { value, detail: `user ${value.UserId}, organization ${value.OrganizationId}` };
    });
    await step('dataverse-application-user', 'Dataverse application user', async () => {
      const user = await conn.dataverse.get(systemusers, who.UserId, {
        select: ['fullname', 'applicationid', 'accessmode', 'isdisabled'],
      });
      const applicationId = typeof user.applicationid === 'string' && user.applicationid !== '' ? user.applicationid : undefined;
      if (applicationId === undefined && user.accessmode !== NON_INTERACTIVE) {
        throw new ConfigError(
          `The Dataverse identity ${user.fullname ?? who.UserId} is not an application user: create an application user for client id ${target.clientId} in the Power Platform admin center and give it a least-privilege security role.`,
        );
      }
      if (user.isdisabled === true) {
        throw new ConfigError(`The Dataverse application user ${user.fullname ?? who.UserId} is disabled: enable it in the Power Platform admin center.`);
      }
      return { value: undefined, detail: `${user.fullname ?? who.UserId}${applicationId ? ` (application id ${applicationId})` : ' (non-interactive)'}` };
    });
    await step('dataverse-roles', 'Dataverse security roles', async () => {
      const roles = await conn.dataverse.userRoles(who.UserId);
      if (roles.some((r) => r.trim().toLowerCase() === SYSTEM_ADMINISTRATOR)) {
        throw new ConfigError(
          'The application user has the System Administrator role: give the application user a least-privilege role (read/write on the synchronized tables only) and remove System Administrator.',
        );
      }
      if (roles.length === 0) {
        throw new ConfigError('The application user has no security role: give the application user a least-privilege role with access to the synchronized tables.');
      }
      return { value: roles, detail: roles.join(', ') };
    });
    const companies = await step('bc-companies', 'Business Central companies', async () => {
      const value = await conn.bc.companies();
      return { value, detail: `${value.length} found` };
    });
    report.companies = companies;
    await step('bc-company', 'Business Central company', async () => {
      const company = companies.find((c) => c.id.toLowerCase() === target.companyId.toLowerCase());
      if (!company) {
        throw new ConfigError(
          `Company ${target.companyId} is not in this Business Central environment: run "bcsync setup" again and choose one of ${companies.map((c) => `"${c.name}"`).join(', ') || '(none)'}.`,
        );
      }
      return { value: company, detail: `${company.displayName || company.name} (${company.id})` };
    });
    report.ok = true;
  } catch (error) {
    report.error = error as Error;
  }
  return report;
}
