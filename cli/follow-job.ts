import { ApiCallError, type JobView, type MxflowApiClient } from './api-client.js';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FollowOptions {
  /** Called on every change of the job's status or connection status. */
  readonly onChange?: (job: JobView, elapsedMs: number) => void;
  /** Answers a CHALLENGED job's challenges, or undefined to leave them (and stop following). */
  readonly answer?: (job: JobView) => Promise<{ guid: string; value: string }[] | undefined>;
  readonly pollMs?: number;
  /** Gives up after this long (the job itself goes on). */
  readonly timeoutMs?: number;
}

/** Reads a job until it ends, answering its challenges along the way; answers the job as it ended (or as it was left). */
export async function followJob(api: MxflowApiClient, ref: { userGuid: string; memberGuid: string; jobGuid: string }, options: FollowOptions = {}): Promise<JobView> {
  const started = Date.now();
  let seen = '';
  let answered = '';
  for (;;) {
    const { job } = await api.readJob(ref.userGuid, ref.memberGuid, ref.jobGuid);
    const state = `${job.status}/${job.connection_status ?? ''}`;
    if (state !== seen) {
      seen = state;
      options.onChange?.(job, Date.now() - started);
    }
    if (TERMINAL.has(job.status)) return job;
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
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) return job;
    await sleep(options.pollMs ?? 500);
  }
}
