// The bin itself, spawned once as people run it (`npx mxflow`: package.json's bin, its shebang, tsx).
// What its help says is checked in process (test/e2e/cli/mxflow.test.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const env = { ...process.env, MXFLOW_API_URL: '' };

describe('the mxflow bin', () => {
  it('prints its help and exits 0, quietly (no EPIPE stack) when its reader stops after one line', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'bash',
      ['-c', 'set -o pipefail; npx --offline mxflow --help | head -1; echo "exit $?"'],
      { timeout: 20_000, env },
    );

    expect(stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^Usage: mxflow \[options\] \[command\]/),
      'exit 0',
    ]);
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });
});
