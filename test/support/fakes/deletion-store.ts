import type { DeletionRecord, DeletionStore, NewDeletion } from '#shared/store/deletion-store.js';
import { DeletionUnderwayError, newDeletionRecord } from '#shared/store/deletion-store.js';
import type { InMemoryMemberStore } from './member-store.js';
import type { InMemoryUserStore } from './user-store.js';

/**
 * DeletionStore in memory: records by guid; a deletion marks the user and members it names in
 * the in-memory user and member stores, refusing (DeletionUnderwayError) when one is marked.
 */
export class InMemoryDeletionStore implements Pick<DeletionStore, keyof DeletionStore> {
  readonly deletions = new Map<string, DeletionRecord>();
  /** The member locks the deletions hold, by member guid. */
  readonly locks = new Map<string, string>();

  constructor(
    private readonly users: InMemoryUserStore,
    private readonly members: InMemoryMemberStore,
  ) {}

  async createDeletion(deletion: NewDeletion): Promise<DeletionRecord> {
    const user = this.users.users.get(deletion.userGuid);
    const members = await Promise.all(deletion.memberGuids.map((m) => this.members.getMember(deletion.userGuid, m)));
    const marked = [...(deletion.scope === 'user' ? [user] : []), ...members].find((item) => item?.deletion_guid);
    if (marked?.deletion_guid) throw new DeletionUnderwayError(marked.deletion_guid);
    const record = newDeletionRecord(deletion);
    this.deletions.set(record.deletion_guid, record);
    if (deletion.scope === 'user' && user) {
      this.users.users.set(user.guid, { ...user, deletion_guid: deletion.deletionGuid });
    }
    for (const member of members) {
      if (member) await this.members.putMember({ ...member, deletion_guid: deletion.deletionGuid });
    }
    return record;
  }

  async getDeletion(deletionGuid: string): Promise<DeletionRecord | undefined> {
    return this.deletions.get(deletionGuid);
  }

  async takeMemberLock(memberGuid: string, deletionGuid: string): Promise<string | undefined> {
    this.locks.set(memberGuid, deletionGuid);
    return undefined;
  }

  async recordProgress(
    deletionGuid: string,
    progress: { cancelledJobs?: readonly string[]; deletedAtMx?: boolean; itemsDeleted?: number; now: Date },
  ): Promise<void> {
    const record = this.deletions.get(deletionGuid);
    if (!record) throw new Error(`no deletion ${deletionGuid}`);
    this.deletions.set(deletionGuid, {
      ...record,
      cancelled_jobs: [...record.cancelled_jobs, ...(progress.cancelledJobs ?? [])],
      deleted_at_mx: record.deleted_at_mx || (progress.deletedAtMx ?? false),
      items_deleted: record.items_deleted + (progress.itemsDeleted ?? 0),
      updated_at: progress.now.toISOString(),
    });
  }

  async finishDeletion(
    deletion: DeletionRecord,
    end: { status: 'SUCCEEDED' | 'FAILED'; error?: { code: string; message: string }; now: Date },
  ): Promise<void> {
    const record = this.deletions.get(deletion.deletion_guid);
    if (record?.status !== 'RUNNING') return;
    const at = end.now.toISOString();
    this.deletions.set(deletion.deletion_guid, {
      ...record,
      status: end.status,
      error: end.error ?? null,
      finished_at: at,
      updated_at: at,
    });
  }
}
