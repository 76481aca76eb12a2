import type { z } from 'zod';
import { isMxError } from '../../mx/index.js';
import type { ApiDeps } from '../../runtime/api-runtime.js';
import type { Operation } from '../api-handler.js';
import { ApiError } from '../api-error.js';
import { knownUser, ownedMember } from '../ownership.js';
import type { CreateMemberBody, UpdateMemberBody } from '../schemas.js';
import { jobView, memberView } from '../views.js';
import { startMemberJob } from './job-start.js';

/** A member is changed or removed only between jobs. */
async function assertIdle(deps: ApiDeps, memberGuid: string, action: string): Promise<void> {
  const running = await deps.jobs.getLock(memberGuid);
  if (running && running.expires_at * 1000 > deps.now().getTime()) {
    throw new ApiError(409, 'JOB_RUNNING', `a ${running.job_type} job (${running.job_guid}) is running on this member; ${action} it when the job ends`);
  }
}

export const memberOperations = {
  /**
   * Creates the member at MX (its credentials go to MX and nowhere else) and, when MX starts
   * its first aggregation (or will, once the end user finishes OAuth), a job that follows it.
   */
  createMember: async (deps, { params, body }) => {
    const user = await knownUser(deps, String(params.user_guid));
    const { member: request, client_redirect_url } = body as z.output<typeof CreateMemberBody>;
    let created;
    try {
      created = await (await deps.mx()).createMember(user.guid, { member: { ...request, credentials: request.credentials ?? [] }, ...(client_redirect_url ? { client_redirect_url } : {}) });
    } catch (error) {
      if (isMxError(error) && error.code === 'MX_CONFLICT') {
        throw new ApiError(409, 'MEMBER_EXISTS', 'this user already has a member at this institution with these credentials');
      }
      throw error;
    }
    const now = deps.now().toISOString();
    const member = {
      guid: String(created.member.guid),
      user_guid: user.guid,
      institution_code: request.institution_code,
      id: created.member.id ?? null,
      metadata: created.member.metadata ?? null,
      is_oauth: created.member.is_oauth ?? request.is_oauth ?? false,
      oauth_window_uri: created.member.oauth_window_uri ?? null,
      connection_status: created.member.connection_status ?? null,
      created_at: now,
      updated_at: now,
    };
    await deps.members.putMember(member);
    const follows = !request.skip_aggregation;
    const started = follows ? await startMemberJob(deps, { type: 'aggregate', userGuid: user.guid, memberGuid: member.guid, observe: true }) : undefined;
    const job = (started?.body as { job?: unknown } | undefined)?.job;
    return { status: 201, body: { member: memberView(member), ...(job ? { job } : {}) }, headers: { Location: `/users/${user.guid}/members/${member.guid}` } };
  },

  listMembers: async (deps, { params }) => {
    const user = await knownUser(deps, String(params.user_guid));
    const members = await deps.members.listMembers(user.guid);
    // Each member's connection status is the one its latest job saw.
    const latest = await Promise.all(members.map(async (m) => (await deps.jobs.listJobs(m.guid, { limit: 1 })).items[0]));
    return { status: 200, body: { members: members.map((m, i) => memberView(m, latest[i])) } };
  },

  readMember: async (deps, { params }) => {
    const member = await ownedMember(deps, String(params.user_guid), String(params.member_guid));
    const { items } = await deps.jobs.listJobs(member.guid, { limit: 1 });
    const latest = items[0];
    return { status: 200, body: { member: memberView(member, latest), ...(latest ? { job: jobView(latest) } : {}) } };
  },

  /** New credentials: MX re-authenticates the member, and a job follows that aggregation. */
  updateMemberCredentials: async (deps, { params, body }) => {
    const member = await ownedMember(deps, String(params.user_guid), String(params.member_guid));
    await assertIdle(deps, member.guid, 'update');
    const { member: update } = body as z.output<typeof UpdateMemberBody>;
    await (await deps.mx()).updateMember(member.user_guid, member.guid, { credentials: update.credentials });
    const updated = { ...member, updated_at: deps.now().toISOString() };
    await deps.members.putMember(updated);
    const started = await startMemberJob(deps, { type: 'aggregate', userGuid: member.user_guid, memberGuid: member.guid, observe: true });
    return { ...started, body: { member: memberView(updated), ...(started.body as object) } };
  },

  /** Deletes the member at MX and, here, with every result stored for it. */
  deleteMember: async (deps, { params }) => {
    const member = await ownedMember(deps, String(params.user_guid), String(params.member_guid));
    await assertIdle(deps, member.guid, 'delete');
    try {
      await (await deps.mx()).deleteMember(member.user_guid, member.guid);
    } catch (error) {
      // Already gone at MX: finish the deletion here.
      if (!(isMxError(error) && error.code === 'MX_NOT_FOUND')) throw error;
    }
    await deps.members.deleteMember(member.user_guid, member.guid);
    return { status: 204 };
  },
} satisfies Record<string, Operation>;
