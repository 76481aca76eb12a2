import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbThrottled, type RetryPace, waitBeforeRetry } from './dynamodb-retries.js';

/** DynamoDB's BatchWriteItem limit. */
export const BATCH_SIZE = 25;

/**
 * About 10 s of waiting in all (at most 20): a hot partition's second of capacity comes back
 * within that even when a few writers share it; past that the task's retry takes over.
 */
export const UNPROCESSED_RETRY_PACE: RetryPace = { attempts: 10, baseMs: 50, capMs: 4_000 };

/** Errors DynamoDB answers a whole batch with when it could write none of it for now. */
const WHOLE_BATCH_THROTTLES: readonly string[] = ['ProvisionedThroughputExceededException', 'ThrottlingException'];

/**
 * Sends up to 25 put or delete requests. BatchWriteItem may leave some unprocessed under load,
 * or refuse the whole batch when none of its partitions has capacity (after the SDK's own
 * retries); either way what is left is sent again after exponential back-off with full jitter,
 * a bounded number of times, then given up as DynamoDbThrottled, a transient failure the
 * caller's retry handles.
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
    try {
      const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
    } catch (error) {
      if (!WHOLE_BATCH_THROTTLES.includes((error as Error).name)) throw error;
    }
  }
}
