// Pure, seeded transactions. Transaction i of an account is computed on demand from
// (seed, account guid, i), and its date is a monotonic function of i, so a page or a date
// window is index arithmetic: 100,000 transactions per account cost nothing until read.
import type { TransactionResponse } from 'mx-platform-node';
import { cents } from './account-data.js';
import { hashKey, mulberry32, mxGuid } from './random.js';

export interface TransactionWindow {
  /** Transactions generated per account. */
  perAccount: number;
  /** Days of history; transaction dates span [endDate - historyDays + 1, endDate]. */
  historyDays: number;
  /** YYYY-MM-DD of the newest possible transaction date ("today" for the data). */
  endDate: string;
}

const DAY_MS = 86_400_000;
const dayNumber = (isoDate: string) => Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Day offset (0 = first day of history) of transaction i: monotonic non-decreasing in i. */
function transactionDayOffset(i: number, w: TransactionWindow): number {
  return Math.floor((i * w.historyDays) / w.perAccount);
}

export function transactionDate(i: number, w: TransactionWindow): string {
  return dateOfDay(dayNumber(w.endDate) - w.historyDays + 1 + transactionDayOffset(i, w));
}

/**
 * Half-open index range [start, end) of the transactions dated within [fromDate, toDate]
 * (inclusive, YYYY-MM-DD). Inverts transactionDayOffset instead of scanning.
 */
export function transactionIndexRange(w: TransactionWindow, fromDate: string, toDate: string): [number, number] {
  const first = dayNumber(w.endDate) - w.historyDays + 1;
  const from = dayNumber(fromDate) - first;
  const to = dayNumber(toDate) - first;
  const n = w.perAccount;
  const start = Math.min(n, Math.max(0, Math.ceil((from * n) / w.historyDays)));
  const end = Math.min(n, Math.max(0, Math.ceil(((to + 1) * n) / w.historyDays)));
  return [start, Math.max(start, end)];
}

interface Merchant {
  description: string;
  category: string;
  top: string;
  mcc: number | null;
  flags?: Partial<Record<'is_bill_pay' | 'is_direct_deposit' | 'is_fee' | 'is_subscription', boolean>>;
}

const DEBITS: Merchant[] = [
  { description: 'Whole Foods Market', category: 'Groceries', top: 'Food & Dining', mcc: 5411 },
  { description: 'Shell Oil', category: 'Gas', top: 'Auto & Transport', mcc: 5541 },
  { description: 'Netflix', category: 'Television', top: 'Entertainment', mcc: 4899, flags: { is_subscription: true } },
  { description: 'Amazon', category: 'Shopping', top: 'Shopping', mcc: 5942 },
  { description: 'Starbucks', category: 'Coffee Shops', top: 'Food & Dining', mcc: 5814 },
  {
    description: 'City Utilities',
    category: 'Utilities',
    top: 'Bills & Utilities',
    mcc: 4900,
    flags: { is_bill_pay: true },
  },
  { description: 'Uber', category: 'Ride Share', top: 'Auto & Transport', mcc: 4121 },
  { description: 'Target', category: 'Shopping', top: 'Shopping', mcc: 5310 },
  { description: 'Chipotle', category: 'Fast Food', top: 'Food & Dining', mcc: 5814 },
  { description: 'Delta Air Lines', category: 'Air Travel', top: 'Travel', mcc: 4511 },
  {
    description: 'Monthly Service Fee',
    category: 'Service Fee',
    top: 'Fees & Charges',
    mcc: null,
    flags: { is_fee: true },
  },
];
const CREDITS: Merchant[] = [
  {
    description: 'Payroll ACME Corp',
    category: 'Paycheck',
    top: 'Income',
    mcc: null,
    flags: { is_direct_deposit: true },
  },
  { description: 'Interest Payment', category: 'Interest Income', top: 'Income', mcc: null },
  { description: 'Transfer From Savings', category: 'Transfer', top: 'Transfer', mcc: null },
  { description: 'Payment - Thank You', category: 'Credit Card Payment', top: 'Transfer', mcc: null },
];

export interface TransactionAccountRef {
  guid: string;
  memberGuid: string;
  userGuid: string;
  userId: string | null;
}

/** Transaction i (0-based, oldest first) of an account. Pure: same inputs, same output. */
export function generateTransaction(
  seed: string,
  acc: TransactionAccountRef,
  i: number,
  w: TransactionWindow,
): TransactionResponse {
  const rnd = mulberry32(hashKey(seed, 'transaction', acc.guid, i));
  const isCredit = rnd() < 0.2;
  const pool = isCredit ? CREDITS : DEBITS;
  const m = pool[Math.floor(rnd() * pool.length)]!;
  const amount = cents(isCredit ? 50 + rnd() * 2500 : 1 + rnd() * 250);
  const date = transactionDate(i, w);
  const hh = String(Math.floor(rnd() * 12)).padStart(2, '0');
  const mm = String(Math.floor(rnd() * 60)).padStart(2, '0');
  const postedAt = `${date}T12:00:00Z`;
  const categoryGuid = mxGuid('CAT', 'category', m.category);
  return {
    account_guid: acc.guid,
    account_id: null,
    amount,
    category: m.category,
    category_guid: categoryGuid,
    check_number_string: null,
    created_at: postedAt,
    currency_code: 'USD',
    date,
    description: m.description,
    extended_transaction_type: null,
    guid: mxGuid('TRN', seed, 'transaction', acc.guid, i),
    id: null,
    is_bill_pay: m.flags?.is_bill_pay ?? false,
    is_direct_deposit: m.flags?.is_direct_deposit ?? false,
    is_expense: !isCredit,
    is_fee: m.flags?.is_fee ?? false,
    is_income: isCredit && m.top === 'Income',
    is_international: false,
    is_manual: false,
    is_overdraft_fee: false,
    is_payroll_advance: false,
    is_recurring: null,
    is_subscription: m.flags?.is_subscription ?? false,
    latitude: null,
    localized_description: null,
    localized_memo: null,
    longitude: null,
    member_guid: acc.memberGuid,
    member_is_managed_by_user: false,
    memo: null,
    merchant_category_code: m.mcc,
    merchant_guid: null,
    merchant_location_guid: null,
    metadata: null,
    original_description: m.description.toUpperCase(),
    posted_at: postedAt,
    status: date === w.endDate ? 'PENDING' : 'POSTED',
    top_level_category: m.top,
    transacted_at: `${date}T${hh}:${mm}:00Z`,
    type: isCredit ? 'CREDIT' : 'DEBIT',
    updated_at: postedAt,
    user_guid: acc.userGuid,
    user_id: acc.userId,
  };
}
