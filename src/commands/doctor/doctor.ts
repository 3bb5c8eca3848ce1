import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { runDoctor, type DoctorReport } from '../../diagnostics/doctor.js';
import type { RegisterCommand } from '../registry.js';
import { connectProfile } from '../../app/connect.js';
import { loadProfileMappings } from '../../app/session.js';

/**
 * `bcsync doctor`: checks a profile against the real services (src/diagnostics/doctor.ts) and prints the
 * verdict: a table on a terminal, one JSON document with --json. Read-only; needs no state lock.
 */

export async function doctorRun(deps: Deps): Promise<DoctorReport> {
  const { profile, mappings } = loadProfileMappings(deps);
  let lastDataverseHeaders: Record<string, string> | undefined;
  const connection = connectProfile({ env: deps.env, out: deps.out, clock: deps.clock }, profile, {
    onRequest: (event) => {
      if (event.api === 'dataverse' && event.responseHeaders) lastDataverseHeaders = event.responseHeaders;
    },
  });
  try {
    const spinner = deps.out.json ? undefined : deps.out.spinner(`Checking profile "${profile.name}"…`);
    const report = await runDoctor(connection, {
      companyId: profile.bc.companyId,
      clientId: profile.auth.clientId,
      mappings,
      lastDataverseHeaders: () => lastDataverseHeaders,
      bcTransportStats: () => connection.bc.transport.stats(),
    });
    spinner?.stop();
    printDoctor(deps, profile.name, report);
    return report;
  } finally {
    await connection.close();
  }
}

const MARK = { ok: '✔', warn: '!', fail: '✖', skipped: '-' } as const;

function printDoctor(deps: Deps, profileName: string, report: DoctorReport): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ profile: profileName, ...report });
    return;
  }
  out.table(
    report.checks.map((c) => ({ status: `${MARK[c.status]} ${c.status}`, check: c.title, detail: c.detail })),
    [
      { key: 'status', header: 'STATUS' },
      { key: 'check', header: 'CHECK' },
      { key: 'detail', header: 'DETAIL' },
    ],
  );
  if (report.mappings.length > 0) {
    out.line('');
    out.table(
      report.mappings.map((m) => ({
        status: m.ok ? `${MARK.ok} ok` : `${MARK.fail} unavailable`,
        mapping: m.mapping,
        bc: `${m.bcEntitySet}${m.bcApi === 'custom' ? ' (custom API)' : ''}`,
        dataverse: m.dataverseTable,
      })),
      [
        { key: 'status', header: 'STATUS' },
        { key: 'mapping', header: 'MAPPING' },
        { key: 'bc', header: 'BUSINESS CENTRAL' },
        { key: 'dataverse', header: 'DATAVERSE' },
      ],
    );
  }
  const problems = [
    ...report.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.title}: ${c.detail}${c.fix ? `; ${c.fix}` : ''}`),
    ...report.mappings.filter((m) => !m.ok).map((m) => `${m.mapping} cannot run: ${m.problems.join('; ')}${m.fix ? `; ${m.fix}` : ''}`),
  ];
  if (problems.length > 0) {
    out.line('');
    for (const p of problems) out.line(`${MARK.fail} ${p}`);
  } else {
    out.line('');
    out.line(`${MARK.ok} Profile "${profileName}" is ready: every check passed.`);
  }
}

const DOCTOR_HELP = `
Checks, read-only: a token per service; Dataverse WhoAmI; that the identity is an
enabled application user whose roles (direct and through teams) do not include
System Administrator (known by its role template, not its name); the Business
Central company; the companion extension (bcsync/integration/v1.0) and its
version; Dataverse base currency = Business Central LCY; for every mapping of the
profile one $top=1 read of its Business Central entity set and Dataverse table and
every Dataverse column it maps; the service-protection headroom (Dataverse
x-ms-ratelimit-* headers, Business Central 429 answers). --json prints {profile,
ok, exitCode, checks: [{id, title, status, detail, fix}], mappings: [{mapping,
bcEntitySet, bcApi, dataverseTable, ok, problems, fix}], headroom}.

Examples:
  $ bcsync doctor
  $ bcsync doctor --profile production --json

Exit codes: 0 ok, 1 error, 2 usage, 3 connection, identity, role or currency
problem, 6 a mapping cannot run (each is named with its fix).`;

export const registerDoctor: RegisterCommand = (program: Command, act) => {
  program
    .command('doctor')
    .description('check that a profile can run against the real services: sign-in, roles, extension, currency, every mapping')
    .addHelpText('after', DOCTOR_HELP)
    .action((_options: unknown, cmd: Command) => act(cmd, (deps) => doctorRun(deps)));
};
