import { apiHandler } from '#shared/api/api-handler.js';
import { memberOperations } from '#shared/api/operations/members.js';
import { memberApiDeps } from '#shared/runtime/api-runtime.js';
import { fullFieldCipher } from '#shared/runtime/field-keyring.js';

export const handler = apiHandler('members', memberOperations, memberApiDeps(fullFieldCipher));
