import { apiHandler } from '#shared/api/api-handler.js';
import { userOperations } from '#shared/api/operations/users.js';
import { userApiDeps } from '#shared/runtime/api-runtime.js';
import { fullFieldCipher } from '#shared/runtime/field-keyring.js';

export const handler = apiHandler('users', userOperations, userApiDeps(fullFieldCipher));
