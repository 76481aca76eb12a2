// The bin itself, spawned once as people run it (`npx mxflow`: package.json's bin, its shebang, tsx).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('the mxflow bin', () => {
  it('prints its help and exits 0', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--offline', 'mxflow', '--help'], { timeout: 20_000, env: { ...process.env, MXFLOW_API_URL: '' } });
    expect(stdout).toMatch(/^Usage: mxflow \[options\] \[command\]/);
    for (const command of ['users', 'institutions', 'members', 'jobs', 'results']) expect(stdout).toContain(`  ${command}`);
    expect(stdout).toContain('Exit codes: 0 ok, 1 a job failed or the API refused, 2 bad usage.');
  });
});
