import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_ACCESS } from '#shared/store/table-access.js';
import { SYNTH_TIMEOUT_MS, synthesizedStack, TEST_CONTEXT } from '#test/support/synthesized-template.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

/** The services whose actions a function's role is held to here. */
const WATCHED = /^(dynamodb|kms|secretsmanager|states|events):/;

/** A function's name as TABLE_ACCESS knows it, from its logical id (its construct path, then CDK's hash). */
function functionName(logicalId: string): string {
  const bare = logicalId.replace(/[0-9A-F]{8}$/, '');
  const api = /^Http(\w+)Function$/.exec(bare);
  if (api) return `api-${api[1]}`;
  const other = /^(?:Workflows|MxWebhooks|Deletions|Events|Callbacks)(\w+Function)$/.exec(bare);
  if (!other) throw new Error(`a function this test does not know: ${logicalId} (name it in functionName)`);
  return other[1]!;
}

/** What a statement's resource is, by the logical ids it names (hashes dropped) and its path. */
function resourceLabel(resource: unknown): string {
  if (resource === '*') return '*';
  const text = JSON.stringify(resource);
  const ids = [...text.matchAll(/"(?:Ref|Fn::GetAtt)":(?:\["|")(\w+?)(?:[0-9A-F]{8})?"/g)].map(([, id]) => id);
  const arns = [...text.matchAll(/:(stateMachine|execution):([\w-]+(?::\*)?)/g)].map(
    ([, kind, name]) => `${kind}:${name}`,
  );
  const named = [...new Set(ids.filter((id) => !id!.startsWith('AWS')))].sort().join('+') || arns.join('+') || text;
  const index = /\/index\/([\w-]+)/.exec(text);
  const stream = text.includes('StreamArn') ? ' stream' : '';
  return `${named}${index ? `/index/${index[1]}` : ''}${stream}`;
}

/** Each function's watched actions, one line per action and resource (and key prefixes, for DynamoDB). */
function permissionsByFunction(template: Template): Record<string, string[]> {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
  const byFunction: Record<string, string[]> = {};
  for (const [logicalId, fn] of Object.entries(resources)) {
    if (fn.Type !== 'AWS::Lambda::Function') continue;
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const lines = policies
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((statement) => {
        const leading = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
        const prefixes = leading ? ` [${[leading].flat().join(',')}]` : '';
        return [statement.Action]
          .flat()
          .filter((action) => WATCHED.test(action))
          .flatMap((action) =>
            [statement.Resource].flat().map((resource) => `${action} ${resourceLabel(resource)}${prefixes}`),
          );
      });
    byFunction[functionName(logicalId)] = [...new Set(lines)].sort();
  }
  return byFunction;
}

const table = (actions: string[], prefixes: string, on = 'DataTable') =>
  actions.map((action) => `dynamodb:${action} ${on} [${prefixes}]`);
const DATA_KEY_READ = ['kms:Decrypt DataKey'];
const DATA_KEY_WRITE = [
  'kms:Decrypt DataKey',
  'kms:Encrypt DataKey',
  'kms:GenerateDataKey* DataKey',
  'kms:ReEncrypt* DataKey',
];
/** A function the table's stream feeds: its event source mapping reads the (encrypted) stream. */
const STREAM = [
  'dynamodb:DescribeStream DataTable stream',
  'dynamodb:GetRecords DataTable stream',
  'dynamodb:GetShardIterator DataTable stream',
  'dynamodb:ListStreams *',
  'kms:Decrypt DataKey',
  'kms:DescribeKey DataKey',
];
const JOB_TYPES = ['Aggregate', 'History', 'Identify', 'Verify'];
const MACHINES = (action: string) => JOB_TYPES.map((type) => `states:${action} Workflows${type}WorkflowStateMachine`);
/** The same, named by ARN (a function the machines invoke cannot refer to them: a cycle). */
const MACHINES_BY_NAME = (action: string, resource = 'stateMachine', suffix = '') =>
  JOB_TYPES.map((type) => `states:${action} ${resource}:Mxflow-test-${type.toLowerCase()}${suffix}`);
const secret = (label: string) => [`secretsmanager:DescribeSecret ${label}`, `secretsmanager:GetSecretValue ${label}`];
const MX_SECRET = secret('MxSecret');
/** Starting and ending jobs on a member's partition: the lock, the job, its challenge chunks. */
const JOB_ITEMS = table(['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'], 'MEMBER#*');
const IDEMPOTENCY = table(['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'], 'IDEMPOTENCY#*');
/** A job start checks, in its transaction, that its member is not being deleted. */
const JOB_START_CHECK = table(['ConditionCheckItem'], 'USER#*');
/** A deletion's record, started by the API and moved on by each step of the deletion workflow. */
const DELETION_RECORD = table(['GetItem', 'UpdateItem'], 'DELETION#*');
const STARTS_DELETIONS = [
  ...table(['GetItem', 'PutItem'], 'DELETION#*'),
  'states:StartExecution DeletionsStateMachine',
];
/** The key that seals the API's page cursors. */
const CURSOR_SECRET = secret('HttpCursorKey');

/**
 * Every function of the stack and exactly what its role may do in DynamoDB (with its partition-key
 * prefixes), KMS, Secrets Manager, Step Functions and EventBridge. Written out by hand, not derived
 * from TABLE_ACCESS: any change to a role changes this table, on purpose.
 */
const EXPECTED: Record<string, string[]> = {
  'api-users': [
    ...table(['GetItem', 'PutItem'], 'USER#*,USERID#*'),
    ...table(['Query', 'UpdateItem'], 'USER#*'),
    ...STARTS_DELETIONS,
    ...DATA_KEY_WRITE,
    // Encrypts a user's email and metadata, and decrypts them to answer (FIELD_KEY_ACCESS).
    'kms:Decrypt FieldKey',
    'kms:GenerateDataKey FieldKey',
    ...MX_SECRET,
  ],
  'api-institutions': [...MX_SECRET],
  'api-members': [
    ...table(['GetItem', 'PutItem', 'Query', 'UpdateItem'], 'USER#*'),
    ...JOB_START_CHECK,
    ...JOB_ITEMS,
    ...table(['Query'], 'RESULTS#*'),
    ...IDEMPOTENCY,
    ...STARTS_DELETIONS,
    ...DATA_KEY_WRITE,
    // Encrypts a member's metadata and its kept answers, and decrypts them to answer (FIELD_KEY_ACCESS).
    'kms:Decrypt FieldKey',
    'kms:GenerateDataKey FieldKey',
    ...MX_SECRET,
    ...MACHINES('StartExecution'),
  ],
  'api-jobs': [
    ...table(['GetItem', 'PutItem'], 'USER#*'),
    ...JOB_START_CHECK,
    ...JOB_ITEMS,
    ...IDEMPOTENCY,
    ...table(['DeleteItem', 'GetItem', 'PutItem'], 'TASKTOKEN#*'),
    ...DATA_KEY_WRITE,
    // Encrypts the metadata of a member it adopts from MX; never decrypts (FIELD_KEY_ACCESS).
    'kms:GenerateDataKey FieldKey',
    ...MX_SECRET,
    ...MACHINES('StartExecution'),
    ...MACHINES('SendTaskFailure'),
    ...MACHINES('SendTaskHeartbeat'),
    ...MACHINES('SendTaskSuccess'),
    // Cancelling a job stops its execution.
    ...MACHINES_BY_NAME('StopExecution', 'execution', ':*'),
    ...CURSOR_SECRET,
  ],
  // Read-only; decrypts the result fields it hands out (FIELD_KEY_ACCESS).
  'api-results': [
    ...table(['GetItem', 'Query'], 'USER#*,MEMBER#*,RESULTS#*,CHANGES#*'),
    ...DATA_KEY_READ,
    'kms:Decrypt FieldKey',
    ...CURSOR_SECRET,
  ],
  'api-webhooks': [...table(['PutItem'], 'WEBHOOK#*'), ...DATA_KEY_WRITE, ...secret('MxWebhooksCredentials')],
  StartMxJobFunction: [...table(['UpdateItem'], 'MEMBER#*'), ...DATA_KEY_WRITE, ...MX_SECRET],
  PollMemberStatusFunction: [
    ...table(['BatchWriteItem', 'GetItem', 'UpdateItem'], 'MEMBER#*'),
    ...DATA_KEY_WRITE,
    ...MX_SECRET,
  ],
  ParkForChallengeFunction: [
    ...table(['BatchWriteItem', 'UpdateItem'], 'MEMBER#*'),
    ...table(['PutItem'], 'TASKTOKEN#*'),
    ...DATA_KEY_WRITE,
    ...MACHINES_BY_NAME('SendTaskFailure'),
  ],
  AwaitMemberWebhookFunction: [
    ...table(['ConditionCheckItem'], 'MEMBER#*'),
    ...table(['PutItem'], 'TASKTOKEN#*'),
    ...DATA_KEY_WRITE,
    ...MACHINES_BY_NAME('SendTaskSuccess'),
  ],
  FetchResultsFunction: [
    ...table(['BatchWriteItem', 'GetItem', 'PutItem', 'Query'], 'MEMBER#*'),
    ...table(['BatchWriteItem', 'Query'], 'RESULTS#*,CHANGES#*'),
    ...DATA_KEY_WRITE,
    // Encrypts the result fields it writes: data keys made, never decrypted (FIELD_KEY_ACCESS).
    'kms:GenerateDataKey FieldKey',
    ...MX_SECRET,
  ],
  RecordSuccessFunction: [...JOB_ITEMS, ...table(['BatchWriteItem', 'Query'], 'RESULTS#*'), ...DATA_KEY_WRITE],
  RecordFailureFunction: [
    ...table(['BatchWriteItem', 'DeleteItem', 'Query', 'UpdateItem'], 'MEMBER#*'),
    ...DATA_KEY_WRITE,
  ],
  DeleteSupersededResultsFunction: [
    ...table(['BatchWriteItem', 'Query'], 'MEMBER#*'),
    ...table(['BatchWriteItem', 'Query'], 'RESULTS#*'),
    ...DATA_KEY_WRITE,
  ],
  ExecutionEndedFunction: [
    ...JOB_ITEMS,
    ...table(['Query'], 'ACTIVE#*', 'DataTable/index/active-jobs'),
    ...DATA_KEY_WRITE,
  ],
  ReconcileJobsFunction: [
    ...JOB_ITEMS,
    ...table(['Query'], 'ACTIVE#*', 'DataTable/index/active-jobs'),
    ...DATA_KEY_WRITE,
    ...MACHINES_BY_NAME('DescribeExecution', 'execution', ':*'),
  ],
  RefreshMembersFunction: [
    ...JOB_ITEMS,
    ...JOB_START_CHECK,
    ...table(['Query'], 'REFRESH#*', 'DataTable/index/refresh-due'),
    ...DATA_KEY_WRITE,
    ...MACHINES('StartExecution'),
  ],
  ProcessMxWebhooksFunction: [
    ...table(['GetItem', 'UpdateItem'], 'USER#*'),
    ...JOB_START_CHECK,
    ...JOB_ITEMS,
    ...table(['DeleteItem', 'GetItem'], 'TASKTOKEN#*'),
    ...DATA_KEY_WRITE,
    ...MX_SECRET,
    ...STREAM,
    ...MACHINES('SendTaskSuccess'),
    ...MACHINES('StartExecution'),
  ],
  // The deletion workflow: it cancels the members' jobs and holds their locks, deletes at MX, then
  // purges every item of the user or member (its task tokens included).
  PrepareDeletionFunction: [
    ...DELETION_RECORD,
    ...JOB_ITEMS,
    ...DATA_KEY_WRITE,
    ...MACHINES_BY_NAME('StopExecution', 'execution', ':*'),
  ],
  DeleteAtMxFunction: [...DELETION_RECORD, ...DATA_KEY_WRITE, ...MX_SECRET],
  PurgeItemsFunction: [
    ...DELETION_RECORD,
    ...table(['BatchWriteItem', 'Query'], 'USER#*,USERID#*,MEMBER#*,RESULTS#*,CHANGES#*,IDEMPOTENCY#*'),
    // A member's task tokens are deleted by key, never read.
    ...table(['BatchWriteItem'], 'TASKTOKEN#*'),
    ...DATA_KEY_WRITE,
  ],
  RecordDeletionFailureFunction: [
    ...DELETION_RECORD,
    ...table(['UpdateItem'], 'USER#*'),
    ...table(['DeleteItem'], 'MEMBER#*'),
    ...DATA_KEY_WRITE,
  ],
  // Nothing of the table but its stream.
  PublishEventsFunction: [...STREAM, 'events:PutEvents EventsBus'],
  DeliverCallbackFunction: secret('CallbacksSigningKey'),
};

let template: Template;
beforeAll(async () => {
  template = (await synthesizedStack(TEST_CONTEXT)).template;
}, SYNTH_TIMEOUT_MS);

describe('each function’s role', () => {
  it('allows exactly its listed DynamoDB, KMS, Secrets Manager, Step Functions and EventBridge actions', () => {
    const actual = permissionsByFunction(template);

    expect(actual).toEqual(
      Object.fromEntries(Object.entries(EXPECTED).map(([name, lines]) => [name, [...new Set(lines)].sort()])),
    );
  });

  it('belongs to a function with an entry in TABLE_ACCESS (shared/store/table-access.ts)', () => {
    const undeclared = Object.keys(permissionsByFunction(template)).filter((name) => !(name in TABLE_ACCESS));

    expect(undeclared).toEqual([]);
  });

  it('lets only the functions that park a job or answer it near the task tokens', () => {
    const nearTokens = Object.entries(permissionsByFunction(template))
      .filter(([, lines]) => lines.some((line) => line.includes('TASKTOKEN#')))
      .map(([name]) => name)
      .sort();

    expect(nearTokens).toEqual([
      'AwaitMemberWebhookFunction',
      'ParkForChallengeFunction',
      'ProcessMxWebhooksFunction',
      // Deleting a user or member deletes its tokens too.
      'PurgeItemsFunction',
      'api-jobs',
    ]);
  });

  it('never allows a Scan, nor DynamoDB on every key', () => {
    const lines = Object.values(permissionsByFunction(template)).flat();

    expect(lines.filter((line) => /^dynamodb:(Scan|\*)/.test(line))).toEqual([]);
    // Every statement on the table or an index is held to key prefixes; the stream's are the event sources'.
    const unconditioned = lines.filter(
      (line) => line.startsWith('dynamodb:') && !line.includes('[') && !/ stream$|^dynamodb:ListStreams \*$/.test(line),
    );
    expect(unconditioned).toEqual([]);
  });
});

describe('the production code', () => {
  it('never scans the table: every read is by key or by a sparse index', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const production = ['shared', 'functions', 'infra', 'cli'].flatMap((dir) => sourceFiles(join(root, dir)));

    const scanning = production.filter((file) =>
      /\bScan(Command|Input)\b|paginateScan/.test(readFileSync(file, 'utf8')),
    );

    expect(production.length).toBeGreaterThan(50);
    expect(scanning).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
