import { type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';
import {
  DELETION_COMMENT,
  DELETION_TIMEOUT,
  deletionStateMachineDefinition,
} from '#infra/workflows/deletion-state-machine.js';
import {
  DELETION_FUNCTIONS,
  type DeletionFunctionId,
  ENV,
  JOB_TYPES,
  type JobType,
  STATE_MACHINE_ARN_ENV,
} from '#shared/contract/workflow.js';
import type { JobWorkflows } from './job-workflows.js';
import type { MxEgressPlacement } from './mx-egress.js';
import { functionOfSpec } from './mxflow-function.js';
import { grantTableAccess } from './table-access-policy.js';

export interface DeletionWorkflowProps {
  readonly table: ITable;
  readonly mxSecret: ISecret;
  /** MX_BASE_URL, MX_DIALECT, as the other functions that call MX have them. */
  readonly mxEnvironment: Record<string, string>;
  readonly key: IKey;
  readonly logRetention: logs.RetentionDays;
  /** The job state machines: a deletion stops the executions of the members' running jobs. */
  readonly jobStateMachines: Readonly<Record<JobType, sfn.StateMachine>>;
  readonly jobExecutions: JobWorkflows['executionArns'];
  readonly mxEgress?: MxEgressPlacement;
}

/** The deletion workflow of users and members: its task Lambdas and its state machine. */
export class DeletionWorkflow extends Construct {
  readonly functions: Record<DeletionFunctionId, nodejs.NodejsFunction>;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: DeletionWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.functions = Object.fromEntries(
      DELETION_FUNCTIONS.map((spec) => {
        const fn = functionOfSpec(this, spec, {
          environment: {
            [ENV.tableName]: props.table.tableName,
            ...(spec.callsMx ? { [ENV.mxSecretId]: props.mxSecret.secretArn, ...props.mxEnvironment } : {}),
          },
          logRetention: props.logRetention,
          ...(props.mxEgress ? { mxEgress: props.mxEgress } : {}),
        });
        grantTableAccess(fn, spec.id, props.table);
        if (spec.callsMx) props.mxSecret.grantRead(fn);
        return [spec.id, fn];
      }),
    ) as Record<DeletionFunctionId, nodejs.NodejsFunction>;

    // Cancelling a member's running job stops its execution.
    const prepare = this.functions.PrepareDeletionFunction;
    for (const jobType of JOB_TYPES) {
      prepare.addEnvironment(STATE_MACHINE_ARN_ENV[jobType], props.jobStateMachines[jobType].stateMachineArn);
    }
    prepare.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StopExecution'],
        resources: props.jobExecutions.map((execution) => execution.arn),
      }),
    );
    for (const execution of props.jobExecutions) {
      acknowledgeNag(
        prepare,
        execution.nagId,
        "A deletion stops any execution of mxflow's own job state machines: their names are the jobs'.",
      );
    }

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${stack.stackName}-deletion`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(deletionStateMachineDefinition(this, this.functions)),
      timeout: DELETION_TIMEOUT,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', {
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
      tracingEnabled: true,
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
      comment: DELETION_COMMENT,
    });
    acknowledgeNag(
      this,
      'IAM5[Resource::*]',
      'Step Functions log delivery and X-Ray accept only Resource "*" (logs:*LogDelivery*, xray:Put*).',
    );
    for (const spec of DELETION_FUNCTIONS) {
      acknowledgeNag(
        this,
        `IAM5[Resource::<${stack.getLogicalId(this.functions[spec.id].node.defaultChild as CfnElement)}.Arn>:*]`,
        'The state machine may invoke any version of its own task function; the function itself is fixed.',
      );
    }
  }
}
