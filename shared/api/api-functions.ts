import type { ApiFunction } from './routes.js';

/** Where each API function's handler lives: CDK bundles it, the local gateway imports it. */
export const apiFunctionEntry = (family: ApiFunction) => `functions/api/${family}.ts`;

/** Every API function's size; 29 s is API Gateway's own limit for an integration. */
export const API_FUNCTION_SIZE = { memoryMb: 512, timeoutSeconds: 29 } as const;
