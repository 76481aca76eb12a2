import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';

export interface LocalSecretsManager {
  /** e.g. `http://127.0.0.1:4566`; use as `endpoint` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** Creates the secret, or makes `value` its new AWSCURRENT version. */
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
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'secretsmanager.';

interface SecretVersion {
  readonly versionId: string;
  readonly value: string;
  readonly createdAt: Date;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  /** Oldest first; the last is AWSCURRENT, the one before it AWSPREVIOUS. */
  readonly versions: SecretVersion[];
}

/** An AWS error as the SDK's JSON 1.1 deserializer reads it: `__type` names the exception. */
class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/**
 * A stand-in for AWS Secrets Manager on a loopback port, speaking its JSON 1.1 wire protocol
 * for GetSecretValue, DescribeSecret and PutSecretValue, so the real SDK client and Powertools
 * `getSecret` work unchanged. It checks no signatures and never logs secret values.
 */
export async function startLocalSecretsManager(options: LocalSecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const secrets = new Map<string, StoredSecret>();

  const putSecret = (name: string, value: string): SecretVersion & { secret: StoredSecret } => {
    let secret = secrets.get(name);
    if (secret === undefined) {
      // Real ARNs end in '-' plus six random characters; code must not assume name === ARN.
      const suffix = randomBytes(6).toString('base64url').slice(0, 6);
      secret = { name, arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`, createdAt: new Date(), versions: [] };
      secrets.set(name, secret);
    }
    const version = { versionId: randomUUID(), value, createdAt: new Date() };
    secret.versions.push(version);
    return { ...version, secret };
  };
  for (const [name, value] of Object.entries(options.secrets ?? {})) putSecret(name, value);

  /** SecretId may be the name, the full ARN, or (as AWS allows) an ARN without the suffix. */
  const find = (secretId: unknown): StoredSecret => {
    if (typeof secretId !== 'string' || secretId === '') {
      throw new AwsError('ValidationException', "1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must not be null");
    }
    const byName = secrets.get(secretId);
    if (byName !== undefined) return byName;
    const arnMatch = /^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(secretId);
    if (arnMatch?.[1] !== undefined) {
      for (const secret of secrets.values()) {
        if (secret.arn === secretId || secret.name === arnMatch[1]) return secret;
      }
      // An ARN copied from a real account: same name, different random suffix.
      const withoutSuffix = /^(.+)-[A-Za-z0-9_-]{6}$/.exec(arnMatch[1])?.[1];
      const bySuffixlessName = withoutSuffix === undefined ? undefined : secrets.get(withoutSuffix);
      if (bySuffixlessName !== undefined) return bySuffixlessName;
    }
    throw notFound();
  };

  const stagesOf = (secret: StoredSecret, version: SecretVersion): string[] => {
    const index = secret.versions.indexOf(version);
    if (index === secret.versions.length - 1) return ['AWSCURRENT'];
    if (index === secret.versions.length - 2) return ['AWSPREVIOUS'];
    return [];
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetSecretValue(input) {
      const secret = find(input.SecretId);
      const version = pickVersion(secret, input.VersionId, input.VersionStage);
      return {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: version.value,
        VersionId: version.versionId,
        VersionStages: stagesOf(secret, version),
        // JSON 1.1 timestamps are epoch seconds.
        CreatedDate: epochSeconds(version.createdAt),
      };
    },
    DescribeSecret(input) {
      const secret = find(input.SecretId);
      const VersionIdsToStages = Object.fromEntries(
        secret.versions.map((version) => [version.versionId, stagesOf(secret, version)] as const).filter(([, stages]) => stages.length > 0),
      );
      return {
        ARN: secret.arn,
        Name: secret.name,
        CreatedDate: epochSeconds(secret.createdAt),
        LastChangedDate: epochSeconds(secret.versions.at(-1)?.createdAt ?? secret.createdAt),
        VersionIdsToStages,
      };
    },
    PutSecretValue(input) {
      // Like AWS, this only adds a version to an existing secret (CreateSecret is not offered:
      // seed secrets through the `secrets` option or putSecret()).
      const secret = find(input.SecretId);
      if (typeof input.SecretString !== 'string') {
        throw new AwsError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
      }
      const version = putSecret(secret.name, input.SecretString);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: ['AWSCURRENT'] };
    },
  };

  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const target = req.headers['x-amz-target'];
        const operation =
          req.method === 'POST' && typeof target === 'string' && target.startsWith(TARGET_PREFIX)
            ? ownOperation(operations, target.slice(TARGET_PREFIX.length))
            : undefined;
        if (operation === undefined) {
          throw new AwsError('UnknownOperationException', `Operation ${String(target)} is not supported by the local Secrets Manager.`);
        }
        let input: unknown;
        try {
          input = body === '' ? {} : JSON.parse(body);
        } catch {
          throw new AwsError('SerializationException', 'Request body is not valid JSON.');
        }
        if (typeof input !== 'object' || input === null) throw new AwsError('SerializationException', 'Request body must be a JSON object.');
        send(res, 200, operation(input as Record<string, unknown>));
      })
      .catch((error: unknown) => {
        if (error instanceof AwsError) {
          send(res, error.status, { __type: error.type, message: error.message }, error.type);
        } else {
          send(res, 500, { __type: 'InternalServiceError', message: 'Local Secrets Manager failed.' }, 'InternalServiceError');
        }
      });
  });

  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: boundPort } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${boundPort}`,
    putSecret: (name, value) => {
      putSecret(name, value);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // close() alone waits for the SDK's keep-alive sockets to time out.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function pickVersion(secret: StoredSecret, versionId: unknown, versionStage: unknown): SecretVersion {
  const { versions } = secret;
  let version: SecretVersion | undefined;
  if (typeof versionId === 'string') version = versions.find((candidate) => candidate.versionId === versionId);
  else if (versionStage === undefined || versionStage === 'AWSCURRENT') version = versions.at(-1);
  else if (versionStage === 'AWSPREVIOUS') version = versions.at(-2);
  if (version === undefined) {
    throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for the requested version or staging label.");
  }
  return version;
}

/** Own properties only: a target like `secretsmanager.toString` must not reach Object.prototype. */
function ownOperation<T>(operations: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(operations, name) ? operations[name] : undefined;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}


function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const headers: Record<string, string> = { 'Content-Type': JSON_CONTENT_TYPE, 'x-amzn-RequestId': randomUUID() };
  // The SDK reads the error code from this header first, then from `__type` in the body.
  if (errorType !== undefined) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}
