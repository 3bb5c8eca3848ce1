/** Shared shapes of the two `$batch` codecs (multipart for Dataverse, JSON for Business Central). */

export type BatchMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request inside a batch, as it goes on the wire. */
export interface BatchOperation {
  method: BatchMethod;
  /**
   * Dataverse: the request line target (an absolute path such as `/api/data/v9.2/accounts`, an absolute URL,
   * or a `$n` Content-ID reference). Business Central: a URL relative to the API root (`companies(<id>)/items`).
   */
  url: string;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: unknown;
  /** Dataverse changesets: lets later operations refer to this one as `$<contentId>`. */
  contentId?: string;
}

/**
 * What became of one operation.
 * - `done`: the service executed it (ok tells whether it succeeded).
 * - `failed`: it was executed and failed.
 * - `rolled-back`: it succeeded or was pending inside a transaction (changeset / Isolation: snapshot) that
 *   failed elsewhere, so nothing of it remains.
 * - `not-executed`: the batch stopped at an earlier failure before reaching it.
 */
export type BatchOutcome = 'done' | 'failed' | 'rolled-back' | 'not-executed';

export interface RawBatchResult {
  ok: boolean;
  /** HTTP status of the operation; 0 when it was not executed. */
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON when the part had a JSON body, the text otherwise, undefined when empty. */
  body: unknown;
  outcome: BatchOutcome;
  contentId?: string;
}

export class BatchFormatError extends Error {}

/** The result of an operation the service never reached (it stopped at an earlier failure). */
export function notExecuted(): RawBatchResult {
  return { ok: false, status: 0, headers: {}, body: undefined, outcome: 'not-executed' };
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

export function parseBodyText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
