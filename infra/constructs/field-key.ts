import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '#shared/contract/workflow.js';
import { FIELD_CONTEXT_KEYS, FIELD_KEY_ACTIONS, fieldKeyUsesOf } from '#shared/crypto/field-key-access.js';

export interface FieldKeyProps {
  /** Keep the key when the stack goes (with the table: its encrypted fields need it). */
  readonly retain: boolean;
}

/**
 * The KMS key that wraps the data keys of the encrypted result fields (account and routing
 * numbers, owners), apart from the table's key: reading the table, or a backup of it, gives
 * ciphertext unless the reader may also decrypt with this key, which only the results API may.
 */
export class FieldKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: FieldKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'mxflow result fields: account and routing numbers, owner names, addresses, phones, emails',
      enableKeyRotation: true,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  /**
   * Gives each function its FIELD_KEY_ACCESS use of the key, and the key's ARN; the others get
   * neither. Only with mxflow's encryption context (a value's user, member and field).
   */
  grantByAccess(functions: Readonly<Record<string, lambda.Function>>): void {
    for (const [name, fn] of Object.entries(functions)) {
      const uses = fieldKeyUsesOf(name);
      if (uses === undefined) continue;
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: uses.flatMap((use) => FIELD_KEY_ACTIONS[use]),
          resources: [this.key.keyArn],
          conditions: {
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...FIELD_CONTEXT_KEYS] },
            Null: Object.fromEntries(FIELD_CONTEXT_KEYS.map((key) => [`kms:EncryptionContext:${key}`, 'false'])),
          },
        }),
      );
      fn.addEnvironment(ENV.fieldKeyArn, this.key.keyArn);
    }
  }
}
