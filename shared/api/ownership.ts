import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import type { MemberRecord } from '#shared/store/member-store.js';
import type { UserRecord } from '#shared/store/user-store.js';
import { ApiError, notFound } from './api-error.js';

export async function knownUser(deps: ApiDeps, userGuid: string): Promise<UserRecord> {
  const user = await deps.users.getUser(userGuid);
  if (!user) throw notFound('user', 'user_guid');
  return user;
}

/** The member, if it is this user's: another user's member is as unknown as a made-up guid. */
export async function ownedMember(deps: ApiDeps, userGuid: string, memberGuid: string): Promise<MemberRecord> {
  const member = await deps.members.getMember(userGuid, memberGuid);
  if (member) return member;
  await knownUser(deps, userGuid);
  throw notFound('member', 'member_guid');
}

/** A member that may still change: one being deleted (or whose user is) refuses with 409. */
export async function changeableMember(deps: ApiDeps, userGuid: string, memberGuid: string): Promise<MemberRecord> {
  const member = await ownedMember(deps, userGuid, memberGuid);
  if (member.deletion_guid) throw new ApiError('MEMBER_BEING_DELETED', member.deletion_guid);
  return member;
}

/** A user that may still change: one being deleted refuses with 409. */
export async function changeableUser(deps: ApiDeps, userGuid: string): Promise<UserRecord> {
  const user = await knownUser(deps, userGuid);
  if (user.deletion_guid) throw new ApiError('USER_BEING_DELETED', user.deletion_guid);
  return user;
}
