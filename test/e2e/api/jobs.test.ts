import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import { ACCOUNT_SELECTION_LABEL } from '#local/mx-simulator/index.js';
import type { components } from '#shared/api/generated/api-paths.js';
import { JOB_TYPES, type JobType } from '#shared/contract/workflow.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  ended,
  everyPage,
  expectError,
  expectOk,
  expectRefusal,
  status,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { stackTable, storedChallengeToken } from '#test/support/task-token-items.js';
import {
  API_TEST_POLLING,
  HARNESS_TRANSACTIONS_PER_ACCOUNT,
  startWorkflowHarness,
  type WorkflowHarness,
} from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  // Jobs take 150 ms; the harness keeps a parked challenge waiting for hours of MX time (seconds).
  h = await startWorkflowHarness({
    simulator: { seed: 'api-jobs', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  api = h.api();
});
afterAll(async () => h?.stop());

type Job = JobView;
type JobRef = Pick<Job, 'guid' | 'user_guid' | 'member_guid'>;
type MemberPath = { user_guid: string; member_guid: string };
type Schemas = components['schemas'];

const SENTINEL_ANSWER = 'S3ntinel-Challenge-Answ3r';
const UNKNOWN_USER = 'USR-00000000-0000-0000-0000-000000000000';
const UNKNOWN_MEMBER = 'MBR-00000000-0000-0000-0000-000000000000';
const UNKNOWN_JOB = 'JOB-000000000000-0000000000000000';
const MX_RESUME = 'PUT /users/{user_guid}/members/{member_guid}/resume';
/** Paths as written: where Location headers point, and for the requests the document cannot express. */
const memberPath = (user: string, member: string) => `/users/${user}/members/${member}`;
const jobPath = (job: JobRef) => `${memberPath(job.user_guid, job.member_guid)}/jobs/${job.guid}`;

const ofMember = (path: MemberPath) => ({ params: { path } });
const ofJob = (job: JobRef) => ({
  params: { path: { user_guid: job.user_guid, member_guid: job.member_guid, job_guid: job.guid } },
});
const postMember = (user_guid: string, member: Schemas['CreateMemberBody']['member']) =>
  api.typed.POST('/users/{user_guid}/members', { params: { path: { user_guid } }, body: { member } });
const startJob = (path: MemberPath, type: JobType, body: Schemas['StartJobBody'] = {}) =>
  api.typed.POST(`/users/{user_guid}/members/{member_guid}/${type}`, { ...ofMember(path), body });
const listJobs = (path: MemberPath, query: { limit?: number; cursor?: string } = {}) =>
  api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs', { params: { path, query } });
const readJob = (job: JobRef) => api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}', ofJob(job));
const answer = (job: JobRef, challenges: Schemas['AnswerChallengesBody']['challenges']) =>
  api.typed.PUT('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/challenges', {
    ...ofJob(job),
    body: { challenges },
  });
/** The answer to the first challenge a parked job waits on. */
const firstAnswer = (parked: Job, value: string) => [{ guid: String(parked.challenges?.[0]?.guid), value }];

/** A user with an MX Bank member created through the API, without its first aggregation. */
async function idleMember(password = 'password') {
  const user = await createUser(api);
  const created = await postMember(user, {
    institution_code: 'mxbank',
    credentials: await credentialsFor(api, password),
    skip_aggregation: true,
  });
  const member = expectOk(created, 201).member.guid;
  return { user, member, path: { user_guid: user, member_guid: member } };
}

