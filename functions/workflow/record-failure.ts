import { recordFailure } from '#shared/jobs/record-failure.js';
import { RecordFailureEvent } from '#shared/jobs/workflow-events.js';
import { recordJobEnded } from '#shared/runtime/metrics.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** RecordFailure: the job's FAILED or TIMED_OUT end, with the reason a step decided or the error caught. */
export const handler = workflowTask(
  RecordFailureEvent,
  recordFailure,
  (finished) => ({ ...finished }),
  (finished, { job, state }) =>
    recordJobEnded({
      jobType: job.jobType,
      ...finished,
      ...(state.progress ? { pollCount: state.progress.pollCount } : {}),
    }),
);
