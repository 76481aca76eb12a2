import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { TABLE_DEFINITION } from '#shared/store/table-definition.js';

/**
 * How every function the table's stream feeds reads it (local/dynamodb-stream.ts is the twin):
 * new records only, filtered, in order; a failed record reported (shared/runtime/stream-handler.ts),
 * retried from there, the batch halved around it, then named in the dead-letter queue.
 */
export function tableStreamSource(
  table: ITable,
  options: { filters: readonly object[]; batchSize: number; deadLetters: IQueue },
): DynamoEventSource {
  return new DynamoEventSource(table, {
    startingPosition: lambda.StartingPosition.LATEST,
    batchSize: options.batchSize,
    maxBatchingWindow: Duration.seconds(0),
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
    retryAttempts: TABLE_DEFINITION.streamRetries,
    onFailure: new SqsDlq(options.deadLetters),
    filters: options.filters.map((filter) =>
      lambda.FilterCriteria.filter(structuredClone(filter) as Record<string, unknown>),
    ),
  });
}
