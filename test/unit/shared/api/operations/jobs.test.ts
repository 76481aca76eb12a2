import { describe, expect, it, vi } from 'vitest';
import { executionArnOf } from '#shared/jobs/reconcile-jobs.js';
import { aMember, apiHandlersOver, aUser, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

const MEMBER = '/users/USR-1/members/MBR-1';
const JOB_GUID = 'JOB-0000000000aa-00000000000000aa';
const mxMember = (connection_status: string, extra: Record<string, unknown> = {}) =>
  ({
    guid: 'MBR-1',
    user_guid: 'USR-1',
    institution_code: 'mxbank',
    connection_status,
    is_being_aggregated: false,
    ...extra,
  }) as never;
const mxUser = (is_disabled = false) => ({ guid: 'USR-1', is_disabled }) as never;

function memberAt(connection: string, userDisabled = false) {
  return fakeApiDeps({
    users: [aUser()],
    members: [aMember()],
    mx: { readMember: async () => mxMember(connection), readUser: async () => mxUser(userDisabled) },
  });
}

describe('starting a job', () => {
  it('starts the execution (202 with the job and its Location), its input holding references only', async () => {
    const deps = memberAt('CONNECTED');

    const answer = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/verify`, { json: {} });

    expect(answer.status).toBe(202);
    expect(answer.body.job).toMatchObject({ type: 'verify', status: 'RUNNING', member_guid: 'MBR-1' });
    expect(answer.headers.Location).toBe(`${MEMBER}/jobs/${answer.body.job.guid}`);
    expect(deps.sfn.started).toEqual([
      {
        stateMachineArn: deps.stateMachineArns.verify,
        name: answer.body.job.guid,
        input: {
          jobGuid: answer.body.job.guid,
          userGuid: 'USR-1',
          memberGuid: 'MBR-1',
          observeOnly: false,
          includeTransactions: true,
          isOauth: false,
          unattended: false,
        },
      },
    ]);
  });

  it.each([
    ['DENIED', 'MEMBER_NEEDS_CREDENTIALS'],
    ['LOCKED', 'MEMBER_LOCKED'],
    ['CLOSED', 'MEMBER_CLOSED'],
    ['PENDING', 'MEMBER_PENDING_OAUTH'],
    ['CHALLENGED', 'MEMBER_CHALLENGED'],
  ])('refuses a start on a %s member (409 %s) and starts nothing', async (connection, code) => {
    const deps = memberAt(connection);

    const answer = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/identify`, { json: {} });

    expect(answer).toMatchObject({
      status: 409,
      body: { error: { code, message: expect.stringContaining(connection) } },
    });
    expect(deps.sfn.started).toEqual([]);
  });

  it('refuses a start for a user MX disabled (409 USER_DISABLED naming user_guid)', async () => {
    const deps = memberAt('CONNECTED', true);

    const answer = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/aggregate`, { json: {} });

    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'USER_DISABLED', field: 'user_guid' } } });
  });

  it('answers the job already running when the same type is started again (202, the same job)', async () => {
    const deps = memberAt('CONNECTED');
    const handlers = apiHandlersOver(deps);
    const first = await callApi(handlers, 'POST', `${MEMBER}/aggregate`, { json: {} });

    const again = await callApi(handlers, 'POST', `${MEMBER}/aggregate`, { json: {} });

    expect(again.status).toBe(202);
    expect(again.body.job.guid).toBe(first.body.job.guid);
    expect(deps.sfn.started).toHaveLength(1);
  });

  it('answers the job a concurrent start began while MX was read, not the status it left (202)', async () => {
    // The other start takes the member while this one reads MX, which then shows that job's challenge.
    let handlers: ReturnType<typeof apiHandlersOver> | undefined;
    let first: Awaited<ReturnType<typeof callApi>> | undefined;
    let raced = false;
    const deps = fakeApiDeps({
      users: [aUser()],
      members: [aMember()],
      mx: {
        readMember: async () => {
          if (!raced) {
            raced = true;
            first = await callApi(handlers!, 'POST', `${MEMBER}/aggregate`, { json: {} });
            return mxMember('CHALLENGED');
          }
          return mxMember('CONNECTED');
        },
        readUser: async () => mxUser(),
      },
    });
    handlers = apiHandlersOver(deps);

    const racing = await callApi(handlers, 'POST', `${MEMBER}/aggregate`, { json: {} });

    expect(first?.status).toBe(202);
    expect(racing.status).toBe(202);
    expect(racing.body.job.guid).toBe(first?.body.job.guid);
    expect(deps.sfn.started).toHaveLength(1);
  });

  it('refuses another type while a job runs, naming it in plain words (409 JOB_RUNNING)', async () => {
    const deps = memberAt('CONNECTED');
    const handlers = apiHandlersOver(deps);
    const running = await callApi(handlers, 'POST', `${MEMBER}/aggregate`, { json: {} });

    const answer = await callApi(handlers, 'POST', `${MEMBER}/identify`, { json: {} });

    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({
      code: 'JOB_RUNNING',
      message: `an aggregate job (${running.body.job.guid}) is running on this member; start this one when it ends`,
    });
  });

  it('follows what MX runs without asking MX whether it would start (observe)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });

    const answer = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/aggregate`, { json: { observe: true } });

    expect(answer.status).toBe(202);
    expect(deps.mxCalls).toEqual([]);
    expect(deps.sfn.started[0]?.input).toMatchObject({ observeOnly: true });
  });

  it("adopts a member made through the Connect widget once MX confirms it is the user's", async () => {
    const deps = fakeApiDeps({
      users: [aUser()],
      mx: { readMember: async () => mxMember('CONNECTED', { is_oauth: true }), readUser: async () => mxUser() },
    });

    const answer = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/aggregate`, { json: {} });

    expect(answer.status).toBe(202);
    expect(await deps.members.getMember('USR-1', 'MBR-1')).toMatchObject({
      is_oauth: true,
      institution_code: 'mxbank',
    });
  });

  it('refuses a field the API does not take (400 VALIDATION_FAILED naming it)', async () => {
    const answer = await callApi(apiHandlersOver(memberAt('CONNECTED')), 'POST', `${MEMBER}/verify`, {
      json: { obsrve: true },
    });

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', field: 'obsrve' } } });
  });
});

describe('reading and listing jobs', () => {
  it("lists the member's jobs newest first", async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    deps.jobs.add({
      jobGuid: 'JOB-000000000001-0000000000000001',
      userGuid: 'USR-1',
      memberGuid: 'MBR-1',
      type: 'verify',
    });
    deps.jobs.add({
      jobGuid: 'JOB-000000000002-0000000000000002',
      userGuid: 'USR-1',
      memberGuid: 'MBR-1',
      type: 'identify',
    });

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/jobs`);

    expect(answer.body.jobs.map((job: { type: string }) => job.type)).toEqual(['identify', 'verify']);
    expect(answer.body.pagination).toEqual({ next_cursor: null });
  });

  it('answers 404 naming job_guid for a job of another member', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember(), aMember('MBR-2')] });
    deps.jobs.add({ jobGuid: JOB_GUID, userGuid: 'USR-1', memberGuid: 'MBR-2', type: 'verify' });

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/jobs/${JOB_GUID}`);

    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', field: 'job_guid' } } });
  });

  it("reads the user's job with one read of the table, the member's record unread", async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    deps.jobs.add({ jobGuid: JOB_GUID, userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'verify' });
    const memberReads = vi.spyOn(deps.members, 'getMember');

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/jobs/${JOB_GUID}`);

    expect(answer).toMatchObject({ status: 200, body: { job: { guid: JOB_GUID, type: 'verify' } } });
    expect(memberReads).not.toHaveBeenCalled();
  });

  it("answers 404 naming member_guid for a job of another user's member, as for a made-up member", async () => {
    const deps = fakeApiDeps({ users: [aUser(), aUser('USR-2')], members: [aMember(), aMember('MBR-2', 'USR-2')] });
    deps.jobs.add({ jobGuid: JOB_GUID, userGuid: 'USR-2', memberGuid: 'MBR-2', type: 'verify' });
    const handlers = apiHandlersOver(deps);

    const theirs = await callApi(handlers, 'GET', `/users/USR-1/members/MBR-2/jobs/${JOB_GUID}`);
    const cancel = await callApi(handlers, 'POST', `/users/USR-1/members/MBR-2/jobs/${JOB_GUID}/cancel`);
    const madeUp = await callApi(handlers, 'GET', `/users/USR-1/members/MBR-9/jobs/${JOB_GUID}`);

    for (const answer of [theirs, cancel, madeUp])
      expect(answer).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', field: 'member_guid' } } });
    expect((await deps.jobs.getJob('MBR-2', JOB_GUID))?.status).toBe('RUNNING');
  });

  it('refuses a cursor the list did not give out (400 INVALID_CURSOR)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    const foreign = Buffer.from(JSON.stringify({ pk: 'MEMBER#MBR-2', sk: 'JOB#x' })).toString('base64url');

    const answer = await callApi(apiHandlersOver(deps), 'GET', `${MEMBER}/jobs?cursor=${foreign}`);

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR', field: 'cursor' } } });
  });
});

