import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor, expectOk } from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

// DynamoDB Local is always consistent; AWS is not. Here the fault layer hides, from every read
// that does not ask for consistency, any item first written less than a minute ago.
let h: WorkflowHarness;
beforeAll(async () => {
  h = await startWorkflowHarness({ faults: { dynamodb: { staleReadMs: 60_000 } } });
});
afterAll(async () => h?.stop());

describe('reads that follow the caller’s own writes, under eventual consistency', () => {
  it('reads a user, lists its member and reads a job right after creating each, where a stale read would 404', async () => {
    const api = h.api().typed;
    const created = expectOk(await api.POST('/users', { body: { user: { id: 'consistent-reads' } } }), 201);
    const user_guid = created.user.guid;
    const credentials = await credentialsFor(h.api(), 'password');

    const user = expectOk(await api.GET('/users/{user_guid}', { params: { path: { user_guid } } }));
    const member = expectOk(
      await api.POST('/users/{user_guid}/members', {
        params: { path: { user_guid } },
        body: { member: { institution_code: 'mxbank', credentials, skip_aggregation: true } },
      }),
      201,
    );
    const member_guid = member.member.guid;
    const members = expectOk(await api.GET('/users/{user_guid}/members', { params: { path: { user_guid } } }));
    const started = expectOk(
      await api.POST('/users/{user_guid}/members/{member_guid}/verify', {
        params: { path: { user_guid, member_guid } },
        body: {},
      }),
      202,
    );
    const job = expectOk(
      await api.GET('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}', {
        params: { path: { user_guid, member_guid, job_guid: started.job.guid } },
      }),
    );

    expect(user.user.guid).toBe(user_guid);
    expect(members.members.map((m) => m.guid)).toEqual([member_guid]);
    expect(job.job.guid).toBe(started.job.guid);
  });
});
