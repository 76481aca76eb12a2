// The local stack keeps the X-Ray SDK out of every promise: spawned without the variable the test
// run sets, as `npm start` and `npm run demo` load it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** Loads `module` in a new process and prints whether the X-Ray SDK made its async-hook namespace. */
async function xrayNamespaceAfterLoading(module: string): Promise<string> {
  const { AWS_XRAY_MANUAL_MODE: _unset, ...env } = process.env;
  const script = [
    `await import('${module}');`,
    "const { createRequire } = await import('node:module');",
    "const cls = createRequire(import.meta.resolve('aws-xray-sdk-core'))('cls-hooked');",
    "console.log(cls.getNamespace('AWSXRay') ? 'automatic' : 'manual');",
  ].join(' ');
  const { stdout } = await promisify(execFile)('node', ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 30_000,
    env,
  });
  return stdout.trim();
}

describe('the X-Ray SDK in the local stack', () => {
  it('loads in manual mode once the local stack is imported, so no async hook follows every promise', async () => {
    expect(await xrayNamespaceAfterLoading('#local/local-mxflow.js')).toBe('manual');
  });

  it('loads in automatic mode in a Lambda, where the tracer is imported without the local stack', async () => {
    expect(await xrayNamespaceAfterLoading('#shared/runtime/tracer.js')).toBe('automatic');
  });
});
