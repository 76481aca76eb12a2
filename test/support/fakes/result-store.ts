import type { WorkflowResultStore } from '#shared/jobs/workflow-deps.js';
import type { ResultKind } from '#shared/store/keys.js';

/** The results FetchResults copies, in memory: rows keyed by MX guid, as the table keys them. */
export class InMemoryResultStore implements WorkflowResultStore {
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
}
