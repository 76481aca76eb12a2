import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  ended,
  expectOk,
  expectRefusal,
  status,
  waitForJob,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  // Jobs take 150 ms of real time; a parked challenge waits for hours of MX time (seconds).
  h = await startWorkflowHarness({
    simulator: { seed: 'api-challenge-answers', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  api = h.api();
});
afterAll(async () => h?.stop());

type Job = JobView;
type Challenge = NonNullable<Job['challenges']>[number];

const MX_RESUME = 'PUT /users/{user_guid}/members/{member_guid}/resume';
const resumes = () => h.mxRequests(MX_RESUME);
const jobParams = (job: Job) => ({
  params: { path: { user_guid: job.user_guid, member_guid: job.member_guid, job_guid: job.guid } },
});
const answer = (job: Job, challenges: { guid: string; value: string }[]) =>
  api.typed.PUT('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/challenges', {
    ...jobParams(job),
    body: { challenges },
  });
const readJob = async (job: Job) =>
  expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}', jobParams(job))).job;
/** The right answer to an MFA challenge of the simulator: `correct`, or the option whose value it is. */
const rightAnswer = (c: Challenge) => ({ guid: c.guid, value: 'correct' });

/** A job of this type on a new MX Bank member of `mxuser` with this password, read once it is CHALLENGED. */
async function challengedJob(
  password: string,
  type: 'aggregate' | 'verify' | 'identify' = 'aggregate',
): Promise<{ job: Job; member: { user_guid: string; member_guid: string } }> {
  const user_guid = await createUser(api);
  const credentials = await credentialsFor(api, password);
  const created = await api.typed.POST('/users/{user_guid}/members', {
    params: { path: { user_guid } },
    body: { member: { institution_code: 'mxbank', credentials, skip_aggregation: true } },
  });
  const member = { user_guid, member_guid: expectOk(created, 201).member.guid };
  const started = expectOk(
    await api.typed.POST(`/users/{user_guid}/members/{member_guid}/${type}`, { params: { path: member }, body: {} }),
    202,
  );
  return { job: await waitForJob(api, started.job, status('CHALLENGED')), member };
}

describe('answers checked before they reach MX', () => {
  it('refuses an answer that is not one of the offered options with challenges.0.value and the job keeps waiting, then the right answer succeeds', async () => {
    const { job } = await challengedJob('options');
    const [question] = job.challenges ?? [];
    const resumesBefore = resumes();

    // The option's label instead of its value: the typo a backend makes.
    const refused = await answer(job, [{ guid: String(question?.guid), value: 'Ford Mustang' }]);
    const still = await readJob(job);
    const accepted = await answer(job, [rightAnswer(question!)]);
    const done = await waitForJob(api, job, ended);

    expect(question?.type).toBe('OPTIONS');
    expectRefusal(refused, 400, 'VALIDATION_FAILED', 'challenges.0.value');
    expect(still).toEqual(job);
    expectOk(accepted, 202);
    expect(done.status).toBe('SUCCEEDED');
    expect(resumes() - resumesBefore).toBe(1);
  });

  it('refuses a blank answer to a TEXT challenge with challenges.0.value, leaving the job CHALLENGED', async () => {
    const { job } = await challengedJob('challenge');
    const resumesBefore = resumes();

    const refused = await answer(job, [{ guid: String(job.challenges?.[0]?.guid), value: '   ' }]);

    expectRefusal(refused, 400, 'VALIDATION_FAILED', 'challenges.0.value');
    expect(await readJob(job)).toEqual(job);
    expect(resumes()).toBe(resumesBefore);
  });

  it('must answer a round of two challenges together', async () => {
    const { job } = await challengedJob('challenge_round');
    const [text, choice] = job.challenges ?? [];
    const resumesBefore = resumes();

    const onlyOne = await answer(job, [rightAnswer(text!)]);
    const both = await answer(job, [rightAnswer(choice!), rightAnswer(text!)]);
    const done = await waitForJob(api, job, ended);

    expect(job.challenges?.map((c) => c.type)).toEqual(['TEXT', 'OPTIONS']);
    const refusal = expectRefusal(onlyOne, 400, 'VALIDATION_FAILED', 'challenges');
    expect(refusal.error.message).toContain(choice?.guid);
    expectOk(both, 202);
    expect(done.status).toBe('SUCCEEDED');
    expect(resumes() - resumesBefore).toBe(1);
  });

  it('refuses the same guid twice with challenges.1.guid', async () => {
    const { job } = await challengedJob('challenge_round');
    const [text, choice] = job.challenges ?? [];
    const resumesBefore = resumes();

    const twice = await answer(job, [rightAnswer(text!), rightAnswer(text!), rightAnswer(choice!)]);

    expectRefusal(twice, 400, 'VALIDATION_FAILED', 'challenges.1.guid');
    expect((await readJob(job)).status).toBe('CHALLENGED');
    expect(resumes()).toBe(resumesBefore);
  });
});

