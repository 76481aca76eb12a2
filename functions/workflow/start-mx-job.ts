import { startMxJob } from '../../shared/jobs/start-mx-job.js';
import { StartMxJobEvent } from '../../shared/jobs/workflow-events.js';
import { recordJobStarted } from '../../shared/runtime/metrics.js';
import { workflowTask } from '../../shared/runtime/workflow-task.js';

/** StartMxJob: starts (or attaches to) the member's MX job. */
export const handler = workflowTask(
  StartMxJobEvent,
  startMxJob,
  (p) => ({ next: p.next, reason: p.reason }),
  (p, { job }) => p.next !== 'FAIL' && recordJobStarted(job.jobType),
);
