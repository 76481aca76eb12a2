import { randomBytes } from 'node:crypto';
import { FieldCipher, type FieldCipherUse } from '#shared/crypto/field-cipher.js';
import { localFieldKeyring } from '#shared/runtime/field-keyring.js';

/** A cipher over a fresh local key, as a store of a function that may encrypt, decrypt, or both is given it. */
export function testFieldCiphers(): {
  both: Required<FieldCipherUse>;
  sealOnly: FieldCipherUse;
  openOnly: FieldCipherUse;
} {
  const cipher = new FieldCipher(() => localFieldKeyring(randomBytes(32)));
  const seal = cipher.seal.bind(cipher);
  const open = cipher.open.bind(cipher);
  return { both: { seal, open }, sealOnly: { seal }, openOnly: { open } };
}
