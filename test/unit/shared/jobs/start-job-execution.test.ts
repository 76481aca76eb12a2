import { describe, expect, it } from 'vitest';
import type { JobType } from '#shared/contract/workflow.js';
import { type StartJobExecutionRequest, startJobExecution } from '#shared/jobs/start-job-execution.js';
import { InMemoryJobStore } from '#test/support/fakes/job-store.js';
import { FakeStepFunctions } from '#test/support/fakes/sfn.js';

const STATE_MACHINE_ARNS: Record<JobType, string> = {
  aggregate: 'arn:aws:states:us-east-1:123456789012:stateMachine:aggregate',
  verify: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
  identify: 'arn:aws:states:us-east-1:123456789012:stateMachine:identify',
  history: 'arn:aws:states:us-east-1:123456789012:stateMachine:history',
};
const VERIFY: StartJobExecutionRequest = { type: 'verify', userGuid: 'USR-1', memberGuid: 'MBR-1' };

function starter() {
  let clock = Date.parse('2026-12-01T12:00:00.000Z');
  const jobs = new InMemoryJobStore();
  const sfn = new FakeStepFunctions();
  const deps = { jobs, sfn, stateMachineArns: STATE_MACHINE_ARNS, lockSeconds: 3 * 3600, now: () => new Date(clock) };
  const start = (request: StartJobExecutionRequest = VERIFY) => startJobExecution(deps, request);
  /** A start whose function died between the job record and StartExecution: it never answers. */
  const crashedStart = async (request: StartJobExecutionRequest = VERIFY) => {
    sfn.loseNextStart();
    void start(request);
    const lock = await jobs.getLock(request.memberGuid);
    if (!lock) throw new Error('the start recorded no job');
    return lock.job_guid;
  };
  return { jobs, sfn, start, crashedStart, advance: (seconds: number) => (clock += seconds * 1000) };
}

describe('startJobExecution: a crash-safe job start', () => {
  it('records the job, holds the member and starts one execution named after the job', async () => {
    const s = starter();

    const outcome = await s.start();

    expect(outcome).toMatchObject({ started: true, job: { type: 'verify', status: 'RUNNING' } });
    if (!outcome.started) throw new Error('not started');
    expect(outcome.executionArn).toBe(`arn:aws:states:us-east-1:123456789012:execution:verify:${outcome.job.job_guid}`);
    expect(s.sfn.started).toEqual([
      {
        stateMachineArn: STATE_MACHINE_ARNS.verify,
        name: outcome.job.job_guid,
        input: {
          jobGuid: outcome.job.job_guid,
          userGuid: 'USR-1',
          memberGuid: 'MBR-1',
          observeOnly: false,
          includeTransactions: true,
          isOauth: false,
          unattended: false,
        },
      },
    ]);
    expect(await s.jobs.getLock('MBR-1')).toMatchObject({ job_guid: outcome.job.job_guid });
  });

  it('starts the execution of a start that crashed after its record when the start is repeated, once', async () => {
    const s = starter();
    const jobGuid = await s.crashedStart();
    s.advance(61);

    const repeats = [await s.start(), await s.start()];

    expect(repeats).toEqual([
      {
        started: false,
        running: expect.objectContaining({ job_guid: jobGuid }),
        executionArn: `arn:aws:states:us-east-1:123456789012:execution:verify:${jobGuid}`,
      },
      expect.objectContaining({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:verify:${jobGuid}` }),
    ]);
    expect(s.sfn.started.map((execution) => execution.name)).toEqual([jobGuid]);
    expect(s.jobs.job('MBR-1', jobGuid)?.status).toBe('RUNNING');
  });

  it('answers the running job to a repeat of a start whose execution runs, starting nothing more', async () => {
    const s = starter();
    const first = await s.start();

    const repeat = await s.start();

    expect(repeat).toMatchObject({ started: false, running: { job_guid: first.started && first.job.job_guid } });
    expect(s.sfn.started).toHaveLength(1);
  });

  it('starts no second execution for a start of the same type with other options', async () => {
    const s = starter();
    const aggregate = { type: 'aggregate', userGuid: 'USR-1', memberGuid: 'MBR-1' } as const;
    await s.start(aggregate);

    const other = await s.start({ ...aggregate, includeTransactions: false });

    expect(other).toEqual({ started: false, running: expect.objectContaining({ job_type: 'aggregate' }) });
    expect(s.sfn.started).toHaveLength(1);
  });

  it('leaves a job recorded long ago with no execution to the reconciler, starting nothing for it', async () => {
    const s = starter();
    await s.crashedStart();
    s.advance(6 * 60);

    const late = await s.start();

    expect(late).toEqual({ started: false, running: expect.any(Object) });
    expect(s.sfn.started).toEqual([]);
  });

  it('starts nothing for another job type or another user, answering the job that holds the member', async () => {
    const s = starter();
    const jobGuid = await s.crashedStart();

    const outcomes = [await s.start({ ...VERIFY, type: 'identify' }), await s.start({ ...VERIFY, userGuid: 'USR-2' })];

    expect(outcomes).toEqual([
      { started: false, running: expect.objectContaining({ job_guid: jobGuid }) },
      { started: false, running: expect.objectContaining({ job_guid: jobGuid }) },
    ]);
    expect(s.sfn.started).toEqual([]);
  });

  it('ends the job INTERNAL_ERROR and frees the member when Step Functions refuses the start', async () => {
    const s = starter();
    const refusing = new FakeStepFunctions();
    refusing.send = (async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }) as unknown as FakeStepFunctions['send'];
    const deps = {
      jobs: s.jobs,
      sfn: refusing,
      stateMachineArns: STATE_MACHINE_ARNS,
      lockSeconds: 3600,
      now: () => new Date('2026-12-01T12:00:00.000Z'),
    };

    const refused = startJobExecution(deps, VERIFY);

    await expect(refused).rejects.toThrow('Rate exceeded');
    const [job] = (await s.jobs.listJobs('MBR-1')).items;
    expect(job).toMatchObject({ status: 'FAILED', error: { code: 'INTERNAL_ERROR' } });
    expect(await s.jobs.getLock('MBR-1')).toBeUndefined();
  });
});
