import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from './tracer.js';

/** Seconds a read secret is reused: a rotated value reaches every container within this. */
const SECRET_MAX_AGE_SECONDS = 300;

let secrets: SecretsProvider | undefined;

/** Made on first use (the local stack sets its endpoint first), its client traced like the others. */
const secretsProvider = (): SecretsProvider =>
  (secrets ??= new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) }));

/**
 * A secret's JSON text, parsed. Its refusal names the secret only: JSON.parse's own message (and
 * Powertools' transform error, which carries it) quotes the text around the fault, which would
 * put part of the secret into a log, an error or an execution history.
 */
export function parseJsonSecret(text: unknown, name: string): unknown {
  if (typeof text !== 'string') throw new Error(`${name} is not text`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
}

/** A JSON secret, read through Powertools' cache and parsed here (see parseJsonSecret); `name` is what errors call it. */
export const readJsonSecret = async (secretId: string, name = 'the secret'): Promise<unknown> =>
  parseJsonSecret(await secretsProvider().get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS }), name);
