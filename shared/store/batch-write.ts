import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbThrottled, type RetryPace, waitBeforeRetry } from './dynamodb-retries.js';

/** DynamoDB's BatchWriteItem limit. */
export const BATCH_SIZE = 25;

/** Up to about 5 s of waiting in all: past that the partition is hot and the task's retry takes over. */
export const UNPROCESSED_RETRY_PACE: RetryPace = { attempts: 8, baseMs: 50, capMs: 2_000 };

/**
 * Sends up to 25 put or delete requests. BatchWriteItem may leave some unprocessed under load;
 * those are sent again after exponential back-off with full jitter, a bounded number of times,
 * then given up as DynamoDbThrottled, a transient failure the caller's retry handles.
 */
export async function writeBatch(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: Record<string, unknown>[],
  pace: RetryPace = UNPROCESSED_RETRY_PACE,
): Promise<void> {
  let pending = requests;
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    if (attempt > pace.attempts)
      throw new DynamoDbThrottled(`DynamoDB left ${pending.length} writes unprocessed after ${pace.attempts} tries`);
    if (attempt > 1) await waitBeforeRetry(attempt - 1, pace);
    const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = (UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
  }
}