describe('answering challenges', () => {
  const challenge = { guid: 'CRD-q', type: 'TEXT', label: 'Your first pet?' };

  function parked() {
    const resumed: unknown[] = [];
    const deps = fakeApiDeps({
      users: [aUser()],
      members: [aMember()],
      mx: {
        resumeMember: async (...args: unknown[]) => {
          resumed.push(args);
          return {} as never;
        },
      },
    });
    deps.jobs.add(
      { jobGuid: JOB_GUID, userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'verify' },
      { status: 'CHALLENGED', challenges: [challenge as never], task_token: 'token-1' },
    );
    return { deps, resumed };
  }

  it('sends the answers to MX and resumes the job once (202)', async () => {
    const { deps, resumed } = parked();

    const answer = await callApi(apiHandlersOver(deps), 'PUT', `${MEMBER}/jobs/${JOB_GUID}/challenges`, {
      json: { challenges: [{ guid: 'CRD-q', value: 'Rex' }] },
    });

    expect(answer.status).toBe(202);
    expect(answer.body.job.status).toBe('RUNNING');
    expect(resumed).toEqual([['USR-1', 'MBR-1', [{ guid: 'CRD-q', value: 'Rex' }]]]);
    expect(deps.taskTokens.succeeded).toEqual(['token-1']);
  });

  it('refuses an answer to a challenge the job does not wait on, unsent (400 naming the field)', async () => {
    const { deps, resumed } = parked();

    const answer = await callApi(apiHandlersOver(deps), 'PUT', `${MEMBER}/jobs/${JOB_GUID}/challenges`, {
      json: { challenges: [{ guid: 'CRD-other', value: 'Rex' }] },
    });

    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', field: 'challenges.0.guid' } },
    });
    expect(resumed).toEqual([]);
  });

  it('refuses answers to a job that waits for none (409 JOB_NOT_CHALLENGED)', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    deps.jobs.add({ jobGuid: JOB_GUID, userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'verify' });

    const answer = await callApi(apiHandlersOver(deps), 'PUT', `${MEMBER}/jobs/${JOB_GUID}/challenges`, {
      json: { challenges: [{ guid: 'CRD-q', value: 'Rex' }] },
    });

    expect(answer.body.error).toEqual({
      code: 'JOB_NOT_CHALLENGED',
      message: 'the job is RUNNING, not waiting for an answer',
    });
  });

  it('refuses an answer after the wait ran out (409 CHALLENGE_EXPIRED), unsent to MX', async () => {
    const { deps, resumed } = parked();
    const parkedAt = new Date(deps.now().getTime() - 11 * 60_000).toISOString();
    deps.jobs.add(
      { jobGuid: JOB_GUID, userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'verify' },
      {
        status: 'CHALLENGED',
        challenges: [challenge as never],
        task_token: 'token-1',
        history: [{ at: parkedAt, status: 'CHALLENGED', connection_status: 'CHALLENGED' }],
        challenge_expires_at: new Date(Date.parse(parkedAt) + 10 * 60_000).toISOString(),
      },
    );

    const answer = await callApi(apiHandlersOver(deps), 'PUT', `${MEMBER}/jobs/${JOB_GUID}/challenges`, {
      json: { challenges: [{ guid: 'CRD-q', value: 'Rex' }] },
    });

    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({
      code: 'CHALLENGE_EXPIRED',
      message: 'the challenge waited longer than 10 minutes for its answer; start a new job',
    });
    expect(resumed).toEqual([]);
    expect(deps.taskTokens.succeeded).toEqual([]);
  });

  it('refuses an answer to a job that ended CHALLENGE_EXPIRED (409 CHALLENGE_EXPIRED), not JOB_NOT_CHALLENGED', async () => {
    const { deps, resumed } = parked();
    deps.jobs.add(
      { jobGuid: JOB_GUID, userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'verify' },
      { status: 'FAILED', error: { code: 'CHALLENGE_EXPIRED', message: 'not answered in time' } },
    );

    const answer = await callApi(apiHandlersOver(deps), 'PUT', `${MEMBER}/jobs/${JOB_GUID}/challenges`, {
      json: { challenges: [{ guid: 'CRD-q', value: 'Rex' }] },
    });

    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'CHALLENGE_EXPIRED' } } });
    expect(resumed).toEqual([]);
  });
});

