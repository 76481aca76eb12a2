import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from './tracer.js';

/** Seconds a read secret is reused: a rotated value reaches every container within this. */
const SECRET_MAX_AGE_SECONDS = 300;

let secrets: SecretsProvider | undefined;

/** Made on first use (the local stack sets its endpoint first), its client traced like the others. */
const secretsProvider = (): SecretsProvider =>
  (secrets ??= new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) }));

/** A JSON secret, read through Powertools' cache. */
export const readJsonSecret = (secretId: string): Promise<unknown> =>
  secretsProvider().get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
