import type { TaskTokens } from '#shared/jobs/task-tokens.js';
import { isMxError, type MxClient } from '#shared/mx/index.js';
import type { MemberStore } from '#shared/store/member-store.js';
import type { MemberWebhookSignal } from '#shared/store/member-webhook-signal.js';
import { type MxWebhook, memberOfWebhook } from './mx-webhook.js';

export interface WebhookProcessingDeps {
  readonly members: Pick<MemberStore, 'getMember' | 'recordConnectionStatus'>;
  readonly webhookSignal: Pick<MemberWebhookSignal, 'noteWebhook'>;
  readonly taskTokens: Pick<TaskTokens, 'succeed'>;
  mx(): Promise<Pick<MxClient, 'readMemberStatus'>>;
  now(): Date;
}

/**
 * What one webhook led to: a member mxflow does not hold; the running job woken (or told, between
 * its waits); or, with no job running, the member's status read from MX and kept.
 */
export type WebhookOutcome = 'UNKNOWN_MEMBER' | 'JOB_WOKEN' | 'JOB_NOTED' | 'MEMBER_STATUS_READ' | 'MEMBER_GONE_AT_MX';

/**
 * One MX webhook, acted on. MX says never to trust a webhook alone, so it decides nothing itself:
 * a running job is woken to read its member's status (and decide as it always does); without one,
 * the status is read here, once, and kept on the member, so the API shows MX's latest (a
 * background aggregation that ended DENIED) whatever order the webhooks came in.
 */
export async function processMxWebhook(deps: WebhookProcessingDeps, webhook: MxWebhook): Promise<WebhookOutcome> {
  const { userGuid, memberGuid } = memberOfWebhook(webhook);
  // The running job first: only a member of ours has one, and waking it is the fast path.
  const noted = await deps.webhookSignal.noteWebhook(memberGuid, deps.now());
  if (noted.jobRunning) {
    // A token no longer open (the wait timed out, the job moved on) answers false: nothing to do.
    if (noted.taskToken) await deps.taskTokens.succeed(noted.taskToken);
    return noted.taskToken ? 'JOB_WOKEN' : 'JOB_NOTED';
  }
  const member = await deps.members.getMember(userGuid, memberGuid);
  if (!member) return 'UNKNOWN_MEMBER';
  const readAt = deps.now();
  try {
    const status = await (await deps.mx()).readMemberStatus(userGuid, memberGuid);
    await deps.members.recordConnectionStatus(userGuid, memberGuid, {
      connectionStatus: status.connection_status ?? null,
      readAt,
    });
    return 'MEMBER_STATUS_READ';
  } catch (error) {
    // Deleted at MX (a MEMBER deleted webhook): nothing to read; mxflow's own record is the API's to delete.
    if (isMxError(error) && error.code === 'MX_NOT_FOUND') return 'MEMBER_GONE_AT_MX';
    throw error;
  }
}
