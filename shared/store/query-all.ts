import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';

/**
 * Every item under a partition key whose sort key starts with `skPrefix`, page after page,
 * strongly consistent (what the caller wrote a moment ago is there). For short lists only: it
 * holds them all in memory.
 */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  { pk, skPrefix }: { readonly pk: string; readonly skPrefix: string },
  projection?: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: doc },
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: true,
      ...(projection ? { ProjectionExpression: projection } : {}),
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}
