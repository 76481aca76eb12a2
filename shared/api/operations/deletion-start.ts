import { randomUUID } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DeletionInput } from '#shared/contract/workflow.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { type DeletionRecord, DeletionUnderwayError } from '#shared/store/deletion-store.js';

export interface DeletionRequest {
  readonly scope: 'user' | 'member';
  readonly userGuid: string;
  readonly memberGuids: readonly string[];
}

export const deletionLocation = (deletionGuid: string) => `/deletions/${deletionGuid}`;

/**
 * Records a deletion (marking the user and members so nothing new starts on them) and starts
 * its workflow, named after it. A deletion of something already being deleted answers that one,
 * and starts its execution again: a start that crashed between the record and StartExecution is
 * repaired by the caller's retry (Step Functions answers the same name and input with the
 * execution already running).
 */
export async function startDeletion(deps: ApiDeps, request: DeletionRequest): Promise<DeletionRecord> {
  let deletion: DeletionRecord | undefined;
  try {
    deletion = await deps.deletions.createDeletion({
      deletionGuid: `DEL-${randomUUID().replaceAll('-', '')}`,
      scope: request.scope,
      userGuid: request.userGuid,
      memberGuids: request.memberGuids,
      now: deps.now(),
    });
  } catch (error) {
    if (!(error instanceof DeletionUnderwayError)) throw error;
    deletion = await deps.deletions.getDeletion(error.deletionGuid);
    if (!deletion) throw error;
  }
  if (deletion.status === 'RUNNING') {
    const input: DeletionInput = { deletionGuid: deletion.deletion_guid };
    try {
      await deps.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: deps.deletionStateMachineArn,
          name: deletion.deletion_guid,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      // Its execution ran and ended: the record says how, the caller reads it.
      if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
    }
  }
  return deletion;
}
