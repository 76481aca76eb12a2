import type { DeletionInput } from '#shared/contract/workflow.js';
import type { DeletionStore } from '#shared/store/deletion-store.js';
import { deletionOf } from './deletion-of.js';

export interface RecordDeletionFailureDeps {
  readonly deletions: Pick<DeletionStore, 'getDeletion' | 'finishDeletion'>;
  now(): Date;
}

/** The caught error as Step Functions hands it: only its name is kept (its cause may quote MX). */
export interface DeletionFailureInput extends DeletionInput {
  readonly failure?: { readonly Error?: string };
}

/**
 * RecordDeletionFailure: ends the deletion FAILED, naming the error, and gives the user and
 * members back (marks and locks removed) so a new DELETE can try again.
 */
export async function recordDeletionFailure(deps: RecordDeletionFailureDeps, input: DeletionFailureInput) {
  const deletion = await deletionOf(deps.deletions, input);
  if (deletion.status !== 'RUNNING') return { status: deletion.status };
  const name = input.failure?.Error ?? 'unknown';
  await deps.deletions.finishDeletion(deletion, {
    status: 'FAILED',
    error: { code: 'DELETION_FAILED', message: `the deletion stopped on ${name}; delete again to retry` },
    now: deps.now(),
  });
  return { status: 'FAILED' as const };
}
