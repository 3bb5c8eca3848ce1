/**
 * Runs the CLI in-process against emulators started by the test, with a profile written by `bcsync setup --yes`
 * into a throwaway home (the real setup command, so sync/full-sync see what a user's profile holds).
 */
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulators } from '../../src/emulators/index.js';
import type { RequestLogEntry, RunningEmulators, StartEmulatorsOptions } from '../../src/emulators/types.js';
import { BufferIo } from '../../src/io/io.js';
import type { Prompter } from '../../src/io/prompter.js';
import { run } from '../../src/main.js';
import type { MemoryPolicy } from '../../src/deps.js';
import type { Clock } from '../../src/clock.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  emu: RunningEmulators;
  home: string;
  stateDir: string;
  cli(args: string[], options?: { tty?: boolean; prompter?: Prompter }): Promise<CliResult>;
  close(): Promise<void>;
}

export function setupArgs(emu: RunningEmulators): string[] {
  return [
    'setup',
    '--yes',
    '--bc-url',
    emu.bc.url,
    '--company',
    emu.bc.companyName,
    '--dataverse-url',
    emu.dataverse.orgUrl,
    '--tenant-id',
    emu.credentials.tenantId,
    '--authority',
    emu.authority,
    '--client-id',
    emu.credentials.clientId,
  ];
}

/**
 * `clock`: the CLI's clock (and the emulators' `now`), e.g. one whose waits pass at once. `memory`: what the CLI
 * is told when a service paces it (the real CLI: V8 collects sooner; here nothing unless given).
 */
export async function startCli(options: StartEmulatorsOptions = {}, deps: { clock?: Clock; memory?: MemoryPolicy } = {}): Promise<CliHarness> {
  const emu = await startEmulators({ seed: 'demo', ...(deps.clock ? { now: deps.clock.now } : {}), ...options });
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-cli-'));
  const cli = async (args: string[], o: { tty?: boolean; prompter?: Prompter } = {}): Promise<CliResult> => {
    const io = new BufferIo({ BCSYNC_CLIENT_SECRET: emu.credentials.clientSecret }, o.tty ?? false);
    const code = await run(['node', 'bcsync', '--home', home, ...args], { io, prompter: o.prompter, clock: deps.clock, memory: deps.memory });
    return { code, stdout: io.stdoutText, stderr: io.stderrText };
  };
  const setup = await cli(setupArgs(emu));
  if (setup.code !== 0) throw new Error(`setup failed (${setup.code}): ${setup.stderr}`);
  return {
    emu,
    home,
    stateDir: path.join(home, 'state', 'default'),
    cli,
    close: async () => {
      await emu.close();
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}

/** Sets limits in the harness's profile file, as a user edits it (key `limits`), keeping the rest. */
export function setProfileLimits(h: CliHarness, limits: Record<string, unknown>): void {
  const file = path.join(h.home, 'profiles', 'default.json');
  const profile = JSON.parse(fsSync.readFileSync(file, 'utf8')) as { limits?: Record<string, unknown> };
  fsSync.writeFileSync(file, JSON.stringify({ ...profile, limits: { ...profile.limits, ...limits } }, null, 2), { mode: 0o600 });
}

/**
 * Writes (POST/PATCH/PUT/DELETE, a $batch with any part that is not a GET) the two APIs saw since the last
 * resetLog. Token requests are not writes, nor is a $batch of GETs only (its parts, from the request log).
 */
export function writesIn(emu: RunningEmulators): string[] {
  const reads = (e: RequestLogEntry) => e.method === 'GET' || (e.partMethods !== undefined && Object.keys(e.partMethods).every((m) => m === 'GET'));
  return emu.requestLog.filter((e) => e.api !== 'token' && !reads(e)).map((e) => `${e.api} ${e.method} ${e.path}`);
}

/** A clock whose waits pass at once (time jumps ahead by the wait): Retry-After honoured without sleeping. */
export function skippingClock(): Clock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      offset += Math.max(0, ms);
    },
  };
}
