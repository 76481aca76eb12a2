import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLING } from '#infra/constructs/mxflow-function.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const out = mkdtempSync(join(tmpdir(), 'mxflow-bundle-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** A function's bundle as CDK makes it: the file, and the inputs esbuild put in it. */
async function lambdaBundle(entry: string): Promise<{ file: string; inputs: string[] }> {
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
  return { file, inputs: Object.keys(metafile.inputs) };
}

const CREDENTIAL_CHAIN =
  /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|login)|nested-clients)\//;

describe.each(['functions/workflow/poll-member-status.ts', 'functions/api/jobs.ts'])(
  'the Lambda bundle of %s',
  (entry) => {
    let bundle: Awaited<ReturnType<typeof lambdaBundle>>;
    beforeAll(async () => {
      bundle = await lambdaBundle(entry);
    });

    it("carries the environment credentials Lambda gives, not the SDK's whole credential chain", () => {
      expect(bundle.inputs.filter((input) => CREDENTIAL_CHAIN.test(input))).toEqual([]);
      expect(bundle.inputs).toContain('shared/runtime/lambda-credentials.ts');
    });

    it('carries no CLI code', () => {
      expect(
        bundle.inputs.filter((input) => input.startsWith('cli/') || input.includes('node_modules/commander/')),
      ).toEqual([]);
    });

    it('loads in a fresh Node process', () => {
      const script = `await import(${JSON.stringify(`file://${bundle.file}`)}); console.log('loaded');`;
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
