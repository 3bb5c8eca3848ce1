import { Command, CommanderError, Option } from 'commander';
import { collectSoonerOncePaced } from './app/memory-policy.js';
import { createDeps, globalsFromEnv, type BaseDeps, type GlobalOptions } from './deps.js';
import { BcsyncError, ExitCode } from './errors.js';
import { processIo, type Io } from './io/io.js';
import { commandRegistrations } from './commands/index.js';
import type { CommandAction, CommandOutcome } from './commands/registry.js';
import { VERSION } from './version.js';

export { VERSION };

/** Exit code per stopping signal (128 + signal number, as shells report it). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.terminated };
export const INTERRUPTED_MESSAGE = 'Interrupted; nothing more was written.';

export const EXIT_CODES_TEXT = `Exit codes: 0 ok, 1 error, 2 usage, 3 configuration/authentication, 4 finished with record failures or
conflicts, 5 state locked or corrupt, 6 a mapping could not run at all, 7 --max-changes/--max-deletes
reached (nothing more written), 130 interrupted (SIGINT), 143 terminated (SIGTERM).`;

export function buildProgram(base: BaseDeps, signal: AbortSignal, settle: (outcome: CommandOutcome) => void): Command {
  const program = new Command('bcsync')
    .description(
      'Couple and synchronize Dynamics 365 Business Central and Dynamics 365 Sales (Dataverse) records.',
    )
    .version(VERSION, '-V, --version')
    .addOption(new Option('--home <dir>', 'where profiles, state and logs live (BCSYNC_HOME)'))
    .addOption(new Option('-p, --profile <name>', 'connection profile to use (BCSYNC_PROFILE)'))
    .option('--json', 'machine-readable JSON on stdout (BCSYNC_JSON=1)')
    .option('-q, --quiet', 'print nothing but data and errors (BCSYNC_QUIET=1)')
    .option('-v, --verbose', 'explain what is happening, secrets masked (BCSYNC_VERBOSE=1)')
    .option('--no-color', 'no colours even on a terminal (BCSYNC_NO_COLOR=1 or NO_COLOR)')
    .addOption(new Option('--progress <mode>', 'progress on stderr: auto (spinner on a terminal, periodic lines elsewhere), plain, json or none (BCSYNC_PROGRESS)').choices(['auto', 'plain', 'json', 'none']))
    .option('--log-file <file>', 'also append every message written to stderr to this file, mode 0600 (BCSYNC_LOG_FILE)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => void base.io.stdout.write(s),
      writeErr: (s) => void base.io.stderr.write(s),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Examples:
  $ bcsync setup                                  interactive connection wizard
  $ bcsync sync --all                             incremental sync of every enabled mapping (cron)
  $ bcsync sync --mapping ITEM-PRODUCT --dry-run  show what would change
  $ bcsync full-sync                              review, then initial synchronization
  $ bcsync status                                 the state of the integration, per mapping
  $ bcsync demo                                   everything above against built-in emulators

Every global flag can also come from a BCSYNC_* environment variable (the flag wins).
${EXIT_CODES_TEXT}`,
  );
  const act: CommandAction = async (cmd, work) => {
    const typed = definedOnly(cmd.optsWithGlobals<GlobalOptions>());
    // --no-color's "true" default must not hide BCSYNC_NO_COLOR: only a typed flag overrides the environment.
    if (cmd.getOptionValueSourceWithGlobals('color') !== 'cli') delete typed.color;
    const deps = createDeps(base, { ...globalsFromEnv(base.io.env), ...typed }, signal);
    try {
      const outcome = await work(deps);
      if (outcome) settle(outcome);
    } finally {
      deps.close();
    }
  };
  for (const register of commandRegistrations) register(program, act);
  for (const sub of program.commands) sub.exitOverride().configureOutput(program.configureOutput());
  return program;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/**
 * A reader that went away (`bcsync log | head`) is not an error: stop writing to it quietly. Without a listener
 * Node throws EPIPE as an uncaught exception with a stack trace.
 */
