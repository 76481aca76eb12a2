import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { JobType } from '../../shared/jobs/job-types.js';
import { WORKFLOW_ERRORS } from '../../shared/jobs/workflow-errors.js';
import type { WorkflowFunctionId } from './workflow-functions.js';

export interface JobWorkflowSettings {
  /** How long a challenge may wait for the end user's answer before the job ends CHALLENGE_EXPIRED. */
  readonly challengeTimeout: Duration;
  /** The execution's hard limit; the poll cap ends jobs well before it. */
  readonly executionTimeout: Duration;
}

export const DEFAULT_JOB_WORKFLOW_SETTINGS: JobWorkflowSettings = {
  challengeTimeout: Duration.minutes(10),
  executionTimeout: Duration.hours(2),
};

/**
 * The definition of one job type's state machine: the polling loop of MX's guides.
 *
 *   StartMxJob → RouteByStatus ─ WAIT / AWAIT_OAUTH ──────→ WaitBeforePoll → PollMemberStatus → RouteByStatus
 *                              ─ AWAIT_CHALLENGE_ANSWER → AwaitChallengeAnswer (task token) → WaitBeforePoll
 *                              ─ FETCH_RESULTS ─────────→ FetchResults → RecordSuccess → JobSucceeded
 *                              ─ FAIL (or any caught error) → RecordFailure → JobFailed
 *
 * The state holds the job's references, `progress` (decision and poll counters) and counts;
 * the execution input is `{jobGuid, userGuid, memberGuid, observeOnly, includeTransactions}`.
 */
export function jobStateMachineDefinition(
  scope: Construct,
  jobType: JobType,
  functions: Record<WorkflowFunctionId, IFunction>,
  settings: JobWorkflowSettings,
): sfn.IChainable {
  const job = { 'jobGuid.$': '$.jobGuid', 'userGuid.$': '$.userGuid', 'memberGuid.$': '$.memberGuid', jobType };
  const invoke = (id: string, fn: IFunction, payload: Record<string, unknown>, resultPath: string) =>
    new tasks.LambdaInvoke(scope, id, {
      stateName: id,
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      resultPath,
    });
  const mxFaultsRetried = (task: sfn.TaskStateBase, jitter: boolean) =>
    task.addRetry({
      errors: [WORKFLOW_ERRORS.mxTransient],
      interval: Duration.seconds(3),
      backoffRate: 2,
      maxAttempts: 6,
      maxDelay: Duration.seconds(60),
      // A status read is never retried sooner than MX's 3-second floor, so no jitter there.
      jitterStrategy: jitter ? sfn.JitterType.FULL : sfn.JitterType.NONE,
    });

  const recordFailure = invoke('RecordFailure', functions.FinishJobFunction, { outcome: 'FAILED', job, 'state.$': '$' }, '$.finish');
  recordFailure.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 4 });
  recordFailure.next(new sfn.Fail(scope, 'JobFailed', { stateName: 'JobFailed', error: 'JobFailed', causePath: '$.finish.reason' }));
  const failOnError = (task: sfn.TaskStateBase) => task.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });

  const options = { 'observeOnly.$': '$.observeOnly', 'includeTransactions.$': '$.includeTransactions' };
  const startMxJob = invoke('StartMxJob', functions.StartMxJobFunction, { job, ...options }, '$.progress');
  mxFaultsRetried(startMxJob, true);
  // Another MX job type running on the member (409): wait it out for a while, visibly.
  startMxJob.addRetry({ errors: [WORKFLOW_ERRORS.mxJobConflict], interval: Duration.seconds(20), backoffRate: 1.5, maxAttempts: 6 });

  const pollMemberStatus = invoke('PollMemberStatus', functions.PollMemberStatusFunction, { job, 'progress.$': '$.progress' }, '$.progress');
  mxFaultsRetried(pollMemberStatus, false);
  const waitBeforePoll = new sfn.Wait(scope, 'WaitBeforePoll', {
    stateName: 'WaitBeforePoll',
    time: sfn.WaitTime.secondsPath('$.progress.waitSeconds'),
  }).next(pollMemberStatus);

  const awaitChallengeAnswer = new tasks.LambdaInvoke(scope, 'AwaitChallengeAnswer', {
    stateName: 'AwaitChallengeAnswer',
    lambdaFunction: functions.ParkForChallengeFunction,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({ job, taskToken: sfn.JsonPath.taskToken }),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(settings.challengeTimeout),
  });
  mxFaultsRetried(awaitChallengeAnswer, true);
  awaitChallengeAnswer.next(waitBeforePoll);

  const fetchResults = invoke('FetchResults', functions.FetchResultsFunction, { job, 'includeTransactions.$': '$.includeTransactions' }, '$.counts');
  mxFaultsRetried(fetchResults, true);
  const recordSuccess = invoke('RecordSuccess', functions.FinishJobFunction, { outcome: 'SUCCEEDED', job, 'counts.$': '$.counts', 'progress.$': '$.progress' }, '$.finish');
  recordSuccess.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 4 });
  fetchResults.next(recordSuccess).next(new sfn.Succeed(scope, 'JobSucceeded', { stateName: 'JobSucceeded' }));

  for (const task of [startMxJob, pollMemberStatus, awaitChallengeAnswer, fetchResults, recordSuccess]) failOnError(task);

  const next = (value: string) => sfn.Condition.stringEquals('$.progress.next', value);
  const routeByStatus = new sfn.Choice(scope, 'RouteByStatus', { stateName: 'RouteByStatus' })
    .when(sfn.Condition.or(next('WAIT'), next('AWAIT_OAUTH')), waitBeforePoll)
    .when(next('AWAIT_CHALLENGE_ANSWER'), awaitChallengeAnswer)
    .when(next('FETCH_RESULTS'), fetchResults)
    .otherwise(recordFailure);
  pollMemberStatus.next(routeByStatus);
  return startMxJob.next(routeByStatus);
}
