import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMxflow, startLocalMxflow } from '#local/local-mxflow.js';
import { isTerminal, JOB_TYPES } from '#shared/contract/workflow.js';
import { executionArnOf } from '#shared/jobs/reconcile-jobs.js';
import { MxClient } from '#shared/mx/index.js';
import type { JobRecord } from '#shared/store/job-record.js';
import { storedItems } from '#test/support/api-client.js';
import { dynamoEndpoint } from '#test/support/dynamodb.js';
import { inBatches, type JobPattern, jobSpecs, storedResultMismatches } from '#test/support/reliability-jobs.js';
import { type AnswerPlan, type ApiJob, ScriptedBackend, type ScriptedJobType } from '#test/support/scripted-backend.js';

/**
 * 200 jobs through the API, on the whole local system, while AWS misbehaves as it does under
 * load: 10% of DynamoDB calls are throttled (half ThrottlingException, half
 * ProvisionedThroughputExceededException), 20% of batch writes come back partly unprocessed,
 * 5% of transactions are cancelled for a conflict, 5% of Lambda invocations are throttled and
 * 20% of the execution-ended events are lost. MX stays healthy (jobs-under-faults covers MX's
 * faults). Every job must end as its login and answers call for, with exactly MX's results
 * stored once; after one reconciler pass no job record is left RUNNING or CHALLENGED.
 */

/** 1 s of MX and Step Functions time is 5 ms of real time: a 3 s poll is 15 ms. */
const TIME_SCALE = 0.005;
const JOB_COUNT = 200;
const TRANSACTIONS_PER_ACCOUNT = 40;
/** Real-time bound of a job (generous: the machine is shared and slow). */
const JOB_BOUND_MS = 120_000;
/**
 * MX time a parked challenge may wait (108 s real). Longer than jobs-under-faults' 2 h: during
 * the burst of 200 executions on a 2-core machine, one read of a job through the local API
 * takes up to ~29 s (measured, with or without these faults), so a 36 s window would test the
 * machine's load, not the faults. No job here is meant to let its challenge expire.
 */
const CHALLENGE_TIMEOUT = Duration.hours(6);
/** How often the scripted backend reads a job (real ms), as a product backend would. */
const POLL_MS = 250;
/**
 * The reconciler's threshold, in real seconds: far past the milliseconds between a job's record
 * and its StartExecution, so its own schedule (every 5 real minutes) never ends a job being
 * started; the pass the test runs waits this long after the last job settled.
 */
const RECONCILE_AFTER_SECONDS = 10;
const FAULTS = {
  seed: 'reliability-aws',
  dynamodb: {
    throttlingRate: 0.05,
    throughputExceededRate: 0.05,
    unprocessedItemsRate: 0.2,
    transactionConflictRate: 0.05,
  },
  lambdaThrottleRate: 0.05,
  executionEndedDropRate: 0.2,
} as const;

/**
 * Twelve kinds of job, repeated; challenged ones cycle through the answer plans. The failed ones
 * (denied logins, rejected answers) end their executions FAILED, whose end events may be lost.
 */
