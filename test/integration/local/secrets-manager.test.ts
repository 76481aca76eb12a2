import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalSecretsManager, startLocalSecretsManager } from '#local/secrets-manager.js';

const SECRET_NAME = 'mxflow/mx-api-credentials';
const SECRET_VALUE = JSON.stringify({ clientId: 'client-1', apiKey: 'key-1' });

describe('local Secrets Manager', () => {
  let secretsManager: LocalSecretsManager;
  let client: SecretsManagerClient;

  beforeEach(async () => {
    secretsManager = await startLocalSecretsManager({ secrets: { [SECRET_NAME]: SECRET_VALUE } });
    client = new SecretsManagerClient({
      endpoint: secretsManager.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await secretsManager.stop();
  });

  it('returns a secret to the AWS SDK client by name, as the current version with its ARN', async () => {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }));

    expect(answer.SecretString).toBe(SECRET_VALUE);
    expect(answer.Name).toBe(SECRET_NAME);
    expect(answer.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:mxflow\/mx-api-credentials-[A-Za-z0-9_-]{6}$/,
    );
    expect(answer.VersionStages).toEqual(['AWSCURRENT']);
    expect(answer.VersionId).toEqual(expect.any(String));
    expect(answer.CreatedDate).toBeInstanceOf(Date);
  });

  it('returns the same secret by its full ARN', async () => {
    const { ARN } = await client.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }));

    const answer = await client.send(new GetSecretValueCommand({ SecretId: ARN }));

    expect(answer.SecretString).toBe(SECRET_VALUE);
    expect(answer.ARN).toBe(ARN);
  });

  it('answers an unknown secret with ResourceNotFoundException, which the SDK maps to its class', async () => {
    const attempt = client.send(new GetSecretValueCommand({ SecretId: 'mxflow/no-such-secret' }));

    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(attempt).rejects.toMatchObject({
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('serves a value put locally as the new current version, and no other', async () => {
    const before = await client.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }));

    secretsManager.putSecret(SECRET_NAME, '{"apiKey":"key-2"}');
    const current = await client.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }));
    const stale = client.send(new GetSecretValueCommand({ SecretId: SECRET_NAME, VersionId: before.VersionId }));

    expect(current.SecretString).toBe('{"apiKey":"key-2"}');
    expect(current.VersionId).not.toBe(before.VersionId);
    await expect(stale).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers operations it does not implement with UnknownOperationException', async () => {
    const response = await fetch(secretsManager.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.PutSecretValue' },
      body: JSON.stringify({ SecretId: SECRET_NAME }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  describe('with Powertools getSecret pointed at it through AWS_ENDPOINT_URL_SECRETS_MANAGER', () => {
    const variables = [
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ];
    let saved: Record<string, string | undefined>;

    beforeEach(() => {
      saved = Object.fromEntries(variables.map((name) => [name, process.env[name]]));
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
      process.env.AWS_REGION = 'us-east-1';
      process.env.AWS_ACCESS_KEY_ID = 'local';
      process.env.AWS_SECRET_ACCESS_KEY = 'local';
      delete process.env.AWS_SESSION_TOKEN;
    });

    afterEach(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('reads the secret and, with forceFetch, sees a value put after the first read', async () => {
      const first = await getSecret(SECRET_NAME, { forceFetch: true });
      secretsManager.putSecret(SECRET_NAME, 'rotated');
      const second = await getSecret(SECRET_NAME, { forceFetch: true });

      expect(first).toBe(SECRET_VALUE);
      expect(second).toBe('rotated');
    });
  });
});
