import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { DEFAULT_JOB_TIME_BUDGET, type JobTimeBudget, jobTimeLimits } from '#shared/contract/time-budget.js';
import {
  type JobType,
  type NextStepValue,
  WORKFLOW_STATES as STATE,
  type WorkflowFunctionId,
} from '#shared/contract/workflow.js';
import { WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';
import { retryAwsFaults, retryMxFaults } from './task-retries.js';

type StateName = (typeof STATE)[keyof typeof STATE];

/** The two limits of a time budget the state machine itself enforces, as CDK durations. */
export interface JobWorkflowSettings {
  /** How long a challenge may wait for the end user's answer before the job ends CHALLENGE_EXPIRED. */
  readonly challengeTimeout: Duration;
  /** The execution's hard limit; the poll cap, derived from the same budget, ends jobs before it. */
  readonly executionTimeout: Duration;
  /**
   * With MX's webhooks on: the wait after each status floor that a webhook about the member
   * ends early (AwaitMemberWebhook's timeout, i.e. the fallback poll). Absent: webhooks off.
   */
  readonly webhookWait?: Duration;
}

export function jobWorkflowSettings(budget: JobTimeBudget): JobWorkflowSettings {
  const limits = jobTimeLimits(budget);
  const webhookWait = budget.poll.webhookWaitSeconds;
  return {
    challengeTimeout: Duration.seconds(limits.challengeTimeoutSeconds),
    executionTimeout: Duration.seconds(limits.executionTimeoutSeconds),
    ...(webhookWait ? { webhookWait: Duration.seconds(webhookWait) } : {}),
  };
}

/** Whether a job type's waits can be cut short by MX's webhooks: MX sends none when an identification ends. */
export const WEBHOOK_ENDS_JOB: Readonly<Record<JobType, boolean>> = {
  aggregate: true,
  verify: true,
  identify: false,
  history: true,
};

export const DEFAULT_JOB_WORKFLOW_SETTINGS: JobWorkflowSettings = jobWorkflowSettings(DEFAULT_JOB_TIME_BUDGET);

/**
 * The definition of one job type's state machine: the polling loop of MX's guides.
 *
 *   StartMxJob → RouteByStatus ─ WAIT / AWAIT_OAUTH ──────→ WaitBeforePoll → PollMemberStatus → RouteByStatus
 *                              ─ AWAIT_CHALLENGE_ANSWER → ParkForChallenge (task token) → WaitBeforePoll
 *                              ─ FETCH_RESULTS ─────────→ FetchResults → RouteByStatus (again while the copy
 *                                                          goes on: one bounded step per invocation, its cursor
 *                                                          in $.progress.copy)
 *                              ─ RECORD_SUCCESS ────────→ RecordSuccess → ResultsLeftToDelete → JobSucceeded
 *                                                          (while the results it replaced are too many for its
 *                                                          own 5 s: DeleteSupersededResults, bounded, again)
 *                              ─ RETRY_START (MX's 429) → WaitBeforeRetryStart → StartMxJob
 *                              ─ RETRY_FETCH (MX's 429) → WaitBeforeRetryFetch → FetchResults
 *                              ─ FAIL (or any caught error) → RecordFailure → JobFailed
 *
 * With MX's webhooks on (`webhookWait`, aggregations and verifications), a WAIT goes through
 * WaitBeforeWebhook (MX's 3 s floor, as WaitBeforePoll) → AwaitMemberWebhook (a task token the
 * member's next webhook sends, `webhookWait` at most) → PollMemberStatus: the read that decides
 * still comes after every webhook, and without one it comes at the fallback interval.
 *
 * Each Task state runs the function of its name (`WORKFLOW_FUNCTIONS`). The state holds the job's
 * references, `progress` (decision and poll counters) and counts; the execution input is an
 * `ExecutionInput`: `{jobGuid, userGuid, memberGuid, observeOnly, includeTransactions, isOauth}`.
 */
export function jobStateMachineDefinition(
  scope: Construct,
  jobType: JobType,
  functions: Record<WorkflowFunctionId, IFunction>,
  settings: JobWorkflowSettings,
): sfn.IChainable {
  const job = {
    'jobGuid.$': '$.jobGuid',
    'userGuid.$': '$.userGuid',
    'memberGuid.$': '$.memberGuid',
    jobType,
    'isOauth.$': '$.isOauth',
    'unattended.$': '$.unattended',
  };
  const invoke = (id: StateName, fn: IFunction, payload: Record<string, unknown>, resultPath: string) =>
    new tasks.LambdaInvoke(scope, id, {
      stateName: id,
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      resultPath,
      // retryAwsFaults covers CDK's default Lambda service retry, and throttles too.
      retryOnServiceExceptions: false,
    });
  // The steps themselves route MX's 429s (and every failed status read) through a Wait state of at
  // least Retry-After with jitter above MX's floor: retryMxFaults is what is left for MX's other faults.
  const waitAsDecided = (id: StateName) =>
    new sfn.Wait(scope, id, { stateName: id, time: sfn.WaitTime.secondsPath('$.progress.waitSeconds') });

  const recordFailure = retryAwsFaults(
    invoke(STATE.recordFailure, functions.RecordFailureFunction, { job, 'state.$': '$' }, '$.finish'),
  );
  recordFailure.addRetry({
    errors: ['States.TaskFailed'],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 4,
  });
  recordFailure.next(
    new sfn.Fail(scope, STATE.jobFailed, {
      stateName: STATE.jobFailed,
      error: 'JobFailed',
      causePath: '$.finish.reason',
    }),
  );
  const failOnError = (task: sfn.TaskStateBase) =>
    task.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });

  const options = { 'observeOnly.$': '$.observeOnly', 'includeTransactions.$': '$.includeTransactions' };
  // The whole state goes in: after a 429 it holds the progress that counts the waits in a row.
  const startMxJob = retryAwsFaults(
    invoke(STATE.startMxJob, functions.StartMxJobFunction, { job, ...options, 'state.$': '$' }, '$.progress'),
  );
  retryMxFaults(startMxJob);
  // Another MX job type running on the member (409): wait it out for a while, visibly.
  startMxJob.addRetry({
    errors: [WORKFLOW_ERRORS.mxJobConflict],
    interval: Duration.seconds(20),
    backoffRate: 1.5,
    maxAttempts: 6,
  });

  const pollMemberStatus = retryAwsFaults(
    invoke(
      STATE.pollMemberStatus,
      functions.PollMemberStatusFunction,
      { job, 'progress.$': '$.progress' },
      '$.progress',
    ),
  );
  retryMxFaults(pollMemberStatus);
  const waitBeforePoll = waitAsDecided(STATE.waitBeforePoll).next(pollMemberStatus);

  const parkForChallenge = new tasks.LambdaInvoke(scope, STATE.parkForChallenge, {
    stateName: STATE.parkForChallenge,
    lambdaFunction: functions.ParkForChallengeFunction,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({ job, taskToken: sfn.JsonPath.taskToken }),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(settings.challengeTimeout),
    retryOnServiceExceptions: false,
  });
  retryAwsFaults(parkForChallenge);
  // Parking calls no MX (the status read staged the challenges): no MX retry to declare.
  parkForChallenge.next(waitBeforePoll);

  // The progress carries the copy's cursor and counts so far: a retry (MX fault, Lambda fault)
  // runs the step again from the cursor the previous step returned, never from page 1.
  const fetchResultsPayload = { job, 'includeTransactions.$': '$.includeTransactions', 'progress.$': '$.progress' };
  const fetchResults = retryAwsFaults(
    invoke(STATE.fetchResults, functions.FetchResultsFunction, fetchResultsPayload, '$.progress'),
  );
  retryMxFaults(fetchResults);
  const recordSuccessPayload = { job, 'counts.$': '$.progress.counts', 'progress.$': '$.progress' };
  const recordSuccess = retryAwsFaults(
    invoke(STATE.recordSuccess, functions.RecordSuccessFunction, recordSuccessPayload, '$.finish'),
  );
  recordSuccess.addRetry({
    errors: ['States.TaskFailed'],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 4,
  });
  const jobSucceeded = new sfn.Succeed(scope, STATE.jobSucceeded, { stateName: STATE.jobSucceeded });
  // The job has ended: what is left is deleting the results it replaced, in bounded steps. A
  // failure there changes nothing the job's caller sees (the rows are unpublished), so it is
  // caught into the success; the member's next publish or deletion takes what is left.
  const deleteSupersededResults = retryAwsFaults(
    invoke(
      STATE.deleteSupersededResults,
      functions.DeleteSupersededResultsFunction,
      { job, 'superseded.$': '$.finish.cleanup.superseded' },
      '$.finish.cleanup',
    ),
  );
  deleteSupersededResults.addCatch(jobSucceeded, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  const resultsLeftToDelete = new sfn.Choice(scope, STATE.resultsLeftToDelete, { stateName: STATE.resultsLeftToDelete })
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent('$.finish.cleanup.resultsLeft'),
        sfn.Condition.booleanEquals('$.finish.cleanup.resultsLeft', true),
      ),
      deleteSupersededResults,
    )
    .otherwise(jobSucceeded);
  deleteSupersededResults.next(resultsLeftToDelete);
  recordSuccess.next(resultsLeftToDelete);
  const waitBeforeRetryStart = waitAsDecided(STATE.waitBeforeRetryStart).next(startMxJob);
  const waitBeforeRetryFetch = waitAsDecided(STATE.waitBeforeRetryFetch).next(fetchResults);

  for (const task of [startMxJob, pollMemberStatus, parkForChallenge, fetchResults, recordSuccess]) failOnError(task);

  const next = (value: NextStepValue) => sfn.Condition.stringEquals('$.progress.next', value);
  const routeByStatus = new sfn.Choice(scope, STATE.routeByStatus, { stateName: STATE.routeByStatus });
  // A WAIT goes to the wait a webhook can end when there is one; an OAuth wait (the end user at
  // the bank) and the wait after an answer keep the plain floor.
  const routeByStatusWith = (waitForWebhook?: sfn.IChainable) =>
    (waitForWebhook ? routeByStatus.when(next('WAIT'), waitForWebhook) : routeByStatus)
      .when(sfn.Condition.or(next('WAIT'), next('AWAIT_OAUTH')), waitBeforePoll)
      .when(next('AWAIT_CHALLENGE_ANSWER'), parkForChallenge)
      .when(next('FETCH_RESULTS'), fetchResults)
      .when(next('RECORD_SUCCESS'), recordSuccess)
      .when(next('RETRY_START'), waitBeforeRetryStart)
      .when(next('RETRY_FETCH'), waitBeforeRetryFetch)
      .otherwise(recordFailure);
  pollMemberStatus.next(routeByStatus);
  fetchResults.next(routeByStatus);
  if (settings.webhookWait && WEBHOOK_ENDS_JOB[jobType]) {
    const awaitMemberWebhook = retryAwsFaults(
      new tasks.LambdaInvoke(scope, STATE.awaitMemberWebhook, {
        stateName: STATE.awaitMemberWebhook,
        lambdaFunction: functions.AwaitMemberWebhookFunction,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({
          job,
          taskToken: sfn.JsonPath.taskToken,
          // The whole progress: `polledAt` is absent before the first read, and a missing path would end the execution.
          'progress.$': '$.progress',
        }),
        resultPath: sfn.JsonPath.DISCARD,
        taskTimeout: sfn.Timeout.duration(settings.webhookWait),
        retryOnServiceExceptions: false,
      }),
    );
    // The wait only saves reads: when it times out (no webhook) or fails, the read goes ahead.
    awaitMemberWebhook.addCatch(pollMemberStatus, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    awaitMemberWebhook.next(pollMemberStatus);
    const waitBeforeWebhook = waitAsDecided(STATE.waitBeforeWebhook).next(awaitMemberWebhook);
    return startMxJob.next(routeByStatusWith(waitBeforeWebhook));
  }
  return startMxJob.next(routeByStatusWith());
}
