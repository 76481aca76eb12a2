import type { ApiFunction } from './routes.js';

/** Where each API function's handler lives: CDK bundles it, the local gateway imports it. */
export const apiFunctionEntry = (family: ApiFunction) => `functions/api/${family}.ts`;
