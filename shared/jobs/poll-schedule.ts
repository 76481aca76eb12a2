/** MX asks for at least this long between two status reads of a member. */
export const MX_STATUS_FLOOR_SECONDS = 3;

export interface PollSchedule {
  /** Seconds between status reads at first; never below MX's 3-second floor. */
  readonly intervalSeconds: number;
  /** After this many reads the interval starts to grow (long jobs: fewer MX calls, later notice). */
  readonly backoffAfterPolls: number;
  /** Factor the interval grows by per read once backing off; 1 turns backoff off. */
  readonly backoffRate: number;
  readonly maxIntervalSeconds: number;
  /** Reads after which the job ends TIMED_OUT. */
  readonly maxPolls: number;
  /** How long an OAuth member may stay PENDING before the job ends OAUTH_ABANDONED. */
  readonly oauthTimeoutSeconds: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = {
  intervalSeconds: MX_STATUS_FLOOR_SECONDS,
  backoffAfterPolls: 40,
  backoffRate: 1.5,
  maxIntervalSeconds: 30,
  maxPolls: 400,
  oauthTimeoutSeconds: 900,
};

/** Whole seconds to wait before the next read, after `pollCount` reads so far. */
export function nextWaitSeconds(pollCount: number, schedule: PollSchedule): number {
  const floor = Math.max(MX_STATUS_FLOOR_SECONDS, Math.ceil(schedule.intervalSeconds));
  const growing = Math.max(0, pollCount - schedule.backoffAfterPolls);
  const wait = floor * schedule.backoffRate ** growing;
  return Math.max(floor, Math.min(Math.ceil(wait), Math.ceil(schedule.maxIntervalSeconds)));
}

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
