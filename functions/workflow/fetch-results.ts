import { fetchResultsStep } from '#shared/jobs/fetch-results.js';
import { FetchResultsEvent } from '#shared/jobs/workflow-events.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** FetchResults: copies the job's results from MX into DynamoDB; only counts come back. */
export const handler = workflowTask(FetchResultsEvent, fetchResultsStep, (p) => ({
  next: p.next,
  counts: p.counts,
  retryWaits: p.retryWaits,
}));
