import type { UserRecord, UserStore } from '#shared/store/user-store.js';

/** UserStore in memory: users by guid, the caller's id unique as the table's index keeps it. */
export class InMemoryUserStore implements Pick<UserStore, keyof UserStore> {
  readonly users = new Map<string, UserRecord>();

  constructor(users: readonly UserRecord[] = []) {
    for (const user of users) this.users.set(user.guid, user);
  }

  async getUser(userGuid: string): Promise<UserRecord | undefined> {
    return this.users.get(userGuid);
  }

  async findByCallerId(id: string): Promise<UserRecord | undefined> {
    return [...this.users.values()].find((user) => user.id === id);
  }

  async putUser(user: UserRecord): Promise<{ user: UserRecord; created: boolean }> {
    const existing = this.users.get(user.guid) ?? (user.id ? await this.findByCallerId(user.id) : undefined);
    if (existing) return { user: existing, created: false };
    this.users.set(user.guid, user);
    return { user, created: true };
  }
}
