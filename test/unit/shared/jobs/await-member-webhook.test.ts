import { describe, expect, it } from 'vitest';
import { awaitMemberWebhook } from '#shared/jobs/await-member-webhook.js';
import { FakeTaskTokens } from '#test/support/fakes/task-tokens.js';

const job = { jobGuid: 'JOB-1', userGuid: 'USR-1', memberGuid: 'MBR-1', jobType: 'verify' as const };

/** A member whose last webhook was noted at `webhookAt` (ms), as the lock item keeps it. */
function memberWithWebhookAt(webhookAt: number | undefined) {
  const left: string[] = [];
  return {
    left,
    webhookSignal: {
      awaitWebhook: async (_member: string, _job: string, token: string, polledAt: number) => {
        if (webhookAt !== undefined && webhookAt >= polledAt) return false;
        left.push(token);
        return true;
      },
    },
  };
}

describe('awaitMemberWebhook', () => {
  it("leaves the token for the member's next webhook when none came since the last read", async () => {
    const member = memberWithWebhookAt(1_000);
    const taskTokens = new FakeTaskTokens();

    const outcome = await awaitMemberWebhook(
      { webhookSignal: member.webhookSignal, taskTokens },
      { job, taskToken: 'token-1', progress: { polledAt: 2_000 } },
    );

    expect(outcome).toBe('WAITING');
    expect(member.left).toEqual(['token-1']);
    expect(taskTokens.succeeded).toEqual([]);
  });

  it('ends the wait at once when a webhook came since the read began, or since the job started before any read', async () => {
    const taskTokens = new FakeTaskTokens();
    const deps = { webhookSignal: memberWithWebhookAt(3_000).webhookSignal, taskTokens };

    const afterRead = await awaitMemberWebhook(deps, { job, taskToken: 'token-2', progress: { polledAt: 2_000 } });
    const beforeAnyRead = await awaitMemberWebhook(deps, { job, taskToken: 'token-3', progress: {} });

    expect([afterRead, beforeAnyRead]).toEqual(['WEBHOOK_ALREADY_CAME', 'WEBHOOK_ALREADY_CAME']);
    expect(taskTokens.succeeded).toEqual(['token-2', 'token-3']);
  });
});
