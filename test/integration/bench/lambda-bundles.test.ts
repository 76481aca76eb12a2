import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLING } from '#infra/constructs/mxflow-function.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { apiFunctionEntry, apiFunctionName } from '#shared/api/api-functions.js';
import { API_FUNCTIONS } from '#shared/api/routes.js';
import {
  ENV,
  EXECUTION_ENDED_FUNCTION,
  RECONCILE_JOBS_FUNCTION,
  STATE_MACHINE_ARN_ENV,
  WORKFLOW_FUNCTIONS,
} from '#shared/contract/workflow.js';
import { fieldKeyUsesOf } from '#shared/crypto/field-key-access.js';
import { dynamoEndpoint, freshTable } from '#test/support/dynamodb.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const out = mkdtempSync(join(tmpdir(), 'mxflow-bundle-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every Lambda the stack deploys, by its entry. */
const LAMBDA_ENTRIES = [
  ...WORKFLOW_FUNCTIONS.map((f) => f.entry),
  EXECUTION_ENDED_FUNCTION.entry,
  RECONCILE_JOBS_FUNCTION.entry,
  ...API_FUNCTIONS.map(apiFunctionEntry),
];

interface LambdaBundle {
  readonly file: string;
  /** The inputs that put code in the bundle (esbuild's metafile lists tree-shaken ones with 0 bytes). */
  readonly inputs: string[];
}

let bundles: Promise<Map<string, LambdaBundle>> | undefined;

/**
 * A function's bundle as CDK makes it. Every entry is built in one esbuild run, once for the
 * tests that read them: without code splitting each output is whole, as CDK's one-entry builds
 * are, and the modules they share are parsed once instead of once an entry.
 */
async function lambdaBundle(entry: string): Promise<LambdaBundle> {
  bundles ??= buildLambdas(LAMBDA_ENTRIES);
  const bundle = (await bundles).get(entry);
  if (!bundle) throw new Error(`${entry} is not one of the stack's Lambda entries`);
  return bundle;
}

/** esbuild's options as CDK's bundling sets them (LAMBDA_BUNDLING), for any entry. */
const AS_CDK_BUNDLES = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: LAMBDA_BUNDLING.target,
  minify: true,
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  banner: { js: LAMBDA_BUNDLING.banner },
  alias: LAMBDA_BUNDLING.alias,
  logLevel: 'error',
} as const satisfies BuildOptions;

async function buildLambdas(entries: readonly string[]): Promise<Map<string, LambdaBundle>> {
  const { metafile } = await build({
    ...AS_CDK_BUNDLES,
    entryPoints: entries.map((entry) => ({ in: join(ROOT, entry), out: entry.replaceAll('/', '-') })),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    metafile: true,
  });
  const built = new Map<string, LambdaBundle>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!output.entryPoint) continue;
    const inputs = Object.entries(output.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0);
    built.set(output.entryPoint, { file: join(ROOT, file), inputs: inputs.map(([input]) => input) });
  }
  return new Map(entries.map((entry) => [entry, built.get(entry) as LambdaBundle]));
}

const CREDENTIAL_CHAIN =
  /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|login)|nested-clients)\//;

// FetchResults and the results API carry the Encryption SDK (CommonJS, and a KMS client of its own) too.
describe.each([
  'functions/workflow/poll-member-status.ts',
  'functions/api/jobs.ts',
  'functions/workflow/fetch-results.ts',
  'functions/api/results.ts',
])('the Lambda bundle of %s', (entry) => {
  it("carries the environment credentials Lambda gives, not the SDK's whole credential chain", async () => {
    const { inputs } = await lambdaBundle(entry);

    expect(inputs.filter((input) => CREDENTIAL_CHAIN.test(input))).toEqual([]);
    expect(inputs).toContain('shared/runtime/lambda-credentials.ts');
  });

  it('carries no CLI code', async () => {
    const { inputs } = await lambdaBundle(entry);

    expect(inputs.filter((input) => input.startsWith('cli/') || input.includes('node_modules/commander/'))).toEqual([]);
  });

  it('loads in a fresh Node process', async () => {
    const { file } = await lambdaBundle(entry);
    const script = `await import(${JSON.stringify(`file://${file}`)}); console.log('loaded');`;

    const printed = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
    });

    expect(printed.trim()).toBe('loaded');
  });
});

