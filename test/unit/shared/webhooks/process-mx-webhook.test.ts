import { describe, expect, it } from 'vitest';
import { MxError } from '#shared/mx/index.js';
import type { WebhookNoted } from '#shared/store/member-webhook-signal.js';
import type { MxWebhook } from '#shared/webhooks/mx-webhook.js';
import { processMxWebhook, type WebhookProcessingDeps } from '#shared/webhooks/process-mx-webhook.js';
import { aMember, scriptedMx } from '#test/support/fakes/api-deps.js';
import { InMemoryJobStore } from '#test/support/fakes/job-store.js';
import { InMemoryMemberStore } from '#test/support/fakes/member-store.js';
import { FakeTaskTokens } from '#test/support/fakes/task-tokens.js';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const denied: MxWebhook = {
  type: 'CONNECTION_STATUS',
  action: 'CHANGED',
  connection_status: 'DENIED',
  member_guid: 'MBR-1',
  user_guid: 'USR-1',
};

/** The processor's deps in memory: what the member's lock holds, MX's status answer, the calls made. */
function fakeDeps(options: { lock?: WebhookNoted; mxStatus?: () => Promise<{ connection_status: string }> } = {}) {
  const members = new InMemoryMemberStore([aMember('MBR-1', 'USR-1', { connection_status: 'CONNECTED' })]);
  const taskTokens = new FakeTaskTokens();
  const mxCalls: string[] = [];
  const noted: string[] = [];
  const tokensTaken: string[] = [];
  const jobs = new InMemoryJobStore();
  const syncsStarted: string[] = [];
  const mx = scriptedMx(
    { readMemberStatus: options.mxStatus ?? (async () => ({ connection_status: 'DENIED' })) } as never,
    mxCalls,
  );
  const deps: WebhookProcessingDeps = {
    members,
    webhookSignal: {
      noteWebhook: async (memberGuid) => {
        noted.push(memberGuid);
        return options.lock ?? { jobRunning: false };
      },
      tokenSent: async (_memberGuid, token) => {
        tokensTaken.push(token);
      },
    },
    jobs,
    taskTokens,
    mx: async () => mx,
    startBackgroundSync: async ({ memberGuid }) => {
      syncsStarted.push(memberGuid);
      return true;
    },
    now: () => NOW,
  };
  return { deps, members, taskTokens, mxCalls, noted, tokensTaken, jobs, syncsStarted };
}

