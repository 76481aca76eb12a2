import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, PUBLISH_EVENTS_FUNCTION } from '#shared/contract/workflow.js';
import { EVENT_SOURCE_STREAM_FILTERS } from '#shared/events/events-of-change.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import { mxflowFunction } from './mxflow-function.js';

export interface MxflowEventsProps {
  readonly stage: string;
  readonly table: ITable;
  readonly logRetention: logs.RetentionDays;
}

/** Lambda's retries of a record whose events could not be put before it goes to the dead-letter queue. */
const PUBLISHING_RETRIES = 5;

/**
 * mxflow's events: the bus `mxflow-<stage>` the fintech subscribes to, and the publisher the
 * table's stream feeds with job and member changes (events/schemas/ documents each event).
 * Locally the bus is local/event-bus.ts and the stream DynamoDB Local's own.
 */
export class MxflowEvents extends Construct {
  readonly bus: events.EventBus;
  readonly publisher: nodejs.NodejsFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: MxflowEventsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: `mxflow-${props.stage}`,
      description: "mxflow's job and member events (ids, statuses and counts only)",
    });
    const spec = PUBLISH_EVENTS_FUNCTION;
    this.publisher = mxflowFunction(this, spec.id, {
      entry: spec.entry,
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
      environment: { [ENV.eventBusName]: this.bus.eventBusName },
      logRetention: props.logRetention,
    });
    // It reads nothing of the table: the stream's images hold all it publishes.
    this.bus.grantPutEventsTo(this.publisher);

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the event publisher');
    this.publisher.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 50,
        maxBatchingWindow: Duration.seconds(0),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: PUBLISHING_RETRIES,
        onFailure: new SqsDlq(this.deadLetters),
        filters: EVENT_SOURCE_STREAM_FILTERS.map((filter) =>
          lambda.FilterCriteria.filter(structuredClone(filter) as unknown as Record<string, unknown>),
        ),
      }),
    );
  }
}
