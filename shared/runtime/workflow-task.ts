import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { WorkflowDeps } from '#shared/jobs/workflow-deps.js';
import type { JobRef } from '#shared/store/job-record.js';
import type { ResultFieldCipher } from '#shared/store/result-store.js';
import { logger } from './logger.js';
import { observability } from './observability.js';
import { clientTaskTokens } from './step-functions-client.js';
import { webhookSignalDeps, workflowDeps } from './workflow-runtime.js';
import type * as z from './zod.js';

/** What every workflow task's event carries: the job it works for. */
type JobEvent = { readonly job: Pick<JobRef, 'jobGuid' | 'userGuid' | 'memberGuid' | 'jobType'> };

/** A workflow task Lambda's handler, as Lambda (and the local runtime) calls it. */
export type WorkflowTaskHandler<R> = (event: unknown, context: Context) => Promise<R>;

/**
 * The shape every workflow task Lambda shares: Powertools' Parser checks the event against
 * the step's schema (a misfit fails the task, which the state machine's Catch records), the
 * logs are tagged with the job's references, one step runs with the deps `deps` builds, its
 * outcome (never its data) is logged and its result handed back.
 */
const workflowTaskOf =
  <D>(deps: () => Promise<D>) =>
  <S extends z.ZodMiniType<JobEvent>, R>(
    schema: S,
    step: (deps: D, event: z.output<S>) => Promise<R>,
    summarize: (result: R) => Record<string, unknown>,
    /** Metrics the step's outcome stands for (jobs started, ended, polls). */
    measure?: (result: R, event: z.output<S>) => void,
  ): WorkflowTaskHandler<R> =>
    middy<z.output<S>, R>()
      .use(observability())
      .use(parser({ schema }))
      .handler(async (input) => {
        logger.appendKeys({ jobGuid: input.job.jobGuid, memberGuid: input.job.memberGuid, jobType: input.job.jobType });
        const result = await step(await deps(), input);
        logger.info('workflow step done', summarize(result));
        measure?.(result, input);
        return result;
      }) as WorkflowTaskHandler<R>;

/**
 * The task whose step sends task tokens (ParkForChallenge). Only its bundle carries Step
 * Functions' client: `@__PURE__` lets esbuild leave out this export, and the client with it,
 * where it is unused.
 */
export const taskTokenWorkflowTask = /* @__PURE__ */ workflowTaskOf(
  async (): Promise<WorkflowDeps> => ({ ...(await workflowDeps()), taskTokens: clientTaskTokens() }),
);

/** The other tasks: their steps send no task tokens, so their bundles carry no Step Functions client. */
export const workflowTask = /* @__PURE__ */ workflowTaskOf(() => workflowDeps());

/**
 * FetchResults, the one task that writes results, with the cipher that encrypts their sensitive
 * fields. Its handler passes the cipher (sealingFieldCipher), so only its bundle carries the
 * Encryption SDK, which esbuild cannot leave out of a bundle that imports it.
 */
export const sealingWorkflowTask = (fields: () => ResultFieldCipher) => workflowTaskOf(() => workflowDeps(fields));

/** AwaitMemberWebhook: the member's lock item and task tokens only; it reads no MX secret. */
export const webhookWaitWorkflowTask = /* @__PURE__ */ workflowTaskOf(async () => ({
  ...webhookSignalDeps(),
  taskTokens: clientTaskTokens(),
}));
