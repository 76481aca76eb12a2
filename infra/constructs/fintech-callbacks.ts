import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVER_CALLBACK_FUNCTION, ENV } from '#shared/contract/workflow.js';
import { EVENT_SOURCE } from '#shared/events/mxflow-events.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import { functionOfSpec } from './mxflow-function.js';
import { sharedSecret } from './shared-secret.js';

export interface FintechCallbacksProps {
  readonly bus: events.IEventBus;
  /** The fintech's HTTPS endpoint (`-c callbackUrl=`). */
  readonly url: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Every event on mxflow's bus, also POSTed to the fintech's URL, signed (HMAC-SHA256 with a
 * generated key in Secrets Manager): a rule targets the delivery function, whose failures
 * Lambda retries twice with back-off before the dead-letter queue (which alarms). Locally the
 * twin is the local bus's subscription in local/local-mxflow.ts, with the same retries.
 */
export class FintechCallbacks extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly deliver: nodejs.NodejsFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: FintechCallbacksProps) {
    super(scope, id);
    this.secret = sharedSecret(this, 'SigningKey', {
      description: "The key mxflow signs its callbacks with (HMAC-SHA256); the fintech's receiver checks them with it",
      generatedKey: 'signing_key',
      length: 64,
      sharedWith: "The fintech's receiver",
    });

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the callbacks');

    const spec = DELIVER_CALLBACK_FUNCTION;
    this.deliver = functionOfSpec(this, spec, {
      environment: { [ENV.callbackUrl]: props.url, [ENV.callbackSecretId]: this.secret.secretArn },
      logRetention: props.logRetention,
    });
    this.secret.grantRead(this.deliver);
    this.deliver.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters),
    });
    new events.Rule(this, 'EveryEvent', {
      eventBus: props.bus,
      description: "Every mxflow event, POSTed signed to the fintech's callback URL",
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [
        new targets.LambdaFunction(this.deliver, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.deadLetters,
        }),
      ],
    });
  }
}
