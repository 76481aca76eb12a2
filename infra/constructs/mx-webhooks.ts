import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';
import { ENV, PROCESS_MX_WEBHOOKS_FUNCTION } from '#shared/contract/workflow.js';
import { INBOX_STREAM_FILTER } from '#shared/webhooks/inbox-stream.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { MxEgressPlacement } from './mx-egress.js';
import { mxflowFunction } from './mxflow-function.js';

export interface MxWebhooksProps {
  readonly table: ITable;
  readonly mxSecret: ISecret;
  /** MX_BASE_URL, MX_DIALECT: shared with the other functions that call MX. */
  readonly mxEnvironment: Record<string, string>;
  readonly stateMachines: readonly IStateMachine[];
  readonly logRetention: logs.RetentionDays;
  readonly mxEgress?: MxEgressPlacement;
}

type ISecret = secretsmanager.ISecret;

/** Lambda's retries of a failing inbox record before it goes to the dead-letter queue. */
const PROCESSING_RETRIES = 5;

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
    this.secret = new secretsmanager.Secret(this, 'Credentials', {
      description: "HTTP Basic credentials MX's webhooks carry: give them to MX's dashboard with the webhook URL",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'mx' }),
        generateStringKey: 'password',
        passwordLength: 40,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      this.secret,
      'SMG4',
      "MX's dashboard holds a copy of the password: it is rotated there and here together, by hand.",
    );

    const spec = PROCESS_MX_WEBHOOKS_FUNCTION;
    this.processor = mxflowFunction(this, spec.id, {
      entry: spec.entry,
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.mxSecretId]: props.mxSecret.secretArn,
        ...props.mxEnvironment,
      },
      logRetention: props.logRetention,
      ...(props.mxEgress ? { mxEgress: props.mxEgress } : {}),
    });
    props.table.grantReadWriteData(this.processor);
    props.mxSecret.grantRead(this.processor);
    // It wakes a job parked in AwaitMemberWebhook with the token the job left on its member.
    this.processor.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess'],
        resources: props.stateMachines.map((machine) => machine.stateMachineArn),
      }),
    );

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the webhook processor');
    this.processor.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(0),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: PROCESSING_RETRIES,
        onFailure: new SqsDlq(this.deadLetters),
        filters: [lambda.FilterCriteria.filter(structuredClone(INBOX_STREAM_FILTER) as Record<string, unknown>)],
      }),
    );
  }
}
