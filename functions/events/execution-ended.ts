import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { endJobOfStoppedExecution } from '#shared/jobs/end-stopped-job.js';
import { JobStore } from '#shared/store/job-store.js';
import { documentClient } from '#shared/runtime/aws-clients.js';
import { parseEnvironment } from '#shared/runtime/environment.js';
import { logger } from '#shared/runtime/logger.js';
import { recordJobEnded } from '#shared/runtime/metrics.js';

type ExecutionStatusChange = EventBridgeEvent<'Step Functions Execution Status Change', { executionArn: string; status: string; input: string }>;

let jobs: JobStore | undefined;

/** EventBridge: a job execution failed, timed out or was stopped; its job record ends too. */
export const handler = middy(async (event: ExecutionStatusChange) => {
  jobs ??= new JobStore(documentClient(), parseEnvironment(z.object({ TABLE_NAME: z.string().min(1) }), process.env).TABLE_NAME);
  const outcome = await endJobOfStoppedExecution({ jobs, now: () => new Date() }, event.detail);
  logger.info('execution ended', { executionArn: event.detail.executionArn, status: event.detail.status, result: outcome.result });
  if (outcome.result === 'ENDED') recordJobEnded(outcome);
  return outcome.result;
})
  .use(injectLambdaContext(logger, { resetKeys: true }));
