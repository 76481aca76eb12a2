/**
 * A job's one time budget: the execution limit and everything that must fit inside it (the
 * challenge and OAuth waits, the status reads), and what is derived from it: the poll cap, the
 * member lock's lifetime, the state machine's and the challenge wait's time-outs. The stack,
 * the workflow functions' defaults and the API's read their figures from here. Plain data and
 * arithmetic: no CDK, no zod.
 */

/** MX asks for at least this long between two status reads of a member. */
export const MX_STATUS_FLOOR_SECONDS = 3;

/** How often a job reads its member's status. */
export interface PollPace {
  /** Seconds between status reads at first; never below MX's 3-second floor. */
  readonly intervalSeconds: number;
  /** After this many reads the interval starts to grow (long jobs: fewer MX calls, later notice). */
  readonly backoffAfterPolls: number;
  /** Factor the interval grows by per read once backing off; 1 turns backoff off. */
  readonly backoffRate: number;
  readonly maxIntervalSeconds: number;
  /**
   * With MX's webhooks on: after each wait above, how long a further wait lasts that a webhook
   * about the member ends at once (the fallback poll: MX asks never to rely on webhooks alone).
   * Absent: no webhooks, every read follows its wait.
   */
  readonly webhookWaitSeconds?: number;
}

export interface JobTimeBudget {
  /** The execution's hard limit: every wait below has to fit inside it. */
  readonly executionLimitSeconds: number;
  /** How long one round of challenges waits for the end user's answer (CHALLENGE_EXPIRED after). */
  readonly challengeTimeoutSeconds: number;
  /** Rounds of challenges one job may wait through (banks ask again after a wrong answer). */
  readonly maxChallengeRounds: number;
  /** How long an OAuth member may stay PENDING before the job ends OAUTH_ABANDONED. */
  readonly oauthTimeoutSeconds: number;
  readonly poll: PollPace;
  /** The tasks' own time per status read (the Lambda, the transitions), on top of its wait. */
  readonly secondsPerRead: number;
  /**
   * The tasks' own time once per job: the start (MX's 409 waited out, about 7 minutes at most),
   * the copy of the results (steps of COPY_STEP_BOUND: 12 steps of 100 pages, each within about
   * a minute, copy 1.2 M transactions), the records and retries.
   */
  readonly fixedTaskSeconds: number;
  /** A poll cap chosen by hand, checked instead of derived (the derived one fits by construction). */
  readonly maxPolls?: number;
}

export const DEFAULT_JOB_TIME_BUDGET: JobTimeBudget = {
  executionLimitSeconds: 2 * 3600,
  challengeTimeoutSeconds: 10 * 60,
  maxChallengeRounds: 3,
  oauthTimeoutSeconds: 15 * 60,
  poll: { intervalSeconds: MX_STATUS_FLOOR_SECONDS, backoffAfterPolls: 40, backoffRate: 1.5, maxIntervalSeconds: 30 },
  secondsPerRead: 2,
  fixedTaskSeconds: 30 * 60,
};

/** Fewer reads than this (two minutes at MX's floor) would end ordinary jobs TIMED_OUT. */
export const MIN_POLLS = 40;

/**
 * The member lock outlives the execution by this much: the end event (or, when it is lost, the
 * reconciler's next five-minute pass) frees the member first; the lock's own expiry is the last resort.
 */
const LOCK_MARGIN_SECONDS = 15 * 60;

/** Whole seconds to wait before the next read, after `pollCount` reads so far. */
export function nextWaitSeconds(pollCount: number, pace: PollPace): number {
  const floor = Math.max(MX_STATUS_FLOOR_SECONDS, Math.ceil(pace.intervalSeconds));
  const growing = Math.max(0, pollCount - pace.backoffAfterPolls);
  const wait = floor * pace.backoffRate ** growing;
  return Math.max(floor, Math.min(Math.ceil(wait), Math.ceil(pace.maxIntervalSeconds)));
}

/**
 * Seconds a job spends polling with a cap of `reads`: each read, and the one after the cap that
 * ends the job TIMED_OUT, comes after its wait and takes its own time.
 */
export function pollingSeconds(reads: number, budget: JobTimeBudget): number {
  let total = 0;
  const webhookWait = budget.poll.webhookWaitSeconds ?? 0;
  for (let count = 0; count <= reads; count += 1)
    total += nextWaitSeconds(count, budget.poll) + webhookWait + budget.secondsPerRead;
  return total;
}

