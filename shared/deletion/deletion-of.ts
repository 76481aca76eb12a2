import type { DeletionInput } from '#shared/contract/workflow.js';
import type { DeletionRecord, DeletionStore } from '#shared/store/deletion-store.js';

/** The deletion an execution works for; one that is gone is a wiring mistake, failed loudly. */
export async function deletionOf(
  deletions: Pick<DeletionStore, 'getDeletion'>,
  input: DeletionInput,
): Promise<DeletionRecord> {
  const deletion = await deletions.getDeletion(input.deletionGuid);
  if (!deletion) throw new Error(`deletion ${input.deletionGuid} has no record`);
  return deletion;
}
