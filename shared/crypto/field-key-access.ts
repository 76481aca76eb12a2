/** What a function may do with the key that wraps the result fields' data keys. */
export type FieldKeyUse = 'encrypt' | 'decrypt';

/**
 * Who uses the field key, and how: the one declaration the KMS grants are derived from
 * (infra/constructs/field-key.ts) and the local key enforces (shared/runtime/field-keyring.ts).
 * FetchResults, which writes results, may only have data keys made (it can never read a stored
 * value back); the results API, which hands account numbers and owners out, may only decrypt.
 * The users and members APIs write and hand back what callers tell about users and members
 * (emails, metadata, a member's kept answer); the jobs API may only write a member it adopts.
 * Keyed by function name, as TABLE_ACCESS is; every other function has no use of the key.
 */
export const FIELD_KEY_ACCESS = {
  FetchResultsFunction: ['encrypt'],
  'api-results': ['decrypt'],
  'api-users': ['encrypt', 'decrypt'],
  'api-members': ['encrypt', 'decrypt'],
  'api-jobs': ['encrypt'],
} as const satisfies Record<string, readonly FieldKeyUse[]>;

/** The KMS actions of each use: a data key made for encrypting, an encrypted data key decrypted. */
export const FIELD_KEY_ACTIONS = {
  encrypt: ['kms:GenerateDataKey'],
  decrypt: ['kms:Decrypt'],
} as const satisfies Record<FieldKeyUse, readonly string[]>;

/** How a function may use the field key; undefined: not at all. */
export function fieldKeyUsesOf(functionName: string): readonly FieldKeyUse[] | undefined {
  return (FIELD_KEY_ACCESS as Record<string, readonly FieldKeyUse[]>)[functionName];
}

/** The encryption context keys every field value carries (fieldContext): the KMS grants require them. */
export const FIELD_CONTEXT_KEYS = ['mxflow:user_guid', 'mxflow:member_guid', 'mxflow:field'] as const;
