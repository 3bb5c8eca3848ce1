export * from './client.js';
export * from './errors.js';
export * from './resource.js';
export * from './resources/index.js';
