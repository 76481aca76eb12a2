import { describe, expect, it } from 'vitest';
import { lambdaContext } from '#local/lambda-context.js';
import { WORKFLOW_FUNCTIONS } from '#shared/contract/workflow.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

describe('every workflow task Lambda checks its event before it does anything', () => {
  it.each(WORKFLOW_FUNCTIONS.map((spec) => [spec.state, spec] as const))(
    '%s refuses an event without the job’s references, naming the field, before reading its environment',
    async (_state, spec) => {
      const { handler } = (await import(/* @vite-ignore */ `#${spec.entry.replace(/\.ts$/, '.js')}`)) as {
        handler: Handler;
      };
      const context = lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds);

      const refused = handler({ job: { jobGuid: 'JOB-1', userGuid: 'USR-1', jobType: 'aggregate' } }, context);

      // Powertools' Parser: the zod issues are the cause, each with the path of its field.
      await expect(refused).rejects.toMatchObject({
        name: 'ParseError',
        cause: expect.arrayContaining([expect.objectContaining({ path: ['job', 'memberGuid'] })]),
      });
    },
  );
});
