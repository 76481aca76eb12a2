import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMxflow, startLocalMxflow } from '#local/local-mxflow.js';
import { MX_STATUS_FLOOR_SECONDS } from '#shared/contract/time-budget.js';
import { dynamoEndpoint } from '#test/support/dynamodb.js';
import { type ApiJob, ScriptedBackend, type ScriptedJobType } from '#test/support/scripted-backend.js';

/**
 * 30 jobs through the API with MX's webhooks on while their delivery misbehaves: a fifth of them
 * lost, a third sent twice, a third held back behind the next, every one late. Webhooks only save
 * reads: every job must still end as its login calls for, never read MX more often than its 3 s
 * floor, and no webhook may be left undone.
 */

/** 1 s of MX and Step Functions time is 10 ms of real time. */
const TIME_SCALE = 0.01;
const WEBHOOK_WAIT = Duration.seconds(30);
const JOB_BOUND_MS = 120_000;
const JOBS: { type: ScriptedJobType; password: string }[] = Array.from(
  { length: 30 },
  (_, i) =>
    [
      { type: 'verify' as const, password: 'password' },
      { type: 'aggregate' as const, password: 'password' },
      { type: 'aggregate' as const, password: 'challenge' },
      { type: 'identify' as const, password: 'password' },
      { type: 'aggregate' as const, password: 'delayed' },
    ][i % 5]!,
);

let stack: LocalMxflow;

beforeAll(async () => {
  stack = await startLocalMxflow({
    timeScale: TIME_SCALE,
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `webhooks-under-faults-${process.pid}`,
    simulator: {
      seed: 'webhooks-under-faults',
      jobDurationMs: 90_000,
      // At this scale a real second is 100 s of MX time: the API's own latency under 30 jobs would
      // pass for an end user too slow to answer MX's challenge, which is not what this file tests.
      challengeExpiryMs: 6 * 3_600_000,
      transactionsPerAccount: 20,
      webhookFaults: { dropRate: 0.2, duplicateRate: 0.3, reorderRate: 0.3, delayMs: 5_000 },
    },
    mxWebhooks: { wait: WEBHOOK_WAIT },
    workflowSettings: { challengeTimeout: Duration.hours(6), executionTimeout: Duration.days(1) },
    environment: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
});
afterAll(async () => stack?.stop());

describe('jobs with MX webhooks lost, repeated, reordered and late', () => {
  it('all end as their logins call for, read at most every 3 s, with every webhook acted on', async () => {
    const api = new ScriptedBackend(stack.endpoints.api);

    const ended = await Promise.all(
      JOBS.map(async ({ type, password }, i) => {
        const { userGuid, memberGuid } = await api.userWithMember(`webhook-faults-${i}`, password);
        const started = await api.startJob(type, userGuid, memberGuid);
        const { job } = await api.follow(started, 'correct', { pollMs: 100, timeoutMs: JOB_BOUND_MS });
        return job as ApiJob;
      }),
    );

    const stats = stack.simulator?.stats();
    expect(ended.map((job) => job.status)).toEqual(JOBS.map(() => 'SUCCEEDED'));
    expect(stats?.statusReads.minGapMs).toBeGreaterThanOrEqual(MX_STATUS_FLOOR_SECONDS * 1000);
    expect(stats?.webhooks.dropped).toBeGreaterThan(0);
    expect(stats?.webhooks.duplicated).toBeGreaterThan(0);
    expect(stats?.webhooks.reordered).toBeGreaterThan(0);
    expect(stack.webhookProcessing.deadLetters).toEqual([]);
  });
});