describe('richer challenge rounds', () => {
  it('brings a new challenge, not REJECTED, after a wrong answer at retry_challenge; the right answer then succeeds', async () => {
    const { job } = await challengedJob('retry_challenge', 'identify');
    const first = job.challenges?.[0];

    const wrong = await answer(job, [{ guid: String(first?.guid), value: 'Shelbyville' }]);
    const again = await waitForJob(
      api,
      job,
      (j) => j.status === 'CHALLENGED' && j.challenges?.[0]?.guid !== first?.guid,
    );
    await answer(again, [rightAnswer(again.challenges![0]!)]);
    const done = await waitForJob(api, job, ended);

    expectOk(wrong, 202);
    expect(again.challenges).toEqual([
      expect.objectContaining({ type: 'TEXT', label: expect.stringMatching(/did not match/) }),
    ]);
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_owners: 3 } });
  });

  it('ends FAILED MFA_REJECTED after a second wrong answer at retry_challenge', async () => {
    const { job } = await challengedJob('retry_challenge');
    const first = job.challenges![0]!;

    await answer(job, [{ guid: first.guid, value: 'Shelbyville' }]);
    const again = await waitForJob(
      api,
      job,
      (j) => j.status === 'CHALLENGED' && j.challenges?.[0]?.guid !== first.guid,
    );
    await answer(again, [{ guid: again.challenges![0]!.guid, value: 'Ogdenville' }]);
    const done = await waitForJob(api, job, ended);

    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'REJECTED', error: { code: 'MFA_REJECTED' } });
  });

  it('selects a verification’s account by an opaque value and returns the chosen account’s numbers', async () => {
    const { job, member } = await challengedJob('password', 'verify');
    const selection = job.challenges![0]!;
    const savings = selection.options!.find((o) => /savings/i.test(String(o.label)))!;

    const answered = await answer(job, [{ guid: selection.guid, value: String(savings.value) }]);
    const done = await waitForJob(api, job, ended);
    const results = { params: { path: member } };
    const { accounts } = expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', results));
    const { account_numbers: numbers } = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_numbers', results),
    );

    expectOk(answered, 202);
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_numbers: 1 } });
    expect(selection.options!.map((o) => o.value).filter((v) => accounts.some((a) => a.guid === v))).toEqual([]);
    expect(numbers).toHaveLength(1);
    expect(numbers[0]?.account_guid).toBe(accounts.find((a) => a.type === 'SAVINGS')?.guid);
    expect(savings.label).toMatch(new RegExp(`XXXXXX${String(numbers[0]?.account_number).slice(-4)}$`));
  });
});

describe('answers after the wait ran out', () => {
  it('refuses an answer posted after the challenge timed out with 409 CHALLENGE_EXPIRED and never resumes MX', async () => {
    const { job } = await challengedJob('challenge');
    // The harness's 2 h of waiting for the answer is about 7 s of real time.
    const expired = await waitForJob(api, job, ended, 60_000);
    const resumesBefore = resumes();

    const late = await answer(job, [rightAnswer(job.challenges![0]!)]);
    const after = await readJob(job);

    expect(expired).toMatchObject({ status: 'FAILED', error: { code: 'CHALLENGE_EXPIRED' } });
    const refusal = expectRefusal(late, 409, 'CHALLENGE_EXPIRED');
    expect(refusal.error.message).toMatch(/waited longer than \d+ minutes/);
    expect(resumes() - resumesBefore).toBe(0);
    expect(after.status).toBe('FAILED');
  }, 90_000);
});

describe('big image challenges', () => {
  it('shows an IMAGE_DATA challenge of 600 KB whole, past DynamoDB’s item limit, and the answer succeeds', async () => {
    const { job } = await challengedJob('big_image');
    const [image] = job.challenges ?? [];

    const accepted = await answer(job, [rightAnswer(image!)]);
    const done = await waitForJob(api, job, ended);

    expect(image?.type).toBe('IMAGE_DATA');
    expect(String((image as { image_data?: string }).image_data).length).toBeGreaterThan(600_000);
    expectOk(accepted, 202);
    expect(done.status).toBe('SUCCEEDED');
  });
});
