export * from './literals.js';
export * from './query.js';
export * from './pager.js';
export * from './batch-types.js';
export * from './multipart-batch.js';
export * from './json-batch.js';
