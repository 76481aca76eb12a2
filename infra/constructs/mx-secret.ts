import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';
import { MX_SECRET_FIELDS, MX_SECRET_PLACEHOLDER } from '#shared/contract/mx-secret.js';

export interface MxSecretProps {
  /** An existing secret to use; otherwise one is created, to be filled in after the deploy. */
  readonly existingSecretArn?: string;
}

/** The command that gives mxflow its MX credentials (or new ones, once they are rotated at MX). */
export const putMxCredentialsCommand = (secretArn: string) =>
  `aws secretsmanager put-secret-value --secret-id ${secretArn} --secret-string '{"client_id":"<MX client id>","api_key":"<MX API key>"}'`;

/**
 * MX's client_id and api_key, as `{"client_id": …, "api_key": …}`; nothing else holds them. A
 * created secret starts as that JSON with placeholders (never a random string, which no reader
 * could tell from a wrong key): mxflow reads it as "not configured" until the operators fill it in.
 */
export class MxSecret extends Construct {
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: MxSecretProps) {
    super(scope, id);
    this.secret = props.existingSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Existing', props.existingSecretArn)
      : new secretsmanager.Secret(this, 'Secret', {
          description: 'MX Platform API credentials for mxflow: {"client_id": "...", "api_key": "..."}',
          // Placeholders, not credentials: the operators put MX's with putMxCredentialsCommand.
          secretObjectValue: Object.fromEntries(
            MX_SECRET_FIELDS.map((field) => [field, SecretValue.unsafePlainText(MX_SECRET_PLACEHOLDER)]),
          ),
          removalPolicy: RemovalPolicy.RETAIN,
        });
    acknowledgeNag(
      this,
      'SMG4',
      "MX issues the API key: it is rotated in MX's client dashboard, then stored here with the command the stack prints.",
    );
  }
}
