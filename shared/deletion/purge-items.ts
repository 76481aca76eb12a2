import { type DeletionInput, PURGE_STEP_SECONDS } from '#shared/contract/workflow.js';
import type { DeletionStore } from '#shared/store/deletion-store.js';
import type { Purge, PurgeProgress } from '#shared/store/purge.js';
import { deletionOf } from './deletion-of.js';

export interface PurgeItemsDeps {
  readonly purge: Pick<Purge, 'purgeUser' | 'purgeMember'>;
  readonly deletions: Pick<DeletionStore, 'getDeletion' | 'recordProgress' | 'finishDeletion'>;
  /** Epoch ms, as the deadline is. */
  clock(): number;
  now(): Date;
}

/**
 * PurgeItems: deletes what mxflow holds for the user or member for PURGE_STEP_SECONDS, then hands
 * back to the loop; the step that finds nothing left ends the deletion SUCCEEDED.
 */
export async function purgeItems(deps: PurgeItemsDeps, input: DeletionInput): Promise<{ done: boolean }> {
  const deletion = await deletionOf(deps.deletions, input);
  const deadline = deps.clock() + PURGE_STEP_SECONDS * 1000;
  let progress: PurgeProgress = { deleted: 0, done: true };
  if (deletion.scope === 'user') {
    progress = await deps.purge.purgeUser(deletion.user_guid, deadline);
  } else {
    for (const memberGuid of deletion.member_guids) {
      const member = await deps.purge.purgeMember(deletion.user_guid, memberGuid, deadline);
      progress = { deleted: progress.deleted + member.deleted, done: member.done };
      if (!member.done) break;
    }
  }
  await deps.deletions.recordProgress(deletion.deletion_guid, { itemsDeleted: progress.deleted, now: deps.now() });
  if (progress.done) await deps.deletions.finishDeletion(deletion, { status: 'SUCCEEDED', now: deps.now() });
  return { done: progress.done };
}
