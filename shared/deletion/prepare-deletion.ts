import { DELETION_DRAIN_SECONDS, type DeletionInput, isTerminal } from '#shared/contract/workflow.js';
import { type CancelJobDeps, cancelJob } from '#shared/jobs/cancel-job.js';
import type { DeletionStore } from '#shared/store/deletion-store.js';
import type { JobStore } from '#shared/store/job-store.js';
import { deletionOf } from './deletion-of.js';

export interface PrepareDeletionDeps extends CancelJobDeps {
  readonly deletions: Pick<DeletionStore, 'getDeletion' | 'takeMemberLock' | 'recordProgress'>;
  readonly jobs: Pick<JobStore, 'getJob' | 'finishJob'>;
}

/** Tries at taking a member's lock: each one cancels the job that held it, so two suffice but for a race. */
const LOCK_TRIES = 5;

/**
 * PrepareDeletion: cancels the job running on each member (its record ends CANCELLED with
 * MEMBER_DELETED, its execution is stopped) and takes each member's lock for the deletion, so no
 * job starts or writes while the purge runs. Answers how long to wait for a stopped execution's
 * task still running to end (none cancelled: no wait).
 */
export async function prepareDeletion(
  deps: PrepareDeletionDeps,
  input: DeletionInput,
): Promise<{ drainSeconds: number }> {
  const deletion = await deletionOf(deps.deletions, input);
  const cancelled: string[] = [];
  for (const memberGuid of deletion.member_guids) {
    let stale: string | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const holder = await deps.deletions.takeMemberLock(memberGuid, deletion.deletion_guid, deps.now(), stale);
      if (holder === undefined) break;
      if (attempt === LOCK_TRIES) throw new Error(`member ${memberGuid} stayed locked by job ${holder}`);
      const job = holder ? await deps.jobs.getJob(memberGuid, holder) : undefined;
      if (job && !isTerminal(job.status)) {
        if (await cancelJob(deps, job, 'MEMBER_DELETED')) cancelled.push(job.job_guid);
      } else if (holder) {
        // A lock its job no longer holds (the job ended or is gone): the deletion may take it over.
        stale = holder;
      }
    }
  }
  await deps.deletions.recordProgress(deletion.deletion_guid, { cancelledJobs: cancelled, now: deps.now() });
  return { drainSeconds: cancelled.length > 0 ? DELETION_DRAIN_SECONDS : 0 };
}
