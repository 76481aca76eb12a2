import { ArnFormat, type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';
import { DEFAULT_JOB_WORKFLOW_SETTINGS, type JobWorkflowSettings } from '#infra/workflows/job-state-machine.js';
import {
  ENV,
  EXECUTION_ENDED_FUNCTION,
  JOB_TYPES,
  type JobType,
  STOPPED_EXECUTION_STATUSES,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunctionId,
} from '#shared/contract/workflow.js';
import type { MxDialect } from '#shared/mx/index.js';
import { jobWorkflowDefinition } from './job-workflow-definition.js';
import type { MxEgressPlacement } from './mx-egress.js';
import { mxflowFunction } from './mxflow-function.js';

export interface JobWorkflowsProps {
  readonly table: ITable;
  readonly mxSecret: ISecret;
  readonly mxBaseUrl: string;
  readonly mxDialect: MxDialect;
  /** Encrypts each execution's state (references and counts only, but still mxflow's data). */
  readonly key: IKey;
  readonly logRetention: logs.RetentionDays;
  readonly settings?: Partial<JobWorkflowSettings>;
  /** Extra environment for every workflow function, e.g. POLL_* overrides. */
  readonly environment?: Record<string, string>;
  /** Static egress for the functions that call MX (`callsMx` in the table); none without it. */
  readonly mxEgress?: MxEgressPlacement;
}

/** The workflow task Lambdas and the three job state machines built from one factory. */
export class JobWorkflows extends Construct {
  readonly functions: Record<WorkflowFunctionId, nodejs.NodejsFunction>;
  readonly stateMachines: Record<JobType, sfn.StateMachine>;
  readonly executionEnded: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: JobWorkflowsProps) {
    super(scope, id);
    const settings = { ...DEFAULT_JOB_WORKFLOW_SETTINGS, ...props.settings };
    const environment = {
      [ENV.tableName]: props.table.tableName,
      [ENV.mxSecretId]: props.mxSecret.secretArn,
      [ENV.mxBaseUrl]: props.mxBaseUrl,
      [ENV.mxDialect]: props.mxDialect,
      ...props.environment,
    };

    this.functions = Object.fromEntries(
      WORKFLOW_FUNCTIONS.map((spec) => {
        const fn = mxflowFunction(this, spec.id, {
          entry: spec.entry,
          memoryMb: spec.memoryMb,
          timeoutSeconds: spec.timeoutSeconds,
          environment,
          logRetention: props.logRetention,
          ...(spec.callsMx && props.mxEgress ? { mxEgress: props.mxEgress } : {}),
        });
        props.table.grantReadWriteData(fn);
        if (spec.callsMx) props.mxSecret.grantRead(fn);
        return [spec.id, fn];
      }),
    ) as Record<WorkflowFunctionId, nodejs.NodejsFunction>;

    const stack = Stack.of(this);
    const stateMachineName = (jobType: JobType) => `${stack.stackName}-${jobType}`;
    // Parking a job that has ended fails its own task. The ARNs are built from the names,
    // since referring to the machines would make a cycle.
    this.functions.ParkForChallengeFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskFailure'],
        resources: JOB_TYPES.map((jobType) =>
          stack.formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: stateMachineName(jobType),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    this.stateMachines = Object.fromEntries(
      JOB_TYPES.map((jobType) => {
        const machineScope = new Construct(this, `${capitalize(jobType)}Workflow`);
        const workflow = jobWorkflowDefinition(machineScope, jobType, this.functions, settings);
        const stateMachine = new sfn.StateMachine(machineScope, 'StateMachine', {
          stateMachineName: stateMachineName(jobType),
          stateMachineType: sfn.StateMachineType.STANDARD,
          definitionBody: sfn.DefinitionBody.fromChainable(workflow.chain),
          timeout: workflow.timeout,
          // Every state is logged for on-call engineers, without the data that passes through it.
          logs: {
            destination: new logs.LogGroup(machineScope, 'Logs', {
              retention: props.logRetention,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
            level: sfn.LogLevel.ALL,
            includeExecutionData: false,
          },
          tracingEnabled: true,
          encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
          comment: workflow.comment,
        });
        acknowledgeNag(
          machineScope,
          'IAM5[Resource::*]',
          'Step Functions log delivery and X-Ray accept only Resource "*" (logs:*LogDelivery*, xray:Put*).',
        );
        for (const spec of WORKFLOW_FUNCTIONS) {
          acknowledgeNag(
            machineScope,
            `IAM5[Resource::<${stack.getLogicalId(this.functions[spec.id].node.defaultChild as CfnElement)}.Arn>:*]`,
            'The state machine may invoke any version of its own task function; the function itself is fixed.',
          );
        }
        return [jobType, stateMachine];
      }),
    ) as Record<JobType, sfn.StateMachine>;

    // An execution that fails, times out or is stopped from the console ends its job too.
    const spec = EXECUTION_ENDED_FUNCTION;
    this.executionEnded = mxflowFunction(this, spec.id, {
      entry: spec.entry,
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
      environment: { [ENV.tableName]: props.table.tableName },
      logRetention: props.logRetention,
    });
    props.table.grantReadWriteData(this.executionEnded);
    new events.Rule(this, 'ExecutionEnded', {
      description: 'Ends the job record of a job execution that failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: [...STOPPED_EXECUTION_STATUSES],
          stateMachineArn: JOB_TYPES.map((t) => this.stateMachines[t].stateMachineArn),
        },
      },
      targets: [new targets.LambdaFunction(this.executionEnded, { retryAttempts: 8 })],
    });
  }
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
