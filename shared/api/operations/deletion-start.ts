import { randomUUID } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DeletionInput } from '#shared/contract/workflow.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { type DeletionRecord, DeletionUnderwayError } from '#shared/store/deletion-store.js';

export interface DeletionRequest {
  readonly scope: 'user' | 'member';
  readonly userGuid: string;
  readonly memberGuids: readonly string[];
  /** The deletion the user (or member) is already marked with, as the caller read it. */
  readonly underway?: string | undefined;
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
  // Asked again: no second transaction on items the deletion is already working on.
  let deletion = request.underway ? await deps.deletions.getDeletion(request.underway) : undefined;
  if (!deletion) deletion = await recordDeletion(deps, request);
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

async function recordDeletion(deps: ApiDeps, request: DeletionRequest): Promise<DeletionRecord> {
  try {
    return await deps.deletions.createDeletion({
      deletionGuid: `DEL-${randomUUID().replaceAll('-', '')}`,
      scope: request.scope,
      userGuid: request.userGuid,
      memberGuids: request.memberGuids,
      now: deps.now(),
    });
  } catch (error) {
    if (!(error instanceof DeletionUnderwayError)) throw error;
    const underway = await deps.deletions.getDeletion(error.deletionGuid);
    if (!underway) throw error;
    return underway;
  }
}
