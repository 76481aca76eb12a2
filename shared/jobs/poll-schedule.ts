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
