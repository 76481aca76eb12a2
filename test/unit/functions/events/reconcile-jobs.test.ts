import { afterEach, describe, expect, it } from 'vitest';
import { handler } from '#functions/events/reconcile-jobs.js';
import { lambdaContext } from '#local/lambda-context.js';
import { ENV, STATE_MACHINE_ARN_ENV, RECONCILE_JOBS_FUNCTION as spec } from '#shared/contract/workflow.js';

const VARIABLES = [ENV.tableName, ...Object.values(STATE_MACHINE_ARN_ENV)];
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

describe('the job reconciler function', () => {
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('refuses to run without the state machines, naming each variable it lacks', async () => {
    for (const name of VARIABLES) delete process.env[name];
    process.env[ENV.tableName] = 'mxflow';
    process.env[STATE_MACHINE_ARN_ENV.verify] = 'arn:aws:states:us-east-1:123456789012:stateMachine:verify';

    const refused = handler({}, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));

    await expect(refused).rejects.toThrow(
      `the function's environment is incomplete or invalid: ${STATE_MACHINE_ARN_ENV.aggregate}, ${STATE_MACHINE_ARN_ENV.identify}`,
    );
  });
});
