import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
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
import { allowStoppingJobs, type JobWorkflows } from './job-workflows.js';
import type { MxEgressPlacement } from './mx-egress.js';
import { functionOfSpec } from './mxflow-function.js';
import { mxflowStateMachine } from './mxflow-state-machine.js';
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
    allowStoppingJobs(
      prepare,
      props.jobExecutions,
      "A deletion stops any execution of mxflow's own job state machines: their names are the jobs'.",
    );

    this.stateMachine = mxflowStateMachine(this, {
      stateMachineName: `${stack.stackName}-deletion`,
      chain: deletionStateMachineDefinition(this, this.functions),
      timeout: DELETION_TIMEOUT,
      comment: DELETION_COMMENT,
      key: props.key,
      logRetention: props.logRetention,
      functions: Object.values(this.functions),
    });
  }
}
