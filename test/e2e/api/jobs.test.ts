import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_SELECTION_LABEL } from '#local/mx-simulator/index.js';
import { JOB_TYPES } from '#shared/contract/workflow.js';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  ended,
  expectError,
  status,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  // Jobs take 150 ms; the harness keeps a parked challenge waiting for hours of MX time (seconds).
  h = await startWorkflowHarness({ simulator: { seed: 'api-jobs', jobDurationMs: 150_000 } });
  api = apiClient(h.stack.endpoints.api);
});
afterAll(async () => h?.stop());

type Job = {
  guid: string;
  type: string;
  status: string;
  user_guid: string;
  member_guid: string;
  challenges?: Challenge[];
};
type Challenge = {
  guid: string;
  type: string;
  label: string | null;
  options?: { label: string | null; value: string | null }[];
};

const SENTINEL_ANSWER = 'S3ntinel-Challenge-Answ3r';
const UNKNOWN_USER = 'USR-00000000-0000-0000-0000-000000000000';
const UNKNOWN_MEMBER = 'MBR-00000000-0000-0000-0000-000000000000';
const UNKNOWN_JOB = 'JOB-000000000000-0000000000000000';
const mxCalls = (endpoint: string) => h.stack.simulator?.stats().requests.byEndpoint[endpoint]?.count ?? 0;
const MX_RESUME = 'PUT /users/{user_guid}/members/{member_guid}/resume';
const memberPath = (user: string, member: string) => `/users/${user}/members/${member}`;
const jobPath = (job: Pick<Job, 'guid' | 'user_guid' | 'member_guid'>) =>
  `${memberPath(job.user_guid, job.member_guid)}/jobs/${job.guid}`;

/** A user with an MX Bank member created through the API, without its first aggregation. */
async function idleMember(password = 'password') {
  const user = await createUser(api);
  const created = await api.post(`/users/${user}/members`, {
    member: { institution_code: 'mxbank', credentials: await credentialsFor(api, password), skip_aggregation: true },
  });
  expect(created.status).toBe(201);
  return { user, member: String(created.body.member.guid), path: memberPath(user, String(created.body.member.guid)) };
}

async function start(path: string, type: string, body: unknown = {}): Promise<Job> {
  const started = await api.post(`${path}/${type}`, body);
  expect(started.status).toBe(202);
  return started.body.job as Job;
}

/** The Step Functions executions, of every job type, started for this member. */
function executionsOf(member: string) {
  return JOB_TYPES.flatMap(
    (type) =>
      h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArns[type], maxResults: 1000 })
        .executions ?? [],
  ).filter(
    (execution) =>
      JSON.parse(
        String(h.stack.stepFunctions.describeExecution({ executionArn: String(execution.executionArn) }).input),
      ).memberGuid === member,
  );
}

