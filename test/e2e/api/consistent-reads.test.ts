import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '#test/support/api-client.js';
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
    const api = apiClient(h.stack.endpoints.api);
    const created = await api.post('/users', { user: { id: 'consistent-reads' } });
    const userGuid = String(created.body.user.guid);
    const fields = (await api.get('/institutions/mxbank/credentials')).body.credentials as {
      guid: string;
      field_type: string;
    }[];
    const credentials = fields.map((f) => ({
      guid: f.guid,
      value: f.field_type === 'PASSWORD' ? 'password' : 'mxuser',
    }));

    const user = await api.get(`/users/${userGuid}`);
    const member = await api.post(`/users/${userGuid}/members`, {
      member: { institution_code: 'mxbank', credentials, skip_aggregation: true },
    });
    const memberGuid = String(member.body.member.guid);
    const members = await api.get(`/users/${userGuid}/members`);
    const started = await api.post(`/users/${userGuid}/members/${memberGuid}/verify`, {});
    const job = await api.get(`/users/${userGuid}/members/${memberGuid}/jobs/${started.body.job.guid}`);

    expect([created.status, user.status, member.status, members.status, started.status, job.status]).toEqual([
      201, 200, 201, 200, 202, 200,
    ]);
    expect(members.body.members.map((m: { guid: string }) => m.guid)).toEqual([memberGuid]);
    expect(job.body.job.guid).toBe(started.body.job.guid);
  });
});
