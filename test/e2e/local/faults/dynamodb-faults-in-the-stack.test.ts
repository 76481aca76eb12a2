import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness({ faults: { dynamodb: { partitionWriteCeiling: true } } });
});
afterAll(async () => h?.stop());

describe('the DynamoDB fault layer in the local stack', () => {
  it("carries the handlers' calls, measured per partition key, while the tests read DynamoDB Local directly", async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');
    const started = await h.start('aggregate', user, member);

    const job = await h.finished(started);

    expect(job).toMatchObject({ status: 'SUCCEEDED' });
    expect(h.stack.endpoints.dynamodb).not.toBe(process.env.AWS_ENDPOINT_URL_DYNAMODB);
    const stats = h.stack.faults.stats().dynamodb;
    expect(stats?.requests).toBeGreaterThan(0);
    expect(stats?.partitionKeysWritten).toBeGreaterThan(0);
    expect(stats?.peakWriteUnitsPerSecond).toBeGreaterThan(0);
    expect(stats?.peakWriteUnitsPerSecond).toBeLessThanOrEqual(1_000);
    expect(stats).toMatchObject({ ceilingRefusals: 0, throttlingExceptions: 0 });
  });
});
