import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  ENV,
  JOB_TYPES,
  type JobType,
  PROCESS_MX_WEBHOOKS_FUNCTION,
  STATE_MACHINE_ARN_ENV,
} from '#shared/contract/workflow.js';
import { INBOX_STREAM_FILTER } from '#shared/webhooks/inbox-stream.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { MxEgressPlacement } from './mx-egress.js';
import { functionOfSpec } from './mxflow-function.js';
import { sharedSecret } from './shared-secret.js';
import { grantTableAccess } from './table-access-policy.js';
import { tableStreamSource } from './table-stream-source.js';

export interface MxWebhooksProps {
  readonly table: ITable;
  readonly mxSecret: ISecret;
  /** MX_BASE_URL, MX_DIALECT: shared with the other functions that call MX. */
  readonly mxEnvironment: Record<string, string>;
  readonly stateMachines: Readonly<Record<JobType, IStateMachine>>;
  /** How long a member stays locked if a job it starts dies without freeing it. */
  readonly lockSeconds: number;
  readonly logRetention: logs.RetentionDays;
  readonly mxEgress?: MxEgressPlacement;
}

type ISecret = secretsmanager.ISecret;

/**
 * MX's webhooks, after the receiver stored them: the Basic credentials MX's dashboard is given
 * (generated here, kept in Secrets Manager), and the processor the table's stream feeds with new
 * inbox items, in order, retried, bisected and dead-lettered. Locally the stream is read from
 * DynamoDB Local's own Streams API by its twin (local/dynamodb-stream.ts).
 */
export class MxWebhooks extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly processor: nodejs.NodejsFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: MxWebhooksProps) {
    super(scope, id);
    this.secret = sharedSecret(this, 'Credentials', {
      description: "HTTP Basic credentials MX's webhooks carry: give them to MX's dashboard with the webhook URL",
      fixed: { username: 'mx' },
      generatedKey: 'password',
      length: 40,
      sharedWith: "MX's dashboard",
    });

    const spec = PROCESS_MX_WEBHOOKS_FUNCTION;
    this.processor = functionOfSpec(this, spec, {
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.mxSecretId]: props.mxSecret.secretArn,
        ...props.mxEnvironment,
        ...Object.fromEntries(JOB_TYPES.map((t) => [STATE_MACHINE_ARN_ENV[t], props.stateMachines[t].stateMachineArn])),
        [ENV.jobLockSeconds]: String(props.lockSeconds),
      },
      logRetention: props.logRetention,
      ...(props.mxEgress ? { mxEgress: props.mxEgress } : {}),
    });
    grantTableAccess(this.processor, spec.id, props.table);
    props.mxSecret.grantRead(this.processor);
    // It wakes a job parked in AwaitMemberWebhook with the token the job left on its member, and
    // starts the aggregation that syncs a member MX refreshed in the background.
    const machines = Object.values(props.stateMachines);
    this.processor.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess'],
        resources: machines.map((machine) => machine.stateMachineArn),
      }),
    );
    for (const machine of machines) machine.grantStartExecution(this.processor);

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the webhook processor');
    this.processor.addEventSource(
      tableStreamSource(props.table, { filters: [INBOX_STREAM_FILTER], batchSize: 10, deadLetters: this.deadLetters }),
    );
  }
}
