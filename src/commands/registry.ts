import type { Command } from 'commander';
import type { Deps } from '../deps.js';

/** What a command's `*Run` hands back: main.ts alone turns it into the process's exit code. */
export interface CommandOutcome {
  exitCode: number;
  /** A signal is how this command normally ends (the sandbox runs until stopped): its own exit code stands. */
  endsOnSignal?: boolean;
}

/**
 * Runs a command's work with deps built from its global options and hands its outcome to main.ts.
 * Commands never set exit codes themselves and never import the launcher.
 */
export type CommandAction = (cmd: Command, work: (deps: Deps) => Promise<CommandOutcome | void>) => Promise<void>;

/** A command's registration: wires its flags and calls `act` with its `*Run`. */
export type RegisterCommand = (program: Command, act: CommandAction) => void;
