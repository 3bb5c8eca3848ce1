/**
 * The cached environment of a profile (integration user, company row, currencies, exchange rates):
 * `environment.json` in the state directory, written atomically with mode 0600 like every state file. The
 * wiring decides what goes in and when it is stale; this module only keeps it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMissing, writeFileAtomicStream } from './files.js';

export const ENVIRONMENT_FILE = 'environment.json';

/** The cached document, or undefined when there is none or it is not JSON (it is only a cache). */
export async function readEnvironmentCache(stateDir: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(path.join(stateDir, ENVIRONMENT_FILE), 'utf8')) as unknown;
  } catch (error) {
    if (isMissing(error) || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export async function writeEnvironmentCache(stateDir: string, value: unknown): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomicStream(path.join(stateDir, ENVIRONMENT_FILE), [JSON.stringify(value, null, 2) + '\n'], 0o600);
}
