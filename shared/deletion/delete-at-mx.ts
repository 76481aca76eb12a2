import type { DeletionInput } from '#shared/contract/workflow.js';
import { asWorkflowError } from '#shared/jobs/workflow-errors.js';
import { isMxError, type MxClient } from '#shared/mx/index.js';
import type { DeletionStore } from '#shared/store/deletion-store.js';
import { deletionOf } from './deletion-of.js';

export interface DeleteAtMxDeps {
  mx(): Promise<Pick<MxClient, 'deleteUser' | 'deleteMember'>>;
  readonly deletions: Pick<DeletionStore, 'getDeletion' | 'recordProgress'>;
  now(): Date;
}

/**
 * DeleteAtMx: MX deletes the user (and with it every member) or the member, so MX stops
 * aggregating and sending webhooks for them. One MX already deleted counts as deleted.
 */
export async function deleteAtMx(deps: DeleteAtMxDeps, input: DeletionInput): Promise<void> {
  const deletion = await deletionOf(deps.deletions, input);
  const mx = await deps.mx();
  // Gone already counts as deleted; any other refusal leaves under the name the state machine retries or catches.
  const gone = (error: unknown) => {
    if (!(isMxError(error) && error.code === 'MX_NOT_FOUND')) throw asWorkflowError(error);
  };
  if (deletion.scope === 'user') {
    await mx.deleteUser(deletion.user_guid).catch(gone);
  } else {
    for (const memberGuid of deletion.member_guids) {
      await mx.deleteMember(deletion.user_guid, memberGuid).catch(gone);
    }
  }
  await deps.deletions.recordProgress(deletion.deletion_guid, { deletedAtMx: true, now: deps.now() });
}
