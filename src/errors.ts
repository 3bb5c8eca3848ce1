/**
 * Errors are classified once, where they arise; `main.ts` maps them to exit codes once.
 * Every message's first line says what was wrong and what to do.
 */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  config: 3,
  partial: 4,
  state: 5,
  /** A mapping could not run at all (entity set missing, no permission, companion extension missing). */
  unavailable: 6,
  /** `--max-changes` / `--max-deletes` stopped the run before it wrote more than allowed. */
  changeLimit: 7,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class BcsyncError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.error;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments. */
export class UsageError extends BcsyncError {
  override readonly exitCode = ExitCode.usage;
}

/** Missing, invalid or unsupported configuration (profile, connection string, options). */
export class ConfigError extends BcsyncError {
  override readonly exitCode = ExitCode.config;
}

/** The identity provider refused us, or an API said 401/403. */
export class AuthError extends BcsyncError {
  override readonly exitCode = ExitCode.config;
  constructor(
    message: string,
    readonly details: { status?: number; serviceCode?: string; requestId?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ApiName = 'bc' | 'dataverse' | 'token';

/** An API answered with an error status (after retries, where retrying was allowed). */
export class ApiError extends BcsyncError {
  constructor(
    message: string,
    readonly api: ApiName,
    readonly status: number,
    readonly serviceCode: string | undefined,
    readonly requestId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Optimistic concurrency failed: the record changed since we read it (Dataverse 412, BC 409/412). */
export class ConflictError extends ApiError {}

/** The record does not exist (404). */
export class NotFoundError extends ApiError {}

/**
 * A whole entity set (collection URL) does not exist in this environment: an API page or table is missing,
 * not a record. Against Business Central's bcsync/integration/v1.0 this means the companion extension is not
 * installed; the fix is an installation or a URL, never a re-coupling.
 */
export class EntitySetMissingError extends ApiError {
  constructor(
    message: string,
    api: ApiName,
    status: number,
    serviceCode: string | undefined,
    requestId: string | undefined,
    /** The entity set that is missing (`resources`, `accounts`). */
    readonly entitySet: string,
    options?: { cause?: unknown },
  ) {
    super(message, api, status, serviceCode, requestId, options);
  }
}

/** Service protection limits were still hit after every allowed retry. */
export class ThrottledError extends ApiError {}

/** The request never got an answer (connection reset, timeout) and could not be retried safely. */
export class TransportError extends BcsyncError {
  constructor(
    message: string,
    readonly api: ApiName,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A response did not have the shape we need. Names the resource, the record id and the property. */
export class ResponseShapeError extends BcsyncError {
  constructor(
    readonly resource: string,
    readonly recordId: string | undefined,
    readonly property: string,
    problem: string,
  ) {
    super(
      `${resource} record ${recordId ?? '(no id)'}: property "${property}" ${problem}. ` +
        'The API answered with an unexpected shape; check the API version and any extension that changes this resource.',
    );
  }
}

/** The local state file is corrupt, newer than this version, or locked by another process. */
export class StateError extends BcsyncError {
  override readonly exitCode = ExitCode.state;
}

/** The user interrupted (Ctrl+C / SIGINT). */
export class InterruptedError extends BcsyncError {
  override readonly exitCode = ExitCode.interrupted;
}

/** A run would write more than `--max-changes` / `--max-deletes` allow; nothing beyond the limit was written. */
export class ChangeLimitError extends BcsyncError {
  override readonly exitCode = ExitCode.changeLimit;
  constructor(
    message: string,
    readonly limit: { kind: 'changes' | 'deletes'; max: number; planned: number; mapping: string },
  ) {
    super(message);
  }
}