describe('the Lambda bundle of a workflow task', () => {
  it('carries no API code', async () => {
    const { inputs } = await lambdaBundle('functions/workflow/poll-member-status.ts');

    expect(inputs.filter((input) => input.startsWith('shared/api/') || input.startsWith('functions/api/'))).toEqual([]);
  });
});

/** An execution started or described, or a task token sent: what a workflow step or an API operation calls Step Functions for. */
const STEP_FUNCTIONS_CALL = /\bnew (StartExecution|DescribeExecution)Command\(|\btaskTokens\.(succeed|fail)\(/;

/** Whether the bundle's own code, outside the runtime that wires the clients, calls Step Functions. */
function callsStepFunctions(inputs: readonly string[]): boolean {
  return inputs
    .filter((input) => !input.includes('node_modules/') && !input.startsWith('shared/runtime/'))
    .some((input) => STEP_FUNCTIONS_CALL.test(readFileSync(join(ROOT, input), 'utf8')));
}

describe.each(LAMBDA_ENTRIES)('the Lambda bundle of %s', (entry) => {
  it("validates with zod/mini and carries none of classic zod's ~440 KB", async () => {
    const { inputs } = await lambdaBundle(entry);

    expect(inputs.filter((input) => input.includes('node_modules/zod/v4/classic/'))).toEqual([]);
    expect(inputs.some((input) => input.includes('node_modules/zod/v4/mini/'))).toBe(true);
  });

  it("carries Step Functions' client exactly when its own code starts executions or sends task tokens", async () => {
    const { inputs } = await lambdaBundle(entry);

    const carriesClient = inputs.some((input) => input.includes('node_modules/@aws-sdk/client-sfn/'));

    expect(carriesClient).toBe(callsStepFunctions(inputs));
  });
});

/** Each Lambda's function name (as FIELD_KEY_ACCESS and TABLE_ACCESS know it), by its entry. */
const FUNCTION_NAMES = new Map<string, string>([
  ...[...WORKFLOW_FUNCTIONS, EXECUTION_ENDED_FUNCTION, RECONCILE_JOBS_FUNCTION].map((f) => [f.entry, f.id] as const),
  ...API_FUNCTIONS.map((family) => [apiFunctionEntry(family), apiFunctionName(family)] as const),
]);

describe.each(LAMBDA_ENTRIES)('the Lambda bundle of %s, as to the field key', (entry) => {
  it('carries the Encryption SDK exactly when its function may use the field key (FIELD_KEY_ACCESS)', async () => {
    const { inputs } = await lambdaBundle(entry);

    const carriesSdk = inputs.some((input) => input.includes('node_modules/@aws-crypto/encrypt-node/'));

    expect(carriesSdk).toBe(fieldKeyUsesOf(String(FUNCTION_NAMES.get(entry))) !== undefined);
  });
});

/** The packages LAMBDA_BUNDLING swaps for modules of ours, by the path of each package's own code. */
const REPLACED_PACKAGES =
  /node_modules\/(semver|mnemonist|asn1\.js|@aws-crypto\/(client-node|raw-rsa-keyring-node|branch-keystore-node)|@smithy\/core\/dist-es\/submodules\/event-streams)\//;

describe.each(LAMBDA_ENTRIES)('the Lambda bundle of %s, with packages Lambda never runs swapped out', (entry) => {
  it("carries none of semver, mnemonist's cache, the SDK event-stream codec, ASN.1 or the Encryption SDK's unused keyrings", async () => {
    const { inputs } = await lambdaBundle(entry);

    expect(inputs.filter((input) => REPLACED_PACKAGES.test(input))).toEqual([]);
  });
});

describe('the field cipher, bundled as the Lambdas bundle it (ASN.1 swapped out)', () => {
  it('seals an account number and opens it again in a fresh Node process', async () => {
    const file = join(out, 'field-cipher.mjs');
    const script = `
      import { FieldCipher } from '#shared/crypto/field-cipher.js';
      import { localFieldKeyring } from '#shared/runtime/field-keyring.js';
      const cipher = new FieldCipher(() => localFieldKeyring(new Uint8Array(32).fill(7)));
      const owner = { userGuid: 'USR-1', memberGuid: 'MBR-1' };
      const sealed = await cipher.seal(owner, 'account_numbers', { account_number: '1234567890' });
      const opened = await cipher.open(owner, 'account_numbers', sealed);
      console.log(JSON.stringify({ sealed: sealed.account_number instanceof Uint8Array, opened: opened.account_number }));`;
    await build({ ...AS_CDK_BUNDLES, stdin: { contents: script, resolveDir: ROOT, loader: 'ts' }, outfile: file });

    const { stdout } = await promisify(execFile)(process.execPath, [file], { encoding: 'utf8' });

    expect(JSON.parse(stdout.trim())).toEqual({ sealed: true, opened: '1234567890' });
  });
});

/** X-Ray segment documents sent to a local UDP "daemon": a header line, then the JSON document. */
async function xrayDaemon(): Promise<{ address: string; documents: () => Record<string, unknown>[]; stop(): void }> {
  const socket = createSocket('udp4');
  const documents: Record<string, unknown>[] = [];
  socket.on('message', (message) => documents.push(JSON.parse(message.toString('utf8').split('\n')[1] ?? '{}')));
  await new Promise<void>((bound) => socket.bind(0, '127.0.0.1', bound));
  return { address: `127.0.0.1:${socket.address().port}`, documents: () => documents, stop: () => socket.close() };
}

/** Runs a bundle's handler once in a fresh Node process, as Lambda would: env, event, context. */
async function invokeBundle(file: string, env: Record<string, string>, event: unknown): Promise<unknown> {
  const script =
    `const { handler } = await import(${JSON.stringify(`file://${file}`)});` +
    `const context = { functionName: 'bundle-test', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 10000 };` +
    `console.log(JSON.stringify(await handler(${JSON.stringify(event)}, context)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');
}

describe('the Lambda bundle of the users API, invoked as Lambda would', () => {
  it('reads DynamoDB and records the call as an X-Ray subsegment with its operation and table', async () => {
    const [{ file }, table, daemon] = await Promise.all([
      lambdaBundle('functions/api/users.ts'),
      freshTable('bundle-invoke'),
      xrayDaemon(),
    ]);
    try {
      const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:unused';
      const env = {
        AWS_REGION: LOCAL_AWS_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint(),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        // What Lambda sets for a sampled request with active tracing: the trace and the X-Ray daemon.
        AWS_LAMBDA_FUNCTION_NAME: 'bundle-test',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        LAMBDA_TASK_ROOT: ROOT,
        _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        AWS_XRAY_DAEMON_ADDRESS: daemon.address,
        [ENV.tableName]: table.tableName,
        [ENV.mxSecretId]: 'mx-secret-unused',
        ...Object.fromEntries(Object.values(STATE_MACHINE_ARN_ENV).map((name) => [name, arn])),
        [ENV.deletionStateMachineArn]: arn,
      };
      const event = {
        httpMethod: 'GET',
        resource: '/users/{user_guid}',
        path: '/users/USR-absent',
        pathParameters: { user_guid: 'USR-absent' },
        headers: {},
        queryStringParameters: null,
        body: null,
      };

      const response = await invokeBundle(file, env, event);

      expect(response).toMatchObject({ statusCode: 404 });
      expect(JSON.parse((response as { body: string }).body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
      await expect.poll(() => daemon.documents().map((d) => d.name)).toContain('DynamoDB');
      expect(daemon.documents().find((d) => d.name === 'DynamoDB')).toMatchObject({
        namespace: 'aws',
        aws: { operation: 'GetItem', region: LOCAL_AWS_REGION, table_name: table.tableName },
      });
    } finally {
      daemon.stop();
      table.client.destroy();
    }
  });
});
