import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { PARTITION_PREFIXES } from '#shared/store/keys.js';
import { type TableAction, tableAccessOf } from '#shared/store/table-access.js';

const READ_ONLY: readonly TableAction[] = ['GetItem', 'BatchGetItem', 'Query'];

/**
 * A function's role, given exactly its entry of TABLE_ACCESS: one statement a grant, on the table
 * or on the one index it names, each held to its partition-key prefixes by dynamodb:LeadingKeys
 * (every key a request names must match). The table's key: decrypt only for a reader.
 */
export function grantTableAccess(fn: IFunction, functionName: string, table: ITable): void {
  const grants = tableAccessOf(functionName);
  for (const grant of grants) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: grant.actions.map((action) => `dynamodb:${action}`),
        resources: [grant.index ? `${table.tableArn}/index/${grant.index}` : table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': grant.prefixes.map((prefix) => `${PARTITION_PREFIXES[prefix]}*`),
          },
        },
      }),
    );
  }
  if (grants.length === 0) return;
  const writes = grants.some((grant) => grant.actions.some((action) => !READ_ONLY.includes(action)));
  if (writes) table.encryptionKey?.grantEncryptDecrypt(fn);
  else table.encryptionKey?.grantDecrypt(fn);
}
