import { decodeCursor, encodeCursor } from '#shared/api/cursor.js';
import type { FamilyOperations, Operation } from '#shared/api/operation.js';
import { ownedMember } from '#shared/api/ownership.js';
import type { RouteOf } from '#shared/api/routes.js';
import { hasTokenizedAccountNumbers } from '#shared/mx/tokenized-account-numbers.js';
import { keys, type ResultKind } from '#shared/store/keys.js';

/** A page of a member's stored results, read from DynamoDB only: nothing is asked of MX. */
/** The widest of the result routes: the others' queries are the transactions query without its filters. */
const list =
  (kind: ResultKind): Operation<RouteOf<'listTransactions'>> =>
  async (deps, { params, query: q }) => {
    const member = await ownedMember(deps, params.user_guid, params.member_guid);
    const startKey = decodeCursor(q.cursor, keys.resultsOfMember(member.guid, kind).pk);
    const page = await deps.results.listResults(member.guid, kind, {
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
    return { status: 200, body: { [kind]: items, pagination: { next_cursor: encodeCursor(page.lastKey) } } };
  };

export const resultOperations = {
  listAccountNumbers: list('account_numbers'),
  listAccountOwners: list('account_owners'),
  listAccounts: list('accounts'),
  listTransactions: list('transactions'),
} satisfies FamilyOperations<'results'>;
