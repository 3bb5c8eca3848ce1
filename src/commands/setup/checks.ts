import type { CompaniesRow } from '../../clients/bc/index.js';
import type { WhoAmI } from '../../clients/dataverse/client.js';
import { checkApplicationUser } from '../../diagnostics/application-user.js';
import { judgeRoles, readEffectiveRoles } from '../../diagnostics/roles.js';
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
  /** Dataverse's answer to WhoAmI (the integration user), for the environment read after the test. */
  whoAmI?: WhoAmI;
}

export interface ConnectionTarget {
  companyId: string;
  clientId: string;
}


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
    report.whoAmI = who;
    await step('dataverse-application-user', 'Dataverse application user', async () => {
      return { value: undefined, detail: await checkApplicationUser(conn.dataverse, who.UserId, target.clientId) };
    });
    await step('dataverse-roles', 'Dataverse security roles', async () => {
      // Roles through teams count, and System Administrator is known by its role template (src/diagnostics).
      const roles = await readEffectiveRoles(conn.dataverse, who.UserId);
      const verdict = judgeRoles(roles);
      if (!verdict.ok) throw new ConfigError(verdict.problem);
      return { value: roles, detail: verdict.detail };
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