describe('cancelling a job', () => {
  it('ends a running job CANCELLED, stops its execution and frees the member', async () => {
    const deps = memberAt('CONNECTED');
    const { body } = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/verify`, { json: {} });

    const answer = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/jobs/${body.job.guid}/cancel`);

    expect(answer.status).toBe(200);
    expect(answer.body.job).toMatchObject({ guid: body.job.guid, status: 'CANCELLED', error: { code: 'CANCELLED' } });
    const execution = executionArnOf(deps.stateMachineArns.verify, body.job.guid);
    expect(deps.sfn.stopped).toEqual([execution]);
    expect(await deps.jobs.getLock('MBR-1')).toBeUndefined();
  });

  it('refuses a job that already ended (409 JOB_ENDED naming its status) and stops nothing', async () => {
    const deps = fakeApiDeps({ users: [aUser()], members: [aMember()] });
    deps.jobs.add(
      { jobGuid: JOB_GUID, userGuid: 'USR-1', memberGuid: 'MBR-1', type: 'verify' },
      { status: 'SUCCEEDED' },
    );

    const answer = await callApi(apiHandlersOver(deps), 'POST', `${MEMBER}/jobs/${JOB_GUID}/cancel`);

    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'JOB_ENDED', field: 'job_guid' });
    expect(answer.body.error.message).toContain('SUCCEEDED');
    expect(deps.sfn.stopped).toEqual([]);
  });
});
