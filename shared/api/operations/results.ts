import type { z } from 'zod';
import { hasTokenizedAccountNumbers } from '#shared/mx/tokenized-account-numbers.js';
import { keys, type ResultKind } from '#shared/store/keys.js';
import type { Operation } from '#shared/api/api-handler.js';
import { decodeCursor, encodeCursor } from '#shared/api/cursor.js';
import { ownedMember } from '#shared/api/ownership.js';
import type { TransactionsQuery } from '#shared/api/schemas.js';

/** A page of a member's stored results, read from DynamoDB only: nothing is asked of MX. */
const list =
  (kind: ResultKind): Operation =>
  async (deps, { params, query }) => {
    const member = await ownedMember(deps, String(params.user_guid), String(params.member_guid));
    const q = query as z.output<typeof TransactionsQuery>;
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
    const items = kind === 'account_numbers' ? page.items.map((item) => ({ ...(item as object), is_tokenized: hasTokenizedAccountNumbers(member) })) : page.items;
    return { status: 200, body: { [kind]: items, pagination: { next_cursor: encodeCursor(page.lastKey) } } };
  };

export const resultOperations = {
  listAccountNumbers: list('account_numbers'),
  listAccountOwners: list('account_owners'),
  listAccounts: list('accounts'),
  listTransactions: list('transactions'),
} satisfies Record<string, Operation>;
