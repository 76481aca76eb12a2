import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { lambdaContext } from '#local/lambda-context.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '#local/secrets-manager.js';
import { ENV, WORKFLOW_FUNCTIONS, WORKFLOW_STATES, type WorkflowStateName } from '#shared/contract/workflow.js';
import { initialProgress } from '#shared/jobs/progress.js';
import { JobStore } from '#shared/store/job-store.js';
import { dynamoEndpoint, type FreshTable, freshTable } from '#test/support/dynamodb.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * In AWS only the functions that call MX (`callsMx`) may read the MX secret; the others' roles
 * are refused it. The local Secrets Manager cannot tell functions apart, so here the MX secret
 * does not exist at all: a function that calls no MX must still do its step, and one that does
 * fails, as each would in AWS.
 */
let table: FreshTable;
let secrets: LocalSecretsManager;
let jobs: JobStore;
const environmentBefore = { ...process.env };

beforeAll(async () => {
  table = await freshTable('mx-secret-reads');
  secrets = await startLocalSecretsManager({ secrets: {} });
  jobs = new JobStore(table.doc, table.tableName);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    // Nothing listens here: a step that called Step Functions would fail.
    AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:9',
    [ENV.tableName]: table.tableName,
    [ENV.mxSecretId]: 'mxflow/test/mx-never-created',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // The handlers keep their clients per module, as a Lambda container does: fresh ones, on this environment.
  vi.resetModules();
});
afterAll(async () => {
  // Files share this worker: the handlers bound to this file's table and environment go with it.
  vi.resetModules();
  for (const name of Object.keys(process.env)) if (!(name in environmentBefore)) delete process.env[name];
  Object.assign(process.env, environmentBefore);
  await secrets?.stop();
  table?.client.destroy();
});

/** A running job of its own, on a member of its own, its challenges staged for the park. */
async function runningJob() {
  const ref = { jobGuid: `JOB-${randomUUID()}`, userGuid: 'USR-1', memberGuid: `MBR-${randomUUID()}` };
  const now = new Date();
  await jobs.createJob({ ...ref, type: 'aggregate', now, lockSeconds: 3600 });
  await jobs.stageChallenges(ref.memberGuid, ref.jobGuid, {
    challenges: [{ guid: 'CRD-1', type: 'TEXT', label: 'What city?' }],
    now,
  });
  return { ...ref, jobType: 'aggregate' as const };
}

/** The event each state's task receives, for a job of its own. */
const EVENTS: Partial<Record<WorkflowStateName, (job: Awaited<ReturnType<typeof runningJob>>) => unknown>> = {
  [WORKFLOW_STATES.parkForChallenge]: (job) => ({ job, taskToken: 'token-park' }),
  [WORKFLOW_STATES.awaitMemberWebhook]: (job) => ({
    job,
    taskToken: 'token-webhook',
    progress: { ...initialProgress(3), polledAt: Date.now() },
  }),
  [WORKFLOW_STATES.recordSuccess]: (job) => ({ job, counts: { accounts: 0 } }),
  [WORKFLOW_STATES.recordFailure]: (job) => ({
    job,
    state: { progress: { ...initialProgress(3), next: 'FAIL', reason: 'TIMED_OUT' } },
  }),
  [WORKFLOW_STATES.deleteSupersededResults]: (job) => ({ job, superseded: [] }),
  [WORKFLOW_STATES.pollMemberStatus]: (job) => ({ job, progress: initialProgress(3) }),
};

const invoke = async (spec: (typeof WORKFLOW_FUNCTIONS)[number]) => {
  const { handler } = (await import(/* @vite-ignore */ `#${spec.entry.replace(/\.ts$/, '.js')}`)) as {
    handler: Handler;
  };
  const event = EVENTS[spec.state];
  if (!event) throw new Error(`no event for ${spec.state}`);
  return handler(event(await runningJob()), lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));
};

describe('the MX secret, read only by the functions that call MX', () => {
  it.each(WORKFLOW_FUNCTIONS.filter((spec) => !spec.callsMx).map((spec) => [spec.state, spec] as const))(
    '%s does its step without the MX secret',
    async (_state, spec) => {
      await expect(invoke(spec)).resolves.toBeDefined();
    },
  );

  it('fails a function that calls MX without it (the setup would catch a read)', async () => {
    const poll = WORKFLOW_FUNCTIONS.find((spec) => spec.state === WORKFLOW_STATES.pollMemberStatus);

    await expect(invoke(poll as (typeof WORKFLOW_FUNCTIONS)[number])).rejects.toThrow(/secret/i);
  });
});
