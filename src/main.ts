import { Command, CommanderError, Option } from 'commander';
import { createDeps, type BaseDeps, type Deps, type GlobalOptions } from './deps.js';
import { BcsyncError, ExitCode } from './errors.js';
import { processIo } from './io/io.js';
import { commandRegistrations } from './commands/index.js';

export const VERSION = '0.1.0';

/** A command's registration: wires flags, then calls its `run` with deps built from the global options. */
export type RegisterCommand = (program: Command, deps: (cmd: Command) => Deps) => void;

export function buildProgram(base: BaseDeps, signal: AbortSignal): Command {
  const program = new Command('bcsync')
    .description(
      'Couple and synchronize Dynamics 365 Business Central and Dynamics 365 Sales (Dataverse) records.',
    )
    .version(VERSION, '-V, --version')
    .addOption(new Option('--home <dir>', 'where profiles, state and logs live').env('BCSYNC_HOME'))
    .addOption(new Option('-p, --profile <name>', 'connection profile to use').env('BCSYNC_PROFILE'))
    .option('--json', 'machine-readable JSON on stdout')
    .option('-q, --quiet', 'print nothing but data and errors')
    .option('-v, --verbose', 'explain what is happening (secrets are masked)')
    .option('--no-color', 'no colours even on a terminal')
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
  $ bcsync demo                                   everything above against built-in emulators

Exit codes: 0 ok, 1 error, 2 usage, 3 configuration/authentication, 4 finished with record failures or
conflicts, 5 state locked or corrupt, 130 interrupted.`,
  );
  const depsFor = (cmd: Command): Deps => createDeps(base, cmd.optsWithGlobals<GlobalOptions>(), signal);
  for (const register of commandRegistrations) register(program, depsFor);
  for (const sub of program.commands) sub.exitOverride().configureOutput(program.configureOutput());
  return program;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** Runs the CLI; returns the exit code. The only place errors become exit codes. */
export async function run(argv: string[], base: BaseDeps = { io: processIo() }): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  const isProcess = base.io.stdout === process.stdout;
  if (isProcess) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const program = buildProgram(base, controller.signal);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return commandExitCode(program);
  } catch (error) {
    return reportError(error, base, json, argv.includes('--verbose') || argv.includes('-v'));
  } finally {
    if (isProcess) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** Commands report a non-error, non-zero outcome (e.g. 4: record failures) by setting this on the program. */
export function setCommandExitCode(cmd: Command, code: number): void {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  (root as Command & { bcsyncExitCode?: number }).bcsyncExitCode = code;
}

function commandExitCode(program: Command): number {
  return (program as Command & { bcsyncExitCode?: number }).bcsyncExitCode ?? ExitCode.ok;
}

function reportError(error: unknown, base: BaseDeps, json: boolean, verbose: boolean): number {
  const io = base.io;
  if (error instanceof CommanderError) {
    // --help and --version end with a "CommanderError" too; those are successes.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
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
    message = 'Interrupted; nothing more was written.';
  } else {
    message = `Unexpected error: ${(error as Error)?.message ?? String(error)}. Run again with --verbose for details, and report it if it persists.`;
  }
  io.stderr.write(`error: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr.write(error.stack + '\n');
  if (json) {
    io.stdout.write(
      JSON.stringify({ ok: false, error: { type: (error as Error)?.name ?? 'Error', message: firstLine(message), exitCode: code } }) + '\n',
    );
  }
  return code;
}
