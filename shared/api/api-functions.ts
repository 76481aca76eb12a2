import type { ApiFunction } from './routes.js';

/** Where each API function's handler lives: CDK bundles it, the local gateway imports it. */
export const apiFunctionEntry = (family: ApiFunction) => `functions/api/${family}.ts`;

/** An API function's name where one table names every function (TABLE_ACCESS) and the local gateway runs it. */
export const apiFunctionName = (family: ApiFunction) => `api-${family}` as const;

/** Every API function's size; 29 s is API Gateway's own limit for an integration. */
export const API_FUNCTION_SIZE = { memoryMb: 512, timeoutSeconds: 29 } as const;
