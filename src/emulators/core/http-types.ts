/**
 * What an emulated API's handler sees and answers. The listener harness (core/server.ts) owns
 * sockets, the request log, latency, service-protection limits and fault injection; a handler
 * (dataverse/, bc/, token/) owns only the protocol and its data.
 */
export interface EmuRequest {
  method: string;
  /** Decoded path relative to the API base, without leading slash (e.g. `accounts(…)`, `$batch`). */
  path: string;
  /** Raw query string without `?`. */
  rawQuery: string;
  /** Decoded query parameters ($filter, $select, …). */
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /**
   * The body as text when the harness already has it so (the parts of a `$batch`); handlers that read text use
   * it rather than decode `body` again.
   */
  bodyText?: string;
  /** Identity resolved from the bearer token by the harness (undefined on the token endpoint). */
  caller?: { clientId: string; userId: string };
  /** Absolute base URL of this API (for @odata.context, nextLink, OData-EntityId). */
  baseUrl: string;
  /**
   * Asked once per conditional write (If-Match with an ETag, batch parts included) when `412` faults are on:
   * true means a person saved the row just before this write, so the module moves the row's version first.
   */
  concurrentEdit?: () => boolean;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON with the API's content type. */
  body?: string | Buffer | object;
  /** Operations served (batch parts); defaults to 1. Feeds the cost model and the request log. */
  operations?: number;
  /** Rows returned by a read; feeds the cost model and the request log. */
  rows?: number;
  /** A `$batch`: the methods of the requests inside it (change sets included), for the request log. */
  partMethods?: Record<string, number>;
}

export type EmuHandler = (req: EmuRequest) => Promise<EmuResponse> | EmuResponse;
