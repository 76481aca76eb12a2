import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';

export interface SharedSecretProps {
  readonly description: string;
  /** The secret's JSON: `fixed` fields as given, `generatedKey` a random string of `length`. */
  readonly fixed?: Record<string, string>;
  readonly generatedKey: string;
  readonly length: number;
  /** Who else holds it, so it is rotated by hand on both sides (cdk-nag's SMG4). */
  readonly sharedWith: string;
}

/**
 * A secret mxflow generates and shares with a party outside AWS (MX's dashboard, the fintech's
 * receiver): a JSON object with one random field, letters and digits only.
 */
export function sharedSecret(scope: Construct, id: string, props: SharedSecretProps): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, id, {
    description: props.description,
    generateSecretString: {
      secretStringTemplate: JSON.stringify(props.fixed ?? {}),
      generateStringKey: props.generatedKey,
      passwordLength: props.length,
      excludePunctuation: true,
    },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledgeNag(secret, 'SMG4', `${props.sharedWith} holds a copy: it is rotated there and here together, by hand.`);
  return secret;
}
