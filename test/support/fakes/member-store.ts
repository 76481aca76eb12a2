import type { MemberRecord, MemberStore } from '#shared/store/member-store.js';

/** MemberStore in memory, keyed by user and member guid. */
export class InMemoryMemberStore implements Pick<MemberStore, keyof MemberStore> {
  readonly members = new Map<string, MemberRecord>();
  /** Members deleted, with their results (the real store deletes those too). */
  readonly deleted: string[] = [];

  constructor(members: readonly MemberRecord[] = []) {
    for (const member of members) this.members.set(`${member.user_guid}/${member.guid}`, member);
  }

  async putMember(member: MemberRecord): Promise<void> {
    this.members.set(`${member.user_guid}/${member.guid}`, member);
  }

  async getMember(userGuid: string, memberGuid: string): Promise<MemberRecord | undefined> {
    return this.members.get(`${userGuid}/${memberGuid}`);
  }

  async listMembers(userGuid: string): Promise<MemberRecord[]> {
    return [...this.members.values()].filter((member) => member.user_guid === userGuid);
  }

  async recordConnectionStatus(
    userGuid: string,
    memberGuid: string,
    status: { connectionStatus: string | null; readAt: Date },
  ): Promise<boolean> {
    const member = this.members.get(`${userGuid}/${memberGuid}`);
    const at = status.readAt.toISOString();
    if (!member || (member.connection_status_at !== undefined && member.connection_status_at >= at)) return false;
    this.members.set(`${userGuid}/${memberGuid}`, {
      ...member,
      connection_status: status.connectionStatus,
      connection_status_at: at,
    });
    return true;
  }

  async deleteMember(userGuid: string, memberGuid: string): Promise<void> {
    this.members.delete(`${userGuid}/${memberGuid}`);
    this.deleted.push(memberGuid);
  }
}
