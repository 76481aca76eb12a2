// The bin itself, spawned once as people run it (`npx mxflow`: package.json's bin, its shebang, tsx).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const env = { ...process.env, MXFLOW_API_URL: '' };

describe('the mxflow bin', () => {
  it('prints its help and exits 0', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--offline', 'mxflow', '--help'], { timeout: 20_000, env });
    expect(stdout).toMatch(/^Usage: mxflow \[options\] \[command\]/);
    for (const command of ['users', 'institutions', 'members', 'jobs', 'results'])
      expect(stdout).toContain(`  ${command}`);
    expect(stdout).toContain('Exit codes: 0 ok, 1 a job failed or the API refused, 2 bad usage.');
  });

  it('prints one line and exits 0 without an EPIPE stack when its reader stops after one line', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'bash',
      ['-c', 'set -o pipefail; npx --offline mxflow --help | head -1; echo "exit $?"'],
      {
        timeout: 20_000,
        env,
      },
    );

    expect(stdout.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^Usage: mxflow/), 'exit 0']);
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });
});
