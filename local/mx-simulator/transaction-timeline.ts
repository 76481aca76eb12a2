// The transactions of an account as they live at MX: the seeded history up to the simulator's
// first day (and, once an extend_history job ran, older ones back to 24 months), then `dailyPerAccount` new ones each later day. MX learns of them only when an
// aggregation of the member gathers them (`gatherings`); a transaction of the day an aggregation
// ran is PENDING, and posts at the member's first aggregation on a later day, then under a new
// guid for a share of them (MX replaces the pending record) or under its own. Everything is a
// function of the index, so a date window or an updated_at window costs what it selects.
import type { TransactionResponse } from 'mx-platform-node';
import { isoDate } from './clock.js';
import { hashKey, mulberry32, mxGuid } from './random.js';
import {
  generateTransaction,
  type TransactionAccountRef,
  type TransactionWindow,
  transactionDate,
  transactionIndexRange,
} from './transaction-data.js';

export interface TransactionTimeline {
  readonly seed: string;
  /** The seeded history, ending on the simulator's first day (`endDate`). */
  readonly window: TransactionWindow;
  /** New transactions an account has on each day after the first. */
  readonly dailyPerAccount: number;
  /** Share (0–1) of pending transactions that post under a new guid. */
  readonly replacedShare: number;
  /** MX times the member's aggregations gathered transactions, ascending. */
  readonly gatherings: readonly number[];
  /** When an extend_history job first ended CONNECTED: the older transactions exist from then. */
  readonly extendedAt: number | null;
}

/** MX's extended history reaches 24 months back. */
const EXTENDED_HISTORY_DAYS = 730;

/** Index ranges [start, end) of an account's transactions, oldest first. */
export type IndexRanges = readonly (readonly [number, number])[];

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Days after the first that MX knows of: up to the day of the last gathering. */
function knownDays(t: TransactionTimeline): number {
  const last = t.gatherings.at(-1);
  return last === undefined ? 0 : Math.max(0, dayNumber(isoDate(last)) - dayNumber(t.window.endDate));
}

/**
 * Transactions before the seeded history, once MX extended it: as many a day as the seeded
 * history has, back to 24 months. Their indexes are negative, so dates stay monotonic in k.
 */
function extendedCount(t: TransactionTimeline): number {
  const { perAccount, historyDays } = t.window;
  if (t.extendedAt === null || historyDays >= EXTENDED_HISTORY_DAYS) return 0;
  return Math.floor((perAccount * (EXTENDED_HISTORY_DAYS - historyDays)) / historyDays);
}

/** One past the newest transaction's index. */
function endIndex(t: TransactionTimeline): number {
  return t.window.perAccount + knownDays(t) * t.dailyPerAccount;
}

/** The indexes [first, end) of an account's transactions now, oldest first. */
export function indexSpan(t: TransactionTimeline): [number, number] {
  return [-extendedCount(t), endIndex(t)];
}

/** How many transactions the account has at MX now. */
export function transactionCount(t: TransactionTimeline): number {
  return extendedCount(t) + endIndex(t);
}

/** Indexes [start, end) of the extended and seeded history dated within [fromDate, toDate]. */
function historyRange(t: TransactionTimeline, fromDate: string, toDate: string): [number, number] {
  const { perAccount: n, historyDays } = t.window;
  if (n === 0) return [0, 0];
  const first = dayNumber(t.window.endDate) - historyDays + 1;
  const clamp = (k: number) => Math.min(n, Math.max(-extendedCount(t), k));
  const start = clamp(Math.ceil(((dayNumber(fromDate) - first) * n) / historyDays));
  const end = clamp(Math.ceil(((dayNumber(toDate) - first + 1) * n) / historyDays));
  return [start, Math.max(start, end)];
}

function dateOf(t: TransactionTimeline, k: number): string {
  const n = t.window.perAccount;
  if (k < n) return transactionDate(k, t.window);
  return dateOfDay(dayNumber(t.window.endDate) + 1 + Math.floor((k - n) / t.dailyPerAccount));
}

/** The first index of the transactions dated on or after the first day: those that can still change. */
function firstLivingIndex(t: TransactionTimeline): number {
  return transactionIndexRange(t.window, t.window.endDate, t.window.endDate)[0];
}

/** Indexes of the transactions dated within [fromDate, toDate] (inclusive). */
export function indexesByDate(t: TransactionTimeline, fromDate: string, toDate: string): IndexRanges {
  const count = endIndex(t);
  const [baseStart, baseEnd] = historyRange(t, fromDate, toDate);
  if (t.dailyPerAccount === 0 || count === t.window.perAccount)
    return baseStart < baseEnd ? [[baseStart, baseEnd]] : [];
  const first = dayNumber(t.window.endDate) + 1;
  const from = Math.max(0, dayNumber(fromDate) - first);
  const to = dayNumber(toDate) - first;
  const dailyStart = Math.min(count, t.window.perAccount + from * t.dailyPerAccount);
  const dailyEnd = Math.min(count, t.window.perAccount + Math.max(0, to + 1) * t.dailyPerAccount);
  const start = baseStart < baseEnd ? baseStart : dailyStart;
  const end = dailyStart < dailyEnd ? dailyEnd : baseEnd;
  return start < end ? [[start, end]] : [];
}

