import type { NextStep } from './classify-connection.js';
import type { FailureReason } from './failure-reasons.js';

/**
 * What each workflow step hands the next through the execution state (`$.progress`): where
 * to go, why, and the polling counters. References and counts only: the console shows it.
 */
export interface Progress {
  readonly next: NextStep['next'];
  readonly reason: FailureReason | null;
  readonly connectionStatus: string | null;
  readonly pollCount: number;
  readonly waitSeconds: number;
  /** When the member was first seen PENDING (OAuth), to give the end user a deadline. */
  readonly pendingSince: string | null;
}

export const initialProgress = (waitSeconds: number): Progress => ({
  next: 'WAIT',
  reason: null,
  connectionStatus: null,
  pollCount: 0,
  waitSeconds,
  pendingSince: null,
});

export const failedProgress = (previous: Progress, reason: FailureReason, connectionStatus = previous.connectionStatus): Progress => ({
  ...previous,
  next: 'FAIL',
  reason,
  connectionStatus,
});
