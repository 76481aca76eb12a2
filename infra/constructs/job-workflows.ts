import { ArnFormat, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';
import { jobWorkflowSettings } from '#infra/workflows/job-state-machine.js';
import {
  assertTimeBudgetFits,
  DEFAULT_JOB_TIME_BUDGET,
  type JobTimeBudget,
  jobTimeLimits,
} from '#shared/contract/time-budget.js';
import {
  ENV,
  EXECUTION_ENDED_FUNCTION,
  JOB_TYPES,
  type JobType,
  RECONCILE_EVERY_SECONDS,
  RECONCILE_JOBS_FUNCTION,
  REFRESH_EVERY_SECONDS,
  REFRESH_MEMBERS_FUNCTION,
  STATE_MACHINE_ARN_ENV,
  STOPPED_EXECUTION_STATUSES,
  WORKFLOW_FUNCTIONS,
  WORKFLOW_STATES,
  type WorkflowFunctionId,
} from '#shared/contract/workflow.js';
import type { MxDialect } from '#shared/mx/index.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import { jobWorkflowDefinition } from './job-workflow-definition.js';
import type { MxEgressPlacement } from './mx-egress.js';
import { functionOfSpec } from './mxflow-function.js';
import { mxflowStateMachine } from './mxflow-state-machine.js';
import { grantTableAccess } from './table-access-policy.js';

export interface JobWorkflowsProps {
  readonly table: ITable;
  readonly mxSecret: ISecret;
  readonly mxBaseUrl: string;
  readonly mxDialect: MxDialect;
  /** Encrypts each execution's state (references and counts only, but still mxflow's data). */
  readonly key: IKey;
  readonly logRetention: logs.RetentionDays;
  /** Every time limit of a job: checked to fit at synth, then set on the state machines and the functions. */
  readonly timeBudget?: JobTimeBudget;
  /** Static egress for the functions that call MX (`callsMx` in the table); none without it. */
  readonly mxEgress?: MxEgressPlacement;
  /** Concurrent executions reserved for the copy (FetchResults); none by default (see deploy-settings.ts). */
  readonly copyReservedConcurrency?: number;
}

/** How often the reconciler looks for jobs left RUNNING or CHALLENGED by a lost end or a crashed start. */

/** The environment that carries a time budget's limits to the workflow functions. */
export function workflowTimeEnvironment(budget: JobTimeBudget): Record<string, string> {
  const limits = jobTimeLimits(budget);
  return {
    [ENV.pollIntervalSeconds]: String(budget.poll.intervalSeconds),
    [ENV.pollBackoffAfterPolls]: String(budget.poll.backoffAfterPolls),
    [ENV.pollBackoffRate]: String(budget.poll.backoffRate),
    [ENV.pollMaxIntervalSeconds]: String(budget.poll.maxIntervalSeconds),
    [ENV.pollMaxCount]: String(limits.maxPolls),
    [ENV.oauthTimeoutSeconds]: String(limits.oauthTimeoutSeconds),
    [ENV.challengeTimeoutSeconds]: String(limits.challengeTimeoutSeconds),
  };
}

/** Lets `fn` stop any job execution (a cancel, a deletion), each one acknowledged with `reason`. */
export function allowStoppingJobs(fn: IFunction, executions: JobWorkflows['executionArns'], reason: string): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['states:StopExecution'], resources: executions.map((e) => e.arn) }),
  );
  for (const execution of executions) acknowledgeNag(fn, execution.nagId, reason);
}

/** The workflow task Lambdas and the three job state machines built from one factory. */
export class JobWorkflows extends Construct {
  readonly functions: Record<WorkflowFunctionId, nodejs.NodejsFunction>;
  readonly stateMachines: Record<JobType, sfn.StateMachine>;
  readonly executionEnded: nodejs.NodejsFunction;
  readonly reconcileJobs: nodejs.NodejsFunction;
  readonly refreshMembers: nodejs.NodejsFunction;
  /** Where the execution-ended rule leaves the events it could not deliver. */
  readonly executionEndedDeadLetters: sqs.Queue;
  /** Every job type's executions (`…:execution:<machine>:*`), by name since the machines' ARNs would make a cycle. */
  readonly executionArns: readonly { readonly jobType: JobType; readonly arn: string; readonly nagId: string }[];

