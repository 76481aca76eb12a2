import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One DynamoDB document client and one Step Functions client per container, made on first use. */
let doc: DynamoDBDocumentClient | undefined;
let sfn: SFNClient | undefined;

export const documentClient = (): DynamoDBDocumentClient =>
  (doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }));

export const stepFunctionsClient = (): SFNClient => (sfn ??= new SFNClient({}));
