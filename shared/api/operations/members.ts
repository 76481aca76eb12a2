import type { MemberResponse } from 'mx-platform-node';
import { ApiError, userDisabled } from '#shared/api/api-error.js';
import { memberDeletedBody } from '#shared/api/deletion-warnings.js';
import type { FamilyOperations } from '#shared/api/operation.js';
import { changeableMember, changeableUser, knownUser, ownedMember } from '#shared/api/ownership.js';
import { checkRedirectUrl } from '#shared/api/redirect-url.js';
import type { CreateMemberBody } from '#shared/api/schemas.js';
import { deletionView, jobView, memberView } from '#shared/api/views.js';
import { ACCESS_REFUSED_CODES, isMxError, type MxClient, type MxError } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import type * as z from '#shared/runtime/zod.js';
import { deletionLocation, startDeletion } from './deletion-start.js';
import { startMemberJob } from './job-start.js';
import { renewOAuthWindow } from './oauth-window.js';

/** A member is changed or removed only between jobs. */
async function assertIdle(deps: ApiDeps, memberGuid: string, action: string): Promise<void> {
  const running = await deps.jobs.liveLock(memberGuid, deps.now());
  if (running) {
    throw new ApiError('JOB_RUNNING', {
      running: { type: running.job_type, guid: running.job_guid },
      advice: `${action} it when the job ends`,
    });
  }
}

/**
 * MX calls the slowest route makes one after another, each limited by the API's MX time-out:
 * a create adopting the member MX holds (create, list the user's members, then the start's
 * check of the member and user, read side by side).
 */
export const CREATE_MEMBER_SEQUENTIAL_MX_CALLS = 3;

/** MX's limit: "the limit of 25 members per user applies to all environments". */
export const MX_MEMBERS_PER_USER = 25;

type CreateMemberRequest = z.output<typeof CreateMemberBody>['member'];

/** The first page of the user's members at MX: one page holds them all (at most 25). */
async function mxMembersOf(mx: MxClient, userGuid: string): Promise<{ members: MemberResponse[]; total: number }> {
  const first = await mx.listMembers(userGuid).next();
  return first.done ? { members: [], total: 0 } : { members: first.value.items, total: first.value.totalEntries };
}

/**
 * The member MX refused to create twice: the user's one member at this institution (with this
 * id, when one was asked for). Of several, MX's 409 does not say which holds these credentials,
 * so none is adopted: another login's member must never be answered as this one.
 */
async function memberMxHolds(
  mx: MxClient,
  userGuid: string,
  request: CreateMemberRequest,
): Promise<MemberResponse | undefined> {
  const { members } = await mxMembersOf(mx, userGuid);
  const matching = members.filter(
    (m) =>
      m.institution_code === request.institution_code &&
      !m.is_oauth &&
      (request.id === undefined || m.id === request.id),
  );
  return matching.length === 1 ? matching[0] : undefined;
}

/**
 * MX's refusal of a create, said the way a caller can act on: a disabled user, the member limit,
 * or an OPTIONS credential given a value it does not offer. MX publishes neither the statuses nor
 * the messages of these refusals, so the user, its members and the institution's credentials
 * are read (at once) and the refusal is kept as MX said it when none of them explains it.
 */
