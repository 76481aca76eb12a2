import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { jobDurationMs: 30_000 } });
});
afterAll(async () => h?.stop());
beforeEach(() => {
  h.stack.simulator?.configure({ allowedIps: null, disabledFeatures: [] });
});

describe('jobs MX refuses to mxflow itself', () => {
  it('a verify on a client without verification ends the job MX_FEATURE_NOT_ENABLED', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.configure({ disabledFeatures: ['verify'] });

    const done = await h.finished(await h.start('verify', user, member));

    expect(done).toMatchObject({
      status: 'FAILED',
      error: { code: 'MX_FEATURE_NOT_ENABLED', message: FAILURE_REASONS.MX_FEATURE_NOT_ENABLED.message },
    });
  });

  it('a job started while MX refuses the calling address ends MX_IP_NOT_ALLOWED', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    h.stack.simulator?.configure({ allowedIps: ['192.0.2.0/24'] });

    const done = await h.finished(await h.start('aggregate', user, member));

    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'MX_IP_NOT_ALLOWED', message: FAILURE_REASONS.MX_IP_NOT_ALLOWED.message } });
  });
});
