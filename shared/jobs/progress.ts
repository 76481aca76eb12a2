import type { NextStepValue } from '#shared/contract/workflow.js';
import type { FailureReason } from './failure-reasons.js';
import { MAX_MX_TROUBLE_WAITS, waitAfterRateLimit } from './poll-schedule.js';

/**
 * What each workflow step hands the next through the execution state (`$.progress`): where
 * to go, why, and the polling counters. References and counts only: the console shows it.
 */
export interface Progress {
  readonly next: NextStepValue;
  readonly reason: FailureReason | null;
  readonly connectionStatus: string | null;
  readonly pollCount: number;
  readonly waitSeconds: number;
  /**
   * Seconds waited so far while the member is PENDING (OAuth), to give the end user a deadline.
   * Counted from the waits, not the clock, so it means the same at any time scale.
   */
  readonly pendingSeconds: number;
  /** The job's OAuth window renewals the deadline already restarted for (its record's oauth_windows_renewed). */
  readonly oauthWindowsRenewed?: number;
  /**
   * When the last status read began (epoch ms): a webhook noted after it may say something that
   * read did not see, so the wait for the next webhook then ends at once.
   */
  readonly polledAt?: number;
  /** Waits in a row after MX answered 429 (or a status read failed); any answer resets it. */
  readonly retryWaits: number;
  /** What FetchResults stored, by kind: added up step by step, complete once next is RECORD_SUCCESS. */
  readonly counts?: Readonly<Record<string, number | boolean>>;
  /** Where the copy of the results stands between FetchResults steps; gone once it is complete. */
  readonly copy?: CopyCursor;
  /** How an aggregation stores transactions (a full copy, or MX's changes since the last sync); kept for RecordSuccess. */
  readonly sync?: TransactionSync;
}

/**
 * A full copy writes a new generation, published whole at the end. A sync of changes writes what
 * MX changed since `fromUpdatedAt` into the published `generation`, checks the stored pending
 * transactions and the accounts MX no longer returns, then commits (`startedOn` is the next
 * sync's starting point).
 */
export type TransactionSync =
  | { readonly mode: 'full'; readonly startedOn: string }
  | {
      readonly mode: 'changes';
      readonly startedOn: string;
      readonly generation: string;
      readonly fromUpdatedAt: string;
      /** Accounts the published results did not have: their transactions are copied whole. */
      readonly newAccounts?: readonly string[];
      readonly accountsChecked: boolean;
      readonly pendingChecked: boolean;
    };

/**
 * How far a job's copy has got, handed from one FetchResults step to the next. MX guids and
 * page numbers only (never account numbers, owners or credentials): the state's 256 KB limit
 * holds about 5,000 account guids, far beyond one member's accounts.
 */
export interface CopyCursor {
  /** The next MX page of each member-level list (accounts, account_numbers, account_owners); 0 once copied. */
  readonly pages: Readonly<Partial<Record<'accounts' | 'account_numbers' | 'account_owners', number>>>;
  /** The member's account guids, as the account pages copied so far listed them. */
  readonly accountGuids: string[];
  /** The next MX page of each account's transactions, in the order of `accountGuids`; 0 once copied. */
  readonly transactionPages: number[];
}

export const initialProgress = (waitSeconds: number): Progress => ({
  next: 'WAIT',
  reason: null,
  connectionStatus: null,
  pollCount: 0,
  waitSeconds,
  pendingSeconds: 0,
  retryWaits: 0,
});

export const failedProgress = (
  previous: Progress,
  reason: FailureReason,
  connectionStatus = previous.connectionStatus,
): Progress => ({
  ...previous,
  next: 'FAIL',
  reason,
  connectionStatus,
});

/**
 * MX asked to be left alone (429, with its Retry-After) or failed: go back through a Wait
 * state for at least as long as MX asked, rather than a Retry whose delay cannot read it. A
 * job that meets trouble too many times in a row ends MX_UNAVAILABLE.
 */
export function waitAfterMxTrouble(
  previous: Progress,
  next: 'WAIT' | 'AWAIT_OAUTH' | 'RETRY_START' | 'RETRY_FETCH',
  retryAfterSeconds: number | undefined,
  random: () => number,
): Progress {
  const retryWaits = previous.retryWaits + 1;
  if (retryWaits > MAX_MX_TROUBLE_WAITS) return failedProgress(previous, 'MX_UNAVAILABLE');
  return {
    ...previous,
    next,
    reason: null,
    retryWaits,
    waitSeconds: waitAfterRateLimit(retryAfterSeconds, random, retryWaits),
  };
}