async function start(path: MemberPath, type: JobType, body: Schemas['StartJobBody'] = {}): Promise<Job> {
  return expectOk(await startJob(path, type, body), 202).job;
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
    const { user, member, path } = await idleMember();

    const started = await startJob(path, 'verify');
    const { job } = expectOk(started, 202);
    const read = await readJob(job);

    expect(job).toMatchObject({
      guid: expect.stringMatching(/^JOB-/),
      type: 'verify',
      status: 'RUNNING',
      member_guid: member,
    });
    expect(started.response.headers.get('location')).toBe(`${memberPath(user, member)}/jobs/${job.guid}`);
    expect(expectOk(read).job.guid).toBe(job.guid);
    expect(executionsOf(member)).toHaveLength(1);
  });

  it('answers the job already running (202, same job) when the same type is started again', async () => {
    const { member, path } = await idleMember();
    const first = await start(path, 'verify');

    // A verification waits on its account-selection challenge: it runs until answered.
    const again = await startJob(path, 'verify');

    expect(expectOk(again, 202).job.guid).toBe(first.guid);
    expect(again.response.headers.get('location')).toBe(jobPath(first));
    expect(executionsOf(member)).toHaveLength(1);
  });

  it.each(['aggregate', 'identify'] as const)(
    'refuses to start %s while a verification runs (409 JOB_RUNNING naming the job)',
    async (type) => {
      const { member, path } = await idleMember();
      const running = await start(path, 'verify');

      const refused = await startJob(path, type);

      expect(expectRefusal(refused, 409, 'JOB_RUNNING').error.message).toContain(running.guid);
      expect(executionsOf(member)).toHaveLength(1);
    },
  );

  it('starts one execution for 50 concurrent aggregations of one member, all answered 202 with one job', async () => {
    // The job parks on a challenge, so it is still running when the last of the 50 requests is served.
    const { member, path } = await idleMember('challenge');

    const answers = await Promise.all(Array.from({ length: 50 }, () => startJob(path, 'aggregate')));
    const job = expectOk(answers[0]!, 202).job;
    const parked = await waitForJob(api, job, status('CHALLENGED'));
    await answer(job, firstAnswer(parked, 'correct'));
    const done = await waitForJob(api, job, ended);

    expect(answers.map((a) => a.response.status)).toEqual(Array.from({ length: 50 }, () => 202));
    expect(new Set(answers.map((a) => a.data?.job.guid)).size).toBe(1);
    expect(executionsOf(member)).toHaveLength(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('starts a new job as soon as the previous one reads as ended, of the same type or another', async () => {
    const { member, path } = await idleMember();

    const jobs: Job[] = [];
    for (const type of ['aggregate', 'aggregate', 'identify', 'identify'] as const) {
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

    // Given no body, the typed client sends none, and no Content-Type either.
    const started = await api.typed.POST('/users/{user_guid}/members/{member_guid}/aggregate', ofMember(path));

    expect(expectOk(started, 202).job.type).toBe('aggregate');
  });

  it('aggregates without transactions when include_transactions is false', async () => {
    const { member, path } = await idleMember();

    const job = await start(path, 'aggregate', { include_transactions: false });
    const done = await waitForJob(api, job, ended);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.counts?.transactions ?? 0).toBe(0);
    expect((await h.stack.results.listResults(member, 'accounts')).items).toHaveLength(3);
    expect((await h.stack.results.listResults(member, 'transactions')).items).toEqual([]);
    const listed = await api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', ofMember(path));
    expect(expectOk(listed)).toEqual({ transactions: [], pagination: { next_cursor: null }, sync_cursor: null });
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
    const path = { user_guid: user, member_guid: memberGuid };
    const mxStartsBefore = h.mxRequests('POST /users/{user_guid}/members/{member_guid}/aggregate');

    const job = await start(path, 'aggregate', { observe: true });
    const done = await waitForJob(api, job, ended);

    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      connection_status: 'CONNECTED',
      counts: { accounts: 3, transactions: 3 * HARNESS_TRANSACTIONS_PER_ACCOUNT },
    });
    expect(h.mxRequests('POST /users/{user_guid}/members/{member_guid}/aggregate')).toBe(mxStartsBefore);
    const read = expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}', ofMember(path)));
    expect(read.member).toMatchObject({ guid: memberGuid, institution_code: 'mxbank' });
    const listed = expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', ofMember(path)));
    expect(listed.accounts).toHaveLength(3);
    expect((await h.stack.results.listResults(memberGuid, 'transactions', { limit: 1000 })).items).toHaveLength(
      3 * HARNESS_TRANSACTIONS_PER_ACCOUNT,
    );
  });

  it('ends a verification at an institution without verification FAILED NOT_SUPPORTED', async () => {
    const user = await createUser(api);
    const created = await postMember(user, {
      institution_code: 'beehive_savings',
      credentials: await credentialsFor(api, 'password', 'beehive_savings'),
      skip_aggregation: true,
    });
    const path = { user_guid: user, member_guid: expectOk(created, 201).member.guid };

    const done = await waitForJob(api, await start(path, 'verify'), ended);

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

    const unknown = await startJob({ user_guid: user, member_guid: UNKNOWN_MEMBER }, 'aggregate');
    const anotherUsers = await startJob({ user_guid: user, member_guid: String(member.guid) }, 'aggregate', {
      observe: true,
    });

    expectRefusal(unknown, 404, 'NOT_FOUND', 'member_guid');
    expectRefusal(anotherUsers, 404, 'NOT_FOUND', 'member_guid');
    expect(executionsOf(String(member.guid))).toEqual([]);
  });

  it('answers 404 naming user_guid for an unknown user', async () => {
    const refused = await startJob({ user_guid: UNKNOWN_USER, member_guid: UNKNOWN_MEMBER }, 'verify');

    expectRefusal(refused, 404, 'NOT_FOUND', 'user_guid');
  });

  it.each([
    ['observe that is not a boolean', { observe: 'yes' }, 'observe'],
    ['include_transactions that is not a boolean', { include_transactions: 1 }, 'include_transactions'],
    ['a field the API does not take', { type: 'verify' }, 'type'],
  ])('refuses %s (400 VALIDATION_FAILED naming the field)', async (_, body, field) => {
    const { user, member } = await idleMember();

    // Raw: each body breaks the document on purpose.
    expectError(await api.post(`${memberPath(user, member)}/aggregate`, body), 400, 'VALIDATION_FAILED', field);
    expect(executionsOf(member)).toEqual([]);
  });

  it('refuses a body that is not JSON (415 / 400 INVALID_JSON)', async () => {
    const { user, member } = await idleMember();
    const path = memberPath(user, member);

    // Raw: the typed client sends only well-formed JSON, as application/json.
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
    const created = await postMember(user, {
      institution_code: 'mx_bank_oauth',
      is_oauth: true,
      skip_aggregation: true,
    });
    const member = expectOk(created, 201).member.guid;

    const refused = await startJob({ user_guid: user, member_guid: member }, 'verify');

    expect(expectRefusal(refused, 409, 'MEMBER_PENDING_OAUTH').error.message).toMatch(/PENDING.*OAuth window/);
    expect(executionsOf(member)).toHaveLength(0);
  });

  it('an identify on a DENIED member is refused with MEMBER_NEEDS_CREDENTIALS, naming PUT member', async () => {
    const { member, path } = await idleMember('denied');
    const failed = await waitForJob(api, await start(path, 'aggregate'), ended);

    const refused = await startJob(path, 'identify');

    expect(failed).toMatchObject({
      status: 'FAILED',
      connection_status: 'DENIED',
      error: { code: 'CREDENTIALS_INVALID' },
    });
    expect(expectRefusal(refused, 409, 'MEMBER_NEEDS_CREDENTIALS').error.message).toMatch(/DENIED.*PUT/);
    expect(executionsOf(member)).toHaveLength(1);
  });

  it('a verify for a user disabled at MX is refused with USER_DISABLED naming user_guid, starting nothing', async () => {
    const { user, member, path } = await idleMember();
    await h.mx.updateUser(user, { is_disabled: true });

    const refused = await startJob(path, 'verify');

    expectRefusal(refused, 409, 'USER_DISABLED', 'user_guid');
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
    const path = { user_guid: user, member_guid: String(member.guid) };

    const refused = await startJob(path, 'verify');
    const attached = await startJob(path, 'aggregate');
    h.stack.simulator?.configure({ jobDurationMs: 150_000 });
    const done = await waitForJob(api, expectOk(attached, 202).job, ended);

    expect(expectRefusal(refused, 409, 'MEMBER_BEING_AGGREGATED').error.message).toContain('observe: true');
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
    for (const type of ['aggregate', 'identify', 'aggregate'] as const) {
      const job = await start(path, type);
      await waitForJob(api, job, ended);
      created.push(job.guid);
    }

    const pages = (await everyPage((next) => listJobs(path, { limit: 1, ...next }))).map((page) => page.jobs);
    const all = expectOk(await listJobs(path));

    const paged = pages.flat().map((j) => j.guid);
    expect(pages[0]).toHaveLength(1);
    expect(pages.every((page) => page.length <= 1)).toBe(true);
    expect(paged).toEqual([...created].reverse());
    expect(all.jobs.map((j) => j.guid)).toEqual([...created].reverse());
    expect(all.pagination.next_cursor).toBeNull();
  });

  it('reads a job without its task token, history or MX job guid', async () => {
    const { path } = await idleMember();
    const job = await start(path, 'verify');
    const parked = await waitForJob(api, job, status('CHALLENGED'));

    const read = expectOk(await readJob(job)).job;

    expect(read).toEqual(parked);
    expect(read).not.toHaveProperty('task_token');
    expect(read).not.toHaveProperty('history');
    expect(read).not.toHaveProperty('mx_job_guid');
  });

  it('answers 404 naming job_guid for an unknown job, and for a job of another member of the same user', async () => {
    const { user, path } = await idleMember();
    const otherMember = await postMember(user, {
      institution_code: 'mxbank',
      credentials: await credentialsFor(api, 'options'),
      skip_aggregation: true,
    });
    const job = await start(path, 'aggregate');

    expectRefusal(await readJob({ ...job, guid: UNKNOWN_JOB }), 404, 'NOT_FOUND', 'job_guid');
    expectRefusal(
      await readJob({ ...job, member_guid: expectOk(otherMember, 201).member.guid }),
      404,
      'NOT_FOUND',
      'job_guid',
    );
  });

  it('answers 404 naming member_guid for a job read through another user', async () => {
    const { path } = await idleMember();
    const job = await start(path, 'aggregate');
    const intruder = await createUser(api);

    expectRefusal(await readJob({ ...job, user_guid: intruder }), 404, 'NOT_FOUND', 'member_guid');
    expectRefusal(
      await listJobs({ user_guid: intruder, member_guid: job.member_guid }),
      404,
      'NOT_FOUND',
      'member_guid',
    );
  });

  it.each(['JOB-1', 'not-a-job', 'JOB-000000000000-00000000000000zz', 'MBR-000000000000-0000000000000000'])(
    'refuses the malformed job guid %s (400 INVALID_PARAMETER naming job_guid)',
    async (guid) => {
      const { user, member } = await idleMember();

      // Raw: each guid breaks the document's pattern on purpose.
      expectError(await api.get(`${memberPath(user, member)}/jobs/${guid}`), 400, 'INVALID_PARAMETER', 'job_guid');
    },
  );

  it('refuses a cursor it did not give out, or gave out for another list (400 INVALID_CURSOR naming cursor)', async () => {
    const first = await idleMember();
    const second = await idleMember();
    // The first member's accounts give a cursor of another list; two jobs of the second, one of its jobs.
    await waitForJob(api, await start(first.path, 'aggregate'), ended);
    for (const type of ['aggregate', 'identify'] as const) await waitForJob(api, await start(second.path, type), ended);
    const foreign = expectOk(await listJobs(second.path, { limit: 1 })).pagination.next_cursor as string;
    const ofAccounts = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', {
        params: { path: first.path, query: { limit: 1 } },
      }),
    ).pagination.next_cursor as string;
    const forged = Buffer.from(JSON.stringify({ pk: `MEMBER#${first.member}`, sk: 'LOCK', extra: 1 })).toString(
      'base64url',
    );

    expect(foreign).toEqual(expect.any(String));
    expect(ofAccounts).toEqual(expect.any(String));
    for (const cursor of ['garbage', foreign, ofAccounts, forged, Buffer.from('[]').toString('base64url')]) {
      expectRefusal(await listJobs(first.path, { cursor }), 400, 'INVALID_CURSOR', 'cursor');
    }
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=', 'cursor'],
    ['page=2', 'page'],
  ])('refuses %s (400 INVALID_PARAMETER naming it)', async (query, field) => {
    const { user, member } = await idleMember();

    // Raw: each query breaks the document on purpose.
    expectError(await api.get(`${memberPath(user, member)}/jobs?${query}`), 400, 'INVALID_PARAMETER', field);
  });
});

