import { BcsyncError, StateError } from '../errors.js';
import type { Coupling } from './types.js';

/**
 * Coupling a record that is already coupled to another record of the same mapping (docs/integration.md §3: one coupling
 * per BC record and per Dataverse row of a table). Not a state-file problem, so not a StateError.
 */
export class CouplingConflictError extends BcsyncError {
  constructor(
    readonly mapping: string,
    readonly bcId: string,
    readonly dataverseId: string,
    readonly existing: Coupling[],
  ) {
    const what = existing
      .map((c) =>
        c.dataverseId === dataverseId
          ? `Dataverse row ${dataverseId} is already coupled to BC record ${c.bcId}`
          : `BC record ${bcId} is already coupled to Dataverse row ${c.dataverseId}`,
      )
      .join('; ');
    super(`${mapping}: ${what}. Uncouple first, or couple again with replace to move the coupling.`);
  }
}

/** An update or failure was recorded for a coupling that does not exist (a caller bug or a stale id). */
export class CouplingNotFoundError extends BcsyncError {
  constructor(
    readonly mapping: string,
    readonly ids: { bcId?: string; dataverseId?: string },
  ) {
    const which = ids.bcId !== undefined ? `BC record ${ids.bcId}` : `Dataverse row ${ids.dataverseId ?? '(no id)'}`;
    super(`${mapping}: ${which} is not coupled. Couple it first (bcsync couple), or sync to create its counterpart.`);
  }
}

export const RESET_ADVICE =
  'Restore the state directory from a backup, or move it aside to start over ' +
  '(every record is then uncoupled; couple again with `bcsync couple --match`).';

/** The state file is unreadable; names the file and place and says what to do. */
export function corruptState(file: string, where: string, problem: string, cause?: unknown): StateError {
  return new StateError(
    // One line: a parser's message may quote the file's content, newlines included.
    `State file ${file} is corrupt (${where}: ${problem.replace(/\s+/g, ' ').trim()}); it was left untouched. ${RESET_ADVICE}`,
    cause === undefined ? undefined : { cause },
  );
}
