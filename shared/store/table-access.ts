import { PARTITION_PREFIXES, type PartitionPrefix } from './keys.js';
import type { TABLE_INDEXES } from './table-definition.js';

/**
 * DynamoDB's IAM actions on items, as a role names them. A transaction is no action of its own:
 * AWS checks each of its items as the PutItem, UpdateItem, DeleteItem or ConditionCheckItem it is.
 * No Scan: nothing in mxflow reads the table but by key or by a sparse index.
 */
export const TABLE_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'ConditionCheckItem',
] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];

export type TableIndexName = (typeof TABLE_INDEXES)[number]['indexName'];

/** Some actions on the items whose partition key starts with one of `prefixes` (of an index's, with `index`). */
export interface TableGrant {
  readonly actions: readonly TableAction[];
  readonly prefixes: readonly PartitionPrefix[];
  readonly index?: TableIndexName;
}

const READ = ['GetItem', 'Query'] as const satisfies readonly TableAction[];
/** A job's life on its member's partition: the lock and job items, their updates, the challenge chunks. */
const JOB_WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'] as const satisfies readonly TableAction[];

/** A job started, or ended, by a function that is not one of the job's own steps. */
const STARTS_AND_ENDS_JOBS: TableGrant = { actions: [...READ, ...JOB_WRITES], prefixes: ['member'] };
const ACTIVE_JOBS: TableGrant = { actions: ['Query'], prefixes: ['activeJobs'], index: 'active-jobs' };
/** A job start checks its member is not being deleted (the member item, under its user). */
const JOB_START_CHECK: TableGrant = { actions: ['ConditionCheckItem'], prefixes: ['user'] };
/** A deletion's record, read and moved on by each of its steps. */
const DELETION_RECORD: TableGrant = { actions: ['GetItem', 'UpdateItem'], prefixes: ['deletion'] };

/**
 * What each function may do to the table: the one declaration the IAM policies are derived from
 * (infra/constructs/table-access-policy.ts) and the local stack enforces (local/table-access-check.ts),
 * so a function that reaches beyond its entry fails locally as it would in AWS. Keyed by the
 * function's name: a workflow or event function's id, `api-<family>` for an API function. A new
 * function adds its entry here (none is `[]`); the template test fails for a function without one.
 * Only the functions that park a job or answer it read or write task tokens (TASKTOKEN#); a
 * deletion's purge deletes them by key.
 */