const tolerant = new WeakSet<object>();
function toleratePipeClose(io: Io): void {
  for (const stream of [io.stdout, io.stderr]) {
    // Kept for the stream's life: the EPIPE of the last write arrives after run() has returned.
    if (tolerant.has(stream)) continue;
    tolerant.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
}

/** Runs the CLI; returns the exit code. The only place outcomes and errors become exit codes. */
export async function run(argv: string[], base: BaseDeps = { io: processIo(), memory: collectSoonerOncePaced() }): Promise<number> {
  const controller = new AbortController();
  const isProcess = base.io.stdout === process.stdout;
  let stoppedBy: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (stoppedBy) {
      // A second signal: the person really wants out now.
      process.exit(SIGNAL_EXIT[name] ?? ExitCode.interrupted);
    }
    stoppedBy = name;
    controller.abort(name);
  };
  toleratePipeClose(base.io);
  // While a command runs, main alone answers SIGINT/SIGTERM: libraries that hook them (atomically's when-exit)
  // re-send the signal to end the process at once, which would skip "stop after the batch in flight". Their
  // 'exit' hooks still run when the process ends.
  const borrowed = isProcess ? (['SIGINT', 'SIGTERM'] as const).flatMap((sig) => process.listeners(sig).map((listener) => ({ sig, listener }))) : [];
  if (isProcess) {
    for (const { sig, listener } of borrowed) process.off(sig, listener);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const signal = base.signal ?? controller.signal;
  const external = base.signal;
  if (external) external.addEventListener('abort', () => (stoppedBy ??= String(external.reason ?? 'SIGINT')), { once: true });
  let outcome: CommandOutcome | undefined;
  const program = buildProgram(base, signal, (o) => (outcome = o));
  let envGlobals: GlobalOptions = {};
  try {
    envGlobals = globalsFromEnv(base.io.env);
  } catch {
    // A bad BCSYNC_* value is reported by the command's own run, as a usage error.
  }
  const json = argv.includes('--json') || Boolean(envGlobals.json);
  try {
    await program.parseAsync(argv);
    if (stoppedBy && !outcome?.endsOnSignal) return interrupted(base, stoppedBy, json);
    return outcome?.exitCode ?? ExitCode.ok;
  } catch (error) {
    if (stoppedBy) return interrupted(base, stoppedBy, json);
    return reportError(error, base, json, argv.includes('--verbose') || argv.includes('-v') || Boolean(envGlobals.verbose));
  } finally {
    if (isProcess) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const { sig, listener } of borrowed) process.on(sig, listener as (signal: NodeJS.Signals) => void);
    }
  }
}

function interrupted(base: BaseDeps, signalName: string, json: boolean): number {
  const code = SIGNAL_EXIT[signalName] ?? ExitCode.interrupted;
  base.io.stderr.write(`${INTERRUPTED_MESSAGE}\n`);
  if (json) writeJsonError(base.io, 'InterruptedError', INTERRUPTED_MESSAGE, code);
  return code;
}

function writeJsonError(io: Io, type: string, message: string, exitCode: number): void {
  io.stdout.write(JSON.stringify({ ok: false, error: { type, message: firstLine(message), exitCode } }) + '\n');
}

const FS_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space',
  EDQUOT: 'the disk quota is used up: free some space',
  EROFS: 'the file system is read-only: pass a writable --home',
  EACCES: 'permission denied: make it writable for this user, or pass another --home',
  EPERM: 'permission denied: make it writable for this user, or pass another --home',
  ENOTDIR: 'a part of the path is a file, not a directory: pass another --home',
};

/** A file-system error (full disk, read-only home) in words, naming the path: not a bug to report. */
export function fileSystemProblem(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException | null;
  const found = e?.code ? FS_PROBLEMS[e.code] : undefined;
  if (!found) return undefined;
  return `Cannot write ${e!.path ?? 'a file under the home directory'} (${e!.code}): ${found}, then run again.`;
}

function reportError(error: unknown, base: BaseDeps, json: boolean, verbose: boolean): number {
  const io = base.io;
  if (error instanceof CommanderError) {
    // --help and --version end with a "CommanderError" too; those are successes.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    // commander already printed its message on stderr; scripts asking for JSON get it on stdout too.
    if (json) writeJsonError(io, 'UsageError', error.message.replace(/^error: /, ''), ExitCode.usage);
    return ExitCode.usage;
  }
  const name = (error as { name?: string } | null)?.name;
  let code: number = ExitCode.error;
  let message: string;
  if (error instanceof BcsyncError) {
    code = error.exitCode;
    message = error.message;
  } else if (name === 'ExitPromptError' || name === 'AbortPromptError') {
    code = ExitCode.interrupted;
    message = INTERRUPTED_MESSAGE;
  } else if (fileSystemProblem(error)) {
    message = fileSystemProblem(error)!;
  } else {
    message = `Unexpected error: ${(error as Error)?.message ?? String(error)}. Run again with --verbose for details, and report it if it persists.`;
  }
  io.stderr.write(`error: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr.write(error.stack + '\n');
  if (json) writeJsonError(io, (error as Error)?.name ?? 'Error', message, code);
  return code;
}