describe('processMxWebhook', () => {
  it('wakes the job waiting on the member with its task token, and reads nothing from MX itself', async () => {
    const { deps, taskTokens, mxCalls, tokensTaken } = fakeDeps({ lock: { jobRunning: true, taskToken: 'token-1' } });

    const outcome = await processMxWebhook(deps, denied);

    expect(outcome).toBe('JOB_WOKEN');
    expect(taskTokens.succeeded).toEqual(['token-1']);
    expect(tokensTaken).toEqual(['token-1']);
    expect(mxCalls).toEqual([]);
  });

  it('leaves the token on the lock when sending it fails, so the retried webhook sends it again', async () => {
    const { deps, taskTokens, tokensTaken } = fakeDeps({ lock: { jobRunning: true, taskToken: 'token-1' } });
    taskTokens.succeed = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    };

    await expect(processMxWebhook(deps, denied)).rejects.toThrow('throttled');

    expect(tokensTaken).toEqual([]);
  });

  it("keeps nothing when MX's status is the one the member's latest job already shows (no repeated event)", async () => {
    const { deps, members, jobs, mxCalls } = fakeDeps({ mxStatus: async () => ({ connection_status: 'CONNECTED' }) });
    jobs.add(
      { jobGuid: 'JOB-1', userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'aggregate' },
      { status: 'SUCCEEDED', connection_status: 'CONNECTED', updated_at: '2026-12-05T11:00:00.000Z' },
    );

    const outcome = await processMxWebhook(deps, { ...denied, connection_status: 'CONNECTED' });

    expect(outcome).toBe('MEMBER_UNCHANGED');
    expect(mxCalls).toEqual(['readMemberStatus']);
    expect((await members.getMember('USR-1', 'MBR-1'))?.connection_status_at).toBeUndefined();
  });

  it('only notes the webhook for a job between its waits: its next wait ends at once', async () => {
    const { deps, taskTokens, noted, mxCalls } = fakeDeps({ lock: { jobRunning: true } });

    const outcome = await processMxWebhook(deps, denied);

    expect(outcome).toBe('JOB_NOTED');
    expect(noted).toEqual(['MBR-1']);
    expect(taskTokens.succeeded).toEqual([]);
    expect(mxCalls).toEqual([]);
  });

  it("reads the member's status from MX once when no job runs, and keeps it on the member", async () => {
    const { deps, members, mxCalls } = fakeDeps();

    const outcome = await processMxWebhook(deps, { ...denied, connection_status: 'CHALLENGED' });

    expect(outcome).toBe('MEMBER_STATUS_READ');
    expect(mxCalls).toEqual(['readMemberStatus']);
    // MX's read, not the webhook's word: the webhook said CHALLENGED, MX says DENIED.
    expect(await members.getMember('USR-1', 'MBR-1')).toMatchObject({
      connection_status: 'DENIED',
      connection_status_at: NOW.toISOString(),
    });
  });

  it("starts a sync of the member's data when MX's background aggregation connected", async () => {
    const { deps, syncsStarted, mxCalls } = fakeDeps({ mxStatus: async () => ({ connection_status: 'CONNECTED' }) });
    const background = {
      type: 'AGGREGATION',
      action: 'member_data_updated',
      member_guid: 'MBR-1',
      user_guid: 'USR-1',
      is_background: true,
    } as const;

    const outcome = await processMxWebhook(deps, background);
    const manual = await processMxWebhook(deps, { ...background, is_background: false });

    expect(outcome).toBe('BACKGROUND_SYNC_STARTED');
    expect(manual).toBe('MEMBER_UNCHANGED');
    expect(syncsStarted).toEqual(['MBR-1']);
    expect(mxCalls).toEqual(['readMemberStatus', 'readMemberStatus']);
  });

  it('starts no sync when the background aggregation did not connect: the member waits for its end user', async () => {
    const { deps, syncsStarted, members } = fakeDeps({ mxStatus: async () => ({ connection_status: 'CHALLENGED' }) });

    const outcome = await processMxWebhook(deps, {
      type: 'AGGREGATION',
      action: 'member_data_updated',
      member_guid: 'MBR-1',
      user_guid: 'USR-1',
      is_background: true,
    });

    expect(outcome).toBe('MEMBER_STATUS_READ');
    expect(syncsStarted).toEqual([]);
    expect(await members.getMember('USR-1', 'MBR-1')).toMatchObject({ connection_status: 'CHALLENGED' });
  });

  it('finds the member of a MEMBER webhook under its `member` field', async () => {
    const { deps, noted } = fakeDeps({ lock: { jobRunning: true } });

    await processMxWebhook(deps, { type: 'MEMBER', action: 'UPDATED', member: { guid: 'MBR-1', user_guid: 'USR-1' } });

    expect(noted).toEqual(['MBR-1']);
  });

  it('acts on nothing for a member mxflow does not hold', async () => {
    const { deps, mxCalls } = fakeDeps();

    const outcome = await processMxWebhook(deps, { ...denied, member_guid: 'MBR-other' });

    expect(outcome).toBe('UNKNOWN_MEMBER');
    expect(mxCalls).toEqual([]);
  });

  it('leaves the member as it was when MX no longer has it or is busy, and fails on a refusal it cannot wait out', async () => {
    const failingWith = (code: 'MX_NOT_FOUND' | 'MX_RATE_LIMITED' | 'MX_UNAUTHORIZED', status: number) =>
      fakeDeps({ mxStatus: () => Promise.reject(new MxError({ operation: 'readMemberStatus', code, status })) });
    const gone = failingWith('MX_NOT_FOUND', 404);

    const outcomes = [
      await processMxWebhook(gone.deps, denied),
      await processMxWebhook(failingWith('MX_RATE_LIMITED', 429).deps, denied),
    ];

    expect(outcomes).toEqual(['MEMBER_GONE_AT_MX', 'MEMBER_READ_DEFERRED']);
    expect(await gone.members.getMember('USR-1', 'MBR-1')).toMatchObject({ connection_status: 'CONNECTED' });
    await expect(processMxWebhook(failingWith('MX_UNAUTHORIZED', 401).deps, denied)).rejects.toThrow();
  });
});
