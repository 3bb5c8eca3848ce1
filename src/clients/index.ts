/** Typed clients for the Dataverse Web API v9.2 and the Business Central API v2.0 (+ bcsync custom API). */
export * as http from './http/index.js';
export * as auth from './auth/index.js';
export * as odata from './odata/index.js';
export * as dataverse from './dataverse/index.js';
export * as bc from './bc/index.js';
export { HttpTransport, type HttpTransportOptions, type RequestEvent, type TransportStats } from './http/index.js';
export { ClientCredentialsTokenProvider, type TokenSource } from './auth/index.js';
export { DataverseClient, type DataverseClientOptions } from './dataverse/index.js';
export { BcClient, type BcClientOptions } from './bc/index.js';
export { validateRecord, validateRecords, type ShapeContext } from './shape.js';
