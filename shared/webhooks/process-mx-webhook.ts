import type { TaskTokens } from '#shared/jobs/task-tokens.js';
import { isMxError, type MxClient } from '#shared/mx/index.js';
import type { JobStore } from '#shared/store/job-store.js';
import { memberConnectionStatus } from '#shared/store/member-connection.js';
import type { MemberStore } from '#shared/store/member-store.js';
import type { MemberWebhookSignal } from '#shared/store/member-webhook-signal.js';
import { type MxWebhook, memberOfWebhook } from './mx-webhook.js';

export interface WebhookProcessingDeps {
  readonly members: Pick<MemberStore, 'getMember' | 'recordConnectionStatus'>;
  readonly webhookSignal: Pick<MemberWebhookSignal, 'noteWebhook' | 'tokenSent'>;
  /** The member's latest job: its status is the member's unless MX was read after it. */
  readonly jobs: Pick<JobStore, 'listJobs'>;
  readonly taskTokens: Pick<TaskTokens, 'succeed'>;
  mx(): Promise<Pick<MxClient, 'readMemberStatus'>>;
  /**
   * Starts a job that follows MX's finished background aggregation (observe: MX is asked for
   * nothing new) and syncs its data; answers false when a job of the member got there first.
   */
  startBackgroundSync(member: { userGuid: string; memberGuid: string; isOauth: boolean }): Promise<boolean>;
  now(): Date;
}

/**
 * What one webhook led to: a member mxflow does not hold; the running job woken (or told, between
 * its waits); or, with no job running, the member's status read from MX and kept.
 */
export type WebhookOutcome =
  | 'UNKNOWN_MEMBER'
  | 'JOB_WOKEN'
  | 'JOB_NOTED'
  | 'MEMBER_STATUS_READ'
  | 'MEMBER_UNCHANGED'
  | 'BACKGROUND_SYNC_STARTED'
  | 'MEMBER_READ_DEFERRED'
  | 'MEMBER_GONE_AT_MX';

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
    if (!noted.taskToken) return 'JOB_NOTED';
    // A token no longer open (the wait timed out, the job moved on) answers false. A send that
    // fails throws with the token still on the lock, so the retry of this webhook sends it again.
    const woken = await deps.taskTokens.succeed(noted.taskToken);
    await deps.webhookSignal.tokenSent(memberGuid, noted.taskToken);
    return woken ? 'JOB_WOKEN' : 'JOB_NOTED';
  }
  const member = await deps.members.getMember(userGuid, memberGuid);
  if (!member) return 'UNKNOWN_MEMBER';
  const readAt = deps.now();
  try {
    const status = await (await deps.mx()).readMemberStatus(userGuid, memberGuid);
    const connectionStatus = status.connection_status ?? null;
    const { items } = await deps.jobs.listJobs(memberGuid, { limit: 1 });
    // The same status again is no change (and no event): a background run that ended as the job did.
    const changed = connectionStatus !== memberConnectionStatus(member, items[0]);
    if (changed) await deps.members.recordConnectionStatus(userGuid, memberGuid, { connectionStatus, readAt });
    // MX refreshed the member by itself: its new data is synced now. Not when the run did not
    // connect: the member then waits for its end user, as its status (and its event) says.
    if (isBackgroundAggregation(webhook) && connectionStatus === 'CONNECTED') {
      const started = await deps.startBackgroundSync({ userGuid, memberGuid, isOauth: member.is_oauth === true });
      if (started) return 'BACKGROUND_SYNC_STARTED';
    }
    return changed ? 'MEMBER_STATUS_READ' : 'MEMBER_UNCHANGED';
  } catch (error) {
    // Deleted at MX (a MEMBER deleted webhook): nothing to read; mxflow's own record is the API's to delete.
    if (isMxError(error) && error.code === 'MX_NOT_FOUND') return 'MEMBER_GONE_AT_MX';
    // MX busy or failing (429, 5xx, time-out): the stream's retries come within seconds and would
    // only dead-letter the webhook. The member keeps what it showed until its next webhook or job.
    if (isMxError(error) && error.retryable) return 'MEMBER_READ_DEFERRED';
    throw error;
  }
}

/** MX's own daily refresh of the member ended: an AGGREGATION member_data_updated with is_background. */
const isBackgroundAggregation = (webhook: MxWebhook): boolean =>
  webhook.type === 'AGGREGATION' &&
  webhook.action === 'member_data_updated' &&
  'is_background' in webhook &&
  webhook.is_background === true;