  constructor(scope: Construct, id: string, props: JobWorkflowsProps) {
    super(scope, id);
    const budget = props.timeBudget ?? DEFAULT_JOB_TIME_BUDGET;
    assertTimeBudgetFits(budget);
    const settings = jobWorkflowSettings(budget);
    const environment = {
      [ENV.tableName]: props.table.tableName,
      [ENV.mxSecretId]: props.mxSecret.secretArn,
      [ENV.mxBaseUrl]: props.mxBaseUrl,
      [ENV.mxDialect]: props.mxDialect,
      ...workflowTimeEnvironment(budget),
    };

    this.functions = Object.fromEntries(
      WORKFLOW_FUNCTIONS.map((spec) => {
        const fn = functionOfSpec(this, spec, {
          environment,
          logRetention: props.logRetention,
          ...(props.mxEgress ? { mxEgress: props.mxEgress } : {}),
          ...(spec.state === WORKFLOW_STATES.fetchResults && props.copyReservedConcurrency !== undefined
            ? { reservedConcurrency: props.copyReservedConcurrency }
            : {}),
        });
        grantTableAccess(fn, spec.id, props.table);
        if (spec.callsMx) props.mxSecret.grantRead(fn);
        return [spec.id, fn];
      }),
    ) as Record<WorkflowFunctionId, nodejs.NodejsFunction>;

    const stack = Stack.of(this);
    const stateMachineName = (jobType: JobType) => `${stack.stackName}-${jobType}`;
    // The ARNs are built from the names, since referring to the machines would make a cycle.
    const machineArns = (resource: 'stateMachine' | 'execution', suffix = '') =>
      JOB_TYPES.map((jobType) =>
        stack.formatArn({
          service: 'states',
          resource,
          resourceName: `${stateMachineName(jobType)}${suffix}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
    this.executionArns = JOB_TYPES.map((jobType) => ({
      jobType,
      arn: stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachineName(jobType)}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      nagId: `IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName(jobType)}:*]`,
    }));
    // Parking a job that has ended fails its own task.
    this.functions.ParkForChallengeFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskFailure'], resources: machineArns('stateMachine') }),
    );
    // A webhook that came before the wait was taken ends it at once.
    this.functions.AwaitMemberWebhookFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: machineArns('stateMachine') }),
    );
    this.stateMachines = Object.fromEntries(
      JOB_TYPES.map((jobType) => {
        const machineScope = new Construct(this, `${capitalize(jobType)}Workflow`);
        const workflow = jobWorkflowDefinition(machineScope, jobType, this.functions, settings);
        const stateMachine = mxflowStateMachine(machineScope, {
          stateMachineName: stateMachineName(jobType),
          chain: workflow.chain,
          timeout: workflow.timeout,
          comment: workflow.comment,
          key: props.key,
          logRetention: props.logRetention,
          functions: Object.values(this.functions),
        });
        return [jobType, stateMachine];
      }),
    ) as Record<JobType, sfn.StateMachine>;

    // An execution that fails, times out or is stopped from the console ends its job too.
    const spec = EXECUTION_ENDED_FUNCTION;
    this.executionEnded = functionOfSpec(this, spec, {
      environment: { [ENV.tableName]: props.table.tableName },
      logRetention: props.logRetention,
    });
    grantTableAccess(this.executionEnded, spec.id, props.table);
    // No local twin: locally the end events are delivered in-process, and the ones lost (which
    // the fault layer drops on purpose) are what the reconciler repairs, as it does here once
    // a dead letter is left unread.
    this.executionEndedDeadLetters = deadLetterQueue(this, 'ExecutionEndedDeadLetters', 'the execution-ended rule');
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
      targets: [
        new targets.LambdaFunction(this.executionEnded, {
          retryAttempts: 8,
          deadLetterQueue: this.executionEndedDeadLetters,
        }),
      ],
    });

    // Jobs whose end was lost or whose start crashed half-way: ended from Step Functions' answer.
    const reconciler = RECONCILE_JOBS_FUNCTION;
    this.reconcileJobs = functionOfSpec(this, reconciler, {
      environment: {
        [ENV.tableName]: props.table.tableName,
        ...Object.fromEntries(JOB_TYPES.map((t) => [STATE_MACHINE_ARN_ENV[t], this.stateMachines[t].stateMachineArn])),
      },
      logRetention: props.logRetention,
    });
    grantTableAccess(this.reconcileJobs, reconciler.id, props.table);
    this.reconcileJobs.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: machineArns('execution', ':*') }),
    );
    for (const jobType of JOB_TYPES) {
      acknowledgeNag(
        this.reconcileJobs,
        `IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName(jobType)}:*]`,
        "The reconciler describes any execution of mxflow's own job state machines: their names are the jobs'.",
      );
    }
    // Locally the stack runs the reconciler on a timer of its own, the twin of this schedule.
    const scheduleRole = new iam.Role(this, 'ReconcileJobsScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    });
    acknowledgeNag(
      scheduleRole,
      `IAM5[Resource::<${stack.getLogicalId(this.reconcileJobs.node.defaultChild as CfnElement)}.Arn>:*]`,
      'The schedule may invoke any version of the reconciler function; the function itself is fixed.',
    );
    new scheduler.Schedule(this, 'ReconcileJobsSchedule', {
      description: 'Ends the jobs left RUNNING or CHALLENGED whose execution ended, never started or is gone',
      schedule: scheduler.ScheduleExpression.rate(Duration.seconds(RECONCILE_EVERY_SECONDS)),
      // No retry: the next pass comes in five minutes.
      target: new schedulerTargets.LambdaInvoke(this.reconcileJobs, { retryAttempts: 0, role: scheduleRole }),
    });

    // Members whose data is a refresh age old: unattended aggregations, a bounded number a run.
    this.refreshMembers = functionOfSpec(this, REFRESH_MEMBERS_FUNCTION, {
      environment: {
        [ENV.tableName]: props.table.tableName,
        ...Object.fromEntries(JOB_TYPES.map((t) => [STATE_MACHINE_ARN_ENV[t], this.stateMachines[t].stateMachineArn])),
        [ENV.jobLockSeconds]: String(jobTimeLimits(budget).lockSeconds),
      },
      logRetention: props.logRetention,
    });
    grantTableAccess(this.refreshMembers, REFRESH_MEMBERS_FUNCTION.id, props.table);
    for (const machine of Object.values(this.stateMachines)) machine.grantStartExecution(this.refreshMembers);
    const refreshRole = new iam.Role(this, 'RefreshMembersScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    });
    acknowledgeNag(
      refreshRole,
      `IAM5[Resource::<${stack.getLogicalId(this.refreshMembers.node.defaultChild as CfnElement)}.Arn>:*]`,
      'The schedule may invoke any version of the refresh function; the function itself is fixed.',
    );
    new scheduler.Schedule(this, 'RefreshMembersSchedule', {
      description: 'Starts unattended aggregations of the members whose data is older than their refresh age',
      schedule: scheduler.ScheduleExpression.rate(Duration.seconds(REFRESH_EVERY_SECONDS)),
      target: new schedulerTargets.LambdaInvoke(this.refreshMembers, { retryAttempts: 0, role: refreshRole }),
    });
  }
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
