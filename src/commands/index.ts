import type { RegisterCommand } from '../main.js';
import { registerSandbox } from './sandbox/sandbox.js';
import { registerSetup } from './setup/setup.js';

/** Every subcommand, in the order `--help` lists them. */
export const commandRegistrations: RegisterCommand[] = [registerSetup, registerSandbox];
