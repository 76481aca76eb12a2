import { ApiError } from '#shared/api/api-error.js';
import { decodeCursor, decodeSyncCursor, encodeCursor, encodeSyncCursor } from '#shared/api/cursor.js';
import type { FamilyOperations, Operation } from '#shared/api/operation.js';
import { ownedMember } from '#shared/api/ownership.js';
import type { RouteOf } from '#shared/api/routes.js';
import { hasTokenizedAccountNumbers } from '#shared/mx/tokenized-account-numbers.js';
import { keys, type ResultKind } from '#shared/store/keys.js';
import { ChangeFeedGap } from '#shared/store/transaction-sync-store.js';

/** A page of a member's stored results, read from DynamoDB only: nothing is asked of MX. */
/** The widest of the result routes: the others' queries are the transactions query without its filters. */
const list =
  (kind: ResultKind): Operation<RouteOf<'listTransactions'>> =>
  async (deps, { params, query: q }) => {
    const member = await ownedMember(deps, params.user_guid, params.member_guid);
    const cursorKeys = await deps.cursorKeys();
    const startKey = decodeCursor(cursorKeys, q.cursor, keys.resultsOfMember(member.guid, kind).pk);
    const page = await deps.results.listResults(member.guid, kind, {
      userGuid: params.user_guid,
      limit: q.limit,
      ...(startKey ? { startKey } : {}),
      filter: {
        ...(q.account_guid ? { accountGuid: q.account_guid } : {}),
        ...(q.from_date ? { fromDate: q.from_date } : {}),
        ...(q.to_date ? { toDate: q.to_date } : {}),
      },
    });
    // Whether a number is a TAN is derived here, at read time, from the member (MX sends no such field).
    const items =
      kind === 'account_numbers'
        ? page.items.map((item) => ({ ...(item as object), is_tokenized: hasTokenizedAccountNumbers(member) }))
        : page.items;
    const next_cursor = encodeCursor(cursorKeys, page.lastKey);
    return { status: 200, body: { [kind]: items, pagination: { next_cursor } } };
  };

/**
 * Transactions: a page of the list, whose first page also gives the `sync_cursor` to read the
 * changes from (taken before the page is read: a change made while the list is paged comes
 * again in the changes, never goes missing); or, with `updated_since_cursor`, the changes each
 * sync made since that cursor, in order (removed ones as `{guid, account_guid, removed: true}`).
 */
const listTransactions: Operation<RouteOf<'listTransactions'>> = async (deps, request) => {
  const { params, query: q } = request;
  if (q.updated_since_cursor === undefined) {
    const state = q.cursor === undefined ? await deps.transactionSync.state(params.member_guid) : undefined;
    const answer = await list('transactions')(deps, request);
    if (q.cursor !== undefined) return answer;
    const at = state ? encodeSyncCursor(await deps.cursorKeys(), params.member_guid, { seq: state.commit_seq }) : null;
    return { ...answer, body: { ...(answer.body as Record<string, unknown>), sync_cursor: at } };
  }
  const member = await ownedMember(deps, params.user_guid, params.member_guid);
  const cursorKeys = await deps.cursorKeys();
  const from = decodeSyncCursor(cursorKeys, member.guid, q.updated_since_cursor);
  try {
    const { changes, next, more } = await deps.transactionSync.listChanges(member.guid, from, q.limit);
    const body = {
      transactions: changes,
      pagination: { next_cursor: null },
      sync_cursor: encodeSyncCursor(cursorKeys, member.guid, next),
      has_more: more,
    };
    return { status: 200, body };
  } catch (error) {
    if (error instanceof ChangeFeedGap)
      throw new ApiError('SYNC_CURSOR_EXPIRED', undefined, { field: 'updated_since_cursor' });
    throw error;
  }
};

export const resultOperations = {
  listAccountNumbers: list('account_numbers'),
  listAccountOwners: list('account_owners'),
  listAccounts: list('accounts'),
  listTransactions,
} satisfies FamilyOperations<'results'>;
