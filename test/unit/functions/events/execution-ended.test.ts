import { describe, expect, it } from 'vitest';
import { handler } from '#functions/events/execution-ended.js';
import { lambdaContext } from '#local/lambda-context.js';
import { EXECUTION_ENDED_FUNCTION as spec } from '#shared/contract/workflow.js';

const event = {
  version: '0',
  id: 'EVT-1',
  source: 'aws.states',
  account: '123456789012',
  time: '2026-12-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:m:e', status: 'ABORTED', input: '{}' },
};

describe('the execution-ended function', () => {
  it('refuses an EventBridge event whose detail lacks the execution’s ARN, before reading its environment', async () => {
    const { executionArn: _arn, ...detail } = event.detail;

    const refused = handler({ ...event, detail }, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));

    // Powertools' Parser: zod's issues are the cause, each with the path of its field.
    await expect(refused).rejects.toMatchObject({
      name: 'ParseError',
      cause: [expect.objectContaining({ path: ['detail', 'executionArn'] })],
    });
  });

  it('refuses an event that is not an EventBridge event, as its envelope did', async () => {
    const refused = handler(
      { ...event, time: 'yesterday' },
      lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds),
    );

    await expect(refused).rejects.toMatchObject({
      name: 'ParseError',
      cause: [expect.objectContaining({ path: ['time'], message: 'Invalid ISO datetime' })],
    });
  });
});