/**
 * Indexes of the transactions whose `updated_at` falls on a day within [fromDate, toDate]: the
 * settled history by its date (its updated_at is its posting), the rest one by one.
 */
export function indexesByUpdate(t: TransactionTimeline, fromDate: string, toDate: string): IndexRanges {
  const living = firstLivingIndex(t);
  const ranges: [number, number][] = [];
  const extended = extendedCount(t);
  const extendedOn = t.extendedAt === null ? '' : isoDate(t.extendedAt);
  if (extended > 0 && extendedOn >= fromDate && extendedOn <= toDate) ranges.push([-extended, 0]);
  const [settledStart, settledEnd] = transactionIndexRange(t.window, fromDate, toDate);
  if (settledStart < Math.min(settledEnd, living)) ranges.push([settledStart, Math.min(settledEnd, living)]);
  const count = endIndex(t);
  for (let k = living; k < count; k++) {
    const updated = lifecycle(t, k).updatedAt;
    const day = updated === undefined ? dateOf(t, k) : isoDate(updated);
    if (day >= fromDate && day <= toDate) ranges.push([k, k + 1]);
  }
  return ranges;
}

/** Where a transaction dated on or after the first day stands: when MX found it, and posted it. */
function lifecycle(t: TransactionTimeline, k: number) {
  const date = dateOf(t, k);
  const foundAt = t.gatherings.find((g) => isoDate(g) >= date);
  const postedAt = t.gatherings.find((g) => isoDate(g) > date);
  return { date, foundAt, postedAt, updatedAt: postedAt ?? foundAt };
}

/** How many of an account's transactions are PENDING now (a later day's aggregation posts them). */
export function pendingCount(t: TransactionTimeline): number {
  let pending = 0;
  for (let k = firstLivingIndex(t); k < endIndex(t); k++) if (lifecycle(t, k).postedAt === undefined) pending++;
  return pending;
}

/** Transaction k of the account, as MX returns it now. */
export function transactionAt(t: TransactionTimeline, account: TransactionAccountRef, k: number): TransactionResponse {
  const base = generateTransaction(t.seed, account, k, t.window);
  if (k < 0 && t.extendedAt !== null) {
    const found = iso(t.extendedAt);
    return { ...base, created_at: found, updated_at: found };
  }
  if (k < firstLivingIndex(t)) return base;
  const { date, foundAt, postedAt } = lifecycle(t, k);
  const replaced = mulberry32(hashKey(t.seed, 'replaced', account.guid, k))() < t.replacedShare;
  const noon = `${date}T12:00:00Z`;
  const created = foundAt === undefined ? noon : iso(foundAt);
  const content = { ...base, date, transacted_at: base.transacted_at?.replace(/^\d{4}-\d{2}-\d{2}/, date) ?? null };
  if (postedAt === undefined) {
    return { ...content, status: 'PENDING', posted_at: null, created_at: created, updated_at: created };
  }
  const posted = iso(postedAt);
  return {
    ...content,
    guid: replaced ? mxGuid('TRN', t.seed, 'posted', account.guid, k) : base.guid,
    status: 'POSTED',
    posted_at: noon,
    created_at: replaced ? posted : created,
    updated_at: posted,
  };
}

/** The indexes in both selections. */
export function intersect(a: IndexRanges, b: IndexRanges): IndexRanges {
  const both: [number, number][] = [];
  for (const [aStart, aEnd] of a) {
    for (const [bStart, bEnd] of b) {
      const start = Math.max(aStart, bStart);
      const end = Math.min(aEnd, bEnd);
      if (start < end) both.push([start, end]);
    }
  }
  return both;
}

/** The same selection of each account of a member, as one `transactionAt` timeline reads them. */
export interface SelectedTransactions {
  readonly timeline: TransactionTimeline;
  readonly accounts: readonly TransactionAccountRef[];
  readonly ranges: IndexRanges;
}

/**
 * One page of the selected transactions (member after member, account after account, each
 * oldest first). Only the page's rows are made.
 */
export function pageOfTransactions(
  selection: readonly SelectedTransactions[],
  offset: number,
  limit: number,
): { total: number; rows: TransactionResponse[] } {
  const rows: TransactionResponse[] = [];
  let skip = offset;
  let total = 0;
  for (const { timeline, accounts, ranges } of selection) {
    for (const account of accounts) {
      for (const [start, end] of ranges) {
        total += end - start;
        if (rows.length >= limit) continue;
        if (skip >= end - start) {
          skip -= end - start;
          continue;
        }
        for (let k = start + skip; k < end && rows.length < limit; k++) rows.push(transactionAt(timeline, account, k));
        skip = 0;
      }
    }
  }
  return { total, rows };
}
