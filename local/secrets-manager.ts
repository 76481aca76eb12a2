import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AwsServiceError, awsJsonProtocol } from './aws-json-protocol.js';
import { listen } from './http-server.js';

export interface LocalSecretsManager {
  /** e.g. `http://127.0.0.1:4566`; use as `endpoint` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** Creates the secret, or makes `value` its new current version (a rotation). */
  putSecret(name: string, value: string): void;
  /** Closes the server and every open (keep-alive) socket. */
  stop(): Promise<void>;
}

export interface LocalSecretsManagerOptions {
  /** 0 (the default) picks a free loopback port. */
  port?: number;
  /** Secrets to create at start, by name. */
  secrets?: Record<string, string>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  /** The AWSCURRENT version: nothing here reads an older one. */
  current: { readonly versionId: string; readonly value: string; readonly createdAt: Date };
}

const notFound = () =>
  new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/**
 * A stand-in for AWS Secrets Manager on a loopback port, answering GetSecretValue (what
 * Powertools `getSecret` calls) over its JSON 1.1 wire protocol. It checks no signatures and
 * never logs secret values.
 */
export async function startLocalSecretsManager(options: LocalSecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const secrets = new Map<string, StoredSecret>();
  const putSecret = (name: string, value: string): void => {
    const current = { versionId: randomUUID(), value, createdAt: new Date() };
    const secret = secrets.get(name);
    if (secret) {
      secret.current = current;
      return;
    }
    // Real ARNs end in '-' plus six random characters; code must not assume name === ARN.
    const suffix = randomBytes(6).toString('base64url').slice(0, 6);
    secrets.set(name, { name, arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`, current });
  };
  for (const [name, value] of Object.entries(options.secrets ?? {})) putSecret(name, value);

  /** SecretId may be the name, the full ARN, or (as AWS allows) an ARN without the suffix. */
  const find = (secretId: unknown): StoredSecret => {
    if (typeof secretId !== 'string' || secretId === '') {
      throw new AwsServiceError(
        'ValidationException',
        "1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must not be null",
      );
    }
    const byName = secrets.get(secretId);
    if (byName !== undefined) return byName;
    const arnName = /^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(secretId)?.[1];
    if (arnName === undefined) throw notFound();
    for (const secret of secrets.values()) {
      if (secret.arn === secretId || secret.name === arnName) return secret;
    }
    // An ARN copied from a real account: same name, different random suffix.
    const withoutSuffix = /^(.+)-[A-Za-z0-9_-]{6}$/.exec(arnName)?.[1];
    const bySuffixlessName = withoutSuffix === undefined ? undefined : secrets.get(withoutSuffix);
    if (bySuffixlessName === undefined) throw notFound();
    return bySuffixlessName;
  };

  const protocol = awsJsonProtocol({
    targetPrefix: 'secretsmanager.',
    version: '1.1',
    serviceName: 'The local Secrets Manager',
    operations: {
      GetSecretValue(input) {
        const secret = find(input.SecretId);
        const { current } = secret;
        const wantsCurrent =
          input.VersionId === undefined
            ? input.VersionStage === undefined || input.VersionStage === 'AWSCURRENT'
            : input.VersionId === current.versionId;
        if (!wantsCurrent) {
          throw new AwsServiceError(
            'ResourceNotFoundException',
            "Secrets Manager can't find the specified secret value for the requested version or staging label.",
          );
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          SecretString: current.value,
          VersionId: current.versionId,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: current.createdAt,
        };
      },
    },
  });
  const server = await listen(createServer(protocol), options);
  return { endpoint: server.url, putSecret, stop: server.stop };
}
