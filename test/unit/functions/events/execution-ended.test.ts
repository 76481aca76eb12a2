import { describe, expect, it } from 'vitest';
import { handler } from '#functions/events/execution-ended.js';
import { lambdaContext } from '#local/lambda-context.js';
import { EXECUTION_ENDED_FUNCTION as spec } from '#shared/contract/workflow.js';

describe('the execution-ended function', () => {
  it('refuses an EventBridge event whose detail lacks the execution’s ARN, before reading its environment', async () => {
    const event = {
      version: '0',
      id: 'EVT-1',
      source: 'aws.states',
      account: '123456789012',
      time: '2026-12-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      'detail-type': 'Step Functions Execution Status Change',
      detail: { status: 'ABORTED', input: '{}' },
    };

    const refused = handler(event, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));

    await expect(refused).rejects.toMatchObject({
      name: 'ParseError',
      // The envelope's message carries zod's issues, with the path of each field.
      message: expect.stringContaining('executionArn'),
    });
  });
});