/** Everything in the execution besides polling: the challenge rounds, the OAuth wait, the tasks' own time. */
const otherSeconds = (budget: JobTimeBudget) =>
  budget.maxChallengeRounds * budget.challengeTimeoutSeconds + budget.oauthTimeoutSeconds + budget.fixedTaskSeconds;

/** The largest number of status reads that, with every other wait, fits in the execution limit. */
export function pollCap(budget: JobTimeBudget): number {
  const available = budget.executionLimitSeconds - otherSeconds(budget);
  let reads = 0;
  while (pollingSeconds(reads + 1, budget) <= available) reads += 1;
  return reads;
}

/** What the stack sets from a budget: every limit a function or the state machine enforces. */
export interface JobTimeLimits {
  readonly maxPolls: number;
  readonly executionTimeoutSeconds: number;
  readonly challengeTimeoutSeconds: number;
  readonly oauthTimeoutSeconds: number;
  /** How long a member stays locked if its job dies without freeing it. */
  readonly lockSeconds: number;
}

export function jobTimeLimits(budget: JobTimeBudget): JobTimeLimits {
  return {
    maxPolls: budget.maxPolls ?? pollCap(budget),
    executionTimeoutSeconds: budget.executionLimitSeconds,
    challengeTimeoutSeconds: budget.challengeTimeoutSeconds,
    oauthTimeoutSeconds: budget.oauthTimeoutSeconds,
    lockSeconds: budget.executionLimitSeconds + LOCK_MARGIN_SECONDS,
  };
}

/** Why a budget cannot be deployed, or undefined when it fits. */
export function timeBudgetProblem(budget: JobTimeBudget): string | undefined {
  const reads = budget.maxPolls ?? pollCap(budget);
  const polling = pollingSeconds(reads, budget);
  const needed = polling + otherSeconds(budget);
  const parts =
    `${reads} status reads (${polling} s of waits and reads) + ${budget.maxChallengeRounds} challenge rounds × ` +
    `${budget.challengeTimeoutSeconds} s + the OAuth wait of ${budget.oauthTimeoutSeconds} s + ` +
    `${budget.fixedTaskSeconds} s of task time = ${needed} s`;
  if (needed > budget.executionLimitSeconds) {
    const over = needed - budget.executionLimitSeconds;
    return `${parts}, ${over} s (${minutes(over)}) over the execution limit of ${budget.executionLimitSeconds} s`;
  }
  if (reads < MIN_POLLS) {
    const short = pollingSeconds(MIN_POLLS, budget) + otherSeconds(budget) - budget.executionLimitSeconds;
    return (
      `only ${reads} status reads fit in the execution limit of ${budget.executionLimitSeconds} s beside the other ` +
      `waits, fewer than ${MIN_POLLS}: it needs ${short} s (${minutes(short)}) more`
    );
  }
  // An OAuth wait is read at the plain pace (no webhook wait between its reads), so the cap, which
  // the webhook waits shrink, must still hold the reads of a whole OAuth wait.
  const oauthReads = readsWithin(budget.oauthTimeoutSeconds, budget);
  if (budget.poll.webhookWaitSeconds && reads < oauthReads) {
    return (
      `with ${budget.poll.webhookWaitSeconds} s webhook waits only ${reads} status reads fit, fewer than the ` +
      `${oauthReads} an OAuth wait of ${budget.oauthTimeoutSeconds} s takes at MX's pace: shorten the webhook wait or ` +
      'lengthen the execution limit'
    );
  }
  return undefined;
}

/** Reads at the plain pace (waits without webhook waits) until `seconds` of waiting have passed. */
function readsWithin(seconds: number, budget: JobTimeBudget): number {
  let waited = 0;
  let reads = 0;
  while (waited < seconds) {
    waited += nextWaitSeconds(reads, budget.poll);
    reads += 1;
  }
  return reads;
}

/** Refuses (at synth time) a budget whose polling and waits do not fit inside the execution limit. */
export function assertTimeBudgetFits(budget: JobTimeBudget): void {
  const problem = timeBudgetProblem(budget);
  if (problem) throw new Error(`the job time budget does not fit: ${problem}`);
}

const minutes = (seconds: number) => `${Math.ceil(seconds / 60)} min`;
