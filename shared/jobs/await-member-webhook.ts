import type { JobRef } from '#shared/store/job-record.js';
import type { MemberWebhookSignal } from '#shared/store/member-webhook-signal.js';
import type { Progress } from './progress.js';
import type { TaskTokens } from './task-tokens.js';

export interface AwaitMemberWebhookInput {
  readonly job: JobRef;
  readonly taskToken: string;
  readonly progress: Pick<Progress, 'polledAt'>;
}

export type WebhookWait = 'WAITING' | 'WEBHOOK_ALREADY_CAME';

/**
 * Parks the job until its member's next MX webhook (or the state's timeout: the fallback poll).
 * A webhook noted since the last status read began (before the first read: since the job took
 * the member) ends the wait at once, so the read that decides never misses what it said.
 */
export async function awaitMemberWebhook(
  deps: { readonly webhookSignal: Pick<MemberWebhookSignal, 'awaitWebhook'>; readonly taskTokens: TaskTokens },
  { job, taskToken, progress }: AwaitMemberWebhookInput,
): Promise<WebhookWait> {
  const waiting = await deps.webhookSignal.awaitWebhook(job.memberGuid, job.jobGuid, taskToken, progress.polledAt ?? 0);
  if (waiting) return 'WAITING';
  await deps.taskTokens.succeed(taskToken);
  return 'WEBHOOK_ALREADY_CAME';
}
