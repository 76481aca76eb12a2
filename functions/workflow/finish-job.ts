import { recordFailure, recordSuccess } from '#shared/jobs/finish-job.js';
import { FinishJobEvent } from '#shared/jobs/workflow-events.js';
import { recordJobEnded } from '#shared/runtime/metrics.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** RecordSuccess / RecordFailure: the job's terminal status, reason and counts. */
export const handler = workflowTask(
  FinishJobEvent,
  (deps, event) => (event.outcome === 'SUCCEEDED' ? recordSuccess(deps, event) : recordFailure(deps, event)),
  (finished) => ({ ...finished }),
  (finished, event) =>
    recordJobEnded({
      jobType: event.job.jobType,
      ...finished,
      ...(event.outcome === 'FAILED' && event.state.progress ? { pollCount: event.state.progress.pollCount } : {}),
      ...(event.outcome === 'SUCCEEDED' && event.progress ? { pollCount: event.progress.pollCount } : {}),
    }),
);
