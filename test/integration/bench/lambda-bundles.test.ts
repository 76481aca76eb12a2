import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLING } from '#infra/constructs/mxflow-function.js';
import { apiFunctionEntry } from '#shared/api/api-functions.js';
import { API_FUNCTIONS } from '#shared/api/routes.js';
import { EXECUTION_ENDED_FUNCTION, RECONCILE_JOBS_FUNCTION, WORKFLOW_FUNCTIONS } from '#shared/contract/workflow.js';

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

const bundles = new Map<string, Promise<LambdaBundle>>();

/** A function's bundle as CDK makes it, built once per entry for every test that reads it. */
function lambdaBundle(entry: string): Promise<LambdaBundle> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = buildLambda(entry);
    bundles.set(entry, bundle);
  }
  return bundle;
}

async function buildLambda(entry: string): Promise<LambdaBundle> {
  const file = join(out, `${entry.replaceAll('/', '-')}.mjs`);
  const { metafile } = await build({
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLING.target,
    minify: true,
    metafile: true,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    alias: LAMBDA_BUNDLING.alias,
    logLevel: 'error',
  });
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const inputs = Object.entries(output?.inputs ?? {}).filter(([, { bytesInOutput }]) => bytesInOutput > 0);
  return { file, inputs: inputs.map(([input]) => input) };
}

const CREDENTIAL_CHAIN =
  /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|login)|nested-clients)\//;

describe.each(['functions/workflow/poll-member-status.ts', 'functions/api/jobs.ts'])(
  'the Lambda bundle of %s',
  (entry) => {
    it("carries the environment credentials Lambda gives, not the SDK's whole credential chain", async () => {
      const { inputs } = await lambdaBundle(entry);

      expect(inputs.filter((input) => CREDENTIAL_CHAIN.test(input))).toEqual([]);
      expect(inputs).toContain('shared/runtime/lambda-credentials.ts');
    });

    it('carries no CLI code', async () => {
      const { inputs } = await lambdaBundle(entry);

      expect(inputs.filter((input) => input.startsWith('cli/') || input.includes('node_modules/commander/'))).toEqual(
        [],
      );
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
  },
);

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
