import { randomBytes } from 'node:crypto';
import {
  type EncryptedDataKey,
  KeyringNode,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/material-management-node';
import { localFieldKeyring } from '#shared/runtime/field-keyring.js';

/**
 * The local AES keyring, counting how often it is asked for a new data key and to decrypt one:
 * what KMS's GenerateDataKey and Decrypt calls would be with the KMS keyring in its place.
 */
export class CountingKeyring extends KeyringNode {
  dataKeys = 0;
  decrypts = 0;
  private readonly inner: KeyringNode;

  constructor(key: Uint8Array = randomBytes(32)) {
    super();
    this.inner = localFieldKeyring(key);
  }

  async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    this.dataKeys += 1;
    return this.inner.onEncrypt(material);
  }

  async _onDecrypt(material: NodeDecryptionMaterial, keys: EncryptedDataKey[]): Promise<NodeDecryptionMaterial> {
    this.decrypts += 1;
    return this.inner.onDecrypt(material, keys);
  }
}