async function explainedRefusal(
  mx: MxClient,
  userGuid: string,
  request: CreateMemberRequest,
  error: MxError,
): Promise<ApiError | undefined> {
  if (
    error.status === undefined ||
    error.status >= 500 ||
    error.code === 'MX_NOT_FOUND' ||
    error.code === 'MX_RATE_LIMITED'
  )
    return undefined;
  // MX refusing mxflow itself refuses the reads that would explain it too: only a bare 403
  // (MX_FORBIDDEN, as for a disabled user) is worth asking about.
  if (error.code !== 'MX_FORBIDDEN' && ACCESS_REFUSED_CODES.includes(error.code)) return undefined;
  const [mxUser, members, credentials] = await Promise.allSettled([
    mx.readUser(userGuid),
    mxMembersOf(mx, userGuid),
    request.credentials?.length ? mx.listInstitutionCredentials(request.institution_code) : Promise.resolve([]),
  ]);
  if (mxUser.status === 'fulfilled' && mxUser.value.is_disabled) {
    return userDisabled();
  }
  if (members.status === 'fulfilled' && members.value.total >= MX_MEMBERS_PER_USER) {
    return new ApiError('MEMBER_LIMIT_REACHED', { members: members.value.total, limit: MX_MEMBERS_PER_USER });
  }
  if (credentials.status === 'fulfilled') {
    const offered = new Map(credentials.value.map((c) => [c.guid, (c as { options?: { value?: string }[] }).options]));
    const index = (request.credentials ?? []).findIndex((c) => {
      const options = offered.get(c.guid);
      return Array.isArray(options) && !options.some((o) => o.value === c.value);
    });
    if (index >= 0) {
      const field = `member.credentials.${index}.value`;
      return new ApiError(
        'VALIDATION_FAILED',
        `${field} is not one of the options this credential offers; send an option's value`,
        { field },
      );
    }
  }
  return undefined;
}

/** 400 naming the field of a re-authentication that does not fit the member. */
function oauthFieldRefused(field: string, problem: string): ApiError {
  return new ApiError('VALIDATION_FAILED', `${field} ${problem}`, { field });
}

/** The job following the member's first aggregation; an adopted member may be busy with another job already. */
async function followFirstAggregation(
  deps: ApiDeps,
  member: { guid: string; user_guid: string },
  { adopted, observe }: { adopted: boolean; observe: boolean },
): Promise<unknown> {
  try {
    const started = await startMemberJob(deps, {
      type: 'aggregate',
      userGuid: member.user_guid,
      memberGuid: member.guid,
      observe,
    });
    return started.body.job;
  } catch (error) {
    // An adopted member is answered as it is, even one MX will not aggregate now (its
    // connection_status says why): failing the create would hide the member it adopted.
    if (adopted && error instanceof ApiError && error.status === 409) return undefined;
    throw error;
  }
}

