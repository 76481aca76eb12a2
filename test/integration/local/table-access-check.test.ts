import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokedFunctionName, invokeLocally, lambdaContext } from '#local/lambda-context.js';
import { addTableAccessCheck } from '#local/table-access-check.js';
import { keys } from '#shared/store/keys.js';
import { TABLE_DEFINITION } from '#shared/store/table-definition.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
/** A function's DynamoDB client as the local stack gives it: checked against its TABLE_ACCESS entry. */
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  table = await freshTable('table-access');
  doc = DynamoDBDocumentClient.from(table.client);
  addTableAccessCheck(doc.middlewareStack, invokedFunctionName);
});
afterAll(() => table?.client.destroy());

/** `act` run as one invocation of the function named, as the local stack runs it. */
const as = <T>(functionName: string, act: () => Promise<T>): Promise<T> =>
  invokeLocally(() => act(), undefined, lambdaContext(functionName, 256, 30));

/** What the call ended in: 'ok', or the name of the error it was refused with. */
const outcome = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (error: Error) => error.name,
  );

const read = (key: { pk: string; sk: string }) =>
  table.doc.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));

describe('the local stack’s twin of each function’s IAM policy on the table', () => {
  it('lets a function do what its entry allows, and refuses the rest as AWS does, writing nothing', async () => {
    const user = keys.user('USR-1');
    const put = new PutCommand({ TableName: table.tableName, Item: { ...user, guid: 'USR-1' } });

    const resultsWrites = await as('api-results', () => outcome(doc.send(put)));
    const storedAfterRefusal = (await read(user)).Item;
    const usersWrites = await as('api-users', () => outcome(doc.send(put)));
    const resultsReads = await as('api-results', () =>
      outcome(doc.send(new GetCommand({ TableName: table.tableName, Key: user }))),
    );

    expect(resultsWrites).toBe('AccessDeniedException');
    expect(storedAfterRefusal).toBeUndefined();
    expect(usersWrites).toBe('ok');
    expect(resultsReads).toBe('ok');
  });

  it('keeps every function but those that park and answer away from the task tokens', async () => {
    const token = keys.challengeToken('MBR-1', 'JOB-1');
    const get = () => doc.send(new GetCommand({ TableName: table.tableName, Key: token }));

    const readers = await Promise.all(
      ['api-jobs', 'ProcessMxWebhooksFunction', 'api-members', 'RecordSuccessFunction', 'ExecutionEndedFunction'].map(
        (name) => as(name, () => outcome(get())),
      ),
    );

    expect(readers).toEqual(['ok', 'ok', 'AccessDeniedException', 'AccessDeniedException', 'AccessDeniedException']);
  });

  it('checks a transaction item by item, as IAM does', async () => {
    const park = () =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table.tableName, Item: { ...keys.job('MBR-2', 'JOB-2'), status: 'CHALLENGED' } } },
            {
              Put: { TableName: table.tableName, Item: { ...keys.challengeToken('MBR-2', 'JOB-2'), task_token: 't' } },
            },
          ],
        }),
      );

    // PutItem on MEMBER# is not ParkForChallenge's (it updates jobs), nor TASKTOKEN# RecordFailure's.
    expect(await as('ParkForChallengeFunction', () => outcome(park()))).toBe('AccessDeniedException');
    expect(await as('RecordFailureFunction', () => outcome(park()))).toBe('AccessDeniedException');
    expect(await as('api-jobs', () => outcome(park()))).toBe('ok');
  });

  it('refuses a batch with one key outside the entry, and an index the entry does not name', async () => {
    const batch = (pks: string[]) =>
      doc.send(
        new BatchWriteCommand({
          RequestItems: { [table.tableName]: pks.map((pk) => ({ PutRequest: { Item: { pk, sk: 'X' } } })) },
        }),
      );
    const { indexName, partitionKey, sortKey } = TABLE_DEFINITION.activeJobsIndex;
    const activeJobs = () =>
      doc.send(
        new QueryCommand({
          TableName: table.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#shard = :shard AND #since < :now',
          ExpressionAttributeNames: { '#shard': partitionKey, '#since': sortKey },
          ExpressionAttributeValues: { ':shard': keys.activeJobShards()[0], ':now': '9' },
        }),
      );

    expect(await as('DeleteSupersededResultsFunction', () => outcome(batch(['RESULTS#M#A', 'RESULTS#M#B'])))).toBe(
      'ok',
    );
    expect(await as('DeleteSupersededResultsFunction', () => outcome(batch(['RESULTS#M#A', 'USER#U'])))).toBe(
      'AccessDeniedException',
    );
    expect(await as('ReconcileJobsFunction', () => outcome(activeJobs()))).toBe('ok');
    expect(await as('api-jobs', () => outcome(activeJobs()))).toBe('AccessDeniedException');
  });

  it('never lets a function scan the table', async () => {
    const scan = () => doc.send(new ScanCommand({ TableName: table.tableName }));

    expect(await as('api-jobs', () => outcome(scan()))).toBe('AccessDeniedException');
    expect(await as('ReconcileJobsFunction', () => outcome(scan()))).toBe('AccessDeniedException');
  });

  it('fails a function with no entry, and leaves a test’s own reads (outside any invocation) alone', async () => {
    const get = () => doc.send(new GetCommand({ TableName: table.tableName, Key: keys.user('USR-1') }));

    await expect(as('UndeclaredFunction', get)).rejects.toThrow(/UndeclaredFunction has no entry in TABLE_ACCESS/);
    expect(await outcome(get())).toBe('ok');
  });
});
