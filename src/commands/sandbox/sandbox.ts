import type { Command } from 'commander';
import { Option } from 'commander';
import type { Deps } from '../../deps.js';
import { UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';
import type { ApplicationUserRoles, FaultRule, RunningEmulators, SeedName, StartEmulatorsOptions } from '../../emulators/types.js';

export interface SandboxOptions {
  seed: string;
  port: number;
  latency: 'none' | 'realistic';
  faults?: string;
  /** Seed of the fault generator: the same seed faults the same requests. */
  faultSeed?: number;
  /** `--no-custom-api`: as a tenant without the companion extension. */
  customApi?: boolean;
  appUserRoles?: ApplicationUserRoles;
  dataverseBaseCurrency?: string;
  /** Resolves when the sandbox should stop (SIGINT/SIGTERM in the CLI). */
  until: Promise<void>;
}

export interface SandboxInfo {
  bcUrl: string;
  customApiUrl: string;
  dataverseUrl: string;
  dataverseApiUrl: string;
  tokenUrl: string;
  authority: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  company: string;
  companyId: string;
}

export function parseSeed(text: string): SeedName {
  if (text === 'demo' || text === 'empty') return text;
  const m = /^scale:(\d+)$/.exec(text);
  if (m && Number(m[1]) > 0 && Number(m[1]) <= 1_000_000) return `scale:${Number(m[1])}`;
  throw new UsageError(`--seed "${text}" is not valid; use demo, empty or scale:N (1 to 1000000).`);
}

/** `--faults 429:0.05,503:0.01` (kind:rate) or `429@3` (kind@request number); api prefix optional (`bc/429:0.1`). */
export function parseFaults(text: string | undefined): FaultRule[] {
  if (!text) return [];
  return text.split(',').map((part) => {
    const m = /^(?:(bc|dataverse|token)\/)?(429|502|503|504|412|reset|slow)(?::(0(?:\.\d+)?|1(?:\.0+)?)|@(\d+(?:\+\d+)*))$/.exec(part.trim());
    if (!m) {
      throw new UsageError(
        `--faults part "${part}" is not valid; use KIND:RATE or KIND@N[+N...] with KIND 429|502|503|504|412|reset|slow, optionally prefixed bc/ or dataverse/ (e.g. "bc/503:0.05,429@3").`,
      );
    }
    const rule: FaultRule = { kind: m[2] as FaultRule['kind'] };
    if (m[1]) rule.api = m[1] as FaultRule['api'];
    if (m[3] !== undefined) rule.rate = Number(m[3]);
    if (m[4] !== undefined) rule.requestNumbers = m[4].split('+').map(Number);
    return rule;
  });
}

export function sandboxInfo(emu: RunningEmulators): SandboxInfo {
  const secret = emu.credentials.clientSecret;
  return {
    bcUrl: emu.bc.url,
    customApiUrl: emu.bc.customUrl,
    dataverseUrl: emu.dataverse.orgUrl,
    dataverseApiUrl: emu.dataverse.url,
    tokenUrl: emu.tokenUrl,
    authority: emu.authority,
    tenantId: emu.credentials.tenantId,
    clientId: emu.credentials.clientId,
    clientSecret: secret,
    company: emu.bc.companyName,
    companyId: emu.bc.companyId,
  };
}

/** The `bcsync setup --yes ...` line that connects to this sandbox (the secret travels in the environment). */
export function setupCommandLine(info: SandboxInfo): string {
  return [
    `BCSYNC_CLIENT_SECRET='${info.clientSecret}' bcsync setup --yes`,
    `--bc-url ${info.bcUrl}`,
    `--company '${info.company}'`,
    `--dataverse-url ${info.dataverseUrl}`,
    `--tenant-id ${info.tenantId}`,
    `--authority ${info.authority}`,
    `--client-id ${info.clientId}`,
  ].join(' ');
}

export async function sandboxRun(deps: Deps, opts: SandboxOptions): Promise<void> {
  const { startEmulators, DEFAULT_LATENCY } = await import('../../emulators/index.js');
  const startOptions: StartEmulatorsOptions = {
    port: opts.port,
    seed: parseSeed(opts.seed),
    faults: parseFaults(opts.faults),
    ...(opts.faultSeed !== undefined ? { randomSeed: opts.faultSeed } : {}),
    latency: opts.latency === 'realistic' ? DEFAULT_LATENCY : false,
    scenario: {
      customApi: opts.customApi ?? true,
      ...(opts.appUserRoles !== undefined ? { applicationUserRoles: opts.appUserRoles } : {}),
      ...(opts.dataverseBaseCurrency !== undefined ? { dataverseBaseCurrency: opts.dataverseBaseCurrency.toUpperCase() } : {}),
    },
  };
  let emu: RunningEmulators;
  try {
    emu = await startEmulators(startOptions);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
      const port = e.port ?? opts.port;
      const why = e.code === 'EADDRINUSE' ? 'is already in use' : 'may not be opened by this user';
      throw new UsageError(
        `Port ${port} ${why} (the sandbox listens on ${opts.port}, ${opts.port + 1} and ${opts.port + 2}); pass another --port, or --port 0 for free ports.`,
        { cause: error },
      );
    }
    throw error;
  }
  try {
    const info = sandboxInfo(emu);
    if (deps.out.json) {
      deps.out.io.stdout.write(JSON.stringify(info) + '\n');
    } else {
      const o = deps.out;
      o.line(`Business Central API  ${info.bcUrl}`);
      o.line(`  custom API          ${info.customApiUrl}`);
      o.line(`  company             ${info.company} (${info.companyId})`);
      o.line(`Dataverse             ${info.dataverseUrl}  (Web API ${info.dataverseApiUrl})`);
      o.line(`Token endpoint        ${info.tokenUrl}`);
      o.line(`Tenant id             ${info.tenantId}`);
      o.line(`Client id             ${info.clientId}`);
      o.line(`Client secret         ${info.clientSecret}   (sandbox only; generated for this run)`);
      o.line('');
      o.line('Connect a profile to it with:');
      o.line(`  ${setupCommandLine(info)}`);
      o.info('Sandbox running; Ctrl+C (or SIGTERM) stops it.');
    }
    await opts.until;
  } finally {
    await emu.close();
    deps.out.info('Sandbox stopped.');
  }
}

