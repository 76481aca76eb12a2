import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSmoke, smokeCommand, summaryTable } from '#smoke/mx-smoke.js';
import { type SimulatedMx, startSimulatedMx } from '#test/support/simulated-mx.js';

const run = promisify(execFile);
/** The script as `npm run smoke:mx` starts it: node with tsx's loader, without npx's own start-up. */
const SCRIPT = ['--import', 'tsx', 'smoke/mx-smoke.ts'];
/** 3 s of MX time is 30 ms: the script reads statuses as often, so the simulator's floor holds. */
const TIME_SCALE = 0.01;
const STEPS = [
  'create user',
  'find institution',
  'credentials',
  'create member',
  'verify',
  'account numbers',
  'identify',
  'account owners',
  'aggregate',
  'accounts and transactions',
  'delete user',
];

let mx: SimulatedMx;
beforeAll(async () => {
  mx = await startSimulatedMx({ timeScale: TIME_SCALE });
});
afterAll(async () => mx?.close());

/** The environment without any MX keys the machine running the tests may have. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { MX_CLIENT_ID: _id, MX_API_KEY: _key, MX_BASE_URL: _url, ...rest } = process.env;
  return { ...rest, ...extra };
}

describe('npm run smoke:mx', () => {
  it('passes every step of the verify, identify and aggregate flows against the MX simulator, and deletes its user', async () => {
    const env = environment({
      MX_BASE_URL: mx.simulator.url,
      MX_CLIENT_ID: mx.simulator.clientId,
      MX_API_KEY: mx.simulator.apiKey,
    });

    const lines: string[] = [];

    const code = await smokeCommand(['--poll-seconds', String(3 * TIME_SCALE)], env, {
      log: (line) => lines.push(line),
      error: (line) => lines.push(line),
    });

    const stdout = lines.join('\n');
    const stats = mx.simulator.stats();
    for (const step of STEPS) expect(stdout).toMatch(new RegExp(`^pass  ${step}: `, 'm'));
    expect(stdout).toContain(`passed: all ${STEPS.length} steps`);
    expect(stdout).toMatch(/^pass {2}verify: CONNECTED .*answered Please select an account:/m);
    expect(mx.simulator.requestCount('DELETE /users/{user_guid}', 204)).toBe(1);
    expect(stats.statusReads.minGapMs).toBeGreaterThanOrEqual(3_000);
    expect(code).toBe(0);
  }, 120_000);

  it('reports the failed step, skips the ones after it and still deletes its user', async () => {
    const options = {
      baseUrl: mx.simulator.url,
      clientId: mx.simulator.clientId,
      apiKey: mx.simulator.apiKey,
      pollSeconds: 3 * TIME_SCALE,
    };
    // MX fails every call once the member exists, until the failure is reported.
    const log = (line: string) => {
      if (line.startsWith('pass  create member')) mx.simulator.setFaults({ rate503: 1 });
      if (line.startsWith('fail')) mx.simulator.setFaults({ rate503: 0 });
    };

    const results = await runSmoke({ ...options, log }).finally(() => mx.simulator.setFaults({ rate503: 0 }));

    const outcome = Object.fromEntries(results.map((r) => [r.step, r.outcome]));
    expect(outcome).toMatchObject({
      'create member': 'pass',
      verify: 'fail',
      identify: 'skipped',
      aggregate: 'skipped',
      'delete user': 'pass',
    });
    expect(results.find((r) => r.step === 'verify')?.detail).toMatch(/503/);
    expect(summaryTable(results)).toMatch(/verify\s+FAIL/);
  });

  it('says it skipped, and exits 0, without MX keys', async () => {
    // Spawned, as people run it: the entry point, its exit code (execFile rejects on any other than 0) and its output.
    const { stdout } = await run(process.execPath, SCRIPT, { env: environment({}), cwd: process.cwd() });

    expect(stdout.trim()).toBe('skipped: set MX_CLIENT_ID and MX_API_KEY');
  }, 60_000);
});
