import type { ResultKind } from '#shared/store/keys.js';
import type { ResultQuery, ResultStore } from '#shared/store/result-store.js';

/**
 * The results store in memory: rows keyed by MX guid, as the table keys them, in the order first
 * stored; FetchResults writes them, the API reads them (pages are not cut: lists here are small).
 */
export class InMemoryResultStore implements Pick<ResultStore, keyof ResultStore> {
  private readonly rows = new Map<string, Map<string, unknown>>();
  /** Page writes, in order: how many copies a step made. */
  writes = 0;

  async putResults(
    memberGuid: string,
    kind: ResultKind,
    _jobGuid: string,
    items: readonly { guid?: string | null }[],
  ): Promise<number> {
    this.writes += 1;
    const rows = this.rows.get(`${memberGuid}/${kind}`) ?? new Map<string, unknown>();
    for (const item of items) rows.set(String(item.guid), structuredClone(item));
    this.rows.set(`${memberGuid}/${kind}`, rows);
    return items.length;
  }

  /** The rows stored for a member and kind. */
  stored(memberGuid: string, kind: ResultKind): unknown[] {
    return [...(this.rows.get(`${memberGuid}/${kind}`)?.values() ?? [])];
  }

  async listResults<T>(memberGuid: string, kind: ResultKind, options: ResultQuery = {}) {
    const { accountGuid, fromDate, toDate } = options.filter ?? {};
    const items = (this.stored(memberGuid, kind) as Record<string, unknown>[]).filter(
      (row) =>
        (!accountGuid || row.account_guid === accountGuid) &&
        (!fromDate || String(row.date) >= fromDate) &&
        (!toDate || String(row.date) <= toDate),
    );
    return { items: items.slice(0, options.limit ?? 100) as T[] };
  }

  async countResults(memberGuid: string, kind: ResultKind): Promise<number> {
    return this.stored(memberGuid, kind).length;
  }
}
