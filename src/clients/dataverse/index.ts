export * from './client.js';
export * from './errors.js';
export * from './table.js';
export * from './tables/index.js';
