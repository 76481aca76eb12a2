import { type CfnElement, type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';

export interface MxflowStateMachineProps {
  readonly stateMachineName: string;
  readonly chain: sfn.IChainable;
  readonly timeout: Duration;
  readonly comment: string;
  /** Encrypts each execution's state (references and counts only, but still mxflow's data). */
  readonly key: IKey;
  readonly logRetention: logs.RetentionDays;
  /** The task functions it invokes. */
  readonly functions: readonly IFunction[];
}

/**
 * A Standard state machine as every mxflow workflow has it: each state logged for on-call
 * engineers without the data that passes through it, traced, its state encrypted with mxflow's key.
 */
export function mxflowStateMachine(scope: Construct, props: MxflowStateMachineProps): sfn.StateMachine {
  const stack = Stack.of(scope);
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(props.chain),
    timeout: props.timeout,
    logs: {
      destination: new logs.LogGroup(scope, 'Logs', {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      level: sfn.LogLevel.ALL,
      includeExecutionData: false,
    },
    tracingEnabled: true,
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
    comment: props.comment,
  });
  acknowledgeNag(
    scope,
    'IAM5[Resource::*]',
    'Step Functions log delivery and X-Ray accept only Resource "*" (logs:*LogDelivery*, xray:Put*).',
  );
  for (const fn of props.functions) {
    acknowledgeNag(
      scope,
      `IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      'The state machine may invoke any version of its own task function; the function itself is fixed.',
    );
  }
  return stateMachine;
}
