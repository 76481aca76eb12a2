import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

/**
 * DynamoDB refused writes for now (throttled, or left unprocessed), after mxflow's own bounded
 * retries. Transient: the state machine retries a task failing with this name, the API answers
 * it as a retryable failure; it never means the data is wrong.
 */
export class DynamoDbThrottled extends Error {
  override readonly name = 'DynamoDbThrottled';
}

/** How a bounded retry waits: full jitter, a random wait in [0, min(cap, base × 2^attempt)). */
export interface RetryPace {
  readonly attempts: number;
  readonly baseMs: number;
  readonly capMs: number;
  /** In [0, 1); Math.random unless a test fixes it. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before retry number `attempt` (1 for the first retry). */
export function fullJitterDelayMs(attempt: number, pace: RetryPace): number {
  const ceiling = Math.min(pace.capMs, pace.baseMs * 2 ** attempt);
  return (pace.random ?? Math.random)() * ceiling;
}

export async function waitBeforeRetry(attempt: number, pace: RetryPace): Promise<void> {
  await (pace.sleep ?? sleep)(fullJitterDelayMs(attempt, pace));
}

/** A transaction cancelled because another one touched the same item, or a throttle: worth sending again. */
const TRANSIENT_CANCEL_REASONS: readonly string[] = [
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
];

/** Whether a cancelled transaction may succeed when sent again: no condition failed, something transient did. */
export function isTransientCancellation(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return !codes.includes('ConditionalCheckFailed') && codes.some((code) => TRANSIENT_CANCEL_REASONS.includes(code));
}

/** A few quick tries: conflicts on one item clear within milliseconds, when the other transaction commits. */
export const TRANSACTION_RETRY_PACE: RetryPace = { attempts: 5, baseMs: 20, capMs: 400 };

/**
 * Sends a transaction, sending it again (bounded, with jitter) while DynamoDB cancels it as a
 * conflict or throttle; a condition failure, or the last transient cancellation, is thrown.
 */
export async function sendTransaction(
  doc: DynamoDBDocumentClient,
  command: TransactWriteCommand,
  pace: RetryPace = TRANSACTION_RETRY_PACE,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await doc.send(command);
      return;
    } catch (error) {
      if (!isTransientCancellation(error) || attempt >= pace.attempts) throw error;
      await waitBeforeRetry(attempt, pace);
    }
  }
}