describe('POST …/verify, …/aggregate, …/identify', () => {
  it('starts a verification (202) with a Location header pointing at the job', async () => {
    const { member, path } = await idleMember();

    const started = await api.post(`${path}/verify`, {});
    const location = String(started.headers.get('location'));
    const read = await api.get(location);

    expect(started.status).toBe(202);
    expect(started.body.job).toMatchObject({
      guid: expect.stringMatching(/^JOB-/),
      type: 'verify',
      status: 'RUNNING',
      member_guid: member,
    });
    expect(location).toBe(`${path}/jobs/${started.body.job.guid}`);
    expect(read.status).toBe(200);
    expect(read.body.job.guid).toBe(started.body.job.guid);
    expect(executionsOf(member)).toHaveLength(1);
  });

  it('answers the job already running (202, same job) when the same type is started again', async () => {
    const { member, path } = await idleMember();
    const first = await start(path, 'verify');

    // A verification waits on its account-selection challenge: it runs until answered.
    const again = await api.post(`${path}/verify`, {});

    expect(again.status).toBe(202);
    expect(again.body.job.guid).toBe(first.guid);
    expect(again.headers.get('location')).toBe(jobPath(first));
    expect(executionsOf(member)).toHaveLength(1);
  });

  it.each(['aggregate', 'identify'])(
    'refuses to start %s while a verification runs (409 JOB_RUNNING naming the job)',
    async (type) => {
      const { member, path } = await idleMember();
      const running = await start(path, 'verify');

      const refused = await api.post(`${path}/${type}`, {});

      expectError(refused, 409, 'JOB_RUNNING');
      expect(refused.body.error.message).toContain(running.guid);
      expect(executionsOf(member)).toHaveLength(1);
    },
  );

  it('starts one execution for 50 concurrent aggregations of one member, all answered 202 with one job', async () => {
    // The job parks on a challenge, so it is still running when the last of the 50 requests is served.
    const { member, path } = await idleMember('challenge');

    const answers = await Promise.all(Array.from({ length: 50 }, () => api.post(`${path}/aggregate`, {})));
    const job = answers[0]?.body.job as Job;
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));
    await api.put(`${jobPath(job)}/challenges`, {
      challenges: [{ guid: parked.challenges?.[0]?.guid, value: 'correct' }],
    });
    const done = await waitForJob(api, job, ended);

    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 202));
    expect(new Set(answers.map((a) => a.body.job.guid)).size).toBe(1);
    expect(executionsOf(member)).toHaveLength(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('starts a new job as soon as the previous one reads as ended, of the same type or another', async () => {
    const { member, path } = await idleMember();

    const jobs: Job[] = [];
    for (const type of ['aggregate', 'aggregate', 'identify', 'identify']) {
      const job = await start(path, type);
      jobs.push(job, await waitForJob(api, job, ended));
    }

    const [started, done] = [jobs.filter((_, i) => i % 2 === 0), jobs.filter((_, i) => i % 2 === 1)];
    expect(started.map((j) => j.type)).toEqual(['aggregate', 'aggregate', 'identify', 'identify']);
    expect(started.every((j) => j.status === 'RUNNING')).toBe(true);
    expect(new Set(started.map((j) => j.guid)).size).toBe(4);
    expect(done.map((j) => j.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(done.at(-1)).toMatchObject({ counts: { accounts: 3, account_owners: 3 } });
    expect(executionsOf(member)).toHaveLength(4);
  });

  it('takes no body at all as {} (202)', async () => {
    const { path } = await idleMember();

    const started = await api.send('POST', `${path}/aggregate`);

    expect(started.status).toBe(202);
    expect(started.body.job.type).toBe('aggregate');
  });

  it('aggregates without transactions when include_transactions is false', async () => {
    const { member, path } = await idleMember();

    const job = await start(path, 'aggregate', { include_transactions: false });
    const done = await waitForJob(api, job, ended);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.counts?.transactions ?? 0).toBe(0);
    expect((await h.stack.results.listResults(member, 'accounts')).items).toHaveLength(3);
    expect((await h.stack.results.listResults(member, 'transactions')).items).toEqual([]);
    expect((await api.get(`${path}/transactions`)).body).toEqual({
      transactions: [],
      pagination: { next_cursor: null },
    });
  });

  it('follows (observe) the aggregation MX started for a member created outside the API, to SUCCEEDED with results stored', async () => {
    const user = await createUser(api);
    const { member } = await h.mx.createMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: false,
      },
    });
    const memberGuid = String(member.guid);
    const mxStartsBefore = mxCalls('POST /users/{user_guid}/members/{member_guid}/aggregate');

    const job = await start(memberPath(user, memberGuid), 'aggregate', { observe: true });
    const done = await waitForJob(api, job, ended);

    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      connection_status: 'CONNECTED',
      counts: { accounts: 3, transactions: 150 },
    });
    expect(mxCalls('POST /users/{user_guid}/members/{member_guid}/aggregate')).toBe(mxStartsBefore);
    expect((await api.get(memberPath(user, memberGuid))).body.member).toMatchObject({
      guid: memberGuid,
      institution_code: 'mxbank',
    });
    expect((await api.get(`${memberPath(user, memberGuid)}/accounts`)).body.accounts).toHaveLength(3);
    expect((await h.stack.results.listResults(memberGuid, 'transactions', { limit: 1000 })).items).toHaveLength(150);
  });

  it('ends a verification at an institution without verification FAILED NOT_SUPPORTED', async () => {
    const user = await createUser(api);
    const created = await api.post(`/users/${user}/members`, {
      member: {
        institution_code: 'beehive_savings',
        credentials: await credentialsFor(api, 'password', 'beehive_savings'),
        skip_aggregation: true,
      },
    });

    const done = await waitForJob(api, await start(memberPath(user, created.body.member.guid), 'verify'), ended);

    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'NOT_SUPPORTED', message: expect.any(String) } });
  });

  it('answers 404 naming member_guid for a member neither mxflow nor MX knows for this user', async () => {
    const user = await createUser(api);
    const other = await createUser(api);
    const { member } = await h.mx.createMember(other, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: true,
      },
    });

    expectError(await api.post(`${memberPath(user, UNKNOWN_MEMBER)}/aggregate`, {}), 404, 'NOT_FOUND', 'member_guid');
    expectError(
      await api.post(`${memberPath(user, String(member.guid))}/aggregate`, { observe: true }),
      404,
      'NOT_FOUND',
      'member_guid',
    );
    expect(executionsOf(String(member.guid))).toEqual([]);
  });

  it('answers 404 naming user_guid for an unknown user', async () => {
    expectError(
      await api.post(`${memberPath(UNKNOWN_USER, UNKNOWN_MEMBER)}/verify`, {}),
      404,
      'NOT_FOUND',
      'user_guid',
    );
  });

  it.each([
    ['observe that is not a boolean', { observe: 'yes' }, 'observe'],
    ['include_transactions that is not a boolean', { include_transactions: 1 }, 'include_transactions'],
    ['a field the API does not take', { type: 'verify' }, 'type'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field)', async (_, body, field) => {
    const { member, path } = await idleMember();

    expectError(await api.post(`${path}/aggregate`, body), 400, 'VALIDATION_FAILED', field);
    expect(executionsOf(member)).toEqual([]);
  });

  it('refuses a body that is not JSON (415 / 400 INVALID_JSON)', async () => {
    const { path } = await idleMember();

    expectError(
      await api.send('POST', `${path}/verify`, { raw: '{}', headers: { 'Content-Type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await api.send('POST', `${path}/verify`, { raw: '{', headers: { 'Content-Type': 'application/json' } }),
      400,
      'INVALID_JSON',
    );
  });
});

describe('starting only what MX will start', () => {
  it('a verify on a PENDING OAuth member is refused with MEMBER_PENDING_OAUTH, starting nothing', async () => {
    const user = await createUser(api);
    const created = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mx_bank_oauth', is_oauth: true, skip_aggregation: true },
    });
    const member = String(created.body.member.guid);

    const refused = await api.post(`${memberPath(user, member)}/verify`, {});

    expectError(refused, 409, 'MEMBER_PENDING_OAUTH');
    expect(refused.body.error.message).toMatch(/PENDING.*OAuth window/);
    expect(executionsOf(member)).toHaveLength(0);
  });

  it('an identify on a DENIED member is refused with MEMBER_NEEDS_CREDENTIALS, naming PUT member', async () => {
    const { member, path } = await idleMember('denied');
    const failed = await waitForJob(api, await start(path, 'aggregate'), ended);

    const refused = await api.post(`${path}/identify`, {});

    expect(failed).toMatchObject({
      status: 'FAILED',
      connection_status: 'DENIED',
      error: { code: 'CREDENTIALS_INVALID' },
    });
    expectError(refused, 409, 'MEMBER_NEEDS_CREDENTIALS');
    expect(refused.body.error.message).toMatch(/DENIED.*PUT/);
    expect(executionsOf(member)).toHaveLength(1);
  });

  it('a verify for a user disabled at MX is refused with USER_DISABLED naming user_guid, starting nothing', async () => {
    const { user, member, path } = await idleMember();
    await h.mx.updateUser(user, { is_disabled: true });

    const refused = await api.post(`${path}/verify`, {});

    expectError(refused, 409, 'USER_DISABLED', 'user_guid');
    expect(executionsOf(member)).toHaveLength(0);
  });

  it('refuses a verify on a member MX is aggregating with MEMBER_BEING_AGGREGATED, naming observe; an aggregate attaches to it', async () => {
    // MX's aggregation after the create lasts an hour of MX time while the verify is asked for.
    h.stack.simulator?.configure({ jobDurationMs: 3_600_000 });
    const user = await createUser(api);
    const { member } = await h.mx.createMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials: await credentialsFor(api, 'password'),
        skip_aggregation: false,
      },
    });
    const path = memberPath(user, String(member.guid));

    const refused = await api.post(`${path}/verify`, {});
    const attached = await api.post(`${path}/aggregate`, {});
    h.stack.simulator?.configure({ jobDurationMs: 150_000 });
    const done = await waitForJob(api, attached.body.job, ended);

    expectError(refused, 409, 'MEMBER_BEING_AGGREGATED');
    expect(refused.body.error.message).toContain('observe: true');
    expect(attached.status).toBe(202);
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3 } });
  });

  it('a throttled aggregation says refreshed: false with the warning DATA_NOT_REFRESHED', async () => {
    const { path } = await idleMember();
    const fresh = await waitForJob(api, await start(path, 'aggregate'), ended);

    const throttled = await waitForJob(api, await start(path, 'aggregate'), ended);

    expect(fresh).toMatchObject({ status: 'SUCCEEDED', counts: { accounts: 3, refreshed: true } });
    expect(fresh.warnings).toBeUndefined();
    expect(throttled).toMatchObject({
      status: 'SUCCEEDED',
      counts: { accounts: 3, transactions: expect.any(Number), refreshed: false },
      warnings: [{ code: 'DATA_NOT_REFRESHED', message: expect.stringContaining('did not refresh') }],
    });
  });
});

