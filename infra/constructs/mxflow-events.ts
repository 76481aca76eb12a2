import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, PUBLISH_EVENTS_FUNCTION } from '#shared/contract/workflow.js';
import { EVENT_SOURCE_STREAM_FILTERS } from '#shared/events/events-of-change.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import { functionOfSpec } from './mxflow-function.js';
import { grantTableAccess } from './table-access-policy.js';
import { tableStreamSource } from './table-stream-source.js';

export interface MxflowEventsProps {
  readonly stage: string;
  readonly table: ITable;
  readonly logRetention: logs.RetentionDays;
}

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
    this.publisher = functionOfSpec(this, spec, {
      environment: { [ENV.eventBusName]: this.bus.eventBusName },
      logRetention: props.logRetention,
    });
    // It reads nothing of the table: the stream's images hold all it publishes.
    grantTableAccess(this.publisher, spec.id, props.table);
    this.bus.grantPutEventsTo(this.publisher);

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the event publisher');
    this.publisher.addEventSource(
      tableStreamSource(props.table, {
        filters: EVENT_SOURCE_STREAM_FILTERS,
        batchSize: 50,
        deadLetters: this.deadLetters,
      }),
    );
  }
}
