import {
  DEFAULT_JOB_TIME_BUDGET,
  jobTimeLimits,
  MX_STATUS_FLOOR_SECONDS,
  type PollPace,
} from '#shared/contract/time-budget.js';

export { MX_STATUS_FLOOR_SECONDS, nextWaitSeconds } from '#shared/contract/time-budget.js';

export interface PollSchedule extends PollPace {
  /** Reads after which the job ends TIMED_OUT. */
  readonly maxPolls: number;
  /** How long an OAuth member may stay PENDING before the job ends OAUTH_ABANDONED. */
  readonly oauthTimeoutSeconds: number;
}

/** The schedule of the default time budget: its poll cap is the one that fits the execution limit. */
export const DEFAULT_POLL_SCHEDULE: PollSchedule = {
  ...DEFAULT_JOB_TIME_BUDGET.poll,
  maxPolls: jobTimeLimits(DEFAULT_JOB_TIME_BUDGET).maxPolls,
  oauthTimeoutSeconds: DEFAULT_JOB_TIME_BUDGET.oauthTimeoutSeconds,
};

/** Waits in a row after MX trouble (429, or a failed status read) before the job ends MX_UNAVAILABLE. */
export const MAX_MX_TROUBLE_WAITS = 8;
/** Longest base wait of the doubling back-off after MX trouble (Retry-After may ask for more). */
const TROUBLE_MAX_BACKOFF_SECONDS = 60;

/**
 * Whole seconds to wait after MX answered 429 (or failed) for the `attempt`-th time in a row.
 * The base is never under MX's Retry-After nor its 3 s floor, and doubles per attempt; the
 * jitter only ever adds to it (0 to half the base, at least 2 s), so jobs limited together
 * come back spread out and none comes back early. `random` answers in [0, 1).
 */
export function waitAfterRateLimit(retryAfterSeconds: number | undefined, random: () => number, attempt = 1): number {
  const backoff = Math.min(TROUBLE_MAX_BACKOFF_SECONDS, MX_STATUS_FLOOR_SECONDS * 2 ** Math.max(0, attempt - 1));
  const base = Math.max(Math.ceil(retryAfterSeconds ?? 0), backoff);
  const spread = Math.max(2, Math.ceil(base / 2));
  return base + Math.min(spread, Math.floor(random() * (spread + 1)));
}
