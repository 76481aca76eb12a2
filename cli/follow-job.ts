import { isTerminal } from '#shared/contract/workflow.js';
import { ApiCallError, type JobView, type MxflowApiClient } from './api-client.js';
import type { JobChanges } from './job-events.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Following by events, a read at least this often all the same (one long poll). */
const DEFAULT_FALLBACK_MS = 20_000;

/**
 * How long the job has run: from its creation to its end, or to now while it runs. Counted
 * from the job's own times, so following a job started earlier shows its real age.
 */
export function jobElapsedMs(job: Pick<JobView, 'created_at' | 'finished_at'>, now = Date.now()): number {
  const start = Date.parse(job.created_at);
  const end = job.finished_at === undefined ? now : Date.parse(job.finished_at);
  return Number.isNaN(start) || Number.isNaN(end) ? 0 : Math.max(0, end - start);
}

export interface FollowOptions {
  /** Called on every change of the job's status or connection status, with the time since the job began. */
  readonly onChange?: (job: JobView, elapsedMs: number) => void;
  /** Answers a CHALLENGED job's challenges, or undefined to leave them (and stop following). */
  readonly answer?: (job: JobView) => Promise<{ guid: string; value: string }[] | undefined>;
  readonly pollMs?: number;
  /**
   * The job's events (`subscribeToJobEvents`): with them the job is read when one arrives, and
   * otherwise every `fallbackMs` (an event lost or late never leaves the follower stuck).
   */
  readonly changes?: Pick<JobChanges, 'next'>;
  readonly fallbackMs?: number;
  /** Gives up after this long (the job itself goes on). */
  readonly timeoutMs?: number;
}

/** Reads a job until it ends, answering its challenges along the way; answers the job as it ended (or as it was left). */
export async function followJob(
  api: MxflowApiClient,
  ref: { userGuid: string; memberGuid: string; jobGuid: string },
  options: FollowOptions = {},
): Promise<JobView> {
  const started = Date.now();
  let seen = '';
  let answered = '';
  for (;;) {
    const { job } = await api.readJob(ref.userGuid, ref.memberGuid, ref.jobGuid);
    const state = `${job.status}/${job.connection_status ?? ''}`;
    if (state !== seen) {
      seen = state;
      options.onChange?.(job, jobElapsedMs(job));
    }
    if (isTerminal(job.status)) return job;
    const challengeKey = (job.challenges ?? []).map((c) => c.guid).join(',');
    if (job.status === 'CHALLENGED' && challengeKey !== answered) {
      const answers = await options.answer?.(job);
      if (!answers) return job;
      answered = challengeKey;
      try {
        await api.answerChallenges(ref.userGuid, ref.memberGuid, ref.jobGuid, answers);
      } catch (error) {
        // Answered already (another client, or a retry): carry on following.
        if (!(error instanceof ApiCallError && error.status === 409)) throw error;
      }
    }
    const left =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : options.timeoutMs - (Date.now() - started);
    if (left < 0) return job;
    if (options.changes) await options.changes.next(Math.min(left, options.fallbackMs ?? DEFAULT_FALLBACK_MS));
    else await sleep(options.pollMs ?? 500);
  }
}
