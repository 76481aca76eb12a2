import { apiHandler } from '#shared/api/api-handler.js';
import { resultOperations } from '#shared/api/operations/results.js';
import { apiDeps } from '#shared/runtime/api-runtime.js';

export const handler = apiHandler('results', resultOperations, apiDeps);
