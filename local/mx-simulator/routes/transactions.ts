// Transactions by user, member or account, windowed by from_date/to_date (MX's defaults:
// from 120 days back, to 5 days ahead of today, to catch pending ones) and by
// from_updated_at/to_updated_at (what changed). Rows are generated per page, never materialised
// as a whole.
import { isoDate } from '#local/mx-simulator/clock.js';
import { badRequest } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import type { MemberRecord } from '#local/mx-simulator/model.js';
import { offsetOf, pageRequest, paginationOf } from '#local/mx-simulator/pagination.js';
import { queryDate } from '#local/mx-simulator/request-input.js';
import type { TransactionAccountRef } from '#local/mx-simulator/transaction-data.js';
import {
  indexesByDate,
  indexesByUpdate,
  intersect,
  pageOfTransactions,
} from '#local/mx-simulator/transaction-timeline.js';

const DEFAULT_DAYS_BACK = 120;
const DEFAULT_DAYS_AHEAD = 5;
/** MX's limit on an updated_at window ("Maximum date range limit is 6 months"). */
const MAX_UPDATED_RANGE_DAYS = 183;
const DAY_MS = 86_400_000;
const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / DAY_MS;

/** The members in scope, each with the accounts asked for. */
function accountsInScope(ctx: RequestContext): { member: MemberRecord; accounts: TransactionAccountRef[] }[] {
  const { user_guid, member_guid, account_guid } = ctx.params;
  const userId = ctx.store.user(user_guid!).id;
  if (account_guid) {
    const { member, account } = ctx.store.findAccount(user_guid!, account_guid);
    return [{ member, accounts: [{ ...account, userId }] }];
  }
  const members = member_guid ? [ctx.store.member(user_guid!, member_guid)] : ctx.store.membersOf(user_guid!);
  return members.map((member) => ({
    member,
    accounts: ctx.store.visibleAccounts(member).map((a) => ({ ...a, userId })),
  }));
}

/**
 * The updated_at window asked for, if any: dates only (MX takes no time of day), within 6
 * months of each other (to_updated_at defaults to today). With it, the date window applies only
 * when asked for too.
 */
function updatedWindow(ctx: RequestContext, today: string): { from: string; to: string } | undefined {
  const from = queryDate(ctx.query, 'from_updated_at');
  const to = queryDate(ctx.query, 'to_updated_at');
  if (from === undefined && to === undefined) return undefined;
  const window = { from: from ?? isoDate(Date.parse(to as string) - MAX_UPDATED_RANGE_DAYS * DAY_MS), to: to ?? today };
  if (days(window.from, window.to) < 0) throw badRequest('from_updated_at must not be after to_updated_at');
  if (days(window.from, window.to) > MAX_UPDATED_RANGE_DAYS)
    throw badRequest('from_updated_at and to_updated_at must be at most 6 months apart');
  return window;
}

function listTransactions(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const now = ctx.store.now();
  const updated = updatedWindow(ctx, isoDate(now));
  const askedFrom = queryDate(ctx.query, 'from_date');
  const askedTo = queryDate(ctx.query, 'to_date');
  const fromDate = askedFrom ?? (updated ? '0000-01-01' : isoDate(now - DEFAULT_DAYS_BACK * DAY_MS));
  const toDate = askedTo ?? (updated ? '9999-12-31' : isoDate(now + DEFAULT_DAYS_AHEAD * DAY_MS));
  const { total, rows } = pageOfTransactions(
    accountsInScope(ctx).map(({ member, accounts }) => {
      const timeline = ctx.store.timelineOf(member);
      const byDate = indexesByDate(timeline, fromDate, toDate);
      const ranges = updated ? intersect(byDate, indexesByUpdate(timeline, updated.from, updated.to)) : byDate;
      return { timeline, accounts, ranges };
    }),
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
