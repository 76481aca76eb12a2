import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '#local/secrets-manager.js';

/**
 * A malformed MX secret, read as the functions read it (Powertools, the local Secrets Manager):
 * the refusal names what is wrong, and no part of the secret reaches an error, a log line or
 * (through the error) an execution history.
 */
const SENTINEL = 'SENTINEL';
const MALFORMED: Record<string, [secret: string, refusal: string]> = {
  'not JSON': [`client_id=${SENTINEL}`, 'the MX secret is not JSON'],
  'a bare word': [SENTINEL, 'the MX secret is not JSON'],
  'JSON cut short': [`{"client_id":"${SENTINEL}","api_key":"${SENTINEL}`, 'the MX secret is not JSON'],
  'a bare value': [`{"api_key": ${SENTINEL}}`, 'the MX secret is not JSON'],
  'no api_key': [`{"client_id":"${SENTINEL}"}`, 'the MX secret lacks api_key'],
  'wrong kinds': [
    `{"client_id":["${SENTINEL}"],"api_key":"${SENTINEL}","base_url":"${SENTINEL}"}`,
    'the MX secret has a client_id that is not a non-empty string, has a base_url that is not a URL',
  ],
  'a JSON string': [`"${SENTINEL}"`, 'the MX secret is not a JSON object'],
};
const secretName = (kind: string) => `mxflow/test/mx-${kind.replaceAll(' ', '-')}`;

let secrets: LocalSecretsManager;
const environmentBefore = { ...process.env };
/** Every chunk the functions wrote to stdout and stderr while a test ran. */
const written: string[] = [];
const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

beforeAll(async () => {
  secrets = await startLocalSecretsManager({
    secrets: Object.fromEntries(Object.entries(MALFORMED).map(([kind, [secret]]) => [secretName(kind), secret])),
  });
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    // Every line the API writes, DEBUG included: the scan below reads them all.
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  vi.resetModules();
});
afterAll(async () => {
  vi.resetModules();
  for (const name of Object.keys(process.env)) if (!(name in environmentBefore)) delete process.env[name];
  Object.assign(process.env, environmentBefore);
  await secrets?.stop();
});

/** Runs `act` with stdout and stderr captured into `written`. */
async function capturing<T>(act: () => Promise<T>): Promise<T> {
  written.length = 0;
  const capture = ((chunk: unknown, ...rest: unknown[]) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    rest.find((r): r is () => void => typeof r === 'function')?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    return await act();
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
}

describe('a malformed MX secret', () => {
  it.each(Object.entries(MALFORMED))('with %s, is refused by name, none of it quoted', async (kind, [, refusal]) => {
    const { mxClientFromSecret } = await import('#shared/runtime/mx-from-secret.js');

    const failure = await capturing(() =>
      mxClientFromSecret({ secretId: secretName(kind), baseUrl: undefined, dialect: 'platform', timeoutMs: 1000 }).then(
        () => undefined,
        (error: Error) => error,
      ),
    );

    expect(failure?.message).toBe(refusal);
    expect(`${failure?.stack}${JSON.stringify(failure)}`).not.toContain(SENTINEL);
    expect(written.join('')).not.toContain(SENTINEL);
  });

  it.each(Object.keys(MALFORMED))('with %s, fails a request 500 and logs why, none of it quoted', async (kind) => {
    vi.resetModules();
    const { mxClientFromSecret } = await import('#shared/runtime/mx-from-secret.js');
    const { apiHandlersOver, callApi, fakeApiDeps } = await import('#test/support/fakes/api-deps.js');
    const connection = {
      secretId: secretName(kind),
      baseUrl: undefined,
      dialect: 'platform' as const,
      timeoutMs: 1000,
    };
    // The API's handler and logger as they run in AWS; MX is reached through the malformed secret.
    const deps = { ...fakeApiDeps(), mx: () => mxClientFromSecret(connection) };

    const answer = await capturing(() =>
      callApi(apiHandlersOver(deps), 'POST', '/users', { json: { user: { id: 'customer-1' } } }),
    );

    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL_ERROR' } } });
    const lines = written.join('').split('\n').filter(Boolean);
    expect(lines.some((line) => line.includes('request failed') && line.includes('the MX secret'))).toBe(true);
    expect(lines.filter((line) => line.includes(SENTINEL))).toEqual([]);
    expect(JSON.stringify(answer.body)).not.toContain(SENTINEL);
  });
});
