import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB's BatchWriteItem limit. */
export const BATCH_SIZE = 25;
const MAX_UNPROCESSED_ROUNDS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends up to 25 put or delete requests; BatchWriteItem may leave some unprocessed under load,
 * and those are sent again with backoff until none is left (or it gives up loudly).
 */
export async function writeBatch(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: Record<string, unknown>[],
): Promise<void> {
  let pending = requests;
  for (let round = 0; pending.length > 0; round += 1) {
    if (round === MAX_UNPROCESSED_ROUNDS)
      throw new Error(`DynamoDB left ${pending.length} writes unprocessed after ${round} tries`);
    if (round > 0) await sleep(Math.random() * 50 * 2 ** round);
    const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = (UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
  }
}