export const TABLE_ACCESS = {
  'api-users': [
    { actions: ['GetItem', 'PutItem'], prefixes: ['user', 'userId'] },
    // A user's deletion: its members listed, the user and members marked with the deletion's record.
    { actions: ['Query', 'UpdateItem'], prefixes: ['user'] },
    { actions: ['GetItem', 'PutItem'], prefixes: ['deletion'] },
  ],
  // MX's institutions only.
  'api-institutions': [],
  'api-members': [
    { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem'], prefixes: ['user'] },
    STARTS_AND_ENDS_JOBS,
    // A member's deletion counts its account numbers (for its warnings) and records the deletion.
    { actions: ['Query'], prefixes: ['results'] },
    { actions: ['GetItem', 'PutItem'], prefixes: ['deletion'] },
    { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], prefixes: ['idempotency'] },
  ],
  'api-jobs': [
    { actions: ['GetItem', 'PutItem', 'ConditionCheckItem'], prefixes: ['user'] },
    // Starting jobs, and cancelling one (which ends it and frees its member).
    STARTS_AND_ENDS_JOBS,
    { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], prefixes: ['idempotency'] },
    // Answering a challenge claims its token (and gives it back when MX refuses the answer).
    { actions: ['GetItem', 'PutItem', 'DeleteItem'], prefixes: ['taskToken'] },
  ],
  // Read-only: results, the change feed, and the user and member they belong to.
  'api-results': [{ actions: READ, prefixes: ['user', 'member', 'results', 'changes'] }],
  'api-webhooks': [{ actions: ['PutItem'], prefixes: ['webhook'] }],
  StartMxJobFunction: [{ actions: ['UpdateItem'], prefixes: ['member'] }],
  // GetItem: only at the OAuth deadline, to see whether the window was renewed meanwhile.
  PollMemberStatusFunction: [{ actions: ['GetItem', 'UpdateItem', 'BatchWriteItem'], prefixes: ['member'] }],
  ParkForChallengeFunction: [
    { actions: ['UpdateItem', 'BatchWriteItem'], prefixes: ['member'] },
    { actions: ['PutItem'], prefixes: ['taskToken'] },
  ],
  AwaitMemberWebhookFunction: [
    { actions: ['ConditionCheckItem'], prefixes: ['member'] },
    { actions: ['PutItem'], prefixes: ['taskToken'] },
  ],
  FetchResultsFunction: [
    { actions: [...READ, 'PutItem', 'BatchWriteItem'], prefixes: ['member'] },
    { actions: ['Query', 'BatchWriteItem'], prefixes: ['results', 'changes'] },
  ],
  RecordSuccessFunction: [
    { actions: [...READ, ...JOB_WRITES], prefixes: ['member'] },
    { actions: ['Query', 'BatchWriteItem'], prefixes: ['results'] },
  ],
  RecordFailureFunction: [{ actions: ['Query', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], prefixes: ['member'] }],
  DeleteSupersededResultsFunction: [
    { actions: ['Query', 'BatchWriteItem'], prefixes: ['member'] },
    { actions: ['Query', 'BatchWriteItem'], prefixes: ['results'] },
  ],
  ExecutionEndedFunction: [STARTS_AND_ENDS_JOBS, ACTIVE_JOBS],
  ReconcileJobsFunction: [STARTS_AND_ENDS_JOBS, ACTIVE_JOBS],
  RefreshMembersFunction: [
    STARTS_AND_ENDS_JOBS,
    JOB_START_CHECK,
    { actions: ['Query'], prefixes: ['refreshDue'], index: 'refresh-due' },
  ],
  ProcessMxWebhooksFunction: [
    { actions: ['GetItem', 'UpdateItem', 'ConditionCheckItem'], prefixes: ['user'] },
    STARTS_AND_ENDS_JOBS,
    // Sends the token of the member's wait, then takes it off.
    { actions: ['GetItem', 'DeleteItem'], prefixes: ['taskToken'] },
  ],
  // The deletion workflow: cancels the members' jobs and holds their locks, then purges all of theirs.
  PrepareDeletionFunction: [DELETION_RECORD, STARTS_AND_ENDS_JOBS],
  DeleteAtMxFunction: [DELETION_RECORD],
  PurgeItemsFunction: [
    DELETION_RECORD,
    {
      actions: ['Query', 'BatchWriteItem'],
      prefixes: ['user', 'userId', 'member', 'results', 'changes', 'idempotency'],
    },
    // Task tokens are deleted by key, never read.
    { actions: ['BatchWriteItem'], prefixes: ['taskToken'] },
  ],
  // A failed deletion gives the user and members back: their marks and the deletion's locks removed.
  RecordDeletionFailureFunction: [
    DELETION_RECORD,
    { actions: ['UpdateItem'], prefixes: ['user'] },
    { actions: ['DeleteItem'], prefixes: ['member'] },
  ],
  // The stream's images hold all it publishes.
  PublishEventsFunction: [],
  DeliverCallbackFunction: [],
} as const satisfies Record<string, readonly TableGrant[]>;

/** A function's grants; throws for a function with no entry, so none goes unnoticed. */
export function tableAccessOf(functionName: string): readonly TableGrant[] {
  const grants = (TABLE_ACCESS as Record<string, readonly TableGrant[]>)[functionName];
  if (!grants) throw new Error(`${functionName} has no entry in TABLE_ACCESS (shared/store/table-access.ts)`);
  return grants;
}

/** Whether a grant lets the function do `action` on partition `partitionKey` (of `index`, if given). */
export function allows(
  grants: readonly TableGrant[],
  request: { action: TableAction; partitionKey: string; index?: string | undefined },
): boolean {
  return grants.some(
    (grant) =>
      grant.index === request.index &&
      grant.actions.includes(request.action) &&
      grant.prefixes.some((prefix) => request.partitionKey.startsWith(PARTITION_PREFIXES[prefix])),
  );
}
