import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type JobWorkflowSettings, jobStateMachineDefinition } from '#infra/workflows/job-state-machine.js';
import type { JobType, WorkflowFunctionId } from '#shared/contract/workflow.js';

/** Everything that goes into one job type's ASL. */
export interface JobWorkflowDefinition {
  readonly chain: sfn.IChainable;
  readonly timeout: Duration;
  readonly comment: string;
}

/**
 * The deployed state machines and the local ones both take their definition from here, so the
 * ASL that runs on this machine is the ASL the stack deploys (a test compares the two).
 */
export function jobWorkflowDefinition(
  scope: Construct,
  jobType: JobType,
  functions: Record<WorkflowFunctionId, IFunction>,
  settings: JobWorkflowSettings,
): JobWorkflowDefinition {
  return {
    chain: jobStateMachineDefinition(scope, jobType, functions, settings),
    timeout: settings.executionTimeout,
    comment: `mxflow ${jobType} job: start, poll every few seconds, park on challenges, fetch results`,
  };
}
