import { describe, expect, it } from 'vitest';
import type { JobType } from '#shared/contract/workflow.js';
import { executionArnOf, type ReconcilerJobStore, reconcileJobs } from '#shared/jobs/reconcile-jobs.js';
import { startJobExecution } from '#shared/jobs/start-job-execution.js';
import type { JobRecord } from '#shared/store/job-record.js';
import { InMemoryJobStore } from '#test/support/fakes/job-store.js';
import { FakeStepFunctions } from '#test/support/fakes/sfn.js';

const STATE_MACHINE_ARNS: Record<JobType, string> = {
  aggregate: 'arn:aws:states:us-east-1:123456789012:stateMachine:aggregate',
  verify: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
  identify: 'arn:aws:states:us-east-1:123456789012:stateMachine:identify',
  history: 'arn:aws:states:us-east-1:123456789012:stateMachine:history',
};
const MINUTE = 60_000;

/** The in-memory job store whose index of active jobs lags: once frozen, it lists what it held then. */
class LaggingIndexJobStore extends InMemoryJobStore implements ReconcilerJobStore {
  #frozen: JobRecord[] | undefined;

  override async listActiveJobs(query: { startedBefore: Date; limit: number }): Promise<JobRecord[]> {
    if (!this.#frozen) return super.listActiveJobs(query);
    return this.#frozen
      .filter((job) => Date.parse(job.created_at) < query.startedBefore.getTime())
      .slice(0, query.limit);
  }

  async freezeIndex(): Promise<void> {
    this.#frozen = await super.listActiveJobs({ startedBefore: new Date(8.64e15), limit: Number.MAX_SAFE_INTEGER });
  }
}

function reconciler() {
  let clock = Date.parse('2026-12-01T12:00:00.000Z');
  const jobs = new LaggingIndexJobStore();
  const sfn = new FakeStepFunctions();
  const now = () => new Date(clock);
  const start = (memberGuid: string, type: JobType = 'aggregate') =>
    startJobExecution(
      { jobs, sfn, stateMachineArns: STATE_MACHINE_ARNS, lockSeconds: 3 * 3600, now },
      { type, userGuid: 'USR-1', memberGuid },
    );
  /** A start whose function died between the job record and StartExecution. */
  const crashedStart = async (memberGuid: string) => {
    sfn.loseNextStart();
    void start(memberGuid);
    const lock = await jobs.getLock(memberGuid);
    if (!lock) throw new Error('the start recorded no job');
    return lock.job_guid;
  };
  const started = async (memberGuid: string, type: JobType = 'aggregate') => {
    const outcome = await start(memberGuid, type);
    if (!outcome.started) throw new Error(`member ${memberGuid} busy`);
    return outcome;
  };
  const pass = (limit?: number) =>
    reconcileJobs(
      { jobs, sfn, stateMachineArns: STATE_MACHINE_ARNS },
      { now: now(), olderThanSeconds: 600, ...(limit === undefined ? {} : { limit }) },
    );
  return { jobs, sfn, start, crashedStart, started, pass, advance: (ms: number) => (clock += ms) };
}

describe('reconcileJobs: one pass of the job reconciler', () => {
  it('ends a job whose start crashed before StartExecution with EXECUTION_NOT_STARTED and frees its member', async () => {
    const r = reconciler();
    const jobGuid = await r.crashedStart('MBR-1');
    r.advance(11 * MINUTE);

    const outcome = await r.pass();

    expect(outcome).toMatchObject({ checked: 1, ended: 1, byReason: { EXECUTION_NOT_STARTED: 1 }, failures: [] });
    expect(r.jobs.job('MBR-1', jobGuid)).toMatchObject({
      status: 'FAILED',
      error: { code: 'EXECUTION_NOT_STARTED', message: expect.stringContaining('start the job again') },
    });
    expect((await r.start('MBR-1')).started).toBe(true);
  });

  it('leaves a job whose execution still runs as it is', async () => {
    const r = reconciler();
    const { job } = await r.started('MBR-1');
    r.advance(30 * MINUTE);

    const outcome = await r.pass();

    expect(outcome).toMatchObject({ checked: 1, ended: 0, byReason: {} });
    expect(r.jobs.job('MBR-1', job.job_guid)?.status).toBe('RUNNING');
    expect(await r.jobs.getLock('MBR-1')).toMatchObject({ job_guid: job.job_guid });
  });

  it.each([
    ['FAILED', 'FAILED', 'INTERNAL_ERROR'],
    ['TIMED_OUT', 'TIMED_OUT', 'TIMED_OUT'],
    ['ABORTED', 'FAILED', 'EXECUTION_ABORTED'],
  ] as const)(
    'ends the job of a %s execution whose end event was lost as the event would have: %s %s',
    async (executionStatus, status, reason) => {
      const r = reconciler();
      const { job, executionArn } = await r.started('MBR-1', 'verify');
      r.sfn.end(executionArn, executionStatus);
      r.advance(11 * MINUTE);

      const outcome = await r.pass();

      expect(outcome.endedJobs).toEqual([
        { jobGuid: job.job_guid, memberGuid: 'MBR-1', jobType: 'verify', executionStatus, status, reason },
      ]);
      expect(r.jobs.job('MBR-1', job.job_guid)).toMatchObject({ status, error: { code: reason } });
      expect(await r.jobs.getLock('MBR-1')).toBeUndefined();
    },
  );

  it('ends a job still active after its execution succeeded with EXECUTION_OUTCOME_LOST', async () => {
    const r = reconciler();
    const { job, executionArn } = await r.started('MBR-1');
    r.sfn.end(executionArn, 'SUCCEEDED');
    r.advance(11 * MINUTE);

    const outcome = await r.pass();

    expect(outcome.byReason).toEqual({ EXECUTION_OUTCOME_LOST: 1 });
    expect(r.jobs.job('MBR-1', job.job_guid)).toMatchObject({
      status: 'FAILED',
      error: { code: 'EXECUTION_OUTCOME_LOST' },
    });
  });

  it('leaves a job alone that started or changed less than the threshold ago, even with no execution', async () => {
    const r = reconciler();
    const notStarted = await r.crashedStart('MBR-1');
    const changed = await r.started('MBR-2');
    r.sfn.end(changed.executionArn, 'ABORTED');
    r.advance(9 * MINUTE);
    await r.jobs.recordProgress('MBR-2', changed.job.job_guid, {
      status: 'RUNNING',
      connectionStatus: 'SYNCING',
      now: new Date(Date.parse('2026-12-01T12:09:00.000Z')),
    });

    const early = await r.pass();
    r.advance(2 * MINUTE);
    const later = await r.pass();

    expect(early).toMatchObject({ checked: 0, ended: 0 });
    // Eleven minutes on, MBR-2's job changed only two minutes ago: not quiet long enough yet.
    expect(later).toMatchObject({ checked: 1, ended: 1, byReason: { EXECUTION_NOT_STARTED: 1 } });
    expect(r.jobs.job('MBR-1', notStarted)?.status).toBe('FAILED');
    expect(r.jobs.job('MBR-2', changed.job.job_guid)?.status).toBe('RUNNING');
  });

  it('re-reads each job the index lists and leaves one that has ended since', async () => {
    const r = reconciler();
    const jobGuid = await r.crashedStart('MBR-1');
    await r.jobs.freezeIndex();
    await r.jobs.finishJob('MBR-1', jobGuid, { status: 'FAILED', reason: 'MFA_REJECTED', now: new Date() });
    r.advance(11 * MINUTE);

    const outcome = await r.pass();

    expect(outcome).toMatchObject({ checked: 0, ended: 0 });
    expect(r.jobs.job('MBR-1', jobGuid)?.error?.code).toBe('MFA_REJECTED');
  });

  it('ends a job once when two passes run at the same time', async () => {
    const r = reconciler();
    await r.crashedStart('MBR-1');
    r.advance(11 * MINUTE);

    const [first, second] = await Promise.all([r.pass(), r.pass()]);

    expect(first.ended + second.ended).toBe(1);
    expect(first.checked + second.checked).toBe(2);
  });

  it('looks at no more jobs than its limit in one pass; the next pass takes the rest', async () => {
    const r = reconciler();
    for (const member of ['MBR-1', 'MBR-2', 'MBR-3']) await r.crashedStart(member);
    r.advance(11 * MINUTE);

    const [first, second] = [await r.pass(2), await r.pass(2)];

    expect([first.ended, second.ended]).toEqual([2, 1]);
  });

  it('settles the other jobs when Step Functions fails for one, and names the one it could not', async () => {
    const r = reconciler();
    const throttled = await r.crashedStart('MBR-1');
    await r.crashedStart('MBR-2');
    r.advance(11 * MINUTE);
    const sfn = {
      send: (async (command: { input: { executionArn?: string } }) => {
        if (command.input.executionArn === executionArnOf(STATE_MACHINE_ARNS.aggregate, throttled))
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return r.sfn.send(command as never);
      }) as FakeStepFunctions['send'],
    };

    const outcome = await reconcileJobs(
      { jobs: r.jobs, sfn, stateMachineArns: STATE_MACHINE_ARNS },
      { now: new Date(Date.parse('2026-12-01T12:11:00.000Z')) },
    );

    expect(outcome.ended).toBe(1);
    expect(outcome.failures).toEqual([
      { jobGuid: throttled, memberGuid: 'MBR-1', error: 'ThrottlingException: Rate exceeded' },
    ]);
    expect(r.jobs.job('MBR-1', throttled)?.status).toBe('RUNNING');
  });
});
