import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '#shared/store/job-record.js';
import { stackTable, storedChallengeToken } from '#test/support/task-token-items.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { seed: 'answer-challenges', jobDurationMs: 150_000 } });
});
afterAll(async () => h?.stop());

const MX_RESUME = 'PUT /users/{user_guid}/members/{member_guid}/resume';
const resumes = () => h.mxRequests(MX_RESUME);
const challenged = (record: JobRecord) => record.status === 'CHALLENGED';
const tokenOf = (record: JobRecord) => storedChallengeToken(stackTable(h.stack), record.member_guid, record.job_guid);

describe('answerChallenges', () => {
  it('stores the open challenges with their option values, and never an answer', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'challenge_round');
    const started = await h.start('aggregate', user, member);

    const parked = await h.waitForJob(started, challenged);
    const [text, choice] = parked.challenges ?? [];
    const outcome = await h.answer(parked, [
      { guid: String(text?.guid), value: 'correct' },
      { guid: String(choice?.guid), value: 'correct' },
    ]);
    const done = await h.finished(started);

    expect(parked.challenges?.map((c) => c.type)).toEqual(['TEXT', 'OPTIONS']);
    expect(choice?.options?.map((o) => o.value)).toEqual(['incorrect_civic', 'correct', 'incorrect_corolla']);
    expect(outcome.outcome).toBe('RESUMED');
    expect(done.status).toBe('SUCCEEDED');
    expect(done.challenges).toBeUndefined();
  });

  it('gives back unsent, still answerable, answers that do not fit the round it claimed (a new round parked meanwhile)', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'options');
    const started = await h.start('aggregate', user, member);
    const parked = await h.waitForJob(started, challenged);
    const question = parked.challenges![0]!;
    const token = String(await tokenOf(parked));
    const resumesBefore = resumes();

    // The caller checked its answer against what it read; the round it claims offers other values.
    const reworded = {
      ...question,
      options: question.options!.map((o) => ({ ...o, value: `new-${String(o.value)}` })),
    };
    await h.stack.jobs.parkForChallenge(member, started.job.job_guid, {
      challenges: [reworded],
      taskToken: token,
      now: new Date(),
    });
    const outcome = await h.answer(parked, [{ guid: String(question.guid), value: 'correct' }]);
    const after = await h.stack.jobs.getJob(member, started.job.job_guid);

    expect(outcome).toEqual({
      outcome: 'REFUSED',
      problem: { field: 'challenges.0.value', message: expect.any(String) },
    });
    expect(after).toMatchObject({ status: 'CHALLENGED', challenges: [reworded] });
    expect(await tokenOf(parked)).toBe(token);
    expect(resumes()).toBe(resumesBefore);

    // Put the real round back and answer it: the same token still resumes the execution.
    await h.stack.jobs.parkForChallenge(member, started.job.job_guid, {
      challenges: parked.challenges!,
      taskToken: token,
      now: new Date(),
    });
    expect((await h.answer(parked, [{ guid: String(question.guid), value: 'correct' }])).outcome).toBe('RESUMED');
    expect((await h.finished(started)).status).toBe('SUCCEEDED');
  });

  it('resumes a job whose answer MX took with its reply lost, when the answer sent again meets the next round', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'challenge_twice');
    const started = await h.start('aggregate', user, member);
    const parked = await h.waitForJob(started, challenged);
    const first = [{ guid: String(parked.challenges![0]!.guid), value: 'correct' }];
    // An earlier try reached MX and only its reply was lost; MX then asks its second round.
    await h.mx.resumeMember(user, member, first);
    const next = await waitForMx(async () => {
      const status = await h.mx.readMemberStatus(user, member);
      const guid = status.challenges?.[0]?.guid;
      return status.connection_status === 'CHALLENGED' && guid !== first[0]!.guid ? status.challenges! : undefined;
    });

    const outcome = await h.answer(parked, first);
    // The next round: CHALLENGED again, after the RUNNING the answer left.
    const reparked = await h.waitForJob(started, (r) => challenged(r) && r.history.length > parked.history.length + 1);
    const second = await h.answer(reparked, [{ guid: String(next[0]!.guid), value: 'correct' }]);
    const done = await h.finished(started);

    expect(outcome.outcome).toBe('RESUMED');
    expect(reparked.challenges?.map((c) => c.guid)).toEqual(next.map((c) => c.guid));
    expect(second.outcome).toBe('RESUMED');
    expect(done.status).toBe('SUCCEEDED');
  });
});

/** Asks `read` every 5 ms until it answers something, for at most 10 s of real time. */
async function waitForMx<T>(read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('MX did not get there in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
