import { apiHandler } from '#shared/api/api-handler.js';
import { jobOperations } from '#shared/api/operations/jobs.js';
import { apiDeps } from '#shared/runtime/api-runtime.js';

export const handler = apiHandler('jobs', jobOperations, apiDeps);