describe('GET …/jobs and GET …/jobs/{job_guid}', () => {
  it('lists the member’s jobs newest first, a page at a time through next_cursor', async () => {
    const { path } = await idleMember();
    const created: string[] = [];
    for (const type of ['aggregate', 'identify', 'aggregate']) {
      const job = await start(path, type);
      await waitForJob(api, job, ended);
      created.push(job.guid);
    }

    const pages: Job[][] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(`${path}/jobs?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      pages.push(page.body.jobs);
      cursor = page.body.pagination.next_cursor;
    } while (cursor !== null && pages.length < 10);
    const all = await api.get(`${path}/jobs`);

    const paged = pages.flat().map((j) => j.guid);
    expect(pages[0]).toHaveLength(1);
    expect(pages.every((page) => page.length <= 1)).toBe(true);
    expect(paged).toEqual([...created].reverse());
    expect(all.body.jobs.map((j: Job) => j.guid)).toEqual([...created].reverse());
    expect(all.body.pagination.next_cursor).toBeNull();
  });

  it('reads a job without its task token, history or MX job guid', async () => {
    const { path } = await idleMember();
    const job = await start(path, 'verify');
    const parked = await waitForJob(api, job, status('CHALLENGED'));

    const read = await api.get(jobPath(job));

    expect(read.status).toBe(200);
    expect(read.body.job).toEqual(parked);
    expect(read.body.job).not.toHaveProperty('task_token');
    expect(read.body.job).not.toHaveProperty('history');
    expect(read.body.job).not.toHaveProperty('mx_job_guid');
  });

  it('answers 404 naming job_guid for an unknown job, and for a job of another member of the same user', async () => {
    const { user, path } = await idleMember();
    const otherMember = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'options'), skip_aggregation: true },
    });
    const job = await start(path, 'aggregate');

    expectError(await api.get(`${path}/jobs/${UNKNOWN_JOB}`), 404, 'NOT_FOUND', 'job_guid');
    expectError(
      await api.get(`${memberPath(user, otherMember.body.member.guid)}/jobs/${job.guid}`),
      404,
      'NOT_FOUND',
      'job_guid',
    );
  });

  it('answers 404 naming member_guid for a job read through another user', async () => {
    const { path } = await idleMember();
    const job = await start(path, 'aggregate');
    const intruder = await createUser(api);

    expectError(await api.get(jobPath({ ...job, user_guid: intruder })), 404, 'NOT_FOUND', 'member_guid');
    expectError(await api.get(`${memberPath(intruder, job.member_guid)}/jobs`), 404, 'NOT_FOUND', 'member_guid');
  });

  it.each(['JOB-1', 'not-a-job', 'JOB-000000000000-00000000000000zz', 'MBR-000000000000-0000000000000000'])(
    'refuses the malformed job guid %s (400 INVALID_PARAMETER naming job_guid)',
    async (guid) => {
      const { path } = await idleMember();

      expectError(await api.get(`${path}/jobs/${guid}`), 400, 'INVALID_PARAMETER', 'job_guid');
    },
  );

  it('refuses a cursor it did not give out, or gave out for another list (400 INVALID_CURSOR naming cursor)', async () => {
    const first = await idleMember();
    const second = await idleMember();
    for (const m of [first, second])
      for (const type of ['aggregate', 'identify']) await waitForJob(api, await start(m.path, type), ended);
    const foreign = (await api.get(`${second.path}/jobs?limit=1`)).body.pagination.next_cursor as string;
    const ofAccounts = (await api.get(`${first.path}/accounts?limit=1`)).body.pagination.next_cursor as string;
    const forged = Buffer.from(JSON.stringify({ pk: `MEMBER#${first.member}`, sk: 'LOCK', extra: 1 })).toString(
      'base64url',
    );

    expect(foreign).toEqual(expect.any(String));
    expect(ofAccounts).toEqual(expect.any(String));
    for (const cursor of ['garbage', foreign, ofAccounts, forged, Buffer.from('[]').toString('base64url')]) {
      expectError(
        await api.get(`${first.path}/jobs?cursor=${encodeURIComponent(cursor)}`),
        400,
        'INVALID_CURSOR',
        'cursor',
      );
    }
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=', 'cursor'],
    ['page=2', 'page'],
  ])('refuses %s (400 INVALID_PARAMETER naming it)', async (query, field) => {
    const { path } = await idleMember();

    expectError(await api.get(`${path}/jobs?${query}`), 400, 'INVALID_PARAMETER', field);
  });
});

