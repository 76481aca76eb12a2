import { CLEANUP_STEP_SECONDS } from '#shared/contract/workflow.js';
import type { JobRef } from '#shared/store/job-record.js';
import type { SupersededGeneration } from '#shared/store/result-store.js';
import { cleanupOf, type ResultsCleanup } from './record-success.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface DeleteSupersededResultsInput {
  readonly job: JobRef;
  readonly superseded: readonly SupersededGeneration[];
}

/**
 * One bounded step of deleting the results a successful job replaced, for a member too big for
 * RecordSuccess's own cleanup budget: deletes for CLEANUP_STEP_SECONDS and hands back what is
 * left, and the state machine calls it again until nothing is. The job has ended already; a
 * later job of the member writes its own generation, which the list given here never names.
 */
export async function deleteSupersededResults(
  deps: Pick<WorkflowDeps, 'results'>,
  { job, superseded }: DeleteSupersededResultsInput,
): Promise<ResultsCleanup> {
  const deadline = Date.now() + CLEANUP_STEP_SECONDS * 1000;
  return cleanupOf(await deps.results.deleteSuperseded(job.memberGuid, superseded, deadline));
}
