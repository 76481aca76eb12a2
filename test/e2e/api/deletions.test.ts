import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchResultsStep } from '#shared/jobs/fetch-results.js';
import { lazyWorkflowMx } from '#shared/jobs/lazy-workflow-mx.js';
import { executionArnOf } from '#shared/jobs/reconcile-jobs.js';
import { BATCH_SIZE } from '#shared/store/batch-write.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  deletionEnded,
  expectOk,
  expectRefusal,
  status,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-deletions', jobDurationMs: 150_000 },
    environment: { ...API_TEST_POLLING },
  });
  api = h.api();
});
afterAll(async () => h?.stop());

const ofUser = (user_guid: string) => ({ params: { path: { user_guid } } });
const ofMember = (user_guid: string, member_guid: string) => ({ params: { path: { user_guid, member_guid } } });

/** A member of MX Bank through the API, its first aggregation done (results, a sync state, a change feed). */
async function aggregatedMember(user: string): Promise<string> {
  const created = expectOk(
    await api.typed.POST('/users/{user_guid}/members', {
      ...ofUser(user),
      body: { member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') } },
    }),
    201,
  );
  await waitForJob(api, created.job!, status('SUCCEEDED'));
  const identified = expectOk(
    await api.typed.POST('/users/{user_guid}/members/{member_guid}/identify', {
      ...ofMember(user, created.member.guid),
      body: {},
    }),
    202,
  );
  await waitForJob(api, identified.job, status('SUCCEEDED'));
  return created.member.guid;
}

/** A member whose verification waits on its account-selection challenge: a job in flight, its token parked. */
async function memberWithParkedJob(user: string) {
  const created = expectOk(
    await api.typed.POST('/users/{user_guid}/members', {
      ...ofUser(user),
      body: {
        member: {
          institution_code: 'mxbank',
          // Any other password connects too: a second member of the same user, not MX's duplicate.
          credentials: await credentialsFor(api, `parked-${crypto.randomUUID()}`),
          skip_aggregation: true,
        },
      },
    }),
    201,
  );
  const member = created.member.guid;
  const started = expectOk(
    await api.typed.POST('/users/{user_guid}/members/{member_guid}/verify', { ...ofMember(user, member), body: {} }),
    202,
  );
  const job = await waitForJob(api, started.job, status('CHALLENGED'));
  return { member, job };
}

/** The table's items that name any of these guids, the deletion's own record (guids and counts) aside. */
async function itemsNaming(...guids: string[]) {
  const items = await storedItems(h.stack);
  return items.filter(
    (item) => !String(item.pk).startsWith('DELETION#') && guids.some((guid) => JSON.stringify(item).includes(guid)),
  );
}

describe('DELETE /users/{user_guid}', () => {
  it('cancels the job in flight, deletes the user at MX and leaves no item of it, its members or its jobs', async () => {
    const user = await createUser(api);
    const synced = await aggregatedMember(user);
    const { member: busy, job } = await memberWithParkedJob(user);
    // More items than two of DynamoDB's write batches: the deletion has to write several.
    expect((await itemsNaming(user, synced, busy)).length).toBeGreaterThan(2 * BATCH_SIZE);

    const deleted = expectOk(await api.typed.DELETE('/users/{user_guid}', ofUser(user)), 202);
    const ended = await deletionEnded(api, deleted.deletion.guid);

    expect(deleted.deletion).toMatchObject({ scope: 'user', user_guid: user, status: 'RUNNING' });
    expect(new Set(deleted.deletion.member_guids)).toEqual(new Set([synced, busy]));
    expect(ended).toMatchObject({ status: 'SUCCEEDED', cancelled_jobs: [job.guid], deleted_at_mx: true, error: null });
    expect(ended.items_deleted).toBeGreaterThan(2 * BATCH_SIZE);
    expect(await itemsNaming(user, synced, busy, job.guid)).toEqual([]);
    const execution = executionArnOf(h.stack.stateMachineArns.verify, job.guid);
    expect(h.stack.stepFunctions.describeExecution({ executionArn: execution }).status).toBe('ABORTED');
    await expect(h.mx.readUser(user)).rejects.toMatchObject({ code: 'MX_NOT_FOUND' });
    expectRefusal(await api.typed.GET('/users/{user_guid}', ofUser(user)), 404, 'NOT_FOUND', 'user_guid');
  });

  it("refuses a late step of a purged member's job: it writes nothing after the purge", async () => {
    const user = await createUser(api);
    const { member, job } = await memberWithParkedJob(user);
    const deleted = expectOk(await api.typed.DELETE('/users/{user_guid}', ofUser(user)), 202);
    await deletionEnded(api, deleted.deletion.guid);

    // The copy step of the cancelled job, run late (a retry, or a task past its stop) against the real table.
    const late = await fetchResultsStep(
      {
        mx: lazyWorkflowMx(async () => h.mx),
        jobs: h.stack.jobs,
        results: h.stack.results,
        fetchConcurrency: 1,
        now: () => new Date(),
      },
      {
        job: { jobGuid: job.guid, userGuid: user, memberGuid: member, jobType: 'verify', isOauth: false },
        includeTransactions: false,
        progress: {
          next: 'FETCH_RESULTS',
          reason: null,
          connectionStatus: 'CONNECTED',
          pollCount: 1,
          waitSeconds: 0,
          pendingSeconds: 0,
          retryWaits: 0,
        },
      },
    ).catch((error: unknown) => error);
    const finished = await h.stack.jobs.finishJob(member, job.guid, { status: 'SUCCEEDED', now: new Date() });

    expect(late).toMatchObject({ name: 'JobNotActive' });
    expect(finished).toBe(false);
    expect(await itemsNaming(user, member, job.guid)).toEqual([]);
  });

  it('answers the deletion under way when asked again, and refuses a new member meanwhile', async () => {
    const user = await createUser(api);
    await memberWithParkedJob(user);

    const first = expectOk(await api.typed.DELETE('/users/{user_guid}', ofUser(user)), 202);
    const again = await api.typed.DELETE('/users/{user_guid}', ofUser(user));
    const newMember = await api.typed.POST('/users/{user_guid}/members', {
      ...ofUser(user),
      body: { member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password') } },
    });
    await deletionEnded(api, first.deletion.guid);

    if (again.response.status === 202) expect(expectOk(again, 202).deletion.guid).toBe(first.deletion.guid);
    // Unless the purge was already through: then the user is gone.
    else expectRefusal(again, 404, 'NOT_FOUND', 'user_guid');
    expect([409, 404]).toContain(newMember.response.status);
    expect(JSON.stringify(newMember.error)).toMatch(/USER_BEING_DELETED|NOT_FOUND/);
  });
});

describe('DELETE /users/{user_guid}/members/{member_guid}', () => {
  it("cancels the member's job, purges the member and leaves the user's other member as it was", async () => {
    const user = await createUser(api);
    const kept = await aggregatedMember(user);
    const { member, job } = await memberWithParkedJob(user);
    const keptBefore = (await itemsNaming(kept)).length;

    const deleted = expectOk(
      await api.typed.DELETE('/users/{user_guid}/members/{member_guid}', ofMember(user, member)),
      202,
    );
    const ended = await deletionEnded(api, deleted.deletion.guid);

    expect(ended).toMatchObject({ scope: 'member', member_guids: [member], cancelled_jobs: [job.guid] });
    expect(ended.status).toBe('SUCCEEDED');
    expect(await itemsNaming(member, job.guid)).toEqual([]);
    expect((await itemsNaming(kept)).length).toBe(keptBefore);
    await expect(h.mx.readMember(user, member)).rejects.toMatchObject({ code: 'MX_NOT_FOUND' });
    expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}', ofMember(user, kept)));
    expectRefusal(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', ofMember(user, member)),
      404,
      'NOT_FOUND',
      'member_guid',
    );
  });
});

describe('POST …/jobs/{job_guid}/cancel', () => {
  it('ends a challenged job CANCELLED and stops its execution; the member takes a new job at once', async () => {
    const user = await createUser(api);
    const { member, job } = await memberWithParkedJob(user);
    const path = { user_guid: user, member_guid: member, job_guid: job.guid };
    const cancel = (job_guid: string) =>
      api.typed.POST('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/cancel', {
        params: { path: { ...path, job_guid } },
      });

    const cancelled = expectOk(await cancel(job.guid));
    const again = await cancel(job.guid);
    // MX's member still waits on the challenge: a new job follows it (observe) and parks on it again.
    const next = expectOk(
      await api.typed.POST('/users/{user_guid}/members/{member_guid}/verify', {
        ...ofMember(user, member),
        body: { observe: true },
      }),
      202,
    );

    expect(cancelled.job).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
    expectRefusal(again, 409, 'JOB_ENDED', 'job_guid');
    const execution = executionArnOf(h.stack.stateMachineArns.verify, job.guid);
    expect(h.stack.stepFunctions.describeExecution({ executionArn: execution }).status).toBe('ABORTED');
    expect(next.job.guid).not.toBe(job.guid);
    expect((await waitForJob(api, next.job, status('CHALLENGED'))).challenges).toEqual(job.challenges);
    const read = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}', { params: { path } }),
    );
    expect(read.job.status).toBe('CANCELLED');
    expectOk(await cancel(next.job.guid));
  });
});
