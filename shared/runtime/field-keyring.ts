import { readFileSync } from 'node:fs';
import { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import {
  type EncryptedDataKey,
  KeyringNode,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { ENV } from '#shared/contract/workflow.js';
import { FieldCipher, type FieldCipherUse } from '#shared/crypto/field-cipher.js';
import type { FieldKeyUse } from '#shared/crypto/field-key-access.js';
import type { ResultFieldCipher } from '#shared/store/result-store.js';

/** The local key's length: AES-256. */
export const LOCAL_FIELD_KEY_BYTES = 32;

/** The local keyring's names, written into each data key it wraps (a key under other names is not tried). */
const LOCAL_KEY_NAMESPACE = 'mxflow-local';
const LOCAL_KEY_NAME = 'field-key';

/** A keyring over a local AES-256 key: the local stack's stand-in for the KMS key. */
export function localFieldKeyring(key: Uint8Array): KeyringNode {
  if (key.length !== LOCAL_FIELD_KEY_BYTES)
    throw new Error(`the local field key must be ${LOCAL_FIELD_KEY_BYTES} bytes, not ${key.length}`);
  return new CheckedLocalKeyring(
    new RawAesKeyringNode({
      keyNamespace: LOCAL_KEY_NAMESPACE,
      keyName: LOCAL_KEY_NAME,
      // A copy of its own: the SDK takes no view into a shared buffer (a file read is one).
      unencryptedMasterKey: new Uint8Array(key),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    }),
  );
}

/** Throws when the running function may not use the key so; see checkLocalFieldKeyUse. */
let localKeyUseCheck: ((use: FieldKeyUse) => void) | undefined;

/**
 * The local stack's twin of the KMS key's grants (FIELD_KEY_ACCESS): each use of the local key
 * (a data key made, or one decrypted) is first checked with `check`, which knows the function
 * running. In AWS, KMS refuses by itself.
 */
export function checkLocalFieldKeyUse(check: ((use: FieldKeyUse) => void) | undefined): void {
  localKeyUseCheck = check;
}

class CheckedLocalKeyring extends KeyringNode {
  constructor(private readonly inner: KeyringNode) {
    super();
  }

  async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    localKeyUseCheck?.('encrypt');
    return this.inner.onEncrypt(material);
  }

  async _onDecrypt(material: NodeDecryptionMaterial, keys: EncryptedDataKey[]): Promise<NodeDecryptionMaterial> {
    localKeyUseCheck?.('decrypt');
    return this.inner.onDecrypt(material, keys);
  }
}

/**
 * The keyring the environment names: the KMS key (FIELD_KEY_ARN; encrypting calls
 * GenerateDataKey, decrypting Decrypt, each allowed only to its function) or, off AWS, the AES
 * key in FIELD_KEY_FILE. Everything else about encryption is the same either way.
 */
export function fieldKeyringOf(env: NodeJS.ProcessEnv): KeyringNode {
  const keyArn = env[ENV.fieldKeyArn];
  if (keyArn) return new KmsKeyringNode({ generatorKeyId: keyArn });
  const keyFile = env[ENV.fieldKeyFile];
  if (keyFile) return localFieldKeyring(readFileSync(keyFile));
  throw new Error(`neither ${ENV.fieldKeyArn} nor ${ENV.fieldKeyFile} is set: result fields cannot be encrypted`);
}

/**
 * FetchResults' and the jobs API's cipher: they encrypt only (their roles may not decrypt), so reads hand
 * out the encrypted values.
 */
export function sealingFieldCipher(): ResultFieldCipher {
  const cipher = new FieldCipher(() => fieldKeyringOf(process.env));
  return { seal: (owner, kind, row) => cipher.seal(owner, kind, row) };
}

/** The users and members APIs' cipher: they encrypt what callers tell about users and members, and decrypt it to answer. */
export function fullFieldCipher(): Required<FieldCipherUse> {
  const cipher = new FieldCipher(() => fieldKeyringOf(process.env));
  return {
    seal: (owner, kind, row) => cipher.seal(owner, kind, row),
    open: (owner, kind, row) => cipher.open(owner, kind, row),
  };
}

/** The results API's cipher: it decrypts what it hands out (its role may not encrypt). */
export function openingFieldCipher(): ResultFieldCipher {
  const cipher = new FieldCipher(() => fieldKeyringOf(process.env));
  return { open: (owner, kind, row) => cipher.open(owner, kind, row) };
}
