import { deleteAtMx } from '#shared/deletion/delete-at-mx.js';
import { deletionTables, deletionTask } from '#shared/runtime/deletion-task.js';
import { BaseEnvironment, mxConnectionOf, parseEnvironment } from '#shared/runtime/environment.js';
import { mxClientFromSecret } from '#shared/runtime/mx-from-secret.js';

/** DeleteAtMx: MX deletes the user or the member. */
export const handler = deletionTask(() => {
  const connection = mxConnectionOf(parseEnvironment(BaseEnvironment, process.env));
  return { deletions: deletionTables().deletions, mx: () => mxClientFromSecret(connection), now: () => new Date() };
}, deleteAtMx)('deleted at MX');
