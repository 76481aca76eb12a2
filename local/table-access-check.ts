import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { allows, TABLE_ACTIONS, type TableAction, tableAccessOf } from '#shared/store/table-access.js';
import { TABLE_DEFINITION, TABLE_INDEXES } from '#shared/store/table-definition.js';

/** One item-level request as IAM sees it: its action, the partition key it names, the index it reads. */
interface ItemRequest {
  readonly action: string;
  readonly partitionKey: string | undefined;
  readonly index?: string | undefined;
}

type Input = Record<string, unknown>;
type Value = unknown;

/**
 * The local twin of each function's IAM policy on the table: every request a function's DynamoDB
 * client sends is checked against its TABLE_ACCESS entry (which function runs is the invocation's,
 * see local/lambda-context.ts) and refused as AWS refuses it, AccessDeniedException, when the
 * entry does not allow its action on its partition key (or index). A transaction is checked item
 * by item, as IAM checks it; a Scan is never allowed. Requests outside any invocation (a test's own
 * reads) pass.
 */
export function addTableAccessCheck(
  stack: DynamoDBDocumentClient['middlewareStack'],
  currentFunction: () => string | undefined,
): void {
  stack.add(
    (next, context) => async (args) => {
      const functionName = currentFunction();
      if (functionName !== undefined) {
        const command = String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '');
        const grants = tableAccessOf(functionName);
        for (const request of itemRequests(command, args.input as Input)) {
          const known = (TABLE_ACTIONS as readonly string[]).includes(request.action);
          const allowed =
            known &&
            request.partitionKey !== undefined &&
            allows(grants, {
              action: request.action as TableAction,
              partitionKey: request.partitionKey,
              index: request.index,
            });
          if (!allowed) throw accessDenied(functionName, String((args.input as Input).TableName ?? '*'), request);
        }
      }
      return next(args);
    },
    { step: 'build', name: 'mxflowTableAccessCheck', override: true },
  );
}

function accessDenied(functionName: string, tableName: string, request: ItemRequest): DynamoDBServiceException {
  const index = request.index ? `/index/${request.index}` : '';
  const resource = `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}${index}`;
  return new DynamoDBServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message:
      `User: arn:aws:sts::123456789012:assumed-role/${functionName}/${functionName} is not authorized to perform: ` +
      `dynamodb:${request.action} on resource: ${resource} (partition key ${request.partitionKey ?? 'none'}) ` +
      'because no identity-based policy allows the action',
  });
}

/** The item-level requests of one call, as IAM evaluates them. */
function itemRequests(command: string, input: Input): ItemRequest[] {
  switch (command) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [{ action: command, partitionKey: partitionOf(input.Key) }];
    case 'PutItem':
      return [{ action: command, partitionKey: partitionOf(input.Item) }];
    case 'Query':
      return [{ action: command, partitionKey: queriedPartition(input), index: input.IndexName as string | undefined }];
    case 'BatchWriteItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, Input[]>)
        .flat()
        .map((request) => ({
          action: command,
          partitionKey: partitionOf(
            (request.PutRequest as Input | undefined)?.Item ?? (request.DeleteRequest as Input)?.Key,
          ),
        }));
    case 'BatchGetItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: Input[] }>)
        .flatMap((request) => request.Keys ?? [])
        .map((key) => ({ action: command, partitionKey: partitionOf(key) }));
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Input[]).map((item) => {
        const [kind, write] = Object.entries(item)[0] as [string, Input];
        const action = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
        }[kind];
        return { action: action ?? kind, partitionKey: partitionOf(write.Item ?? write.Key) };
      });
    case 'TransactGetItems':
      return ((input.TransactItems ?? []) as { Get: Input }[]).map(({ Get }) => ({
        action: 'GetItem',
        partitionKey: partitionOf(Get.Key),
      }));
    default:
      // Scan, and anything else on the table: no function is granted it.
      return [{ action: command, partitionKey: undefined }];
  }
}

/** A key's partition value, in the SDK's plain form or DynamoDB's attribute-value form. */
function partitionOf(key: Value): string | undefined {
  return stringOf((key as Input | undefined)?.[TABLE_DEFINITION.partitionKey]);
}

function stringOf(value: Value): string | undefined {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

/** The partition a query names: its key condition's equality on the table's or the index's partition key. */
function queriedPartition(input: Input): string | undefined {
  const index = TABLE_INDEXES.find((i) => i.indexName === input.IndexName);
  const attribute = index ? index.partitionKey : TABLE_DEFINITION.partitionKey;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Input;
  for (const [, name, placeholder] of String(input.KeyConditionExpression ?? '').matchAll(/(#?\w+)\s*=\s*(:\w+)/g)) {
    if ((names[name!] ?? name) === attribute) return stringOf(values[placeholder!]);
  }
  return undefined;
}
