import { apiHandler } from '#shared/api/api-handler.js';
import { webhookOperations } from '#shared/api/operations/webhooks.js';
import { apiDeps } from '#shared/runtime/api-runtime.js';

export const handler = apiHandler('webhooks', webhookOperations, apiDeps);
