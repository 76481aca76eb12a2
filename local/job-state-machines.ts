import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { jobWorkflowDefinition } from '#infra/constructs/job-workflow-definition.js';
import {
  DELETION_COMMENT,
  DELETION_TIMEOUT,
  deletionStateMachineDefinition,
} from '#infra/workflows/deletion-state-machine.js';
import { DEFAULT_JOB_WORKFLOW_SETTINGS, type JobWorkflowSettings } from '#infra/workflows/job-state-machine.js';
import {
  DELETION_FUNCTIONS,
  type DeletionFunctionId,
  JOB_TYPES,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunctionId,
} from '#shared/contract/workflow.js';
import type { LocalStateMachine } from './step-functions/index.js';

/** Where the local state machines say their tasks run: the local runtime maps states to handlers, not ARNs. */
export function localFunctionArn(functionId: WorkflowFunctionId | DeletionFunctionId): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:${functionId}`;
}

/**
 * The ASL of each job type's state machine, built from the same CDK state graph the stack
 * deploys, without synthesizing the stack: the task functions are stand-ins named by
 * `localFunctionArn`, and the partition is `aws`.
 */
export function jobStateMachines(stackName: string, settings: Partial<JobWorkflowSettings> = {}): LocalStateMachine[] {
  const stack = new Stack(undefined, 'LocalJobStateMachines');
  return JOB_TYPES.map((jobType) => {
    const scope = new Construct(stack, jobType);
    const functions = Object.fromEntries(
      WORKFLOW_FUNCTIONS.map(({ id }) => [id, lambda.Function.fromFunctionArn(scope, id, localFunctionArn(id))]),
    ) as Record<WorkflowFunctionId, lambda.IFunction>;
    const workflow = jobWorkflowDefinition(scope, jobType, functions, {
      ...DEFAULT_JOB_WORKFLOW_SETTINGS,
      ...settings,
    });
    const graph = new sfn.StateGraph(workflow.chain.startState, `${jobType} job`);
    graph.timeout = workflow.timeout;
    const definition = withPartition(stack.resolve({ ...graph.toGraphJson(), Comment: workflow.comment }));
    return { name: `${stackName}-${jobType}`, definition: definition as object };
  });
}

/** The deletion workflow's ASL, from the same CDK state graph the stack deploys, as for the jobs. */
export function deletionStateMachine(stackName: string): LocalStateMachine {
  const scope = new Construct(new Stack(undefined, 'LocalDeletionStateMachine'), 'deletion');
  const functions = Object.fromEntries(
    DELETION_FUNCTIONS.map(({ id }) => [id, lambda.Function.fromFunctionArn(scope, id, localFunctionArn(id))]),
  ) as Record<DeletionFunctionId, lambda.IFunction>;
  const graph = new sfn.StateGraph(deletionStateMachineDefinition(scope, functions).startState, 'deletion');
  graph.timeout = DELETION_TIMEOUT;
  return {
    name: `${stackName}-deletion`,
    definition: withPartition(Stack.of(scope).resolve({ ...graph.toGraphJson(), Comment: DELETION_COMMENT })) as object,
  };
}

/**
 * The only CloudFormation left in a resolved graph is the partition of the service-integration
 * ARNs (`Fn::Join` around `Ref: AWS::Partition`); anything else is a reference this builder
 * cannot stand in for, and fails loudly.
 */
function withPartition(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withPartition);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref' && argument === 'AWS::Partition') return 'aws';
  if (entries.length === 1 && key === 'Fn::Join' && Array.isArray(argument)) {
    const [separator, parts] = argument as [string, unknown[]];
    return parts.map(withPartition).join(separator);
  }
  if (entries.length === 1 && (key === 'Ref' || key?.startsWith('Fn::'))) {
    throw new Error(`the job state machines refer to ${JSON.stringify(value)}, which has no local stand-in`);
  }
  return Object.fromEntries(entries.map(([name, item]) => [name, withPartition(item)]));
}
