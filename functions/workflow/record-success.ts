import { recordSuccess } from '#shared/jobs/record-success.js';
import { RecordSuccessEvent } from '#shared/jobs/workflow-events.js';
import { recordJobEnded } from '#shared/runtime/metrics.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** RecordSuccess: the job's end once its results are in (SUCCEEDED, or FAILED for a verification without numbers). */
export const handler = workflowTask(
  RecordSuccessEvent,
  recordSuccess,
  (finished) => ({ ...finished }),
  (finished, { job, progress }) =>
    recordJobEnded({ jobType: job.jobType, ...finished, ...(progress ? { pollCount: progress.pollCount } : {}) }),
);