export const memberOperations = {
  /**
   * Creates the member at MX (its credentials go to MX and nowhere else) and, when MX starts
   * its first aggregation (or will, once the end user finishes OAuth), a job that follows it.
   * A create MX refuses as a duplicate is a retry whose first answer was lost: the member MX
   * holds is adopted (200, `adopted: true`) rather than left orphaned at MX.
   */
  createMember: async (deps, { params, body: { member: request, ...referral } }) => {
    checkRedirectUrl(referral.client_redirect_url, deps.clientRedirectSchemes, 'client_redirect_url');
    const user = await changeableUser(deps, params.user_guid);
    const mx = await deps.mx();
    let mxMember: MemberResponse;
    let adopted = false;
    try {
      ({ member: mxMember } = await mx.createMember(user.guid, {
        member: { ...request, credentials: request.credentials ?? [] },
        ...referral,
      }));
    } catch (error) {
      if (!isMxError(error)) throw error;
      if (error.code !== 'MX_CONFLICT') throw (await explainedRefusal(mx, user.guid, request, error)) ?? error;
      const existing = await memberMxHolds(mx, user.guid, request);
      if (!existing) throw new ApiError('MEMBER_EXISTS');
      mxMember = existing;
      adopted = true;
    }
    const now = deps.now().toISOString();
    const guid = String(mxMember.guid);
    const stored = adopted ? await deps.members.getMember(user.guid, guid) : undefined;
    const member = {
      guid,
      user_guid: user.guid,
      institution_code: request.institution_code,
      id: mxMember.id ?? null,
      metadata: mxMember.metadata ?? null,
      is_oauth: mxMember.is_oauth ?? request.is_oauth ?? false,
      oauth_window_uri: mxMember.oauth_window_uri ?? null,
      connection_status: mxMember.connection_status ?? null,
      created_at: stored?.created_at ?? now,
      updated_at: now,
    };
    await deps.members.putMember(member);
    // A new member's first aggregation is MX's own; an adopted one idle at MX gets one started.
    const observe = !adopted || mxMember.is_being_aggregated === true;
    const job = request.skip_aggregation ? undefined : await followFirstAggregation(deps, member, { adopted, observe });
    return {
      status: adopted ? 200 : 201,
      body: { member: memberView(member), ...(job ? { job } : {}), ...(adopted ? { adopted: true } : {}) },
      headers: { Location: `/users/${user.guid}/members/${member.guid}` },
    };
  },

  listMembers: async (deps, { params }) => {
    const user = await knownUser(deps, params.user_guid);
    const members = await deps.members.listMembers(user.guid);
    // Each member's connection status is the one its latest job saw.
    const latest = await Promise.all(
      members.map(async (m) => (await deps.jobs.listJobs(m.guid, { limit: 1 })).items[0]),
    );
    return { status: 200, body: { members: members.map((m, i) => memberView(m, latest[i])) } };
  },

  readMember: async (deps, { params }) => {
    const member = await ownedMember(deps, params.user_guid, params.member_guid);
    const { items } = await deps.jobs.listJobs(member.guid, { limit: 1 });
    const latest = items[0];
    return { status: 200, body: { member: memberView(member, latest), ...(latest ? { job: jobView(latest) } : {}) } };
  },

  /**
   * Re-authenticates the member: new credentials, and a job follows the aggregation they start;
   * an OAuth member has none and gets a fresh OAuth window instead (as `…/oauth_window_uri`).
   */
  updateMemberCredentials: async (deps, { params, body: { member: update, ...referral } }) => {
    const member = await changeableMember(deps, params.user_guid, params.member_guid);
    if (member.is_oauth) {
      if (update)
        throw oauthFieldRefused(
          'member',
          'an OAuth member has no credentials: send none, and the end user finishes a new OAuth window',
        );
      return renewOAuthWindow(deps, member, referral);
    }
    if (!update) throw oauthFieldRefused('member', 'is required: send the new credentials');
    const oauthOnly = Object.keys(referral).find((k) => referral[k as keyof typeof referral] !== undefined);
    if (oauthOnly) throw oauthFieldRefused(oauthOnly, 'is for OAuth members only');
    await assertIdle(deps, member.guid, 'update');
    await (await deps.mx()).updateMember(member.user_guid, member.guid, { credentials: update.credentials });
    const updated = { ...member, updated_at: deps.now().toISOString() };
    await deps.members.putMember(updated);
    const started = await startMemberJob(deps, {
      type: 'aggregate',
      userGuid: member.user_guid,
      memberGuid: member.guid,
      observe: true,
    });
    return { ...started, body: { member: memberView(updated), ...started.body } };
  },

  /** A fresh OAuth window for an OAuth member waiting for one; the job waiting for it gets it. */
  requestOAuthWindow: async (deps, { params, body }) =>
    renewOAuthWindow(deps, await changeableMember(deps, params.user_guid, params.member_guid), body ?? {}),

  /**
   * Deletes the member asynchronously: 202 with the deletion to follow (its running job is
   * cancelled, MX deletes it, every item mxflow holds for it is purged), warning when it held
   * account numbers that stop being usable.
   */
  deleteMember: async (deps, { params }) => {
    const member = await ownedMember(deps, params.user_guid, params.member_guid);
    const accountNumbers = await deps.results.countResults(member.guid, 'account_numbers');
    const deletion = await startDeletion(deps, {
      scope: 'member',
      userGuid: member.user_guid,
      memberGuids: [member.guid],
      underway: member.deletion_guid,
    });
    return {
      status: 202,
      body: { ...memberDeletedBody(member, accountNumbers), deletion: deletionView(deletion) },
      headers: { Location: deletionLocation(deletion.deletion_guid) },
    };
  },
} satisfies FamilyOperations<'members'>;
