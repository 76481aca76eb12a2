import { COPY_STEP_BOUND, ENV } from '#shared/contract/workflow.js';
import { type CopyStepBound, fetchResultsStep } from '#shared/jobs/fetch-results.js';
import { FetchResultsEvent } from '#shared/jobs/workflow-events.js';
import { sealingFieldCipher } from '#shared/runtime/field-keyring.js';
import { sealingWorkflowTask } from '#shared/runtime/workflow-task.js';

/** A positive number from the environment, else the default: the stack leaves both unset; a test may scale them down. */
const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return value > 0 && Number.isFinite(value) ? value : fallback;
};

// Read per invocation, not per container: cheap, and a local stack's setting always applies.
const copyBound = (): CopyStepBound => ({
  seconds: positive(ENV.copyStepSeconds, COPY_STEP_BOUND.seconds),
  pages: Math.floor(positive(ENV.copyStepPages, COPY_STEP_BOUND.pages)),
});

/** FetchResults: copies one bounded step of the job's results from MX into DynamoDB; the cursor and counts come back. */
export const handler = sealingWorkflowTask(sealingFieldCipher)(
  FetchResultsEvent,
  (deps, event) => fetchResultsStep({ ...deps, copyBound: copyBound() }, event),
  (p) => ({
    next: p.next,
    counts: p.counts,
    retryWaits: p.retryWaits,
    accountsLeft: p.copy?.transactionPages.filter((page) => page !== 0).length,
  }),
);
