import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { homeLayout, resolveHome, type HomeLayout } from './config/paths.js';
import { ProfileStore } from './config/profile.js';
import { BcsyncError, ConfigError, UsageError } from './errors.js';
import fs from 'node:fs';
import type { Io } from './io/io.js';
import { Output, PROGRESS_MODES, type ProgressMode } from './io/output.js';
import { InquirerPrompter, type Prompter } from './io/prompter.js';

/** What the process does about its memory once a service paces the run (the CLI's: `src/app/memory-policy.ts`). */
export interface MemoryPolicy {
  /**
   * A service paces the run: a throttled answer's Retry-After started a pause, or Dataverse found the run to be one
   * its execution budget will pace (`DataverseSide.expectCreates`).
   */
  servicePaced(): void;
}

/** Options every command accepts (commander global options). */
export interface GlobalOptions {
  home?: string;
  profile?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  progress?: ProgressMode;
  logFile?: string;
}

const truthy = (value: string | undefined): boolean | undefined =>
  value === undefined || value === '' ? undefined : !/^(0|false|no|off)$/i.test(value.trim());

/**
 * Every global flag read from its BCSYNC_* variable (a typed flag wins over it): BCSYNC_HOME, BCSYNC_PROFILE,
 * BCSYNC_JSON, BCSYNC_QUIET, BCSYNC_VERBOSE, BCSYNC_NO_COLOR, BCSYNC_PROGRESS, BCSYNC_LOG_FILE.
 */
export function globalsFromEnv(env: Record<string, string | undefined>): GlobalOptions {
  const globals: GlobalOptions = {};
  if (env.BCSYNC_HOME) globals.home = env.BCSYNC_HOME;
  if (env.BCSYNC_PROFILE) globals.profile = env.BCSYNC_PROFILE;
  const json = truthy(env.BCSYNC_JSON);
  if (json !== undefined) globals.json = json;
  const quiet = truthy(env.BCSYNC_QUIET);
  if (quiet !== undefined) globals.quiet = quiet;
  const verbose = truthy(env.BCSYNC_VERBOSE);
  if (verbose !== undefined) globals.verbose = verbose;
  if (truthy(env.BCSYNC_NO_COLOR)) globals.color = false;
  if (env.BCSYNC_PROGRESS) {
    const mode = env.BCSYNC_PROGRESS.trim().toLowerCase() as ProgressMode;
    if (!PROGRESS_MODES.includes(mode)) {
      throw new UsageError(`BCSYNC_PROGRESS="${env.BCSYNC_PROGRESS}" is not a progress mode; set it to ${PROGRESS_MODES.join(', ')} or unset it.`);
    }
    globals.progress = mode;
  }
  if (env.BCSYNC_LOG_FILE) globals.logFile = env.BCSYNC_LOG_FILE;
  return globals;
}

/** What `bin/` or a test provides; everything else is derived. */
export interface BaseDeps {
  io: Io;
  prompter?: Prompter;
  clock?: Clock;
  /** Stands in for SIGINT/SIGTERM in tests: aborting it with reason 'SIGTERM' stops the run as that signal would. */
  signal?: AbortSignal;
  /** What the process does about its memory once a service paces the run (the CLI: V8 collects sooner). Default: nothing. */
  memory?: MemoryPolicy;
}

/** The dependencies a command's `run` function receives. Commands never touch `process`. */
export interface Deps {
  io: Io;
  out: Output;
  prompter: Prompter;
  clock: Clock;
  env: Record<string, string | undefined>;
  layout: HomeLayout;
  profiles: ProfileStore;
  profileName: string;
  /** A person can answer prompts: stdin and stderr are terminals. */
  canPrompt: boolean;
  /** Aborted on SIGINT/SIGTERM (wired by main). */
  signal: AbortSignal;
  memory: MemoryPolicy;
  /** Releases what the deps opened (the --log-file). */
  close(): void;
}

function isFile(p: string): boolean {
  try {
    return !fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function createDeps(base: BaseDeps, globals: GlobalOptions, signal: AbortSignal): Deps {
  const env = base.io.env;
  if (globals.home !== undefined && globals.home.trim() === '') {
    throw new UsageError('--home (or BCSYNC_HOME) is empty; pass the directory that holds the profiles, or leave it out for the default.');
  }
  const layout = homeLayout(resolveHome(globals.home, env));
  if (isFile(layout.home)) {
    throw new ConfigError(`The home ${layout.home} is a file, not a directory; pass a directory with --home (or BCSYNC_HOME), or leave it out for the default.`);
  }
  const clock = base.clock ?? systemClock;
  let out: Output;
  try {
    out = new Output(base.io, {
      json: globals.json,
      quiet: globals.quiet,
      verbose: globals.verbose,
      color: globals.color,
      progress: globals.progress,
      logFile: globals.logFile,
      clock,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  return {
    io: base.io,
    out,
    prompter: base.prompter ?? new InquirerPrompter(base.io, { color: globals.color !== false && env.NO_COLOR === undefined }),
    clock,
    env,
    layout,
    profiles: new ProfileStore(layout.profilesDir),
    profileName: globals.profile ?? env.BCSYNC_PROFILE ?? 'default',
    canPrompt: base.io.stdinIsTTY && base.io.stderrIsTTY && !globals.json,
    signal,
    // In-process callers (tests) keep their heap as it is unless they pass a policy.
    memory: base.memory ?? { servicePaced: () => undefined },
    close: () => out.close(),
  };
}

/**
 * Asks only when a person is there; otherwise fails at once with the flag to pass (never hangs on a prompt).
 */
export async function askOrFail<T>(deps: Deps, flag: string, what: string, ask: () => Promise<T>): Promise<T> {
  if (!deps.canPrompt) {
    throw new UsageError(`Missing ${flag}: ${what}. Pass ${flag} (no terminal to ask on).`);
  }
  return ask();
}

/**
 * A destructive action asks first on a terminal; scripts confirm with --yes; without a terminal and without
 * --yes it is refused (exit 2, naming --yes). A person who says no gets exit 1 and nothing changed.
 */
export async function confirmDestructive(deps: Deps, yes: boolean | undefined, action: string): Promise<void> {
  if (yes) return;
  if (!deps.canPrompt) {
    throw new UsageError(`${action}: pass --yes to confirm (no terminal to ask on), or --dry-run to see what it would do.`);
  }
  const go = await deps.prompter.confirm({ message: `${action}. Continue?`, default: false });
  if (!go) throw new CancelledError('Cancelled; nothing was changed.');
}

/** A person answered "no" to a confirmation. */
export class CancelledError extends BcsyncError {}
