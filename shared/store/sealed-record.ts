import type { FieldCipherUse, FieldOwner } from '#shared/crypto/field-cipher.js';
import { SENSITIVE_FIELDS, type SealedKind } from '#shared/crypto/sensitive-fields.js';

type Row = Record<string, unknown>;

/**
 * The record with its sensitive fields encrypted. A store whose function may not encrypt
 * refuses a record that holds one in plaintext, rather than writing it readable.
 */
export async function sealRecord<T extends object>(
  fields: FieldCipherUse,
  owner: FieldOwner,
  kind: SealedKind,
  record: T,
): Promise<T> {
  if (fields.seal) return (await fields.seal(owner, kind, record as Row)) as T;
  const row = record as Row;
  const plain = SENSITIVE_FIELDS[kind].filter((f) => row[f] != null && !(row[f] instanceof Uint8Array));
  if (plain.length > 0)
    throw new Error(`this function may not encrypt ${kind} fields: ${plain.join(', ')} not written`);
  return record;
}

/**
 * The record with its encrypted fields decrypted. A store whose function may not decrypt hands
 * them out encrypted: such a function reads the record for its guids and state, never shows them.
 */
export async function openRecord<T extends object>(
  fields: FieldCipherUse,
  owner: FieldOwner,
  kind: SealedKind,
  record: T,
): Promise<T> {
  return fields.open ? ((await fields.open(owner, kind, record as Row)) as T) : record;
}
