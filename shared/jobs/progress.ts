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
  /**
   * Seconds waited so far while the member is PENDING (OAuth), to give the end user a deadline.
   * Counted from the waits, not the clock, so it means the same at any time scale.
   */
  readonly pendingSeconds: number;
}

export const initialProgress = (waitSeconds: number): Progress => ({
  next: 'WAIT',
  reason: null,
  connectionStatus: null,
  pollCount: 0,
  waitSeconds,
  pendingSeconds: 0,
});

export const failedProgress = (previous: Progress, reason: FailureReason, connectionStatus = previous.connectionStatus): Progress => ({
  ...previous,
  next: 'FAIL',
  reason,
  connectionStatus,
});
