import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMxflow, startLocalMxflow } from '#local/local-mxflow.js';
import { isTerminal, JOB_TYPES } from '#shared/contract/workflow.js';
import { dynamoEndpoint } from '#test/support/dynamodb.js';
import { type ApiJob, ScriptedBackend } from '#test/support/scripted-backend.js';

/**
 * Races a product backend (or an operator) can start, on the whole local system, while MX
 * fails 10% of its answers and drops 2% of connections: many starts of one member at once,
 * the same answer posted many times at once, an execution stopped from outside.
 */

const TIME_SCALE = 0.005;
/** Jobs of 10 minutes of MX time (3 s real): long enough to act on them while they run. */
const JOB_DURATION_MS = 600_000;
const FAULTS = { rate429: 0.04, rate500: 0.03, rate503: 0.03, dropRate: 0.02, latencyMs: 500 };
const BOUND_MS = 90_000;
const MX_RESUME = 'PUT /users/{user_guid}/members/{member_guid}/resume';

let stack: LocalMxflow;
let backend: ScriptedBackend;
let members = 0;

beforeAll(async () => {
  stack = await startLocalMxflow({
    timeScale: TIME_SCALE,
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `reliability-races-${process.pid}`,
    simulator: { seed: 'reliability-races', jobDurationMs: JOB_DURATION_MS, challengeExpiryMs: 24 * 3_600_000 },
    workflowSettings: { challengeTimeout: Duration.hours(6), executionTimeout: Duration.days(1) },
    environment: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  backend = new ScriptedBackend(stack.endpoints.api);
  stack.simulator!.setFaults(FAULTS);
});
afterAll(async () => stack?.stop());

/** A new user and member; set up while MX behaves, then MX's faults are back on. */
async function member(password: string) {
  const simulator = stack.simulator!;
  simulator.setFaults({ rate429: 0, rate500: 0, rate503: 0, dropRate: 0 });
  try {
    members += 1;
    return await backend.userWithMember(`races-${members}`, password);
  } finally {
    simulator.setFaults(FAULTS);
  }
}

function executionsOf(memberGuid: string) {
  return JOB_TYPES.flatMap(
    (type) =>
      stack.stepFunctions.listExecutions({ stateMachineArn: stack.stateMachineArns[type], maxResults: 1000 })
        .executions ?? [],
  ).filter(
    (e) =>
      JSON.parse(String(stack.stepFunctions.describeExecution({ executionArn: String(e.executionArn) }).input))
        .memberGuid === memberGuid,
  );
}

async function statesEntered(executionArn: string, state: string): Promise<number> {
  const { events = [] } = await stack.stepFunctions.getExecutionHistory({ executionArn, maxResults: 1000 });
  return events.filter((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === state).length;
}

async function waitFor(job: ApiJob, until: (job: ApiJob) => boolean, timeoutMs = BOUND_MS): Promise<ApiJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = await backend.readJob(job);
    if (until(read)) return read;
    if (Date.now() > deadline) throw new Error(`job ${job.guid} did not get there: ${JSON.stringify(read)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const resumesAccepted = () => stack.simulator!.requestCount(MX_RESUME, 202);

describe('races under MX faults', () => {
  it('gives 50 concurrent starts of one member exactly one job and one execution', async () => {
    const { userGuid, memberGuid } = await member('challenge');

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => backend.call('POST', `/users/${userGuid}/members/${memberGuid}/aggregate`, {})),
    );
    const job = answers[0]!.body.job as ApiJob;
    const { job: done } = await backend.follow(job, 'correct', { timeoutMs: BOUND_MS });

    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 202));
    expect(new Set(answers.map((a) => a.body.job.guid)).size).toBe(1);
    expect(executionsOf(memberGuid)).toHaveLength(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('gives 50 concurrent starts of mixed types on one member one job, the others 409', async () => {
    const { userGuid, memberGuid } = await member('challenge');

    const types = Array.from({ length: 50 }, (_, i) => JOB_TYPES[i % 3]!);
    const answers = await Promise.all(
      types.map((type) => backend.call('POST', `/users/${userGuid}/members/${memberGuid}/${type}`, {})),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const job = accepted[0]!.body.job as ApiJob;
    const { job: done } = await backend.follow(job, 'correct', { timeoutMs: BOUND_MS });

    // A start that read MX after the winner's job began there is refused for what MX shows.
    const refusals = ['JOB_RUNNING', 'MEMBER_BEING_AGGREGATED'];
    expect(answers.every((a) => a.status === 202 || (a.status === 409 && refusals.includes(a.body.error.code)))).toBe(
      true,
    );
    expect(new Set(accepted.map((a) => a.body.job.guid))).toEqual(new Set([job.guid]));
    // Only starts of the running job's type are answered with it; every other type is refused.
    expect(answers.map((a, i) => (a.status === 202 ? types[i] : job.type)).every((type) => type === job.type)).toBe(
      true,
    );
    expect(executionsOf(memberGuid)).toHaveLength(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('resumes each challenged job once when its answer is posted ten times at once', async () => {
    const jobs = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const { userGuid, memberGuid } = await member(i % 2 ? 'options' : 'challenge');
        return backend.startJob(i % 2 ? 'identify' : 'aggregate', userGuid, memberGuid);
      }),
    );
    const parked = await Promise.all(jobs.map((job) => waitFor(job, (j) => j.status === 'CHALLENGED')));
    const resumesBefore = resumesAccepted();

    const posts = await Promise.all(
      parked.map((job) =>
        Promise.all(
          Array.from({ length: 10 }, () =>
            backend.call('PUT', `${backend.jobPath(job)}/challenges`, {
              challenges: ScriptedBackend.answersFor(job, 'correct'),
            }),
          ),
        ),
      ),
    );
    const done = await Promise.all(jobs.map((job) => waitFor(job, (j) => isTerminal(j.status))));
    const resumes = resumesAccepted() - resumesBefore;

    for (const answers of posts) {
      expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
      expect(answers.filter((a) => a.status !== 202).map((a) => `${a.status} ${a.body.error.code}`)).toEqual(
        Array.from({ length: 9 }, () => '409 ALREADY_ANSWERED'),
      );
    }
    expect(resumes).toBe(jobs.length);
    expect(done.map((j) => j.status)).toEqual(jobs.map(() => 'SUCCEEDED'));
    for (const job of done) {
      const [execution] = executionsOf(job.member_guid);
      expect(await statesEntered(String(execution?.executionArn), 'ParkForChallenge')).toBe(1);
    }
  });

  it.each([
    ['parked on a challenge', 'challenge', (j: ApiJob) => j.status === 'CHALLENGED', 'MEMBER_CHALLENGED'],
    ['polling MX', 'delayed', (j: ApiJob) => j.connection_status === 'DELAYED', 'MEMBER_BEING_AGGREGATED'],
  ])(
    'ends a job whose execution is stopped from outside while %s, and frees its member',
    async (_, password, until, refusedAtMx) => {
      const { userGuid, memberGuid } = await member(password);
      const job = await backend.startJob('aggregate', userGuid, memberGuid);
      await waitFor(job, until);
      const [execution] = executionsOf(memberGuid);

      await stack.sfn.send(
        new StopExecutionCommand({
          executionArn: execution?.executionArn,
          error: 'Operator',
          cause: 'stopped by hand',
        }),
      );
      const ended = await waitFor(job, (j) => isTerminal(j.status));
      const next = await backend.call('POST', `/users/${userGuid}/members/${memberGuid}/identify`, {});

      expect(ended).toMatchObject({ status: 'FAILED', error: { code: 'EXECUTION_ABORTED' } });
      expect(stack.stepFunctions.describeExecution({ executionArn: String(execution?.executionArn) }).status).toBe(
        'ABORTED',
      );
      // mxflow freed the member (no JOB_RUNNING); MX's own aggregation still runs, so the start
      // is refused for what MX shows, as MX itself would refuse it.
      expect(next.status).toBe(409);
      expect(next.body.error.code).toBe(refusedAtMx);
      expect(await stack.jobs.getLock(memberGuid)).toBeUndefined();
      // The answer to a stopped job's challenge is refused, not sent to MX.
      if (password === 'challenge') {
        const late = await backend.call('PUT', `${backend.jobPath(job)}/challenges`, {
          challenges: [{ guid: 'CRD-any', value: 'correct' }],
        });
        expect(late.status).toBe(409);
      }
    },
  );
});
