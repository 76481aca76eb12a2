import { pollMemberStatus } from '#shared/jobs/poll-member-status.js';
import { PollMemberStatusEvent } from '#shared/jobs/workflow-events.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** PollMemberStatus: one status read and the decision it leads to. */
export const handler = workflowTask(PollMemberStatusEvent, pollMemberStatus, (p) => ({
  next: p.next,
  reason: p.reason,
  connectionStatus: p.connectionStatus,
  pollCount: p.pollCount,
}));
