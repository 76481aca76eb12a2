import { apiHandler } from '#shared/api/api-handler.js';
import { resultOperations } from '#shared/api/operations/results.js';
import { resultApiDeps } from '#shared/runtime/api-runtime.js';
import { openingFieldCipher } from '#shared/runtime/field-keyring.js';

export const handler = apiHandler('results', resultOperations, resultApiDeps(openingFieldCipher));
