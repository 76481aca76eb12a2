import { apiHandler } from '#shared/api/api-handler.js';
import { userOperations } from '#shared/api/operations/users.js';
import { jobApiDeps } from '#shared/runtime/api-runtime.js';

export const handler = apiHandler('users', userOperations, jobApiDeps);
