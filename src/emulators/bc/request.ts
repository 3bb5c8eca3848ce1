/**
 * What the Business Central emulator's handlers pass around: a request after transport decoding (batch
 * operations become one too) and the answer before it is sent, with BC's error body.
 */
import { BcError, bcErrorBody } from './errors.js';

/** The API root a request was sent to: standard API v2.0 or the bcsync custom API (docs/custom-api.md). */
export type Api = 'v2.0' | 'custom';

export const API_PREFIX: Record<Api, string> = { 'v2.0': 'v2.0', custom: 'bcsync/integration/v1.0' };

/** A request after transport decoding; batch operations become one of these too. */
export interface InnerRequest {
  method: string;
  /** Path under `…/api/`, e.g. `v2.0/companies(<id>)/customers`. */
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
  /** `…/api` (absolute). */
  baseUrl: string;
  inBatch: boolean;
  /** Fault injection: a person saves the row just before this conditional write (core/http-types.ts). */
  concurrentEdit?: () => boolean;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body?: object | string;
  rows: number;
  operations?: number;
}

export function errorAnswer(e: BcError): Answer {
  return { status: e.status, headers: {}, body: bcErrorBody(e.code, e.message), rows: 0 };
}
