import { apiHandler } from '#shared/api/api-handler.js';
import { jobOperations } from '#shared/api/operations/jobs.js';
import { jobApiDeps } from '#shared/runtime/api-runtime.js';
import { sealingFieldCipher } from '#shared/runtime/field-keyring.js';

export const handler = apiHandler('jobs', jobOperations, jobApiDeps(sealingFieldCipher));
