// Transactions by user, member or account, windowed by from_date/to_date (MX's defaults:
// from 120 days back, to 5 days ahead of today, to catch pending ones). Rows are generated
// per page, never materialised as a whole.
import { isoDate } from '#local/mx-simulator/clock.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import { offsetOf, pageRequest, paginationOf } from '#local/mx-simulator/pagination.js';
import { queryDate } from '#local/mx-simulator/request-input.js';
import { pageOfTransactions, type TransactionAccountRef } from '#local/mx-simulator/transaction-data.js';

const DEFAULT_DAYS_BACK = 120;
const DEFAULT_DAYS_AHEAD = 5;
const DAY_MS = 86_400_000;

function accountsInScope(ctx: RequestContext): TransactionAccountRef[] {
  const { user_guid, member_guid, account_guid } = ctx.params;
  const userId = ctx.store.user(user_guid!).id;
  if (account_guid) {
    const { account } = ctx.store.findAccount(user_guid!, account_guid);
    return [{ ...account, userId }];
  }
  const members = member_guid ? [ctx.store.member(user_guid!, member_guid)] : ctx.store.membersOf(user_guid!);
  return members.flatMap((m) => ctx.store.visibleAccounts(m)).map((a) => ({ ...a, userId }));
}

function listTransactions(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const now = ctx.store.now();
  const toDate = queryDate(ctx.query, 'to_date') ?? isoDate(now + DEFAULT_DAYS_AHEAD * DAY_MS);
  const fromDate = queryDate(ctx.query, 'from_date') ?? isoDate(now - DEFAULT_DAYS_BACK * DAY_MS);
  const accounts = accountsInScope(ctx);
  const { total, rows } = pageOfTransactions(
    ctx.store.config.seed,
    accounts,
    ctx.store.transactionWindow(),
    fromDate,
    toDate,
    offsetOf(p),
    p.perPage,
  );
  return { status: 200, body: { transactions: rows, pagination: paginationOf(total, p) } };
}

export const transactionRoutes: Route[] = [
  { method: 'GET', template: '/users/{user_guid}/transactions', handler: listTransactions },
  { method: 'GET', template: '/users/{user_guid}/members/{member_guid}/transactions', handler: listTransactions },
  { method: 'GET', template: '/users/{user_guid}/accounts/{account_guid}/transactions', handler: listTransactions },
];
