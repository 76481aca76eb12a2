import type { TableKey } from './table-definition.js';

/** What a member's stored results are, one DynamoDB partition each. */
export const RESULT_KINDS = {
  accounts: 'ACCOUNT',
  account_numbers: 'ACCOUNT_NUMBER',
  account_owners: 'ACCOUNT_OWNER',
  transactions: 'TRANSACTION',
} as const;
export type ResultKind = keyof typeof RESULT_KINDS;

/**
 * Every key of the single table. A member's jobs and its lock share one partition; each kind
 * of result has a partition of its own, so one query pages through one member's results of
 * one kind, keyed by MX guid so a rewrite replaces instead of duplicating.
 */
export const keys = {
  user: (userGuid: string): TableKey => ({ pk: `USER#${userGuid}`, sk: 'USER' }),
  /** The caller's own user id, unique: points at the user's guid. */
  userId: (id: string): TableKey => ({ pk: `USERID#${id}`, sk: 'USERID' }),
  membersOfUser: (userGuid: string) => ({ pk: `USER#${userGuid}`, skPrefix: 'MEMBER#' }),
  member: (userGuid: string, memberGuid: string): TableKey => ({ pk: `USER#${userGuid}`, sk: `MEMBER#${memberGuid}` }),
  memberLock: (memberGuid: string): TableKey => ({ pk: `MEMBER#${memberGuid}`, sk: 'LOCK' }),
  job: (memberGuid: string, jobGuid: string): TableKey => ({ pk: `MEMBER#${memberGuid}`, sk: `JOB#${jobGuid}` }),
  jobsOfMember: (memberGuid: string) => ({ pk: `MEMBER#${memberGuid}`, skPrefix: 'JOB#' }),
  result: (memberGuid: string, kind: ResultKind, guid: string): TableKey => ({
    pk: resultPartition(memberGuid, kind),
    sk: guid,
  }),
  resultsOfMember: (memberGuid: string, kind: ResultKind) => ({ pk: resultPartition(memberGuid, kind) }),
  /** An Idempotency-Key, by the SHA-256 of the key with its route and parameters. */
  idempotencyKey: (keyHash: string): TableKey => ({ pk: `IDEMPOTENCY#${keyHash}`, sk: 'IDEMPOTENCY' }),
};

function resultPartition(memberGuid: string, kind: ResultKind): string {
  return `RESULTS#${memberGuid}#${RESULT_KINDS[kind]}`;
}

/** An item as the store hands it out: the table's keys are the store's business, not the caller's. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}
