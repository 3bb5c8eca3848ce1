import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { homeLayout, resolveHome, type HomeLayout } from './config/paths.js';
import { ProfileStore } from './config/profile.js';
import { UsageError } from './errors.js';
import type { Io } from './io/io.js';
import { Output } from './io/output.js';
import { InquirerPrompter, type Prompter } from './io/prompter.js';

/** Options every command accepts (commander global options). */
export interface GlobalOptions {
  home?: string;
  profile?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

/** What `bin/` or a test provides; everything else is derived. */
export interface BaseDeps {
  io: Io;
  prompter?: Prompter;
  clock?: Clock;
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
}

export function createDeps(base: BaseDeps, globals: GlobalOptions, signal: AbortSignal): Deps {
  const env = base.io.env;
  const layout = homeLayout(resolveHome(globals.home, env));
  return {
    io: base.io,
    out: new Output(base.io, { json: globals.json, quiet: globals.quiet, verbose: globals.verbose, color: globals.color }),
    prompter: base.prompter ?? new InquirerPrompter(base.io),
    clock: base.clock ?? systemClock,
    env,
    layout,
    profiles: new ProfileStore(layout.profilesDir),
    profileName: globals.profile ?? env.BCSYNC_PROFILE ?? 'default',
    canPrompt: base.io.stdinIsTTY && base.io.stderrIsTTY && !globals.json,
    signal,
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
