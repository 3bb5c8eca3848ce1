import type { EmuHandler } from './http-types.js';
import type { EmulatorDataAccess } from '../types.js';

/**
 * One emulated API (Dataverse or Business Central) as the listener harness sees it.
 * The harness authenticates the caller, applies limits/faults/latency and logs; the module speaks the protocol.
 */
export interface EmulatedApiModule {
  handler: EmuHandler;
  /** In-process access for tests and the demo ("a person edits a record"). */
  data: EmulatorDataAccess;
  /** An error body in this API's own shape, for answers the harness makes itself (401, 429, injected 5xx). */
  errorBody(code: string, message: string): object;
  /** Service error codes this API uses for the harness's own answers. */
  errorCodes: {
    unauthorized: string;
    /** Request-rate limit exceeded. */
    rateLimited: string;
    /** Too many concurrent requests. */
    concurrencyLimited: string;
    /** Combined execution time in the window exceeded (Dataverse); the rate-limit code when absent. */
    executionTimeLimited?: string;
    /** Injected 502/503/504. */
    unavailable: string;
    /** A URL that does not match the API's base path at all (default `NotFound`). */
    notFound?: string;
    /** The handler threw (default `InternalServerError`). */
    internal?: string;
  };
}
