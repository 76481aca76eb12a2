import { deleteSupersededResults } from '#shared/jobs/delete-superseded-results.js';
import { DeleteSupersededResultsEvent } from '#shared/jobs/workflow-events.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** DeleteSupersededResults: deletes, in a bounded step, results a successful job replaced. */
export const handler = workflowTask(DeleteSupersededResultsEvent, deleteSupersededResults, (cleanup) => ({
  resultsLeft: cleanup.resultsLeft,
  generationsLeft: cleanup.superseded.length,
}));
