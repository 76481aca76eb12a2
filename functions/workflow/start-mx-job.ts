import { startMxJob } from '#shared/jobs/start-mx-job.js';
import { StartMxJobEvent } from '#shared/jobs/workflow-events.js';
import { recordJobStarted } from '#shared/runtime/metrics.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** StartMxJob: starts (or attaches to) the member's MX job. */
export const handler = workflowTask(
  StartMxJobEvent,
  startMxJob,
  (p) => ({ next: p.next, reason: p.reason }),
  // A start waiting out MX's 429 (RETRY_START) has not started yet: counted when it does.
  (p, { job }) => p.next !== 'FAIL' && p.next !== 'RETRY_START' && recordJobStarted(job.jobType),
);
