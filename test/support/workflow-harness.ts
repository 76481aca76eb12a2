import { randomUUID } from 'node:crypto';
import { Duration } from 'aws-cdk-lib';
import type { RequestSigner } from '#cli/sigv4.js';
import type { LocalFaults } from '#local/faults/local-faults.js';
import { type LocalMxflow, type LocalMxflowOptions, startLocalMxflow } from '#local/local-mxflow.js';
import type { MxSimulatorOptions } from '#local/mx-simulator/index.js';
import { ENV, type JobType } from '#shared/contract/workflow.js';
import { type AnswerOutcome, answerChallenges } from '#shared/jobs/answer-challenges.js';
import { executionArnOf } from '#shared/jobs/reconcile-jobs.js';
import { startJobExecution } from '#shared/jobs/start-job-execution.js';
import { stepFunctionsTaskTokens } from '#shared/jobs/task-tokens.js';
import { MxClient } from '#shared/mx/index.js';
import type { JobRecord } from '#shared/store/job-record.js';
import { type ApiClient, apiClient, type RecordedAnswer } from './api-client.js';
import { dynamoEndpoint } from './dynamodb.js';
import { credentialsFor } from './simulated-mx.js';

/** 1 s of MX and Step Functions time is 1 ms of real time. */
const TIME_SCALE = 0.001;

/**
 * Each account's transactions at the harness's MX unless a test asks for more (the simulator's own
 * default is 50): every aggregation writes each of them to DynamoDB Local, whose requests are a
 * quarter of the test run's CPU, and only the copy's own tests need more. With MX Bank's 3
 * accounts, a first aggregation stores `3 * HARNESS_TRANSACTIONS_PER_ACCOUNT` transactions.
 */
export const HARNESS_TRANSACTIONS_PER_ACCOUNT = 10;

/**
 * For the files that test the API rather than the polling: a status read every 15 s of MX time
 * instead of at MX's 3 s floor, a fifth of the reads and tasks for the same jobs. The workflow
 * files, the CLI, the demo and the benches keep the default schedule, and prove it.
 */
export const API_TEST_POLLING = { [ENV.pollIntervalSeconds]: '15' } as const;

export interface StartedJob {
  readonly job: JobRecord;
  readonly executionArn: string;
}

