import type { RegisterCommand } from '../main.js';
import { registerSandbox } from './sandbox/sandbox.js';

/** Every subcommand, in the order `--help` lists them. */
export const commandRegistrations: RegisterCommand[] = [registerSandbox];
