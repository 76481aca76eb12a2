export * from './client.js';
export * from './dialect.js';
export * from './errors.js';
export type { MxPage } from './pagination.js';
export { collectItems, MAX_PAGE_SIZE, MIN_PAGE_SIZE } from './pagination.js';
export type { MxCallRecord } from './transport.js';