describe('PUT …/jobs/{job_guid}/challenges', () => {
  it('resumes a verification parked on its account selection (202) and keeps exactly the chosen account’s numbers', async () => {
    const { user, member, path } = await idleMember();
    const job = await start(path, 'verify');
    const parked = await waitForJob(api, job, status('CHALLENGED'));
    const selection = parked.challenges?.[0];
    const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));

    const answered = await answer(job, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
    const done = await waitForJob(api, job, ended);
    const numbers = await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_numbers', ofMember(path));

    expect(parked.challenges).toHaveLength(1);
    expect(selection).toMatchObject({ type: 'OPTIONS', label: ACCOUNT_SELECTION_LABEL });
    expect(selection?.options?.length).toBeGreaterThanOrEqual(2);
    const resumed = expectOk(answered, 202).job;
    expect(resumed).toMatchObject({ guid: job.guid, status: 'RUNNING' });
    expect(resumed.challenges).toBeUndefined();
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_numbers: 1 } });
    const [number, ...others] = expectOk(numbers).account_numbers;
    expect(others).toEqual([]);
    // Option values are MX's own tokens: the chosen option's label names the account's number.
    const accounts = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', ofMember(path)),
    ).accounts;
    const checkingAccount = accounts.find((a) => a.type === 'CHECKING');
    expect(number).toMatchObject({ account_guid: checkingAccount?.guid, member_guid: member, user_guid: user });
    expect(checking?.label).toMatch(new RegExp(`${String(number?.account_number).slice(-4)}$`));
  });

  it('identifies through a TEXT challenge answered right', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'identify');
    const parked = await waitForJob(api, job, status('CHALLENGED'));

    const answered = await answer(job, firstAnswer(parked, 'correct'));
    const done = await waitForJob(api, job, ended);

    expect(parked.challenges?.[0]?.type).toBe('TEXT');
    expectOk(answered, 202);
    expect(done).toMatchObject({ status: 'SUCCEEDED', counts: { account_owners: 3 } });
    const owners = await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_owners', ofMember(path));
    expect(expectOk(owners).account_owners).toHaveLength(3);
  });

  it('ends the job FAILED MFA_REJECTED on a wrong answer, which is kept nowhere', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'identify');
    const parked = await waitForJob(api, job, status('CHALLENGED'));

    const answered = await answer(job, firstAnswer(parked, SENTINEL_ANSWER));
    const done = await waitForJob(api, job, ended);

    expect(done).toMatchObject({ status: 'FAILED', connection_status: 'REJECTED', error: { code: 'MFA_REJECTED' } });
    expect(JSON.stringify(expectOk(answered, 202))).not.toContain(SENTINEL_ANSWER);
    expect(JSON.stringify(done)).not.toContain(SENTINEL_ANSWER);
    expect(JSON.stringify(await storedItems(h.stack))).not.toContain(SENTINEL_ANSWER);
  });

  it('resumes once when the same answer is posted twice at once: one 202, one 409 ALREADY_ANSWERED', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'aggregate');
    const parked = await waitForJob(api, job, status('CHALLENGED'));
    const challenges = firstAnswer(parked, 'correct');
    const resumesBefore = h.mxRequests(MX_RESUME);

    const answers = await Promise.all([answer(job, challenges), answer(job, challenges)]);
    const done = await waitForJob(api, job, ended);

    const [accepted, refused] = [...answers].sort((a, b) => a.response.status - b.response.status);
    expectOk(accepted!, 202);
    expectRefusal(refused!, 409, 'ALREADY_ANSWERED');
    expect(h.mxRequests(MX_RESUME) - resumesBefore).toBe(1);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('answers a repeated answer, posted after the first was taken, 409 ALREADY_ANSWERED while the job runs on', async () => {
    const { path } = await idleMember('challenge');
    const job = await start(path, 'aggregate');
    const parked = await waitForJob(api, job, status('CHALLENGED'));
    const challenges = firstAnswer(parked, 'correct');
    const resumesBefore = h.mxRequests(MX_RESUME);

    const first = await answer(job, challenges);
    const second = await answer(job, challenges);
    const secondAnsweredAt = Date.now();
    const done = await waitForJob(api, job, ended);
    const afterTheEnd = await answer(job, challenges);

    expectOk(first, 202);
    expect(done.status).toBe('SUCCEEDED');
    // The job runs on for 100 ms of MX time after the answer; only once it has ended does it "no longer wait".
    if (secondAnsweredAt < Date.parse(String(done.finished_at))) expectRefusal(second, 409, 'ALREADY_ANSWERED');
    else
      expect(second.error).toMatchObject({
        error: { code: expect.stringMatching(/^(ALREADY_ANSWERED|JOB_NOT_CHALLENGED)$/) },
      });
    expectRefusal(afterTheEnd, 409, 'JOB_NOT_CHALLENGED');
    expect(h.mxRequests(MX_RESUME) - resumesBefore).toBe(1);
  });

  it('refuses answers to a job that is not CHALLENGED (409 JOB_NOT_CHALLENGED) without asking MX', async () => {
    const { path } = await idleMember();
    const running = await start(path, 'aggregate');
    const resumesBefore = h.mxRequests(MX_RESUME);

    const whileRunning = await answer(running, [{ guid: 'MFA-1', value: 'correct' }]);
    await waitForJob(api, running, ended);
    const afterTheEnd = await answer(running, [{ guid: 'MFA-1', value: 'correct' }]);

    expectRefusal(whileRunning, 409, 'JOB_NOT_CHALLENGED');
    expectRefusal(afterTheEnd, 409, 'JOB_NOT_CHALLENGED');
    expect(h.mxRequests(MX_RESUME)).toBe(resumesBefore);
  });

  it('refuses an answer to a challenge the job does not wait on (400 naming challenges.N.guid), leaving it CHALLENGED', async () => {
    const { path } = await idleMember();
    const job = await start(path, 'verify');
    const parked = await waitForJob(api, job, status('CHALLENGED'));
    const real = {
      guid: String(parked.challenges?.[0]?.guid),
      value: String(parked.challenges?.[0]?.options?.[0]?.value),
    };

    const strayOnly = await answer(job, [{ guid: 'CRD-not-a-challenge', value: 'x' }]);
    const strayAfterReal = await answer(job, [real, { guid: 'CRD-not-a-challenge', value: 'x' }]);

    expectRefusal(strayOnly, 400, 'VALIDATION_FAILED', 'challenges.0.guid');
    expectRefusal(strayAfterReal, 400, 'VALIDATION_FAILED', 'challenges.1.guid');
    expect(expectOk(await readJob(job)).job).toEqual(parked);
  });

  it('refuses answers that leave one of the job’s challenges unanswered (400 naming challenges)', async () => {
    const { member, path } = await idleMember('challenge');
    const job = await start(path, 'aggregate');
    const parked = await waitForJob(api, job, status('CHALLENGED'));
    // MX may ask several questions in one round; the simulator asks one, so give the stored job a second.
    const record = await h.stack.jobs.getJob(member, job.guid);
    const second = { guid: 'MFA-second-question', type: 'TEXT', label: 'Your first pet?' };
    await h.stack.jobs.parkForChallenge(member, job.guid, {
      challenges: [...(record?.challenges ?? []), second],
      taskToken: String(await storedChallengeToken(stackTable(h.stack), member, job.guid)),
      now: new Date(),
    });

    const partial = await answer(job, firstAnswer(parked, 'correct'));

    expect(expectRefusal(partial, 400, 'VALIDATION_FAILED', 'challenges').error.message).toContain(second.guid);
    expect(expectOk(await readJob(job)).job.status).toBe('CHALLENGED');
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

    // Raw: each body breaks the document on purpose (it asks for at least one answer).
    expectError(await api.put(`${jobPath(job)}/challenges`, body), 400, 'VALIDATION_FAILED', field);
  });

  it('answers 404 naming job_guid for an unknown job, and 400 BODY_REQUIRED without a body', async () => {
    const { path } = await idleMember();
    const unknownJob = { ...path, guid: UNKNOWN_JOB };

    expectRefusal(await answer(unknownJob, [{ guid: 'MFA-1', value: 'x' }]), 404, 'NOT_FOUND', 'job_guid');
    // Raw: the document requires the body this request leaves out.
    expectError(await api.send('PUT', `${jobPath(unknownJob)}/challenges`), 400, 'BODY_REQUIRED');
  });
});
