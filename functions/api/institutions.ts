import { apiHandler } from '#shared/api/api-handler.js';
import { institutionOperations } from '#shared/api/operations/institutions.js';
import { apiDeps } from '#shared/runtime/api-runtime.js';

export const handler = apiHandler('institutions', institutionOperations, apiDeps);
