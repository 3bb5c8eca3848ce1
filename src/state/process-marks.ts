/**
 * Watermarks of business processes that are not times: BC's "Last Update Invoice Entry No." (the customer ledger
 * entry number up to which payment status was read, docs/integration.md §8.4). `process-marks.json` in the state
 * directory, written atomically with mode 0600 under the state lock. A mark only moves forward; a mark lost to a
 * crash means the entries after the older mark are read again, which writes nothing new.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StateError } from '../errors.js';
import { isMissing, writeFileAtomicStream } from './files.js';

export const PROCESS_MARKS_FILE = 'process-marks.json';

const marksSchema = z.record(z.string(), z.number().int().nonnegative());

async function readAll(stateDir: string): Promise<Record<string, number>> {
  const file = path.join(stateDir, PROCESS_MARKS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StateError(`${file} is not JSON; delete it to read the customer ledger from its first entry again.`);
  }
  const marks = marksSchema.safeParse(parsed);
  if (!marks.success) throw new StateError(`${file} does not hold entry numbers; delete it to read the customer ledger from its first entry again.`);
  return marks.data;
}

/** The mark of a process, 0 when it never ran. */
export async function readProcessMark(stateDir: string, name: string): Promise<number> {
  return (await readAll(stateDir))[name] ?? 0;
}

/** Moves a process's mark forward (an older or equal value is ignored). */
export async function advanceProcessMark(stateDir: string, name: string, value: number): Promise<void> {
  const marks = await readAll(stateDir);
  if ((marks[name] ?? 0) >= value) return;
  marks[name] = value;
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomicStream(path.join(stateDir, PROCESS_MARKS_FILE), [JSON.stringify(marks, null, 2) + '\n'], 0o600);
}
