import { recordDeletionFailure } from '#shared/deletion/record-deletion-failure.js';
import { deletionTables, deletionTask } from '#shared/runtime/deletion-task.js';

/** RecordDeletionFailure: the deletion ends FAILED and gives the user and members back. */
export const handler = deletionTask(
  () => ({ deletions: deletionTables().deletions, now: () => new Date() }),
  recordDeletionFailure,
)('deletion failure recorded');