describe('PUT …/jobs/{job_guid}/challenges', () => {
  it('resumes a verification parked on its account selection (202) and keeps exactly the chosen account’s numbers', async () => {
    const { user, member, path } = await idleMember();
    const job = await start(path, 'verify');
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));
    const selection = parked.challenges?.[0];
    const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));

    const answered = await api.put(`${jobPath(job)}/challenges`, {
      challenges: [{ guid: selection?.guid, value: checking?.value }],
    });
    const done = await waitForJob(api, job, ended);
    const numbers = await api.get(`${path}/account_numbers`);

    expect(parked.challenges).toHaveLength(1);
    expect(selection).toMatchObject({ type: 'OPTIONS', label: ACCOUNT_SELECTION_LABEL });
    expect(selection?.options?.length).toBeGreaterThanOrEqual(2);
    expect(answered.status).toBe(202);
    expect(answered.body.job).toMatchObject({ guid: job.guid, status: 'RUNNING' });
    expect(answered.body.job.challenges).toBeUndefined();
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_numbers: 1 } });
    expect(numbers.status).toBe(200);
    expect(numbers.body.account_numbers).toHaveLength(1);
    // Option values are MX's own tokens: the chosen option's label names the account's number.
    const checkingAccount = (await api.get(`${path}/accounts`)).body.accounts.find(
      (a: { type: string }) => a.type === 'CHECKING',
    );
    expect(numbers.body.account_numbers[0]).toMatchObject({
      account_guid: checkingAccount?.guid,
      member_guid: member,
      user_guid: user,
    });
    expect(checking?.label).toMatch(new RegExp(`${numbers.body.account_numbers[0].account_number.slice(-4)}$`));
  });

  it('identifies through a TEXT challenge answered right', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'identify');
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));

    const answered = await api.put(`${jobPath(job)}/challenges`, {
      challenges: [{ guid: parked.challenges?.[0]?.guid, value: 'correct' }],
    });
    const done = await waitForJob(api, job, ended);

    expect(parked.challenges?.[0]?.type).toBe('TEXT');
    expect(answered.status).toBe(202);
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_owners: 3 } });
    expect((await api.get(`${path}/account_owners`)).body.account_owners).toHaveLength(3);
  });

  it('ends the job FAILED MFA_REJECTED on a wrong answer, which is kept nowhere', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'identify');
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));

    const answered = await api.put(`${jobPath(job)}/challenges`, {
      challenges: [{ guid: parked.challenges?.[0]?.guid, value: SENTINEL_ANSWER }],
    });
    const done = await waitForJob(api, job, ended);

    expect(answered.status).toBe(202);
    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'REJECTED', error: { code: 'MFA_REJECTED' } });
    expect(JSON.stringify(answered.body)).not.toContain(SENTINEL_ANSWER);
    expect(JSON.stringify(done)).not.toContain(SENTINEL_ANSWER);
    expect(JSON.stringify(await storedItems(h.stack))).not.toContain(SENTINEL_ANSWER);
  });

  it('resumes once when the same answer is posted twice at once: one 202, one 409 ALREADY_ANSWERED', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'aggregate');
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));
    const answer = { challenges: [{ guid: parked.challenges?.[0]?.guid, value: 'correct' }] };
    const resumesBefore = mxCalls(MX_RESUME);

    const answers = await Promise.all([
      api.put(`${jobPath(job)}/challenges`, answer),
      api.put(`${jobPath(job)}/challenges`, answer),
    ]);
    const done = await waitForJob(api, job, ended);

    const [accepted, refused] = [...answers].sort((a, b) => a.status - b.status);
    expect(accepted?.status).toBe(202);
    expectError(refused!, 409, 'ALREADY_ANSWERED');
    expect(mxCalls(MX_RESUME) - resumesBefore).toBe(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('answers a repeated answer, posted after the first was taken, 409 ALREADY_ANSWERED while the job runs on', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'aggregate');
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));
    const answer = { challenges: [{ guid: parked.challenges?.[0]?.guid, value: 'correct' }] };
    const resumesBefore = mxCalls(MX_RESUME);

    const first = await api.put(`${jobPath(job)}/challenges`, answer);
    const second = await api.put(`${jobPath(job)}/challenges`, answer);
    const secondAnsweredAt = Date.now();
    const done = await waitForJob(api, job, ended);
    const afterTheEnd = await api.put(`${jobPath(job)}/challenges`, answer);

    expect(first.status).toBe(202);
    expect(done.status).toBe('SUCCEEDED');
    // The job runs on for 100 ms of MX time after the answer; only once it has ended does it "no longer wait".
    if (secondAnsweredAt < Date.parse(String(done.finished_at))) expectError(second, 409, 'ALREADY_ANSWERED');
    else expect(second.body.error.code).toMatch(/^(ALREADY_ANSWERED|JOB_NOT_CHALLENGED)$/);
    expectError(afterTheEnd, 409, 'JOB_NOT_CHALLENGED');
    expect(mxCalls(MX_RESUME) - resumesBefore).toBe(1);
  });

  it('refuses answers to a job that is not CHALLENGED (409 JOB_NOT_CHALLENGED) without asking MX', async () => {
    const { path } = await idleMember();
    const running = await start(path, 'aggregate');
    const resumesBefore = mxCalls(MX_RESUME);

    const whileRunning = await api.put(`${jobPath(running)}/challenges`, {
      challenges: [{ guid: 'MFA-1', value: 'correct' }],
    });
    await waitForJob(api, running, ended);
    const afterTheEnd = await api.put(`${jobPath(running)}/challenges`, {
      challenges: [{ guid: 'MFA-1', value: 'correct' }],
    });

    expectError(whileRunning, 409, 'JOB_NOT_CHALLENGED');
    expectError(afterTheEnd, 409, 'JOB_NOT_CHALLENGED');
    expect(mxCalls(MX_RESUME)).toBe(resumesBefore);
  });

  it('refuses an answer to a challenge the job does not wait on (400 naming challenges.N.guid), leaving it CHALLENGED', async () => {
    const { path } = await idleMember();
    const job = await start(path, 'verify');
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));
    const real = {
      guid: String(parked.challenges?.[0]?.guid),
      value: String(parked.challenges?.[0]?.options?.[0]?.value),
    };

    const strayOnly = await api.put(`${jobPath(job)}/challenges`, {
      challenges: [{ guid: 'CRD-not-a-challenge', value: 'x' }],
    });
    const strayAfterReal = await api.put(`${jobPath(job)}/challenges`, {
      challenges: [real, { guid: 'CRD-not-a-challenge', value: 'x' }],
    });

    expectError(strayOnly, 400, 'VALIDATION_FAILED', 'challenges.0.guid');
    expectError(strayAfterReal, 400, 'VALIDATION_FAILED', 'challenges.1.guid');
    expect((await api.get(jobPath(job))).body.job).toEqual(parked);
  });

  it('refuses answers that leave one of the job’s challenges unanswered (400 naming challenges)', async () => {
    const { member, path } = await idleMember('challenge');
    const job = await start(path, 'aggregate');
    const parked: Job = await waitForJob(api, job, status('CHALLENGED'));
    // MX may ask several questions in one round; the simulator asks one, so give the stored job a second.
    const record = await h.stack.jobs.getJob(member, job.guid);
    const second = { guid: 'MFA-second-question', type: 'TEXT', label: 'Your first pet?' };
    await h.stack.jobs.parkForChallenge(member, job.guid, {
      challenges: [...(record?.challenges ?? []), second],
      taskToken: String(record?.task_token),
      now: new Date(),
    });

    const partial = await api.put(`${jobPath(job)}/challenges`, {
      challenges: [{ guid: parked.challenges?.[0]?.guid, value: 'correct' }],
    });

    expectError(partial, 400, 'VALIDATION_FAILED', 'challenges');
    expect(partial.body.error.message).toContain(second.guid);
    expect((await api.get(jobPath(job))).body.job.status).toBe('CHALLENGED');
  });

  it.each([
    ['no answers', { challenges: [] }, 'challenges'],
    ['no challenges field', {}, 'challenges'],
    ['an answer without a value', { challenges: [{ guid: 'MFA-1' }] }, 'challenges.0.value'],
    ['an answer without a guid', { challenges: [{ value: 'correct' }] }, 'challenges.0.guid'],
    ['a field the API does not take', { challenges: [{ guid: 'MFA-1', value: 'correct' }], member: {} }, 'member'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field)', async (_, body, field) => {
    const { path } = await idleMember();
    const job = await start(path, 'verify');

    expectError(await api.put(`${jobPath(job)}/challenges`, body), 400, 'VALIDATION_FAILED', field);
  });

  it('answers 404 naming job_guid for an unknown job, and 400 BODY_REQUIRED without a body', async () => {
    const { path } = await idleMember();

    expectError(
      await api.put(`${path}/jobs/${UNKNOWN_JOB}/challenges`, { challenges: [{ guid: 'MFA-1', value: 'x' }] }),
      404,
      'NOT_FOUND',
      'job_guid',
    );
    expectError(await api.send('PUT', `${path}/jobs/${UNKNOWN_JOB}/challenges`), 400, 'BODY_REQUIRED');
  });
});
