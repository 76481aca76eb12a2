import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { type DeletionFunctionId, DELETION_STATES as STATE } from '#shared/contract/workflow.js';
import { retryAwsFaults, retryMxFaults } from './task-retries.js';

/** What the console shows of the deletion workflow. */
export const DELETION_COMMENT =
  'mxflow deletion: cancel running jobs, delete at MX, purge every item of the user or member';

/** A deletion's hard limit: its purge steps are bounded, so only a stuck MX or table comes near it. */
export const DELETION_TIMEOUT = Duration.hours(2);

/**
 * The deletion workflow (DELETE of a user or a member):
 *
 *   PrepareDeletion (cancel running jobs, take the member locks) → DrainStoppedSteps (a stopped
 *   job's task still running ends) → DeleteAtMx → PurgeItems ⟲ (bounded steps until Purged?) →
 *   DeletionSucceeded; any caught error → RecordDeletionFailure (gives the user and members
 *   back) → DeletionFailed.
 *
 * The input is a `DeletionInput` (`{deletionGuid}`): guids and counts are all that pass through it.
 */
export function deletionStateMachineDefinition(
  scope: Construct,
  functions: Record<DeletionFunctionId, IFunction>,
): sfn.IChainable {
  const deletion = { 'deletionGuid.$': '$.deletionGuid' };
  const invoke = (id: string, fn: IFunction, payload: Record<string, unknown>, resultPath: string) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      stateName: id,
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      resultPath,
      retryOnServiceExceptions: false,
    });
    return retryAwsFaults(task);
  };

  const recordFailure = invoke(
    STATE.recordDeletionFailure,
    functions.RecordDeletionFailureFunction,
    { ...deletion, 'failure.$': '$.failure' },
    sfn.JsonPath.DISCARD,
  );
  recordFailure.next(new sfn.Fail(scope, STATE.deletionFailed, { stateName: STATE.deletionFailed }));
  const caught = <T extends tasks.LambdaInvoke>(task: T): T => {
    task.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    return task;
  };

  const prepare = caught(invoke(STATE.prepareDeletion, functions.PrepareDeletionFunction, deletion, '$.prepared'));
  const drain = new sfn.Wait(scope, STATE.drainStoppedSteps, {
    stateName: STATE.drainStoppedSteps,
    time: sfn.WaitTime.secondsPath('$.prepared.drainSeconds'),
  });
  const deleteAtMx = caught(invoke(STATE.deleteAtMx, functions.DeleteAtMxFunction, deletion, sfn.JsonPath.DISCARD));
  // MX's 5xx, 429 and time-outs, 3 s apart at least as MX asks.
  retryMxFaults(deleteAtMx);
  const purge = caught(invoke(STATE.purgeItems, functions.PurgeItemsFunction, deletion, '$.purge'));
  const purged = new sfn.Choice(scope, STATE.purged, { stateName: STATE.purged })
    .when(
      sfn.Condition.booleanEquals('$.purge.done', true),
      new sfn.Succeed(scope, STATE.deletionSucceeded, { stateName: STATE.deletionSucceeded }),
    )
    .otherwise(purge);
  return prepare.next(drain).next(deleteAtMx).next(purge).next(purged);
}
