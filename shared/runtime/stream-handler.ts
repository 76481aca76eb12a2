import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from './logger.js';
import { observability } from './observability.js';

/**
 * A function the table's stream feeds, with ReportBatchItemFailures: each record in order, and
 * at the first failure that record is reported and the rest left, so Lambda retries from it
 * (the records before it stay done) and after its retries dead-letters it.
 */
export function streamHandler(
  processRecord: (record: DynamoDBRecord) => Promise<void>,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(observability())
    .handler(async ({ Records }) => {
      for (const record of Records) {
        try {
          await processRecord(record);
        } catch (error) {
          logger.error('stream record failed', { eventId: record.eventID, error: error as Error });
          return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
        }
      }
      return { batchItemFailures: [] };
    });
}