export interface WorkflowHarness {
  readonly stack: LocalMxflow;
  readonly mx: MxClient;
  newUser(): Promise<string>;
  newMember(
    userGuid: string,
    password: string,
    options?: { skipAggregation?: boolean; institution?: string; oauth?: boolean },
  ): Promise<string>;
  start(type: JobType, userGuid: string, memberGuid: string, options?: { observeOnly?: boolean }): Promise<StartedJob>;
  /** Reads the job record until `until` holds, or fails after `timeoutMs` of real time. */
  waitForJob(started: StartedJob, until: (record: JobRecord) => boolean, timeoutMs?: number): Promise<JobRecord>;
  /** The job's record once its execution has ended (within `timeoutMs`, default 60 s). */
  finished(started: StartedJob, timeoutMs?: number): Promise<JobRecord>;
  answer(job: JobRecord, answers: { guid: string; value: string }[]): Promise<AnswerOutcome>;
  /** A client of the stack's API whose `waitForJob(…, ended)` waits on the job's execution (apiClient's options). */
  api(options?: { onAnswer?: (answer: RecordedAnswer) => void; signer?: RequestSigner }): ApiClient;
  /** Requests the simulator has answered at `endpoint`, or only those answered `status` (MxSimulator.requestCount). */
  mxRequests(endpoint: string, status?: number): number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startWorkflowHarness(
  options: {
    simulator?: MxSimulatorOptions;
    environment?: Record<string, string>;
    challengeTimeout?: Duration;
    /** The local stack's faults (none by default); one faulted stack per test file, as its clients are per process. */
    faults?: LocalFaults;
    /** Real ms per ms of MX time; 0.001 by default. */
    timeScale?: number;
    /** MX's webhooks on (see LocalMxflowOptions.mxWebhooks). */
    mxWebhooks?: LocalMxflowOptions['mxWebhooks'];
    /** mxflow's events on a local bus (LocalMxflowOptions.events). */
    events?: boolean;
    /** Every event also POSTed, signed, here (LocalMxflowOptions.callbackUrl). */
    callbackUrl?: string;
    /** The principals the local API lets in (LocalMxflowOptions.allowedPrincipals). */
    allowedPrincipals?: readonly string[];
  } = {},
): Promise<WorkflowHarness> {
  const stack = await startLocalMxflow({
    timeScale: options.timeScale ?? TIME_SCALE,
    dynamoEndpoint: dynamoEndpoint(),
    // Files share a process (and DynamoDB Local), one after another: a table of its own each time.
    tableName: `workflows-${randomUUID()}`,
    // Limits are MX time, and at this scale a minute of MX time is 60 ms of real time: generous
    // defaults keep a loaded machine's slowness from passing for an expired challenge or OAuth link.
    simulator: {
      seed: 'workflows',
      challengeExpiryMs: 6 * 3_600_000,
      oauthWindowTtlMs: 6 * 3_600_000,
      transactionsPerAccount: HARNESS_TRANSACTIONS_PER_ACCOUNT,
      ...options.simulator,
    },
    workflowSettings: {
      challengeTimeout: options.challengeTimeout ?? Duration.hours(2),
      executionTimeout: Duration.days(1),
    },
    environment: { POWERTOOLS_LOG_LEVEL: 'ERROR', ...options.environment },
    ...(options.faults && { faults: options.faults }),
    ...(options.mxWebhooks && { mxWebhooks: options.mxWebhooks }),
    ...(options.events && { events: true }),
    ...(options.callbackUrl && { callbackUrl: options.callbackUrl }),
    ...(options.allowedPrincipals && { allowedPrincipals: options.allowedPrincipals }),
  });
  const simulator = stack.simulator;
  if (!simulator) throw new Error('the workflow harness runs against its own simulator');
  const mx = new MxClient({ baseUrl: simulator.url, clientId: simulator.clientId, apiKey: simulator.apiKey });
  const now = () => new Date();
  const taskTokens = stepFunctionsTaskTokens(stack.sfn);
  let users = 0;

  const waitForJob: WorkflowHarness['waitForJob'] = async ({ job, executionArn }, until, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await stack.jobs.getJob(job.member_guid, job.job_guid);
      if (record && until(record)) return record;
      if (Date.now() > deadline) {
        const execution = stack.stepFunctions.describeExecution({ executionArn });
        throw new Error(
          `job ${job.job_guid} did not get there: ${JSON.stringify(record)}; execution ${execution.status} ${execution.error ?? ''} ${execution.cause ?? ''}`,
        );
      }
      // Every 5 ms, not backing off: some states last only tens of ms at this time scale (a
      // challenge that times out after a minute of MX time is CHALLENGED for 60 ms).
      await sleep(5);
    }
  };
  const finished: WorkflowHarness['finished'] = async (started, timeoutMs = 60_000) => {
    await stack.stepFunctions.waitForExecution(started.executionArn, timeoutMs);
    return waitForJob(started, () => true);
  };

  return {
    stack,
    mx,
    async newUser() {
      users += 1;
      return String((await mx.createUser({ id: `workflow-user-${users}` })).guid);
    },
    async newMember(userGuid, password, memberOptions = {}) {
      const institution = memberOptions.institution ?? (memberOptions.oauth ? 'mx_bank_oauth' : 'mxbank');
      const credentials = memberOptions.oauth
        ? []
        : await credentialsFor(mx, institution, { username: 'mxuser', password });
      const { member } = await mx.createMember(userGuid, {
        member: {
          institution_code: institution,
          credentials,
          skip_aggregation: memberOptions.skipAggregation ?? true,
          is_oauth: memberOptions.oauth ?? false,
        },
      });
      return String(member.guid);
    },
    async start(type, userGuid, memberGuid, startOptions = {}) {
      const outcome = await startJobExecution(
        { jobs: stack.jobs, sfn: stack.sfn, stateMachineArns: stack.stateMachineArns, lockSeconds: 3 * 3600, now },
        { type, userGuid, memberGuid, observeOnly: startOptions.observeOnly ?? false },
      );
      if (!outcome.started) throw new Error(`member busy with ${outcome.running.job_guid}`);
      return { job: outcome.job, executionArn: outcome.executionArn };
    },
    waitForJob,
    finished,
    answer: (job, answers) =>
      answerChallenges(
        { mx, jobs: stack.jobs, taskTokens, now },
        { userGuid: job.user_guid, memberGuid: job.member_guid, jobGuid: job.job_guid, answers },
      ),
    api: ({ onAnswer, signer } = {}) =>
      apiClient(stack.endpoints.api, onAnswer, {
        ...(signer ? { signer } : {}),
        executionEnded: (job, timeoutMs) =>
          stack.stepFunctions.waitForExecution(
            executionArnOf(stack.stateMachineArns[job.type as JobType], job.guid),
            timeoutMs,
          ),
      }),
    mxRequests: (endpoint, status) => simulator.requestCount(endpoint, status),
    stop: () => stack.stop(),
  };
}