const PATTERN: JobPattern = [
  { type: 'verify', password: 'challenge', challenged: true },
  { type: 'aggregate', password: 'password', challenged: false },
  { type: 'identify', password: 'password', challenged: false },
  { type: 'aggregate', password: 'challenge', challenged: true },
  { type: 'identify', password: 'denied', challenged: false },
  { type: 'aggregate', password: 'delayed', challenged: false },
  { type: 'verify', password: 'challenge_round', challenged: true },
  { type: 'identify', password: 'password', challenged: false },
  { type: 'aggregate', password: 'password', challenged: false },
  { type: 'identify', password: 'challenge_twice', challenged: true },
  { type: 'aggregate', password: 'password', challenged: false },
  { type: 'identify', password: 'denied', challenged: false },
];
const PLANS: readonly Exclude<AnswerPlan, 'never'>[] = ['correct', 'correct', 'wrong'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stack: LocalMxflow;
let backend: ScriptedBackend;
let mx: MxClient;

beforeAll(async () => {
  stack = await startLocalMxflow({
    timeScale: TIME_SCALE,
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `reliability-aws-faults-${process.pid}`,
    simulator: {
      seed: 'reliability-aws',
      transactionsPerAccount: TRANSACTIONS_PER_ACCOUNT,
      challengeExpiryMs: 24 * 3_600_000,
    },
    workflowSettings: { challengeTimeout: CHALLENGE_TIMEOUT, executionTimeout: Duration.days(1) },
    environment: { POWERTOOLS_LOG_LEVEL: 'ERROR', RECONCILE_AFTER_SECONDS: String(RECONCILE_AFTER_SECONDS) },
    faults: FAULTS,
  });
  backend = new ScriptedBackend(stack.endpoints.api);
  const simulator = stack.simulator!;
  mx = new MxClient({ baseUrl: simulator.url, clientId: simulator.clientId, apiKey: simulator.apiKey });
});
afterAll(async () => stack?.stop());

/** The job's execution status, as Step Functions knows it. */
function executionStatus(job: Pick<ApiJob, 'guid' | 'type'>): string | undefined {
  const executionArn = executionArnOf(stack.stateMachineArns[job.type as ScriptedJobType], job.guid);
  try {
    return stack.stepFunctions.describeExecution({ executionArn }).status;
  } catch {
    return undefined;
  }
}

/**
 * Follows a job as the product backend does, but gives up once its execution has ended while
 * the job still reads active for five more reads: its end event was lost, and only the
 * reconciler can end it now.
 */
async function follow(started: ApiJob, plan: Exclude<AnswerPlan, 'never'>) {
  let readsSinceExecutionEnded = 0;
  const followed = await backend.follow(started, plan, {
    pollMs: POLL_MS,
    timeoutMs: JOB_BOUND_MS,
    givesUp: (job) => {
      const execution = executionStatus(job);
      if (execution && execution !== 'RUNNING') readsSinceExecutionEnded += 1;
      return readsSinceExecutionEnded > 4;
    },
  });
  return { ...followed, executionEndedFirst: followed.gaveUp };
}

describe(`${JOB_COUNT} jobs through the API while DynamoDB throttles, leaves writes unprocessed and cancels transactions, Lambda throttles and end events are lost`, () => {
  it('ends every job as its login and answers call for, with MX’s results stored exactly once and none left active after a reconciler pass', {
    timeout: 10 * 60_000,
  }, async () => {
    const specs = jobSpecs(JOB_COUNT, PATTERN, PLANS);
    const began = Date.now();

    // Users and members are set up through the same faults: the API must weather them too.
    const members = await inBatches(specs, 20, (spec) =>
      backend.userWithMember(`reliability-aws-${spec.index}`, spec.password),
    );
    const setupMs = Date.now() - began;

    const jobsBegan = Date.now();
    // The whole stack shares this process: its event loop's delay says how loaded the machine was.
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    const runs = await Promise.all(
      specs.map(async (spec) => {
        const { userGuid, memberGuid } = members[spec.index]!;
        // Starts are spread over a second, as traffic is, not fired in one instant.
        await sleep((spec.index * 1_000) / JOB_COUNT);
        const started = await backend.startJob(spec.type, userGuid, memberGuid);
        return { spec, userGuid, memberGuid, started, ...(await follow(started, spec.plan)) };
      }),
    );
    const jobsMs = Date.now() - jobsBegan;
    loopDelay.disable();

    // Every execution ends: a record task may still be freeing its member's lock after the job
    // reads terminal (DynamoDB Local is this loaded: reads take up to ~30 s), so wait, bounded.
    // Then the reconciler's pass ends the jobs whose end event was lost.
    const listExecutions = () =>
      JOB_TYPES.flatMap(
        (type) =>
          stack.stepFunctions.listExecutions({ stateMachineArn: stack.stateMachineArns[type], maxResults: 1000 })
            .executions ?? [],
      );
    let executions = listExecutions();
    for (const until = Date.now() + 90_000; executions.some((e) => e.status === 'RUNNING') && Date.now() < until; ) {
      await sleep(500);
      executions = listExecutions();
    }
    const lastUpdate = Math.max(
      ...(await inBatches(runs, 20, async ({ memberGuid, started }) =>
        Date.parse((await stack.jobs.getJob(memberGuid, started.guid))?.updated_at ?? '0'),
      )),
    );
    await sleep(Math.max(0, lastUpdate + (RECONCILE_AFTER_SECONDS + 1) * 1000 - Date.now()));
    const reconciled = (await stack.reconcileJobs()) as { checked: number; ended: number; byReason: object };

    // Through the API, each job as it ended.
    const finals = await inBatches(runs, 20, async (run) => ({ ...run, job: await backend.readJob(run.started) }));
    const outcomes = finals.map(({ spec, job }) => ({
      index: spec.index,
      type: spec.type,
      password: spec.password,
      plan: spec.plan,
      status: job.status,
      code: job.error?.code,
    }));
    const expected = finals.map(({ spec }) => ({
      index: spec.index,
      type: spec.type,
      password: spec.password,
      plan: spec.plan,
      status: spec.expected.status,
      code: spec.expected.status === 'FAILED' ? spec.expected.code : undefined,
    }));

    // In the table itself, read from DynamoDB Local directly.
    const items = await storedItems(stack);
    const jobRecords = items.filter((item) => String(item.sk).startsWith('JOB#')) as unknown as JobRecord[];
    const activeRecords = jobRecords.filter((j) => j.status === 'RUNNING' || j.status === 'CHALLENGED');
    const locksLeft = items.filter((item) => item.sk === 'LOCK').length;

    const stats = stack.faults.stats();
    const dynamodb = stats.dynamodb!;
    const injected = {
      throttlingExceptions: dynamodb.throttlingExceptions,
      throughputExceeded: dynamodb.throughputExceeded,
      unprocessedItems: dynamodb.unprocessedItems,
      transactionConflicts: dynamodb.transactionConflicts,
      lambdaThrottles: stats.lambda.throttledInvocations,
      droppedExecutionEndedEvents: stats.lambda.droppedExecutionEndedEvents,
    };

    // Stored results, read through the API, against MX's own.
    const mismatches = await storedResultMismatches(finals, {
      backend,
      mx,
      transactionsPerAccount: TRANSACTIONS_PER_ACCOUNT,
    });

    // The figures first, so a failed run still reports them; then every claim.
    const readMs = runs.flatMap((r) => r.readMs).sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        reliability: 'jobs-under-aws-faults',
        jobs: JOB_COUNT,
        terminal: finals.filter(({ job }) => isTerminal(job.status)).length,
        byOutcome: Object.fromEntries(
          Object.entries(
            outcomes.reduce<Record<string, number>>((counts, o) => {
              const outcome = `${o.type} ${o.status}${o.code ? ` ${o.code}` : ''}`;
              counts[outcome] = (counts[outcome] ?? 0) + 1;
              return counts;
            }, {}),
          ).sort(),
        ),
        challengeRoundsAnswered: runs.reduce((sum, r) => sum + r.rounds, 0),
        executionEndedBeforeJob: runs.filter((r) => r.executionEndedFirst).length,
        reconciler: reconciled,
        activeRecordsAfterReconciler: activeRecords.length,
        locksLeft,
        resultMismatches: mismatches.length,
        faults: injected,
        dynamodbRequests: dynamodb.requests,
        apiRequests: backend.counters.apiRequests,
        apiRetries: backend.counters.retriedApiCalls,
        jobReadMs: {
          median: readMs[Math.floor(readMs.length / 2)],
          p99: readMs[Math.floor(readMs.length * 0.99)],
          max: readMs.at(-1),
        },
        eventLoopDelayMs: {
          mean: Math.round(loopDelay.mean / 1e6),
          p99: Math.round(loopDelay.percentile(99) / 1e6),
          max: Math.round(loopDelay.max / 1e6),
        },
        setupMs,
        jobsMs,
        wallSeconds: Math.round((Date.now() - began) / 1000),
      }),
    );

    expect(executions).toHaveLength(JOB_COUNT);
    expect(executions.filter((e) => e.status === 'RUNNING')).toEqual([]);
    // Every job is terminal through the API, as its login and answers call for.
    expect(finals.filter(({ job }) => !isTerminal(job.status)).map(({ job }) => job.guid)).toEqual([]);
    const unexpected = finals.filter((_, i) => JSON.stringify(outcomes[i]) !== JSON.stringify(expected[i]));
    for (const { job, trace } of unexpected) {
      const record = await stack.jobs.getJob(job.member_guid, job.guid);
      console.log(JSON.stringify({ job: job.guid, trace, error: record?.error, history: record?.history }));
    }
    expect(outcomes).toEqual(expected);
    const byName = new Map(executions.map((e) => [e.name, e.status]));
    for (const { job } of finals)
      expect(byName.get(job.guid), job.guid).toBe(job.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED');

    // One record per job, none RUNNING or CHALLENGED after the reconciler's pass, no member left locked.
    expect(jobRecords).toHaveLength(JOB_COUNT);
    expect(new Set(jobRecords.map((j) => j.job_guid))).toEqual(new Set(runs.map((r) => r.started.guid)));
    expect(activeRecords.map((j) => j.job_guid)).toEqual([]);
    expect(locksLeft).toBe(0);

    // Each kind of fault really happened.
    for (const [kind, count] of Object.entries(injected)) expect(count, kind).toBeGreaterThan(0);

    // MX's results, each stored once, for every job that succeeded; none for the others.
    expect(mismatches).toEqual([]);
  });
});
