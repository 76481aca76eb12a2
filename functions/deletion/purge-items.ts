import { purgeItems } from '#shared/deletion/purge-items.js';
import { deletionTables, deletionTask } from '#shared/runtime/deletion-task.js';

/** PurgeItems: one bounded step of deleting everything mxflow holds for the user or member. */
export const handler = deletionTask(
  () => ({ ...deletionTables(), clock: () => Date.now(), now: () => new Date() }),
  purgeItems,
)('items purged');
