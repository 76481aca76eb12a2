import { apiHandler } from '#shared/api/api-handler.js';
import { memberOperations } from '#shared/api/operations/members.js';
import { jobApiDeps } from '#shared/runtime/api-runtime.js';

export const handler = apiHandler('members', memberOperations, jobApiDeps);
