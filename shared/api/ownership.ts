import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import type { MemberRecord } from '#shared/store/member-store.js';
import type { UserRecord } from '#shared/store/user-store.js';
import { notFound } from './api-error.js';

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
