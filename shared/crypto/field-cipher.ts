// The Encryption SDK's own packages, not its client-node umbrella: that one also loads the RSA
// keyring and the branch keystore (with a DynamoDB client of their own), which no function uses.
import {
  getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager,
} from '@aws-crypto/caching-materials-manager-node';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, CommitmentPolicy, type KeyringNode } from '@aws-crypto/material-management-node';
import { FIELD_CONTEXT_KEYS } from './field-key-access.js';
import { SENSITIVE_FIELDS, type SealedKind } from './sensitive-fields.js';

/**
 * Whose values a row holds: each encrypted value is bound to them. A user's own values (its
 * item, a kept answer about it) name the user as their member too (userOwner): one context shape.
 */
export interface FieldOwner {
  readonly userGuid: string;
  readonly memberGuid: string;
}

/**
 * How long and how much one data key is used. A data key comes from the keyring (KMS's
 * GenerateDataKey, or the local AES key) once per owner and field, then serves up to this many
 * values or this long; a decrypted one serves every value it sealed for as long. A page of 1,000
 * owners is then about one keyring call per field, not one per value.
 */
export const FIELD_KEY_CACHE = { maxAgeSeconds: 300, maxMessages: 10_000, entries: 1_000 } as const;

/**
 * AES-256-GCM with key commitment and no signature. Committing: a value decrypts under one data
 * key only. Unsigned: a signature (ECDSA P-384) would cost a signing per value and ~100 bytes
 * more each; it protects against a reader forging values, and here only FetchResults may
 * generate data keys and write results, while the encryption context ties each value to its place.
 */
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

/** The largest message a stored field may be (a value is at most a few hundred bytes). */
const MAX_SEALED_BYTES = 16 * 1024;

/** A stored value whose encryption context names another owner or field: it was moved, not written there. */
export class SealedFieldMismatch extends Error {
  override readonly name = 'SealedFieldMismatch';
}

/** The encryption context of one field of one owner's rows of a kind. */
export function fieldContext(owner: FieldOwner, kind: SealedKind, field: string): Record<string, string> {
  const [user, member, fieldKey] = FIELD_CONTEXT_KEYS;
  return { [user]: owner.userGuid, [member]: owner.memberGuid, [fieldKey]: `${kind}.${field}` };
}

type Row = Record<string, unknown>;

/** What a store is given of the cipher: `seal` where its function may encrypt, `open` where it may decrypt. */
export type FieldCipherUse = Partial<Pick<FieldCipher, 'seal' | 'open'>>;

type FieldSdk = ReturnType<typeof buildEncrypt> & ReturnType<typeof buildDecrypt>;

/**
 * Encrypts and decrypts the sensitive fields of result rows (and of users, members, kept answers), each value a message of the AWS
 * Encryption SDK (stored as DynamoDB binary), through a caching materials manager over the
 * keyring. Which keyring (KMS, or a local AES key) is the caller's choice; the code path is one.
 */
export class FieldCipher {
  private materials: NodeCachingMaterialsManager | undefined;
  private client: FieldSdk | undefined;

  /** `keyring` is asked for on first use: a function that never seals or opens needs no key. */
  constructor(private readonly keyring: () => KeyringNode) {}

  /** The row with each sensitive value encrypted; values already encrypted (a stored row copied) are kept. */
  async seal<T extends Row>(owner: FieldOwner, kind: SealedKind, row: T): Promise<T> {
    const sealed: Row = { ...row };
    await Promise.all(
      SENSITIVE_FIELDS[kind].map(async (field) => {
        const value = row[field];
        if (value === null || value === undefined || value instanceof Uint8Array) return;
        const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
        const { result } = await this.sdk().encrypt(this.cmm(), plaintext, {
          suiteId: SUITE,
          encryptionContext: fieldContext(owner, kind, field),
          plaintextLength: plaintext.length,
        });
        sealed[field] = result;
      }),
    );
    return sealed as T;
  }

  /**
   * The row with its encrypted values decrypted. A value whose encryption context is not this
   * owner's and field's throws SealedFieldMismatch: it was sealed for another member's row.
   */
  async open<T extends Row>(owner: FieldOwner, kind: SealedKind, row: T): Promise<T> {
    const opened: Row = { ...row };
    await Promise.all(
      SENSITIVE_FIELDS[kind].map(async (field) => {
        const value = row[field];
        if (!(value instanceof Uint8Array)) return;
        const { plaintext, messageHeader } = await this.sdk().decrypt(this.cmm(), value, {
          maxBodySize: MAX_SEALED_BYTES,
        });
        const expected = fieldContext(owner, kind, field);
        const found = messageHeader.encryptionContext;
        if (Object.entries(expected).some(([key, wanted]) => found[key] !== wanted))
          throw new SealedFieldMismatch(`a stored ${kind}.${field} value was sealed for another member or field`);
        opened[field] = JSON.parse(plaintext.toString('utf8'));
      }),
    );
    return opened as T;
  }

  private sdk(): FieldSdk {
    this.client ??= {
      ...buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT),
      ...buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT),
    };
    return this.client;
  }

  private cmm(): NodeCachingMaterialsManager {
    this.materials ??= new NodeCachingMaterialsManager({
      backingMaterials: this.keyring(),
      cache: getLocalCryptographicMaterialsCache(FIELD_KEY_CACHE.entries),
      maxAge: FIELD_KEY_CACHE.maxAgeSeconds * 1000,
      maxMessagesEncrypted: FIELD_KEY_CACHE.maxMessages,
    });
    return this.materials;
  }
}