export const registerSandbox: RegisterCommand = (program: Command, act) => {
  program
    .command('sandbox')
    .description('run emulated Business Central and Dataverse APIs in the foreground (for trying bcsync out and for tests)')
    .option('--seed <seed>', 'data to start with: demo, empty or scale:N', 'demo')
    .option('--port <port>', 'first port (token; Dataverse +1, Business Central +2); 0 picks free ports', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65533) throw new UsageError(`--port "${v}" is not a port number (0-65533).`);
      return n;
    }, 0)
    .addOption(new Option('--latency <model>', 'cost model of the emulated services').choices(['none', 'realistic']).default('none'))
    .option('--faults <rules>', 'inject faults, e.g. "503:0.05" (rate) or "bc/429@3+7" (request numbers); 412 = a person edits the row just before a conditional write')
    .option('--fault-seed <n>', 'seed of the fault generator: the same seed faults the same requests (default: 1)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--fault-seed "${v}" is not a whole number from 0 to 4294967295.`);
      return n;
    })
    .option('--no-custom-api', 'without the companion extension: bcsync/integration/v1.0 answers 404 (try "bcsync doctor")')
    .addOption(
      new Option('--app-user-roles <how>', 'how the Dataverse application user holds its role')
        .choices(['direct', 'team', 'system-administrator', 'team-system-administrator'])
        .default('direct'),
    )
    .option('--dataverse-base-currency <iso>', 'make this seeded currency (e.g. EUR) the Dataverse base currency, unlike BC\'s LCY')
    .addHelpText(
      'after',
      `
Examples:
  $ bcsync sandbox                       demo data on free ports; prints a ready-to-paste setup line
  $ bcsync sandbox --json --port 7070    one JSON object with URLs and credentials (for scripts)
  $ bcsync sandbox --seed scale:10000 --latency realistic --faults 429:0.02
  $ bcsync sandbox --no-custom-api --app-user-roles team   what "bcsync doctor" says about such a tenant`,
    )
    .action((options: Omit<SandboxOptions, 'until'>, cmd: Command) => act(cmd, async (deps) => {
      const until = new Promise<void>((resolve) => {
        if (deps.signal.aborted) resolve();
        deps.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await sandboxRun(deps, { ...options, until });
      return { exitCode: 0, endsOnSignal: true };
    }));
};
